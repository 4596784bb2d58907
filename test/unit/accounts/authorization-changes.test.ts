import { describe, expect, it } from 'vitest';
import {
  reactToAuthorized,
  type AuthorizationChangeDeps,
  type Reauthorization,
  type ReauthorizedProfile,
} from '#shared/domain/accounts/authorization-changes.ts';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';

const APPID = 'wx1234567890abcdef';

const account: AccountRecord = {
  appid: APPID,
  userName: 'gh_123456789012',
  nickname: 'Unit account',
  serviceTypeId: 2,
  verifyTypeId: 0,
  openPay: false,
  funcIds: [1, 2, 3],
  status: 'active',
  ownerTenantId: 'tenant-a',
  authorizedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const profile: ReauthorizedProfile = { ...account, funcIds: [1, 2] };

/** Ports that remember what the use case stored; WeChat's answers are the test's. */
function world(wechat: AuthorizationChangeDeps['wechat']) {
  const applied: Reauthorization[] = [];
  const audited: AuditEvent[] = [];
  const deps: AuthorizationChangeDeps = {
    store: {
      account: async () => account,
      applyReauthorization: async (_appid, _status, change) => {
        applied.push(change);
        return true;
      },
      markRevoked: async () => undefined,
    },
    wechat,
    audit: { record: async (_tenant, event) => void audited.push(event) },
    now: () => new Date('2026-02-01T00:00:00.000Z'),
    log: { info: () => undefined, warn: () => undefined },
  };
  return { deps, applied, audited };
}

const push = { authorizerAppid: APPID, infoType: 'updateauthorized' as const, authorizationCode: 'queryauthcode@@@unit' };

describe('re-authorization pushes when WeChat gives no refresh token with the account', () => {
  it('exchanges the pushed code and stores its permissions and tokens', async () => {
    // Prepare
    const tokens = { accessToken: 'access', expiresAt: '2026-02-01T02:00:00.000Z', refreshToken: 'refreshtoken@@@new' };
    const { deps, applied } = world({
      getAuthorizerInfo: async () => ({ profile }),
      queryAuth: async () => ({ appid: APPID, funcIds: [1, 2, 24], tokens }),
    });

    // Act
    const result = await reactToAuthorized(push, deps);

    // Assess
    expect(result).toBe('reauthorized');
    expect(applied).toEqual([{ profile: { ...profile, funcIds: [1, 2, 24] }, tokens, at: '2026-02-01T00:00:00.000Z' }]);
  });

  it('leaves the account alone when the redirect callback already spent the code (61009)', async () => {
    // Prepare
    const { deps, applied, audited } = world({
      getAuthorizerInfo: async () => ({ profile }),
      queryAuth: async () => {
        throw new WeChatApiError('api_query_auth', 61009, 'code is invalid rid: 1');
      },
    });

    // Act
    const result = await reactToAuthorized(push, deps);

    // Assess
    expect(result).toBe('ignored');
    expect([applied, audited]).toEqual([[], []]);
  });

  it('passes on a WeChat failure it cannot handle', async () => {
    // Prepare
    const { deps } = world({
      getAuthorizerInfo: async () => {
        throw new WeChatApiError('api_get_authorizer_info', 45009, 'reach max api daily quota limit');
      },
      queryAuth: async () => ({ appid: APPID, funcIds: [] }),
    });

    // Act
    const error = await reactToAuthorized(push, deps).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatApiError);
  });
});
