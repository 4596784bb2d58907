/**
 * The custom menu of a simulated account (WECHAT.md §15): `menu/create` checks a menu the way
 * WeChat does and answers its errcodes (§15.5) — counts, UTF-8 byte lengths, each type's required
 * fields, the `sub_button` exclusivity, nesting, URLs and the 3-domain limit — then stores it;
 * `menu/get` answers it with `sub_button: []` on leaves and a `menuid` (46003 when there is none);
 * `get_current_selfmenu_info` answers the `{ list: … }` shape; `menu/delete` clears it. The menu is
 * part of the account's record, so it is saved with the rest of the world.
 */
import type { MenuButtonJson } from '#shared/wechat/api-types.ts';
import { SimulatedWeChatError } from './wechat-error.ts';

/** A button as WeChat's menu/create takes it (the hub's typed client declares the shape). */
export type SimMenuButton = MenuButtonJson;

export interface SimMenu {
  button: SimMenuButton[];
  menuid: number;
}

const KEY_TYPES = new Set(['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select']);
const URL_TYPES = new Set(['view', 'miniprogram']);
const MEDIA_TYPES = new Set(['media_id', 'view_limited']);
const ARTICLE_TYPES = new Set(['article_id', 'article_view_limited']);
const TYPES = new Set([...KEY_TYPES, ...URL_TYPES, ...MEDIA_TYPES, ...ARTICLE_TYPES]);
const FIELDS = ['type', 'name', 'key', 'url', 'appid', 'pagepath', 'media_id', 'article_id'] as const;

/** errcodes of one level: top buttons or sub-buttons (§15.5). */
const codes = {
  top: { type: 40017, name: 40018, key: 40019, url: 40020, urlDomain: 40055 },
  sub: { type: 40024, name: 40025, key: 40026, url: 40027, urlDomain: 40054 },
};

const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
const fail = (errcode: number, errmsg?: string): never => {
  throw new SimulatedWeChatError(errcode, errmsg);
};

function httpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function leaf(raw: Record<string, unknown>, level: 'top' | 'sub', domains: Set<string>): SimMenuButton {
  const code = codes[level];
  const type = raw.type;
  if (typeof type !== 'string' || !TYPES.has(type)) fail(code.type, 'invalid button type');
  const needs = (field: 'key' | 'url' | 'media_id' | 'article_id' | 'appid' | 'pagepath', max: number, errcode: number) => {
    const size = bytes(raw[field]);
    if (size === 0 || size > max) fail(errcode);
  };
  if (KEY_TYPES.has(type as string)) needs('key', 128, code.key);
  if (URL_TYPES.has(type as string)) {
    needs('url', 1024, code.url);
    const url = httpUrl(raw.url as string) ?? fail(65317, 'invalid url');
    if (type === 'view') domains.add(url.hostname.toLowerCase());
  }
  if (type === 'miniprogram') {
    needs('appid', 32, 40013);
    needs('pagepath', 1024, 40165);
  }
  if (MEDIA_TYPES.has(type as string)) needs('media_id', 256, 40007);
  if (ARTICLE_TYPES.has(type as string)) needs('article_id', 256, 40007);
  const button: Record<string, unknown> = {};
  for (const field of FIELDS) if (typeof raw[field] === 'string') button[field] = raw[field];
  return button as unknown as SimMenuButton;
}

function named(raw: unknown, max: number, errcode: number): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(47001);
  const button = raw as Record<string, unknown>;
  const size = bytes(button.name);
  if (size === 0 || size > max) fail(errcode);
  return button;
}

/** A menu as `menu/create` receives it, checked; throws WeChat's errcode for the first problem. */
export function checkedMenu(body: Record<string, unknown>, menuid: number): SimMenu {
  const top = body.button;
  if (!Array.isArray(top) || top.length < 1 || top.length > 3) fail(40016);
  const domains = new Set<string>();
  const button = (top as unknown[]).map((raw): SimMenuButton => {
    const parent = named(raw, 16, codes.top.name);
    const subs = parent.sub_button;
    if (Array.isArray(subs) && subs.length > 0) {
      if (subs.length > 5) fail(40023);
      const children = subs.map((rawSub) => {
        const sub = named(rawSub, 60, codes.sub.name);
        if (Array.isArray(sub.sub_button) && sub.sub_button.length > 0) fail(40022);
        return leaf(sub, 'sub', domains);
      });
      return { name: parent.name as string, sub_button: children };
    }
    if (parent.type === undefined) fail(41007);
    return leaf(parent, 'top', domains);
  });
  if (domains.size > 3) fail(65316);
  return { button, menuid };
}

/** `menu/get`'s answer (§15.3): arrays, `sub_button: []` on every leaf. */
export function menuGetAnswer(menu: SimMenu): { menu: { button: unknown[]; menuid: number } } {
  const withSubs = (button: SimMenuButton): unknown => ({ ...button, sub_button: (button.sub_button ?? []).map(withSubs) });
  return { menu: { button: menu.button.map(withSubs), menuid: menu.menuid } };
}

/** `get_current_selfmenu_info`'s answer (§15.3): `sub_button` is `{ list }`. */
export function selfMenuAnswer(menu: SimMenu | undefined): unknown {
  if (!menu) return { is_menu_open: 0, selfmenu_info: { button: [] } };
  const button = menu.button.map((top) => (top.sub_button ? { name: top.name, sub_button: { list: top.sub_button.map((sub) => ({ ...sub })) } } : { ...top }));
  return { is_menu_open: 1, selfmenu_info: { button } };
}

/** The button a simulated user taps: by `key`, or by position (`[top]` or `[top, sub]`). */
export function buttonOf(menu: SimMenu | undefined, by: { key?: string; position?: number[] }): SimMenuButton | undefined {
  if (!menu) return undefined;
  if (by.position) {
    const [top, sub] = by.position;
    const parent = menu.button[top ?? -1];
    return sub === undefined ? parent : parent?.sub_button?.[sub];
  }
  return menu.button.flatMap((top) => [top, ...(top.sub_button ?? [])]).find((button) => button.key !== undefined && button.key === by.key);
}
