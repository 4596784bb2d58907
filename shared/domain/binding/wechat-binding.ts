/**
 * The WeChat calls of binding (WECHAT.md §4.2, §4.5, §4.7) behind `BindingWeChat`: the typed client
 * with the component token and appid filled in, answers reduced to what binding uses.
 */
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import type { BindingWeChat } from '#shared/domain/binding/ports.ts';
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
      const { authorizerInfo: info, authorizationInfo } = await client.getAuthorizerInfo(componentToken, {
        componentAppId: await componentAppId(),
        authorizerAppId: appid,
      });
      return {
        appid,
        userName: info.userName,
        nickname: info.nickName,
        ...(info.headImg ? { headImg: info.headImg } : {}),
        ...(info.principalName ? { principalName: info.principalName } : {}),
        ...(info.alias ? { alias: info.alias } : {}),
        serviceTypeId: info.serviceTypeId,
        verifyTypeId: info.verifyTypeId,
        openPay: (info.businessInfo.open_pay ?? 0) === 1,
        funcIds: authorizationInfo.funcInfo.map((f) => f.id),
      };
    },
  };
}

/** WeChat's failures in the contract's terms; anything else (a bug, the table) stays as it is, to be logged. */
export function fromWeChat(error: unknown): unknown {
  return error instanceof WeChatApiError || error instanceof WeChatNetworkError ? toDomainError(error) : error;
}
