/** An in-memory `AuthorizationEventLog` with the table adapter's contract (conditional put, claim with a lease). */
import type { AuthorizationEventLog, PushKey } from '#shared/domain/authorization/ports.ts';

type State = 'received' | 'applying' | 'applied' | 'stale';

interface Entry {
  key: PushKey;
  state: State;
  leaseUntil?: number;
  authorizationCode?: string;
}

export function memoryEventLog(): AuthorizationEventLog & { stateOf(key: PushKey): State | undefined } {
  const entries = new Map<string, Entry>();
  const id = (key: PushKey) => `${key.appid}#${key.createTime}#${key.infoType}`;
  return {
    stateOf: (key) => entries.get(id(key))?.state,
    async receive(push) {
      const key = { appid: push.authorizerAppid, infoType: push.infoType, createTime: push.createTime };
      const entry = entries.get(id(key));
      if (entry) return entry.state === 'applied' || entry.state === 'stale' ? 'settled' : 'pending';
      entries.set(id(key), { key, state: 'received', ...(push.infoType === 'unauthorized' ? {} : { authorizationCode: push.authorizationCode }) });
      return 'new';
    },
    async claim(key, lease) {
      const entry = entries.get(id(key));
      if (!entry) return { kind: 'missing' };
      if (entry.state === 'applied' || entry.state === 'stale') return { kind: 'settled' };
      if (entry.state === 'applying' && (entry.leaseUntil ?? 0) >= lease.now) return { kind: 'busy' };
      entry.state = 'applying';
      entry.leaseUntil = lease.leaseUntil;
      return { kind: 'claimed', ...(entry.authorizationCode ? { authorizationCode: entry.authorizationCode } : {}) };
    },
    async release(key) {
      const entry = entries.get(id(key));
      if (entry?.state === 'applying') {
        entry.state = 'received';
        delete entry.leaseUntil;
      }
    },
    async settle(key, outcome) {
      const entry = entries.get(id(key));
      if (!entry) throw new Error('no such event');
      entry.state = outcome;
      delete entry.authorizationCode;
      delete entry.leaseUntil;
    },
    async currentAuthorization(appid) {
      const times = [...entries.values()].filter((e) => e.key.appid === appid && e.key.infoType !== 'unauthorized').map((e) => e.key.createTime);
      return times.length > 0 ? Math.max(...times) : undefined;
    },
    async rememberCode() {},
  };
}
