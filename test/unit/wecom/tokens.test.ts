/**
 * The WeCom tokens: a stored token that is not due is used as is; a due one is minted once under
 * the lease however many callers ask; no ticket, or a ticket WeCom refuses (40085), is 503
 * wechat_not_ready; a corp that is not installed has no token. And the sealed secrets: bound to
 * their item's context.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lease, LeaseKey } from '#shared/domain/tokens/ports.ts';
import type { StoredToken, StoredWeComCorp, SuiteTicket, WeComTokenKind } from '#shared/domain/wecom/ports.ts';
import { WeComTokenService, permanentCodeContext } from '#shared/domain/wecom/tokens.ts';
import { WeComApiError } from '#shared/wecom/api-client.ts';
import { EnvelopeSecretBox, LocalFileMasterKey } from '#shared/wecom/secret-box.ts';

const credentials = { suiteId: 'wwsuite', suiteSecret: 's', token: 't', aesKey: 'A'.repeat(43), providerCorpId: 'wwprov', providerSecret: 'p' };
const keyOf = (which: WeComTokenKind) => JSON.stringify(which);

function world(o: { ticket?: boolean; refuseTicket?: boolean } = {}) {
  const tokens = new Map<string, StoredToken>();
  const leases = new Map<string, string>();
  const minted: string[] = [];
  const lease: Lease = {
    tryAcquire: async (key: LeaseKey, owner: string) => {
      const held = leases.get(key.pk);
      if (held && held !== owner) return false;
      leases.set(key.pk, owner);
      return true;
    },
    release: async (key: LeaseKey, owner: string) => void (leases.get(key.pk) === owner && leases.delete(key.pk)),
  };
  const box = new EnvelopeSecretBox(new LocalFileMasterKey(join(mkdtempSync(join(tmpdir(), 'wecom-unit-')), 'key')));
  const corps = new Map<string, StoredWeComCorp>();
  const service = new WeComTokenService({
    tickets: {
      saveTicket: async () => true,
      latestTicket: async (): Promise<SuiteTicket | undefined> => (o.ticket === false ? undefined : { ticket: 'T', timeStamp: 1, receivedAt: '' }),
    },
    tokens: {
      read: async (which) => tokens.get(keyOf(which)),
      save: async (which, token) => {
        tokens.set(keyOf(which), token);
        return true;
      },
      expire: async () => true,
      drop: async (which) => void tokens.delete(keyOf(which)),
      leaseKey: (which) => ({ pk: keyOf(which), sk: 'TOKEN' }),
    },
    corps: { get: async (corpId) => corps.get(corpId) },
    secrets: box,
    lease,
    api: {
      getSuiteToken: async () => {
        if (o.refuseTicket) throw new WeComApiError('service/get_suite_token', 40085, 'invalid suite_ticket');
        await new Promise((resolve) => setTimeout(resolve, 5));
        minted.push('suite');
        return { token: `suite-${minted.length}`, expiresIn: 7200 };
      },
      getProviderToken: async () => ({ token: 'provider', expiresIn: 7200 }),
      getCorpToken: async (_suite, request) => {
        minted.push(`corp:${request.permanentCode}`);
        return { token: 'corp-token', expiresIn: 7200 };
      },
    },
    credentials: async () => credentials,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    options: { pollMs: 2, waitForRefreshMs: 2_000 },
  });
  return { service, tokens, minted, corps, box };
}

describe('WeCom tokens', () => {
  it('mints the suite token once when ten callers find none', async () => {
    const { service, minted } = world();
    const got = await Promise.all(Array.from({ length: 10 }, () => service.suite().current()));
    expect(minted).toEqual(['suite']);
    expect(new Set(got)).toEqual(new Set(['suite-1']));
  });

  it('uses a stored suite token that is not due without asking WeCom', async () => {
    const { service, tokens, minted } = world();
    tokens.set(keyOf({ kind: 'suite', suiteId: 'wwsuite' }), { token: 'kept', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await service.suite().current()).toBe('kept');
    expect(minted).toEqual([]);
  });

  it('answers 503 wechat_not_ready without a stored suite_ticket', async () => {
    await expect(world({ ticket: false }).service.suite().current()).rejects.toMatchObject({ code: 'wechat_not_ready', statusCode: 503 });
  });

  it('answers 503 wechat_not_ready when WeCom refuses the ticket (40085)', async () => {
    await expect(world({ refuseTicket: true }).service.suite().current()).rejects.toMatchObject({ code: 'wechat_not_ready' });
  });

  it('mints a corp token with the opened permanent code, and refuses one for a corp that uninstalled the app', async () => {
    const { service, corps, box, minted } = world();
    const corp = { corpId: 'wpX', suiteId: 'wwsuite', status: 'installed' } as StoredWeComCorp;
    corp.permanentCode = await box.seal('PERMANENT-1', permanentCodeContext(corp));
    corps.set('wpX', corp);
    expect(await service.corp('wpX').current()).toBe('corp-token');
    expect(minted).toContain('corp:PERMANENT-1');
    corps.set('wpX', { ...corp, status: 'uninstalled' });
    await expect(service.corp('wpX').current()).rejects.toMatchObject({ code: 'account_not_active' });
  });

  it('does not open a sealed secret under another item’s context', async () => {
    const { box } = world();
    const sealed = await box.seal('PERMANENT-1', permanentCodeContext({ corpId: 'wpA', suiteId: 'wwsuite' }));
    await expect(box.open(sealed, permanentCodeContext({ corpId: 'wpB', suiteId: 'wwsuite' }))).rejects.toThrow(/did not open/);
    expect(JSON.stringify(sealed)).not.toContain('PERMANENT-1');
  });
});
