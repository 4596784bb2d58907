/**
 * The account as WeChat describes it now (`api_get_authorizer_info`): the part of `AccountRecord`
 * that every authorization, first or repeated, writes. One mapping, used by binding and by the
 * reactions to `authorized` / `updateauthorized` pushes.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { AuthorizerInfoResult } from '#shared/wechat/api-types.ts';

export type AccountProfile = Pick<
  AccountRecord,
  'appid' | 'userName' | 'nickname' | 'headImg' | 'principalName' | 'alias' | 'serviceTypeId' | 'verifyTypeId' | 'openPay' | 'funcIds'
>;

export function profileFromAuthorizerInfo(appid: string, result: AuthorizerInfoResult): AccountProfile {
  const { authorizerInfo: info, authorizationInfo } = result;
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
}
