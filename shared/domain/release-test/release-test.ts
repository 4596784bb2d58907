/**
 * WeChat's full-network release test (全网发布, WECHAT.md §9). WeChat auto-authorizes one of five test
 * accounts and checks that the platform answers exactly as required. These accounts never touch
 * tenant data: the message endpoint short-circuits on them before any tenant logic.
 *
 * - text `TESTCOMPONENT_MSG_TYPE_TEXT` → passive reply `TESTCOMPONENT_MSG_TYPE_TEXT_callback`, To/From swapped;
 * - text `QUERY_AUTH_CODE:<code>` → an empty reply at once, then (asynchronously, so the reply is not
 *   delayed) `api_query_auth` with the code and a customer-service message `<code>_from_api`;
 * - an event → passive reply `<Event>from_callback` (the legacy case, cheap to keep).
 */
import type { AccountMessage } from '#shared/wechat/messages.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';

/** The five test Official Accounts (WECHAT.md §9.1; the Chinese page is authoritative). */
export const releaseTestAccounts: readonly { appid: string; userName: string }[] = [
  { appid: 'wx570bc396a51b8ff8', userName: 'gh_3c884a361561' },
  { appid: 'wx9252c5e0bb1836fc', userName: 'gh_c0f28a78b318' },
  { appid: 'wx8e1097c5bc82cde9', userName: 'gh_3f222ed8d140' },
  { appid: 'wx14550af28c71a144', userName: 'gh_26128078e9ab' },
  { appid: 'wxa35b9c23cfe664eb', userName: 'gh_2b3713f184a6' },
];

export const TEXT_CASE = 'TESTCOMPONENT_MSG_TYPE_TEXT';
export const QUERY_AUTH_CODE_PREFIX = 'QUERY_AUTH_CODE:';

export function isReleaseTestAccount(appid: string, toUserName?: string): boolean {
  return releaseTestAccounts.some((account) => account.appid === appid || account.userName === toUserName);
}

/** The follow-up job of the API case, queued so the empty reply goes out within WeChat's 5 s. */
export interface ReleaseTestFollowUp {
  appid: string;
  authCode: string;
  toUser: string;
}

export type ReleaseTestAnswer = { kind: 'passive_text'; content: string } | { kind: 'empty'; followUp?: ReleaseTestFollowUp } | { kind: 'success' };

export function answerReleaseTest(appid: string, message: AccountMessage): ReleaseTestAnswer {
  if (message.kind === 'text') {
    if (message.content === TEXT_CASE) return { kind: 'passive_text', content: `${TEXT_CASE}_callback` };
    if (message.content.startsWith(QUERY_AUTH_CODE_PREFIX)) {
      const authCode = message.content.slice(QUERY_AUTH_CODE_PREFIX.length).trim();
      return authCode ? { kind: 'empty', followUp: { appid, authCode, toUser: message.fromUserName } } : { kind: 'empty' };
    }
    return { kind: 'success' };
  }
  if (message.kind === 'event') return { kind: 'passive_text', content: `${message.event}from_callback` };
  return { kind: 'success' };
}

export interface ReleaseTestApi {
  queryAuth(
    component: TokenSource,
    request: { componentAppId: string; authorizationCode: string },
  ): Promise<{
    authorizationInfo: { authorizerAccessToken?: string };
  }>;
  sendCustomMessage(authorizer: TokenSource, message: { toUser: string; text: string }): Promise<void>;
}

export interface ReleaseTestDeps {
  api: ReleaseTestApi;
  componentToken: TokenSource;
  componentAppId: () => Promise<string>;
  /** The newest `AuthorizationCode` pushed for the account, the fallback when WeChat says 61009. */
  latestPushedCode: (appid: string) => Promise<string | undefined>;
}

/** A token that is what it is: the test's access token is used for one message and never refreshed. */
const fixedToken = (token: string): TokenSource => ({ current: async () => token, expire: async () => undefined });

/**
 * Exchanges the code and sends `<code>_from_api`. The content always carries the code WeChat put in
 * the message, even when the exchange had to fall back to the pushed code (WECHAT.md §9.3).
 */
export async function completeReleaseTest(job: ReleaseTestFollowUp, deps: ReleaseTestDeps): Promise<void> {
  const componentAppId = await deps.componentAppId();
  const exchange = (authorizationCode: string) => deps.api.queryAuth(deps.componentToken, { componentAppId, authorizationCode });
  let result: Awaited<ReturnType<typeof exchange>>;
  try {
    result = await exchange(job.authCode);
  } catch (error) {
    const fallback = error instanceof WeChatApiError && error.errcode === 61009 ? await deps.latestPushedCode(job.appid) : undefined;
    if (!fallback || fallback === job.authCode) throw error;
    result = await exchange(fallback);
  }
  const accessToken = result.authorizationInfo.authorizerAccessToken;
  if (!accessToken) throw new Error('api_query_auth returned no authorizer_access_token for the release-test account');
  await deps.api.sendCustomMessage(fixedToken(accessToken), { toUser: job.toUser, text: `${job.authCode}_from_api` });
}
