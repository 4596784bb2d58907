/**
 * The WeChat calls of binding (WECHAT.md §4.2, §4.5, §4.7) behind `BindingWeChat`: the typed client
 * with the component token and appid filled in, answers reduced to what binding uses.
 */
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import type { BindingWeChat } from '#shared/domain/binding/ports.ts';
import { profileFromAuthorizerInfo } from '#shared/domain/accounts/profile.ts';
import { toDomainError, WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';

export function wechatBinding(
  client: Pick<WeChatApiClient, 'createPreAuthCode' | 'queryAuth' | 'getAuthorizerInfo'>,
  componentToken: TokenSource,
  credentials: () => Promise<{ componentAppId: string }>,
): BindingWeChat {
  const componentAppId = async () => (await credentials()).componentAppId;
  return {
    componentAppId,
    async createPreAuthCode() {
      return client.createPreAuthCode(componentToken, { componentAppId: await componentAppId() });
    },
    async queryAuth(authorizationCode) {
      const { authorizationInfo: info } = await client.queryAuth(componentToken, { componentAppId: await componentAppId(), authorizationCode });
      return {
        appid: info.authorizerAppId,
        funcIds: info.funcInfo.map((f) => f.id),
        ...(info.authorizerAccessToken ? { accessToken: info.authorizerAccessToken } : {}),
        ...(info.expiresIn !== undefined ? { expiresIn: info.expiresIn } : {}),
        ...(info.authorizerRefreshToken ? { refreshToken: info.authorizerRefreshToken } : {}),
      };
    },
    async getAuthorizerInfo(appid) {
      const result = await client.getAuthorizerInfo(componentToken, { componentAppId: await componentAppId(), authorizerAppId: appid });
      return profileFromAuthorizerInfo(appid, result);
    },
  };
}

/** WeChat's failures in the contract's terms; anything else (a bug, the table) stays as it is, to be logged. */
export function fromWeChat(error: unknown): unknown {
  return error instanceof WeChatApiError || error instanceof WeChatNetworkError ? toDomainError(error) : error;
}
