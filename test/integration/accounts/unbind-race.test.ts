/**
 * An unbinding whose cascade spans many transactions (issue 17 item 2), on the embedded engine: a
 * re-authorization between two chunks, and a run that dies between two chunks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { communityKeys } from '#shared/adapters/dynamodb/community-store.ts';
import { shareCodeKeys } from '#shared/adapters/dynamodb/share-codes.ts';
import { batchWriteAll } from '#shared/db/batch.ts';
import { continueUnbinding, deleteAccount, endRevokedBinding, type UnbindDeps, type UnbindingJob } from '#shared/domain/accounts/unbind.ts';
import { completeAuthorization, type AuthorizationOutcome } from '#shared/domain/binding/complete-authorization.ts';
import { accountLifecycleOn } from '#shared/wiring/accounts.ts';
import { authCodeFor, bindingDefaults, silentLog, tenantSettingsOn, wechatStandIn } from '#test/integration/binding/support.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

type Item = Record<string, unknown>;

const RECIPIENTS = 150;
const CODES = 100;
const OWNER_GRANTS = 5;
const COMMUNITIES = 10;
const CHUNK = 50;

describe('an unbinding whose cascade spans many transactions', () => {
  let table: TestTable;
  let audit: DynamoAuditLog;
  let serial = 0;

  /** The client, with `afterTransaction(n)` run after the n-th transaction it wrote. */
  const hooked = (afterTransaction: (n: number) => Promise<void>): DynamoDBDocumentClient => {
    let written = 0;
    const send = async (command: unknown) => {
      const result = await (table.client.send as (c: unknown) => Promise<unknown>)(command);
      if (command instanceof TransactWriteCommand) await afterTransaction(++written);
      return result;
    };
    return new Proxy(table.client, { get: (target, prop, receiver) => (prop === 'send' ? send : Reflect.get(target, prop, receiver)) });
  };

  const unbindDeps = (client: DynamoDBDocumentClient, wechat: { authorized: boolean }, continuations: UnbindingJob[] = []): UnbindDeps => ({
    store: accountLifecycleOn(client, table.name, { transactionLimit: CHUNK }),
    wechat: { stillAuthorized: async () => wechat.authorized },
    audit,
    now: () => new Date(),
    continuation: { schedule: async (job) => void continuations.push(job) },
  });

  /** WeChat's redirect after the owner's admin consented again (the binding callback). */
  const reauthorize = async (tenantId: string, appid: string): Promise<AuthorizationOutcome> => {
    const state = `race-state-${++serial}`;
    const states = {
      spend: async (spent: string) =>
        spent === state
          ? { tenantId, userId: 'admin-again', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 60_000).toISOString() }
          : undefined,
    };
    return completeAuthorization(
      { state, authCode: authCodeFor(appid) },
      {
        states,
        wechat: wechatStandIn,
        accounts: new DynamoAccountStore(table.client, table.name),
        fanSync: { queueFullSync: async () => 'job' },
        audit,
        tenantSettings: tenantSettingsOn(table.client, table.name),
        defaultQuota: bindingDefaults.accountQuota,
        now: () => new Date(),
        log: silentLog,
        // As `shared/wiring/binding.ts` wires it.
        endRevokedBinding: (previous, at) =>
          endRevokedBinding(previous, at, { store: accountLifecycleOn(table.client, table.name, { transactionLimit: CHUNK }), audit }),
      },
    );
  };

  const get = async (pk: string, sk: string) =>
    (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const put = (item: Item) => table.client.send(new PutCommand({ TableName: table.name, Item: item }));
  const grant = (tenantId: string, departmentId: string, appid: string): Item => ({
    pk: accountKeys.tenantPk(tenantId),
    sk: accountKeys.grantSk(departmentId, appid),
    type: 'DepartmentGrant',
    tenantId,
    departmentId,
    appid,
  });

  /**
   * A revoked account owned by `owner` with 150 recipients (link + a department grant each), 100
   * unused codes, 5 grants in the owner's tenant, 10 recipients' communities linked to it with their
   * counters, and two grants of another account that must stay. The keys of every item the cascade takes.
   */
  const revokedAccountWithCascade = async () => {
    const n = ++serial;
    const appid = `wxrace${String(n).padStart(12, '0')}`;
    const owner = `owner-${n}`;
    const at = new Date().toISOString();
    await put({
      pk: accountKeys.accountPk(appid),
      sk: accountKeys.accountSk,
      type: 'Account',
      appid,
      userName: `gh_${appid.slice(-12)}`,
      nickname: 'Race account',
      serviceTypeId: 2,
      verifyTypeId: 0,
      openPay: false,
      funcIds: [1, 2, 3],
      status: 'revoked',
      ownerTenantId: owner,
      authorizedAt: at,
      revokedAt: at,
      updatedAt: at,
    });
    await put({ pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk, type: 'AuthorizerTokens', appid, droppedAt: at });
    await put({
      pk: accountKeys.tenantPk(owner),
      sk: accountKeys.tenantSk,
      type: 'TenantSettings',
      tenantId: owner,
      ownedCount: 1,
      defaultAppid: appid,
    });
    await put({
      pk: accountKeys.tenantPk(owner),
      sk: accountKeys.linkSk(appid),
      type: 'TenantLink',
      tenantId: owner,
      appid,
      role: 'owner',
      linkedAt: at,
      plaintextAuthorization: false,
      gsi1pk: accountKeys.linksOfAccount(appid),
      gsi1sk: accountKeys.linkGsiSk('owner', owner),
    });

    const taken: Item[] = [];
    const communities: { pk: string; sk: string }[] = [];
    for (let i = 0; i < RECIPIENTS; i++) {
      const recipient = `recipient-${n}-${i}`;
      taken.push({
        pk: accountKeys.tenantPk(recipient),
        sk: accountKeys.linkSk(appid),
        type: 'TenantLink',
        tenantId: recipient,
        appid,
        role: 'shared',
        linkedAt: at,
        plaintextAuthorization: false,
        gsi1pk: accountKeys.linksOfAccount(appid),
        gsi1sk: accountKeys.linkGsiSk('shared', recipient),
      });
      taken.push(grant(recipient, 'front-desk', appid));
      if (i < COMMUNITIES) {
        const communityId = `garden-${i}`;
        communities.push({ pk: accountKeys.tenantPk(recipient), sk: communityKeys.communitySk(communityId) });
        await put({
          pk: accountKeys.tenantPk(recipient),
          sk: communityKeys.communitySk(communityId),
          type: 'Community',
          tenantId: recipient,
          communityId,
          accountAppId: appid,
          updatedAt: at,
          version: 1,
          gsi1pk: communityKeys.accountCommunities(appid),
          gsi1sk: communityKeys.indexSk(recipient, communityId),
        });
        taken.push({ pk: accountKeys.tenantPk(recipient), sk: communityKeys.refsSk(appid), type: 'CommunityRefs', tenantId: recipient, appid, refs: 1 });
      }
    }
    for (let i = 0; i < CODES; i++) {
      const codeHash = `${String(n).padStart(4, '0')}${String(i).padStart(60, '0')}`;
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      taken.push({
        pk: shareCodeKeys.codePk(codeHash),
        sk: shareCodeKeys.codeSk,
        type: 'ShareCode',
        codeHash,
        appid,
        ownerTenantId: owner,
        includePayment: false,
        createdAt: at,
        createdBy: 'admin',
        expiresAt,
        gsi1pk: shareCodeKeys.codesOfAccount(appid),
        gsi1sk: shareCodeKeys.codeGsiSk(expiresAt, codeHash),
      });
    }
    for (let i = 0; i < OWNER_GRANTS; i++) taken.push(grant(owner, `dept-${i}`, appid));
    const kept = [grant(owner, 'dept-0', 'wxother000000000001'), grant(`recipient-${n}-0`, 'front-desk', 'wxother000000000001')];
    await batchWriteAll(
      table.client,
      table.name,
      [...taken, ...kept].map((Item) => ({ PutRequest: { Item } })),
    );
    return { appid, owner, taken, kept, communities };
  };

  const leftOf = async (items: Item[]) => (await Promise.all(items.map((item) => get(String(item.pk), String(item.sk))))).filter(Boolean);
  const actions = async (tenantId: string) => (await audit.list(tenantId, { limit: 50 })).events.map((event) => event.action).reverse();

  beforeAll(async () => {
    table = await freshTable('unbind-race');
    audit = new DynamoAuditLog(table.client, table.name);
  });

  describe('the owner’s admin re-authorizes the account between two chunks of the cascade', () => {
    let world: Awaited<ReturnType<typeof revokedAccountWithCascade>>;
    let reauthorization: AuthorizationOutcome | undefined;
    let answer: string;

    beforeAll(async () => {
      world = await revokedAccountWithCascade();
      const wechat = { authorized: false };
      const client = hooked(async (n) => {
        if (n !== 3 || reauthorization) return;
        wechat.authorized = true;
        reauthorization = await reauthorize(world.owner, world.appid);
      });
      answer = await deleteAccount({ tenantId: world.owner, userId: 'admin', appid: world.appid }, unbindDeps(client, wechat)).then(
        (result) => result,
        (error: unknown) => `rejected: ${(error as { code?: string }).code ?? String(error)}`,
      );
    });

    it('answers the DELETE as unbound (204)', () => {
      expect(answer).toBe('unbound');
    });

    it('takes every item of the cascade, none left half-deleted', async () => {
      expect(await leftOf(world.taken)).toEqual([]);
    });

    it('leaves the grants of other accounts and the communities themselves, unlinked', async () => {
      expect(await leftOf(world.kept)).toHaveLength(world.kept.length);
      const communities = await Promise.all(world.communities.map((key) => get(key.pk, key.sk)));
      expect(communities.map((community) => community?.accountAppId)).toEqual(world.communities.map(() => undefined));
    });

    it('binds the account afresh once the unbinding finished, as the re-authorization’s outcome', async () => {
      expect(reauthorization).toMatchObject({ ok: true, binding: { kind: 'bound', tenantId: world.owner } });
      const account = await get(accountKeys.accountPk(world.appid), accountKeys.accountSk);
      expect([account?.status, account?.ownerTenantId, account?.unboundAt, account?.revokedAt]).toEqual(['active', world.owner, undefined, undefined]);
      expect((await get(accountKeys.tenantPk(world.owner), accountKeys.tenantSk))?.ownedCount).toBe(1);
    });

    it('records every step in the owner’s audit trail, the unbinding finished no later than the new binding', async () => {
      const events = (await audit.list(world.owner, { limit: 50 })).events;
      const at = (action: string) => events.find((event) => event.action === action)?.at ?? 'missing';
      expect(events.map((event) => event.action).sort()).toEqual(['account.bound', 'account.unbinding', 'account.unbound']);
      expect(at('account.unbinding') <= at('account.unbound') && at('account.unbound') <= at('account.bound')).toBe(true);
    });
  });

  describe('the run dies after three chunks and the queued continuation finishes it', () => {
    let world: Awaited<ReturnType<typeof revokedAccountWithCascade>>;
    const continuations: UnbindingJob[] = [];
    let crash: string;
    let continued: string;

    beforeAll(async () => {
      world = await revokedAccountWithCascade();
      const dying = hooked(async (n) => {
        if (n === 3) throw new Error('the function timed out');
      });
      crash = await deleteAccount({ tenantId: world.owner, userId: 'admin', appid: world.appid }, unbindDeps(dying, { authorized: false }, continuations)).then(
        (result) => result,
        (error: unknown) => `rejected: ${(error as Error).message}`,
      );
      const [job] = continuations;
      continued = job
        ? await continueUnbinding(job, { store: accountLifecycleOn(table.client, table.name, { transactionLimit: CHUNK }), audit, now: () => new Date() })
        : 'no continuation';
    });

    it('leaves the account unbinding when the run dies, with its continuation queued', async () => {
      expect(crash).toBe('rejected: the function timed out');
      expect(continuations).toEqual([{ tenantId: world.owner, appid: world.appid }]);
    });

    it('finishes the unbinding from the continuation', () => {
      expect(continued).toBe('unbound');
    });

    it('takes every item of the cascade and the owner’s link and tokens, and gives the quota slot and the default back', async () => {
      expect(await leftOf(world.taken)).toEqual([]);
      expect(await get(accountKeys.tenantPk(world.owner), accountKeys.linkSk(world.appid))).toBeUndefined();
      expect(await get(accountKeys.accountPk(world.appid), accountKeys.tokenSk)).toBeUndefined();
      const tenant = await get(accountKeys.tenantPk(world.owner), accountKeys.tenantSk);
      expect([tenant?.ownedCount, tenant?.defaultAppid]).toEqual([0, undefined]);
      expect((await get(accountKeys.accountPk(world.appid), accountKeys.accountSk))?.status).toBe('unbound');
    });

    it('keeps the grants of other accounts and the communities, unlinked', async () => {
      expect(await leftOf(world.kept)).toHaveLength(world.kept.length);
      const communities = await Promise.all(world.communities.map((key) => get(key.pk, key.sk)));
      expect(communities.map((community) => community?.accountAppId)).toEqual(world.communities.map(() => undefined));
    });

    it('records the start and the end once each in the owner’s audit trail', async () => {
      expect(await actions(world.owner)).toEqual(['account.unbinding', 'account.unbound']);
    });

    it('finds nothing to do when the continuation comes again', async () => {
      const again = await continueUnbinding(
        { tenantId: world.owner, appid: world.appid },
        { store: accountLifecycleOn(table.client, table.name), audit, now: () => new Date() },
      );
      expect(again).toBe('nothing_to_do');
    });
  });
});
