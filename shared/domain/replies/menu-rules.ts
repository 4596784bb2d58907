/**
 * An account's custom menu (API.md §3 `Menu`, WECHAT.md §15.2), checked against WeChat's limits
 * before any WeChat call, so that a menu WeChat would refuse is `400 validation_failed` naming the
 * field (`body.button.1.sub_button.0.name`) instead of a `502` with an errcode:
 *
 * | rule (errcode WeChat would give) | here |
 * |---|---|
 * | 1–3 top buttons (40016) | `button`: 1 to 3 |
 * | 1–5 sub-buttons (40023) | `sub_button`: 1 to 5 |
 * | a button with `sub_button` has no `type`/`key`/`url`/… (与 sub_button 互斥) | those fields refused on it |
 * | no third level (40022) | a sub-button has no `sub_button` |
 * | `name` ≤ 16 bytes top (40018), ≤ 60 bytes sub (40025) | UTF-8 bytes, so 5 CJK characters on top |
 * | `type` one of §15.2's (40017, 40024); each type's required fields | `click`, `scancode_*`, `pic_*`, `location_select`: `key`; `view`: `url`; `miniprogram`: `url`, `appid`, `pagepath`; `media_id`, `view_limited`: `media_id`; `article_id`, `article_view_limited`: `article_id` |
 * | `key` ≤ 128 bytes (40019, 40026), `url` ≤ 1024 bytes (40020, 40027) | the same, and `url` an http(s) URL (65317) |
 * | at most 3 external domains across `view` URLs (65316) | checked over the whole menu |
 *
 * Fields that do not belong to a button's type are refused too: WeChat would ignore them, and a
 * menu that says something it does not do is a mistake worth naming.
 */
import * as v from 'valibot';
import type { MenuButtonJson } from '#shared/wechat/api-types.ts';

/** One button of WeChat's menu JSON (WECHAT.md §15.2), as the typed client sends and reads it. */
export type MenuButton = MenuButtonJson;

/** WeChat's menu JSON, as `menu/create` takes it. */
export interface Menu {
  button: MenuButton[];
}

export const MAX_TOP_BUTTONS = 3;
export const MAX_SUB_BUTTONS = 5;
export const TOP_NAME_BYTES = 16;
export const SUB_NAME_BYTES = 60;
export const KEY_BYTES = 128;
export const URL_BYTES = 1024;
export const MAX_VIEW_DOMAINS = 3;

const name = (max: number) =>
  v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxBytes(max, `must be at most ${max} UTF-8 bytes (a Chinese character is 3)`));
const key = v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxBytes(KEY_BYTES, `must be at most ${KEY_BYTES} bytes`));
const url = v.pipe(
  v.string(),
  v.maxBytes(URL_BYTES, `must be at most ${URL_BYTES} bytes`),
  v.url('must be an absolute URL'),
  v.regex(/^https?:\/\//i, 'must be an http or https URL'),
);
const mediaId = v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,256}$/, 'must be 1 to 256 printable ASCII characters'));

/** A field a button of that type does not have (a `sub_button` under a sub-button would be a third level: 40022). */
const NOT_A_FIELD = (issue: v.BaseIssue<unknown>) =>
  issue.kind === 'schema' && issue.type === 'strict_object' && issue.expected === 'never' ? 'is not a field of a button of this type' : issue.message;

const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'] as const;

/** One schema per button type, with that type's required fields and nothing else. */
function leaf(nameBytes: number) {
  return [
    ...KEY_TYPES.map((type) => v.strictObject({ type: v.literal(type), name: name(nameBytes), key }, NOT_A_FIELD)),
    v.strictObject({ type: v.literal('view'), name: name(nameBytes), url }, NOT_A_FIELD),
    v.strictObject(
      {
        type: v.literal('miniprogram'),
        name: name(nameBytes),
        url,
        appid: v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/, 'must be a mini program appid (wx followed by 16 characters)')),
        pagepath: v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxBytes(URL_BYTES, `must be at most ${URL_BYTES} bytes`)),
      },
      NOT_A_FIELD,
    ),
    ...(['media_id', 'view_limited'] as const).map((type) => v.strictObject({ type: v.literal(type), name: name(nameBytes), media_id: mediaId }, NOT_A_FIELD)),
    ...(['article_id', 'article_view_limited'] as const).map((type) =>
      v.strictObject({ type: v.literal(type), name: name(nameBytes), article_id: mediaId }, NOT_A_FIELD),
    ),
  ] as const;
}

const TYPES_IN_WORDS =
  'must be one of click, view, miniprogram, scancode_push, scancode_waitmsg, pic_sysphoto, pic_photo_or_album, pic_weixin, location_select, media_id, view_limited, article_id, article_view_limited';

const subButton = v.variant('type', [...leaf(SUB_NAME_BYTES)], TYPES_IN_WORDS);

const notWithSubButtons = v.optional(v.never('must not be set on a button that has sub_button (WeChat: 与 sub_button 互斥)'));

/** A top button that opens a sub-menu: a name and 1–5 sub-buttons, nothing else (no `type`: the variant picks it when `type` is absent). */
const parentButton = v.strictObject({
  type: notWithSubButtons,
  name: name(TOP_NAME_BYTES),
  sub_button: v.pipe(
    v.array(subButton),
    v.minLength(1, `must hold 1 to ${MAX_SUB_BUTTONS} buttons`),
    v.maxLength(MAX_SUB_BUTTONS, `must hold 1 to ${MAX_SUB_BUTTONS} buttons`),
  ),
  key: notWithSubButtons,
  url: notWithSubButtons,
  appid: notWithSubButtons,
  pagepath: notWithSubButtons,
  media_id: notWithSubButtons,
  article_id: notWithSubButtons,
});

const topButton = v.variant('type', [...leaf(TOP_NAME_BYTES), parentButton], TYPES_IN_WORDS);

/** The distinct hosts of the menu's `view` URLs. */
export function viewDomains(menu: Menu): string[] {
  const hosts = new Set<string>();
  for (const button of menu.button.flatMap((top) => [top, ...(top.sub_button ?? [])])) {
    if (button.type === 'view' && button.url) hosts.add(new URL(button.url).hostname.toLowerCase());
  }
  return [...hosts];
}

const menuObject = v.strictObject({
  button: v.pipe(
    v.array(topButton),
    v.minLength(1, `must hold 1 to ${MAX_TOP_BUTTONS} buttons`),
    v.maxLength(MAX_TOP_BUTTONS, `must hold 1 to ${MAX_TOP_BUTTONS} buttons`),
  ),
});

/** The body of `PUT /v1/accounts/{appid}/menu`. */
export const menuSchema = v.pipe(
  menuObject,
  v.forward(
    v.check(
      (menu: v.InferOutput<typeof menuObject>) => viewDomains(menu).length <= MAX_VIEW_DOMAINS,
      `view buttons may link to at most ${MAX_VIEW_DOMAINS} distinct domains (WeChat 65316)`,
    ),
    ['button'],
  ),
);
