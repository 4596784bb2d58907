/**
 * What the console says about the hub's outcomes, in words: the authorization callback's result
 * (`?bind=ok&appid=…` / `?bind=error&code=…`), the statuses the API reports, and the labels of the
 * account's Auto-replies, Menu and Messages tabs (English, with WeChat's own Chinese terms where a
 * person would look for them in WeChat). Shared by the page shell (rendered by the local gateway)
 * and the app in the browser, so it imports nothing.
 */

/** Only values shaped like what the hub puts in the callback's query are echoed. */
export const appIdShape = /^wx[0-9a-zA-Z]{16}$/;
export const errorCodeShape = /^[a-z_]{1,64}$/;
export const MAX_BIND_MESSAGE_LENGTH = 200;

const bindFailures: Record<string, string> = {
  validation_failed: 'The authorization link was already used, has expired, or was meant for another account. Start the binding again.',
  account_bound_elsewhere: 'This Official Account is already bound by another organisation. It must unbind it first.',
  account_quota_exceeded: 'Your organisation already owns as many accounts as its quota allows. Unbind one first.',
  not_service_account: 'Only service accounts (服务号) can be bound; this is a subscription account (订阅号).',
  not_verified: 'Only verified (已认证) accounts can be bound; this account is not verified.',
  missing_permissions: 'Some permission sets the hub needs were left unticked on WeChat’s page. Authorize again and keep them ticked.',
  wechat_error: 'WeChat refused the authorization. Try again in a moment.',
  wechat_not_ready: 'The hub has not received WeChat’s ticket yet (it arrives every 10 minutes). Try again shortly.',
};

export interface BindOutcome {
  ok: boolean;
  /** The sentence to show. */
  text: string;
  appid?: string;
  code?: string;
  /** The hub's own message from the callback, when it sent one. */
  message?: string;
}

/** The callback's result, or undefined when the query holds none (or nothing shaped like one). */
export function bindOutcome(query: URLSearchParams): BindOutcome | undefined {
  const bind = query.get('bind');
  const appid = query.get('appid') ?? '';
  const code = query.get('code') ?? '';
  const message = query.get('message') ?? '';
  if (bind === 'ok' && appIdShape.test(appid)) return { ok: true, appid, text: 'The Official Account is bound. Its followers are being synced.' };
  if (bind !== 'error' || !errorCodeShape.test(code)) return undefined;
  return {
    ok: false,
    code,
    text: bindFailures[code] ?? 'The binding did not complete.',
    ...(appIdShape.test(appid) ? { appid } : {}),
    ...(message && message.length <= MAX_BIND_MESSAGE_LENGTH ? { message } : {}),
  };
}

export const statusWords: Record<string, string> = {
  active: 'active',
  revoked: 'revoked in WeChat',
  reauthorization_required: 'needs re-authorization',
  unbinding: 'being unbound',
  unbound: 'unbound',
};

export const syncWords: Record<string, string> = {
  queued: 'Queued',
  running: 'Syncing',
  paused_quota: 'Paused: WeChat’s daily quota is used up; it resumes by itself',
  done: 'Done',
  failed: 'Failed',
};

/** The account screen's tabs. */
export const tabWords: Record<string, string> = {
  overview: 'Overview',
  'auto-replies': 'Auto-replies 自动回复',
  menu: 'Menu 自定义菜单',
  messages: 'Messages 消息管理',
};

/** What starts an auto-reply (API.md §3 `AutoReplyRule.trigger`). */
export const triggerWords: Record<string, string> = {
  subscribe: 'Someone follows (关注回复)',
  keyword: 'A message with a keyword (关键词回复)',
  click: 'A menu button is tapped (CLICK)',
  scan: 'A QR code is scanned (SCAN)',
  default: 'Any other message (收到消息回复)',
};

export const matchWords: Record<string, string> = {
  exact: 'is exactly (全匹配)',
  contains: 'contains (半匹配)',
};

export const replyWords: Record<string, string> = {
  text: 'Text 文字',
  image: 'Image 图片 (media id)',
  news: 'Article 图文',
};

/** What the preview shows the user doing before the account answers. */
export const previewWords = {
  subscribe: 'follows the account',
  click: (key: string) => `taps the menu button ${key ? `“${key}”` : ''}`.trim(),
  scan: (scene: string) => (scene ? `scans the QR code of scene “${scene}”` : 'scans a QR code'),
  default: 'Hello?',
  image: 'Image',
  disabled: 'Disabled: this rule answers nothing.',
};

/** WeChat's menu button types (WECHAT.md §15.2), as the menu editor offers them. */
export const buttonTypeWords: Record<string, string> = {
  parent: 'Opens a sub-menu (子菜单)',
  click: 'click — sends a key (点击推事件)',
  view: 'view — opens a URL (跳转网页)',
  miniprogram: 'miniprogram — opens a mini program (小程序)',
  scancode_push: 'scancode_push — scans a code (扫码推事件)',
  scancode_waitmsg: 'scancode_waitmsg — scans, then waits (扫码带提示)',
  pic_sysphoto: 'pic_sysphoto — takes a photo (系统拍照发图)',
  pic_photo_or_album: 'pic_photo_or_album — photo or album (拍照或者相册发图)',
  pic_weixin: 'pic_weixin — WeChat album (微信相册发图)',
  location_select: 'location_select — sends a location (发送位置)',
  media_id: 'media_id — sends a material (下发消息)',
  view_limited: 'view_limited — opens a material page (跳转图文消息URL)',
  article_id: 'article_id — sends a published article (发布后的图文)',
  article_view_limited: 'article_view_limited — opens a published article',
};

/** The fields each button type needs, in the order the editor shows them. */
export const buttonTypeFields: Record<string, readonly ('key' | 'url' | 'appid' | 'pagepath' | 'media_id' | 'article_id')[]> = {
  click: ['key'],
  scancode_push: ['key'],
  scancode_waitmsg: ['key'],
  pic_sysphoto: ['key'],
  pic_photo_or_album: ['key'],
  pic_weixin: ['key'],
  location_select: ['key'],
  view: ['url'],
  miniprogram: ['url', 'appid', 'pagepath'],
  media_id: ['media_id'],
  view_limited: ['media_id'],
  article_id: ['article_id'],
  article_view_limited: ['article_id'],
};

export const buttonFieldWords: Record<string, string> = {
  name: 'Name',
  key: 'Key (EventKey)',
  url: 'URL',
  appid: 'Mini program appid',
  pagepath: 'Page path',
  media_id: 'Media id',
  article_id: 'Article id',
};

export const menuWords = {
  /** 422 missing_permissions on a menu route. */
  missingMenuPermission:
    'The account did not grant 自定义菜单 (15): its admin must re-authorize it (Re-authorize on the Overview tab) and keep that permission set ticked.',
  confirmDelete: 'Delete the menu in WeChat? Followers stop seeing it.',
  none: "No menu set through the API: WeChat shows none (or one made in WeChat's own backend, which the API cannot read).",
};

/** The Messages tab: what each push was, in words. */
export const pushTypeWords: Record<string, string> = {
  text: 'Text',
  image: 'Image',
  voice: 'Voice',
  video: 'Video',
  shortvideo: 'Short video',
  location: 'Location',
  link: 'Link',
  event: 'Event',
};

export const eventWords: Record<string, string> = {
  subscribe: 'Followed',
  unsubscribe: 'Unfollowed',
  SCAN: 'Scanned a QR code',
  CLICK: 'Tapped a menu button',
  VIEW: 'Opened a menu link',
  LOCATION: 'Reported a location',
  scancode_push: 'Scanned (menu)',
  scancode_waitmsg: 'Scanned (menu, waiting)',
  pic_sysphoto: 'Took a photo (menu)',
  pic_photo_or_album: 'Sent a photo (menu)',
  pic_weixin: 'Sent from album (menu)',
  location_select: 'Sent a location (menu)',
  TEMPLATESENDJOBFINISH: 'Template message delivered',
  MASSSENDJOBFINISH: 'Mass message finished',
};
