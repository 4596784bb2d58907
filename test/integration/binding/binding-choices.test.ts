/**
 * The binding choices of `POST /v1/authorizations` (API.md §3) on the embedded engine against the
 * WeChat simulator: the link stores what the admin chose with its state, the callback binds the
 * account, and the open-platform step runs as the binding's reaction — `create`, `{ openAppId }`,
 * `none`; skipped without permission set 24; a WeChat refusal is `failed` and the binding stands —
 * with its outcome on the account (`Account.openPlatform`) and in the audit trail. 明文授权
 * (`plaintextAuthorization`) defaults to true for a new binding; a re-authorization keeps what the
 * account has unless the request says otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { openPlatformAfterBinding, openPlatformWeChat, type OpenPlatformDeps } from '#shared/domain/accounts/open-platform.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { completeAuthorization, type AuthorizationOutcome } from '#shared/domain/binding/complete-authorization.ts';
import { createAuthorizationLink } from '#shared/domain/binding/create-authorization.ts';
import type { BindingChoices } from '#shared/domain/binding/ports.ts';
import { wechatBinding } from '#shared/domain/binding/wechat-binding.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { bindingDefaults, silentLog, tenantSettingsOn } from '#test/integration/binding/support.ts';
import { accountItem, rawItem, startLifecycleWorld, type LifecycleWorld } from '#test/integration/support/world.ts';

const ALL_SETS = [1, 2, 3, 24];

describe('binding choices: the open platform step and 明文授权 after a binding', () => {
  let world: LifecycleWorld;
  let states: DynamoAuthorizationStates;
  let audit: DynamoAuditLog;
  let openPlatform: OpenPlatformDeps;
  let counter = 0;

  const newTenant = () => `t-choices-${++counter}`;
  const newAccount = (o: { principalName?: string; boundToOpenAccount?: boolean } = {}) =>
    world.simulator.addAccount({
      nickname: 'Choices test account',
      serviceType: 'service',
      verified: true,
      followers: 3,
      principalName: o.principalName ?? 'Choices Co.',
      ...(o.boundToOpenAccount ? { boundToOpenAccount: true } : {}),
    }).appid;

  /** An admin asks for a link with `choices`; the state it stores is returned with it. */
  const askForLink = async (tenantId: string, choices?: BindingChoices, appid?: string) => {
    const state = `choices-state-${++counter}`;
    const bindingWeChat = wechatBinding(world.client, world.component, async () => ({ componentAppId: world.componentAppId }));
    await createAuthorizationLink(
      { tenantId, userId: 'admin', ...(appid ? { appid } : {}), ...(choices ? { choices } : {}) },
      {
        wechat: bindingWeChat,
        states,
        accounts: new DynamoAccountStore(world.table.client, world.table.name),
        publicBaseUrl: 'https://hub.example',
        now: () => new Date(),
        newState: () => state,
      },
    );
    return state;
  };

  /** The account owner consents in WeChat with `funcIds`, and WeChat sends the admin back: the callback runs. */
  const consent = async (state: string, appid: string, funcIds = ALL_SETS): Promise<AuthorizationOutcome> => {
    const { authCode } = await world.simulator.authorize(appid, funcIds);
    return completeAuthorization(
      { state, authCode },
      {
        states,
        wechat: wechatBinding(world.client, world.component, async () => ({ componentAppId: world.componentAppId })),
        accounts: new DynamoAccountStore(world.table.client, world.table.name),
        fanSync: { queueFullSync: async () => 'job' },
        audit,
        tenantSettings: tenantSettingsOn(world.table.client, world.table.name, { ...bindingDefaults, accountQuota: 10 }),
        defaultQuota: 10,
        now: () => new Date(),
        log: silentLog,
        // As `shared/wiring/accounts.ts` wires it.
        afterBind: async (binding) => {
          if (binding.openPlatform) await openPlatformAfterBinding({ ...binding, choice: binding.openPlatform }, { ...openPlatform, log: silentLog });
        },
      },
    );
  };

  const bind = async (choices?: BindingChoices, o: { funcIds?: number[]; appid?: string; tenantId?: string } = {}) => {
    const tenantId = o.tenantId ?? newTenant();
    const appid = o.appid ?? newAccount();
    const outcome = await consent(await askForLink(tenantId, choices), appid, o.funcIds);
    if (!outcome.ok) throw new Error(`binding failed: ${outcome.error.code} ${outcome.error.message}`);
    return { tenantId, appid };
  };

  const storedOutcome = async (appid: string) => (await accountItem(world, appid))?.openPlatform as Record<string, unknown> | undefined;
  const auditActions = async (tenantId: string) => (await audit.list(tenantId, { limit: 20 })).events.map((event) => event.action).sort();
  const linkFlag = async (tenantId: string, appid: string) =>
    (await rawItem(world, accountKeys.tenantPk(tenantId), accountKeys.linkSk(appid)))?.plaintextAuthorization;
  const openCalls = () =>
    Object.entries(world.simulator.calls())
      .filter(([path]) => path.startsWith('/cgi-bin/open/'))
      .map(([path]) => path)
      .sort();

  beforeAll(async () => {
    world = await startLifecycleWorld('binding-choices');
    states = new DynamoAuthorizationStates(world.table.client, world.table.name);
    audit = new DynamoAuditLog(world.table.client, world.table.name);
    const tokens = new AuthorizerTokenService({
      store: new DynamoAuthorizerTokenStore(world.table.client, world.table.name),
      statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(world.table.client, world.table.name), audit),
      lease: new DynamoLease(world.table.client, world.table.name),
      api: world.client,
      component: world.component,
      componentAppId: async () => world.componentAppId,
    });
    openPlatform = {
      store: new DynamoAccountLifecycle(world.table.client, world.table.name),
      wechat: openPlatformWeChat(world.client, (appid) => tokens.forAccount(appid)),
      audit,
      now: () => new Date(),
    };
  });

  afterAll(async () => {
    await world?.close();
  });

  describe('the authorization state', () => {
    it('carries the choices the admin made to the callback', async () => {
      // Prepare
      const tenantId = newTenant();

      // Act
      const state = await askForLink(tenantId, { openPlatform: { openAppId: 'wx00000000000open01' }, plaintextAuthorization: false });

      // Assess
      expect((await states.find(state))?.choices).toEqual({ openPlatform: { openAppId: 'wx00000000000open01' }, plaintextAuthorization: false });
    });

    it('stores no choices when the admin made none, so the callback applies the defaults', async () => {
      // Act
      const state = await askForLink(newTenant());

      // Assess
      expect((await states.find(state))?.choices).toBeUndefined();
    });
  });

  describe('openPlatform', () => {
    it('binds a new account to a new open platform account by default, stores the outcome and audits it', async () => {
      // Act
      const { tenantId, appid } = await bind();

      // Assess
      const openAppId = world.simulator.account(appid)?.openAppid;
      expect(openAppId).toEqual(expect.stringMatching(/^wx/));
      expect(await storedOutcome(appid)).toEqual({ status: 'bound', openAppId, created: true, choice: 'create', at: expect.any(String) });
      expect((await accountItem(world, appid))?.openAppId).toBe(openAppId);
      expect(await auditActions(tenantId)).toEqual(['account.bound', 'account.open_platform_bound']);
    });

    it('shows the owner the outcome on its account, without the stored choice', async () => {
      // Prepare
      const { tenantId, appid } = await bind({ openPlatform: 'create' });
      const queries = new AccountQueries(
        new DynamoAccountDirectory(world.table.client, world.table.name),
        { grantedToAny: async () => new Set(), isGrantedToAny: async () => true },
        [],
      );

      // Act
      const view = await queries.get({ tenantId, userId: 'admin', isAdmin: true, departments: [] }, appid);

      // Assess
      expect(view.openPlatform).toEqual({ status: 'bound', openAppId: world.simulator.account(appid)?.openAppid, created: true });
    });

    it('keeps the open platform account WeChat shows the account bound to, creating none', async () => {
      // Prepare
      const appid = newAccount({ boundToOpenAccount: true });
      const existing = world.simulator.account(appid)?.openAppid;
      world.simulator.resetCalls();

      // Act
      await bind({ openPlatform: 'create' }, { appid });

      // Assess
      expect(await storedOutcome(appid)).toEqual(expect.objectContaining({ status: 'bound', openAppId: existing, created: false }));
      expect(openCalls()).toEqual(['/cgi-bin/open/get']);
    });

    it('binds the account to the open platform account the admin named', async () => {
      // Prepare
      const named = world.simulator.addOpenAccount({ principalName: 'Choices Co.', verified: true });

      // Act
      const { appid } = await bind({ openPlatform: { openAppId: named } });

      // Assess
      expect([world.simulator.account(appid)?.openAppid, await storedOutcome(appid)]).toEqual([
        named,
        expect.objectContaining({ status: 'bound', openAppId: named, created: false, choice: { openAppId: named } }),
      ]);
    });

    it('leaves the account alone with none: no open platform call, no outcome, no audit event', async () => {
      // Prepare
      const appid = newAccount();
      world.simulator.resetCalls();

      // Act
      const { tenantId } = await bind({ openPlatform: 'none' }, { appid });

      // Assess
      expect([openCalls(), await storedOutcome(appid), world.simulator.account(appid)?.openAppid]).toEqual([[], undefined, null]);
      expect(await auditActions(tenantId)).toEqual(['account.bound']);
    });

    it('skips the step with the reason when the account did not grant permission set 24, calling no open platform API', async () => {
      // Prepare
      const appid = newAccount();
      world.simulator.resetCalls();

      // Act
      const { tenantId } = await bind(undefined, { appid, funcIds: [1, 2, 3] });

      // Assess
      expect(await storedOutcome(appid)).toEqual(
        expect.objectContaining({
          status: 'skipped',
          error: { code: 'missing_permissions', message: expect.stringMatching(/开放平台账号管理 \(24\).*no unionid/) },
        }),
      );
      expect([openCalls(), await auditActions(tenantId)]).toEqual([[], ['account.bound', 'account.open_platform_skipped']]);
    });

    it('records WeChat’s refusal (89001) as failed with a clear code, and the binding stays active', async () => {
      // Prepare: an API-created, unverified open account of another entity.
      const foreign = world.simulator.addOpenAccount({ principalName: 'Another Entity Ltd', verified: false, createdByApi: true });

      // Act
      const { tenantId, appid } = await bind({ openPlatform: { openAppId: foreign } });

      // Assess
      expect(await storedOutcome(appid)).toEqual(
        expect.objectContaining({ status: 'failed', error: { code: 'open_platform_entity_mismatch', message: expect.stringMatching(/errcode 89001/) } }),
      );
      expect([(await accountItem(world, appid))?.status, world.simulator.account(appid)?.openAppid]).toEqual(['active', null]);
      expect(await auditActions(tenantId)).toEqual(['account.bound', 'account.open_platform_failed']);
    });

    it('names the open platform account’s limit (89004) as open_platform_limit_reached', async () => {
      // Prepare
      world.simulator.injectFault({ path: '/cgi-bin/open/create', errcode: 89004, times: 1 });

      // Act
      const { appid } = await bind({ openPlatform: 'create' });

      // Assess
      expect(((await storedOutcome(appid))?.error as { code: string }).code).toBe('open_platform_limit_reached');
    });

    it('names a bind to another open platform account than the one WeChat shows (89000) as open_platform_already_bound', async () => {
      // Prepare
      const appid = newAccount({ boundToOpenAccount: true });
      const other = world.simulator.addOpenAccount({ principalName: 'Choices Co.', verified: true });

      // Act
      await bind({ openPlatform: { openAppId: other } }, { appid });

      // Assess
      expect(((await storedOutcome(appid))?.error as { code: string }).code).toBe('open_platform_already_bound');
    });
  });

  describe('plaintextAuthorization (明文授权)', () => {
    it('is on for a new binding when the admin said nothing', async () => {
      // Act
      const { tenantId, appid } = await bind({ openPlatform: 'none' });

      // Assess
      expect(await linkFlag(tenantId, appid)).toBe(true);
    });

    it('is off for a new binding when the admin turned it off', async () => {
      // Act
      const { tenantId, appid } = await bind({ openPlatform: 'none', plaintextAuthorization: false });

      // Assess
      expect(await linkFlag(tenantId, appid)).toBe(false);
    });
  });

  describe('a re-authorization', () => {
    it('keeps the link’s 明文授权 and the bound open platform account when the request says nothing', async () => {
      // Prepare
      const { tenantId, appid } = await bind({ plaintextAuthorization: false });
      const before = await storedOutcome(appid);
      world.simulator.resetCalls();

      // Act
      await bind(undefined, { tenantId, appid });

      // Assess
      expect([await linkFlag(tenantId, appid), openCalls(), await storedOutcome(appid)]).toEqual([false, [], before]);
    });

    it('takes the new request’s 明文授权 when it states one', async () => {
      // Prepare
      const { tenantId, appid } = await bind({ plaintextAuthorization: false });

      // Act
      await bind({ plaintextAuthorization: true }, { tenantId, appid });

      // Assess
      expect(await linkFlag(tenantId, appid)).toBe(true);
    });

    it('tries a skipped step again once set 24 is granted, with the choice that was skipped', async () => {
      // Prepare
      const { tenantId, appid } = await bind({ openPlatform: 'create' }, { funcIds: [1, 2, 3] });

      // Act
      await bind(undefined, { tenantId, appid, funcIds: ALL_SETS });

      // Assess
      expect(await storedOutcome(appid)).toEqual(expect.objectContaining({ status: 'bound', created: true, choice: 'create' }));
    });

    it('runs no step for an account whose tenant chose none', async () => {
      // Prepare
      const { tenantId, appid } = await bind({ openPlatform: 'none' });
      world.simulator.resetCalls();

      // Act
      await bind(undefined, { tenantId, appid });

      // Assess
      expect([openCalls(), await storedOutcome(appid)]).toEqual([[], undefined]);
    });
  });
});
