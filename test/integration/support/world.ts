/**
 * A private table on the embedded engine and a WeChat simulator on loopback (no hub: nothing is
 * pushed), with the component token minted from the simulator's ticket, and accounts bound the way
 * the binding transaction stores them (ACCOUNT, TOKEN, the owner's link and the tenant's count).
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import type { AccountRecord, AccountStatus } from '#shared/domain/accounts/model.ts';
import { ComponentTokenService } from '#shared/domain/tokens/component-token.ts';
import { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { startWeChatSimulator, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

export interface LifecycleWorld {
  table: TestTable;
  simulator: WeChatSimulator;
  client: WeChatApiClient;
  component: ComponentTokenService;
  componentAppId: string;
  close(): Promise<void>;
}

export async function startLifecycleWorld(label: string): Promise<LifecycleWorld> {
  const table = await freshTable(label);
  const simulator = await startWeChatSimulator({ ticketIntervalMs: 0, seedAccounts: false });
  const { componentAppId, componentSecret } = simulator.credentials;
  const client = new WeChatApiClient({ apiBase: simulator.baseUrl, sleep: async () => undefined });
  const component = new ComponentTokenService({
    store: new DynamoComponentStore(table.client, table.name),
    lease: new DynamoLease(table.client, table.name),
    api: client,
    credentials: async () => ({ componentAppId, componentSecret }),
  });
  await simulator.pushTicket();
  await component.saveTicket({ ticket: simulator.currentTicket()!, createTime: Math.floor(Date.now() / 1000) });
  return { table, simulator, client, component, componentAppId, close: () => simulator.stop() };
}

export interface BoundAccount {
  appid: string;
  tenantId: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * A verified service account (with followers) authorized in the simulator and bound to a tenant in
 * the table; `expired` stores its access token as already expired.
 */
export async function bindAccount(
  world: LifecycleWorld,
  options: { funcIds?: number[]; status?: AccountStatus; expired?: boolean; tenantId?: string; openAppId?: string; principalName?: string } = {},
): Promise<BoundAccount> {
  const spec = world.simulator.addAccount({
    nickname: 'Lifecycle test account',
    serviceType: 'service',
    verified: true,
    followers: 30,
    principalName: options.principalName ?? 'Lifecycle Co.',
  });
  const funcIds = options.funcIds ?? [1, 2, 3, 24];
  const { authCode } = await world.simulator.authorize(spec.appid, funcIds);
  const { authorizationInfo } = await world.client.queryAuth(world.component, { componentAppId: world.componentAppId, authorizationCode: authCode });
  const tenantId = options.tenantId ?? `tenant-${randomBytes(4).toString('hex')}`;
  const at = new Date().toISOString();
  const expiresAt = options.expired ? new Date(Date.now() - 1_000).toISOString() : new Date(Date.now() + 7_000_000).toISOString();
  const account: AccountRecord = {
    appid: spec.appid,
    userName: spec.userName,
    nickname: spec.nickname,
    serviceTypeId: 2,
    verifyTypeId: 0,
    openPay: false,
    funcIds,
    status: options.status ?? 'active',
    ownerTenantId: tenantId,
    authorizedAt: at,
    updatedAt: at,
    principalName: spec.principalName,
    ...(options.openAppId ? { openAppId: options.openAppId } : {}),
  };
  const put = (item: Record<string, unknown>) => world.table.client.send(new PutCommand({ TableName: world.table.name, Item: item }));
  await put({
    pk: accountKeys.accountPk(spec.appid),
    sk: accountKeys.accountSk,
    type: 'Account',
    ...account,
    gsi1pk: accountKeys.userNameGsi(spec.userName),
    gsi1sk: accountKeys.accountSk,
  });
  const tokens = { accessToken: authorizationInfo.authorizerAccessToken!, expiresAt, refreshToken: authorizationInfo.authorizerRefreshToken! };
  await put({ pk: accountKeys.accountPk(spec.appid), sk: accountKeys.tokenSk, ...authorizerTokenAttributes(spec.appid, tokens, at) });
  await put({
    pk: accountKeys.tenantPk(tenantId),
    sk: accountKeys.linkSk(spec.appid),
    type: 'TenantLink',
    tenantId,
    appid: spec.appid,
    role: 'owner',
    linkedAt: at,
    plaintextAuthorization: false,
    gsi1pk: accountKeys.linksOfAccount(spec.appid),
    gsi1sk: accountKeys.linkGsiSk('owner', tenantId),
  });
  await put({ pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk, type: 'TenantSettings', tenantId, ownedCount: 1 });
  return { appid: spec.appid, tenantId, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

export async function rawItem(world: LifecycleWorld, pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  return (await world.table.client.send(new GetCommand({ TableName: world.table.name, Key: { pk, sk }, ConsistentRead: true }))).Item;
}

export const accountItem = (world: LifecycleWorld, appid: string) => rawItem(world, accountKeys.accountPk(appid), accountKeys.accountSk);
export const tokenItem = (world: LifecycleWorld, appid: string) => rawItem(world, accountKeys.accountPk(appid), accountKeys.tokenSk);

/** WeChat API calls the simulator saw for one path since the last reset. */
export const callsTo = (world: LifecycleWorld, api: string): number => world.simulator.calls()[`/cgi-bin/component/${api}`] ?? 0;
