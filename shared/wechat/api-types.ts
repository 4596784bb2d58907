/**
 * Requests and results of the WeChat APIs the hub calls (WECHAT.md §4, §6, §9). Results are camelCase;
 * each field names the raw WeChat field it comes from where the two differ, so the mapping can be
 * checked against WeChat's documentation.
 */

/** Where an access token comes from. The client never caches a token itself. */
export interface TokenSource {
  /** A token believed valid; refreshes it when the stored one is missing or due. */
  current(): Promise<string>;
  /**
   * WeChat rejected `used` (40001/40014/42001). Expire the stored token only if it is still `used`:
   * another caller may already have replaced it (compare-and-expire).
   */
  expire(used: string): Promise<void>;
}

// ---- component ----------------------------------------------------------------------------------

export interface ComponentTokenRequest {
  componentAppId: string; // component_appid
  componentSecret: string; // component_appsecret
  componentVerifyTicket: string; // component_verify_ticket
}

export interface ComponentTokenResult {
  componentAccessToken: string; // component_access_token
  expiresIn: number; // expires_in, seconds (7200)
}

export interface StartPushTicketRequest {
  componentAppId: string; // component_appid
  componentSecret: string; // component_secret
}

export interface StartPushTicketResult {
  /** `ok` (restarted) or `in a normal state` (was running) — raw `errmsg`. */
  message: string;
}

export interface PreAuthCodeResult {
  preAuthCode: string; // pre_auth_code, single use
  expiresIn: number; // expires_in
}

export interface FuncInfo {
  /** func_info[].funcscope_category.id — the permission set (WECHAT.md §5). */
  id: number;
  /** func_info[].confirm_info, present for some sets (e.g. 24). */
  confirmInfo?: { needConfirm: number; alreadyConfirm: number; canConfirm: number };
}

export interface AuthorizationInfo {
  authorizerAppId: string; // authorization_info.authorizer_appid (very old docs: appid)
  /** authorizer_access_token; absent when the account granted no API permission. */
  authorizerAccessToken?: string;
  expiresIn?: number; // expires_in
  /** authorizer_refresh_token; absent when the account granted no API permission. */
  authorizerRefreshToken?: string;
  funcInfo: FuncInfo[]; // func_info
}

export interface QueryAuthResult {
  authorizationInfo: AuthorizationInfo; // authorization_info
}

export interface AuthorizerTokenRequest {
  componentAppId: string;
  authorizerAppId: string; // authorizer_appid
  authorizerRefreshToken: string; // authorizer_refresh_token
}

export interface AuthorizerTokenResult {
  authorizerAccessToken: string; // authorizer_access_token
  expiresIn: number; // expires_in
  /** authorizer_refresh_token — persist whatever comes back (WECHAT.md §4.6). */
  authorizerRefreshToken?: string;
  /**
   * An earlier attempt of this call failed in a way that may have reached WeChat (a timeout, a broken
   * connection, a 5xx): WeChat may still carry that attempt out after this answer and issue a newer
   * token, which retires this one (not set by WeChat; the client's own account of its retries).
   */
  mayBeSuperseded?: true;
}

export interface AuthorizerInfo {
  nickName: string; // nick_name
  headImg?: string; // head_img
  /** service_type_info.id: 0 subscription, 1 upgraded old subscription, 2 service account. */
  serviceTypeId: number;
  /** verify_type_info.id: -1 unverified, 0 WeChat-verified, 1–5 other verification states. */
  verifyTypeId: number;
  userName: string; // user_name, the gh_ id
  principalName?: string; // principal_name
  alias?: string; // alias
  qrcodeUrl?: string; // qrcode_url
  /** business_info: open_store, open_scan, open_pay, open_card, open_shake (0/1). */
  businessInfo: Record<string, number>;
  accountStatus?: number; // account_status: 1 normal, 14 deleted, 16 banned, 18 warned, 19 frozen
}

export interface AuthorizerInfoResult {
  authorizerInfo: AuthorizerInfo; // authorizer_info
  authorizationInfo: AuthorizationInfo; // authorization_info (no tokens here, only the refresh token)
}

export interface AuthorizerListEntry {
  authorizerAppId: string; // authorizer_appid
  /** refresh_token; missing when the authorization code was never exchanged. */
  refreshToken?: string;
  authTime: number; // auth_time, unix seconds
}

export interface AuthorizerListResult {
  totalCount: number; // total_count
  list: AuthorizerListEntry[];
}

export type AuthorizerOptionName = 'location_report' | 'voice_recognize' | 'customer_service';

export interface AuthorizerOptionResult {
  authorizerAppId: string; // authorizer_appid
  optionName: string; // option_name
  optionValue: string; // option_value
}

export interface ApiQuota {
  dailyLimit: number; // quota.daily_limit
  used: number; // quota.used
  remain: number; // quota.remain
}

// ---- authorizer (official account) ----------------------------------------------------------------

export interface FollowerPage {
  total: number;
  count: number;
  openIds: string[]; // data.openid (data is absent on an empty page)
  /** next_openid; empty string on the last page. */
  nextOpenId: string;
}

export type Lang = 'zh_CN' | 'zh_TW' | 'en';

export interface UserInfo {
  /** subscribe: false means the user does not follow; the other fields are then absent. */
  subscribed: boolean;
  openId: string; // openid
  unionId?: string; // unionid, only once the account is bound to an open platform account
  language?: string;
  subscribeTime?: number; // subscribe_time, unix seconds of the last follow
  remark?: string;
  groupId?: number; // groupid, legacy
  tagIds: number[]; // tagid_list
  subscribeScene?: string; // subscribe_scene, kept opaque
  qrScene?: number; // qr_scene
  qrSceneStr?: string; // qr_scene_str
}

export type CustomMessage = { toUser: string; text: string };

// ---- custom menu (WECHAT.md §15; permission set 15) -------------------------------------------------

/** One button of WeChat's menu JSON, with WeChat's own field names (§15.2); `menu/get` adds `sub_button: []` to leaves. */
export interface MenuButtonJson {
  type?: string;
  name: string;
  key?: string;
  url?: string;
  appid?: string;
  pagepath?: string;
  media_id?: string;
  article_id?: string;
  sub_button?: MenuButtonJson[];
}

/** The default menu: the body of `menu/create`, the `menu` of `menu/get`. */
export interface MenuJson {
  button: MenuButtonJson[];
}

// ---- web authorization and JS-SDK (WECHAT.md §11, §12) -----------------------------------------------

export interface ComponentOAuthTokenRequest {
  appId: string; // appid: the authorizer (Official Account), not the component
  code: string; // code: the visitor's code from the redirect (single use, 5 minutes)
  componentAppId: string; // component_appid
}

export interface ComponentOAuthTokenResult {
  /** access_token: the visitor's web token (网页授权access_token), unrelated to the account's token. A secret. */
  accessToken: string;
  expiresIn: number; // expires_in
  refreshToken?: string; // refresh_token (30 days); a secret
  openId: string; // openid, under the Official Account
  /** scope, comma-separated in WeChat's answer; split here. */
  scopes: string[];
  unionId?: string; // unionid: only with snsapi_userinfo and an open platform account
  /** is_snapshotuser: 1 for a snapshot-mode virtual user (WECHAT.md §11.3). */
  isSnapshotUser: boolean;
}

export interface SnsUserInfo {
  openId: string; // openid
  nickname?: string;
  sex?: number; // 0 since 2021
  province?: string;
  city?: string;
  country?: string;
  headImgUrl?: string; // headimgurl
  unionId?: string; // unionid
}

export interface JsapiTicketResult {
  ticket: string; // ticket: a secret
  expiresIn: number; // expires_in (7200)
}
