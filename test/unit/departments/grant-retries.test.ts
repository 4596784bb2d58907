import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/auth/caller.ts';
import type { AccountDirectory } from '#shared/domain/accounts/ports.ts';
import type { AuditEvent, AuditLog } from '#shared/domain/audit/audit-log.ts';
import { DepartmentAccess } from '#shared/domain/departments/grants.ts';
import type { DepartmentGrantStore, GrantChange, StoredGrants } from '#shared/domain/departments/ports.ts';
import { ownerLink, seedAccount } from '#test/support/seed.ts';

const TENANT = 't-retries';
const NOW = new Date('2026-01-01T00:00:00.000Z');
const admin: Caller = { tenantId: TENANT, userId: 'admin', isAdmin: true, departments: [] };
const [A, B, C] = ['wx000000000000000a', 'wx000000000000000b', 'wx000000000000000c'];

/** The tenant holds A, B and C. */
const directory: AccountDirectory = {
  linksOf: async () => [A, B, C].map((appid) => ownerLink(TENANT, appid)),
  accounts: async (appids) => new Map(appids.map((appid) => [appid, seedAccount(appid, TENANT)])),
  account: async () => undefined,
  link: async () => undefined,
  tenantSettings: async () => undefined,
};

/** A store that reads `reads` in turn (the last one repeats) and answers `outcomes` in turn; it keeps what it was asked to write. */
function scriptedStore(reads: StoredGrants[], outcomes: ('replaced' | 'changed')[]) {
  const changes: GrantChange[] = [];
  let read = 0;
  const store: DepartmentGrantStore = {
    granted: async () => reads[Math.min(read++, reads.length - 1)]!,
    replace: async (_tenant, _department, change) => {
      changes.push(change);
      return outcomes[changes.length - 1] ?? 'changed';
    },
  };
  return { store, changes };
}

function recordingAudit() {
  const events: AuditEvent[] = [];
  const audit: AuditLog = { record: async (_tenant, event) => void events.push(event), list: async () => Promise.reject(new Error('not read here')) };
  return { audit, events };
}

const access = (store: DepartmentGrantStore, audit: AuditLog, pauses: number[] = []) =>
  new DepartmentAccess(directory, store, audit, () => NOW, { attempts: 4, sleep: async (ms) => void pauses.push(ms), random: () => 0.5 });

describe('a department-grant PUT that races another', () => {
  it('computes its change again from the set the winner stored, at the winner’s version', async () => {
    // Prepare
    const { store, changes } = scriptedStore(
      [
        { appids: [A], version: 1 },
        { appids: [C], version: 2 },
      ],
      ['changed', 'replaced'],
    );

    // Act
    await access(store, recordingAudit().audit).replace(admin, 'ops', [A, B]);

    // Assess
    expect(changes[1]).toMatchObject({ version: 2, added: [A, B], removed: [C] });
  });

  it('audits only the change that landed', async () => {
    // Prepare
    const { store } = scriptedStore(
      [
        { appids: [A], version: 1 },
        { appids: [C], version: 2 },
      ],
      ['changed', 'replaced'],
    );
    const { audit, events } = recordingAudit();

    // Act
    await access(store, audit).replace(admin, 'ops', [A, B]);

    // Assess
    expect(events.map((event) => event.details)).toEqual([{ departmentId: 'ops', granted: [A, B], revoked: [C] }]);
  });

  it('answers try_again with Retry-After, audits nothing, once its retries run out', async () => {
    // Prepare
    const { store, changes } = scriptedStore([{ appids: [A], version: 1 }], []);
    const { audit, events } = recordingAudit();

    // Act
    const failure = access(store, audit).replace(admin, 'ops', [B]);

    // Assess
    await expect(failure).rejects.toMatchObject({ code: 'try_again', headers: { 'Retry-After': '1' } });
    expect(changes).toHaveLength(4);
    expect(events).toEqual([]);
  });

  it('writes nothing while another PUT’s large change is being written, and writes once it has ended', async () => {
    // Prepare
    const { store, changes } = scriptedStore(
      [
        { appids: [A], version: 5, changingUntil: '2026-01-01T00:00:05.000Z' },
        { appids: [C], version: 6 },
      ],
      ['replaced'],
    );

    // Act
    await access(store, recordingAudit().audit).replace(admin, 'ops', [B]);

    // Assess
    expect(changes).toEqual([expect.objectContaining({ version: 6, added: [B], removed: [C] })]);
  });

  it('takes over a department whose large change was left unfinished past its claim', async () => {
    // Prepare
    const { store, changes } = scriptedStore([{ appids: [A, C], version: 5, changingUntil: '2025-12-31T23:59:50.000Z' }], ['replaced']);

    // Act
    await access(store, recordingAudit().audit).replace(admin, 'ops', [B]);

    // Assess
    expect(changes).toEqual([expect.objectContaining({ version: 5, added: [B], removed: [A, C] })]);
  });

  it('pauses a random time before each retry, growing up to its ceiling', async () => {
    // Prepare
    const { store } = scriptedStore([{ appids: [A], version: 1 }], []);
    const pauses: number[] = [];

    // Act
    await access(store, recordingAudit().audit, pauses)
      .replace(admin, 'ops', [B])
      .catch(() => undefined);

    // Assess
    expect(pauses).toEqual([12, 25, 50]);
  });
});
