/**
 * A WeChat stand-in for the binding use case on the embedded engine: the authorization code names
 * the account (`code:<appid>:<funcIds>`), every account is a verified service account.
 */
import type { BindingWeChat } from '#shared/domain/binding/ports.ts';
import type { BindingLog } from '#shared/domain/binding/complete-authorization.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTenantSettings } from '#shared/adapters/dynamodb/tenant-settings.ts';
import type { TenantDefaults } from '#shared/domain/tenants/ports.ts';
import { tenantSettingsReader } from '#shared/domain/tenants/settings.ts';

/** The deployment defaults the binding tests run with (API.md §4's defaults). */
export const bindingDefaults: TenantDefaults = {
  accountQuota: 5,
  bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3] },
};

/** The tenants' effective settings on the table, as `shared/wiring/tenants.ts` wires them. */
export const tenantSettingsOn = (client: DynamoDBDocumentClient, table: string, defaults: TenantDefaults = bindingDefaults) =>
  tenantSettingsReader({ store: new DynamoTenantSettings(client, table), defaults });

export const authCodeFor = (appid: string, funcIds: number[] = [1, 2, 3]) => `code:${appid}:${funcIds.join(',')}`;

export const wechatStandIn: Pick<BindingWeChat, 'queryAuth' | 'getAuthorizerInfo'> = {
  async queryAuth(code) {
    const [, appid = '', ids = ''] = code.split(':');
    return {
      appid,
      funcIds: ids.split(',').map(Number),
      accessToken: `access-${appid}`,
      refreshToken: `refreshtoken@@@${appid}`,
      expiresIn: 7200,
    };
  },
  async getAuthorizerInfo(appid) {
    return {
      appid,
      userName: `gh_${appid.slice(-12)}`,
      nickname: `Account ${appid}`,
      serviceTypeId: 2,
      verifyTypeId: 0,
      openPay: false,
      funcIds: [1, 2, 3],
    };
  },
};

export const silentLog: BindingLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let counter = 0;
/** A distinct appid per call, so tests in one table never meet each other's accounts. */
export const nextAppid = () => `wxbind${String(++counter).padStart(12, '0')}`;
