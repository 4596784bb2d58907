import { describe, expect, it } from 'vitest';
import { handleComponentPush, type ComponentPushDeps } from '#shared/domain/authorization/component-push.ts';
import type { AuthorizationPush, PushKey } from '#shared/domain/authorization/ports.ts';
import { memoryEventLog } from '#test/unit/authorization/memory-event-log.ts';

const APPID = 'wx1111111111111111';
const unauthorized: AuthorizationPush = { infoType: 'unauthorized', appId: 'wxc0ffee0000000001', createTime: 1_700_000_000, authorizerAppid: APPID };
const updateauthorized: AuthorizationPush = {
  infoType: 'updateauthorized',
  appId: 'wxc0ffee0000000001',
  createTime: 1_700_000_100,
  authorizerAppid: APPID,
  authorizationCode: 'queryauthcode@@@code',
  authorizationCodeExpiresAt: 1_700_003_700,
};

function depsWith(options: { revoke?: () => Promise<void>; send?: () => Promise<void>; holds?: boolean } = {}) {
  const events = memoryEventLog();
  const revocations: string[] = [];
  const sent: PushKey[] = [];
  const deps: ComponentPushDeps = {
    tickets: { saveTicket: async () => true },
    events,
    queue: {
      send: async (key) => {
        await options.send?.();
        sent.push(key);
      },
    },
    reactions: {
      holds: async () => options.holds ?? true,
      unauthorized: async (push) => {
        await options.revoke?.();
        revocations.push(push.authorizerAppid);
      },
    },
    now: () => new Date('2026-11-21T00:00:00Z'),
  };
  return { deps, events, revocations, sent };
}

describe('receiving an unauthorized push', () => {
  it('revokes on the first delivery and takes WeChat’s retry for a duplicate', async () => {
    // Prepare
    const { deps, revocations } = depsWith();

    // Act
    const first = await handleComponentPush(unauthorized, deps);
    const retry = await handleComponentPush(unauthorized, deps);

    // Assess
    expect([first, retry]).toEqual(['applied', 'duplicate']);
    expect(revocations).toEqual([APPID]);
  });

  it('revokes again on WeChat’s retry when the first revocation failed', async () => {
    // Prepare
    let failures = 1;
    const { deps, revocations } = depsWith({
      revoke: async () => {
        if (failures-- > 0) throw new Error('DynamoDB throttled');
      },
    });

    // Act
    await expect(handleComponentPush(unauthorized, deps)).rejects.toThrow('DynamoDB throttled');
    const retry = await handleComponentPush(unauthorized, deps);

    // Assess
    expect(retry).toBe('applied');
    expect(revocations).toEqual([APPID]);
  });

  it('records but does not apply a revocation dated before the account’s current authorization', async () => {
    // Prepare
    const { deps, events, revocations } = depsWith();
    await handleComponentPush({ ...updateauthorized, createTime: unauthorized.createTime + 1 }, deps);

    // Act
    const outcome = await handleComponentPush(unauthorized, deps);

    // Assess
    expect(outcome).toBe('stale');
    expect(revocations).toEqual([]);
    expect(events.stateOf({ appid: APPID, infoType: 'unauthorized', createTime: unauthorized.createTime })).toBe('stale');
  });

  it('applies a revocation dated after the account’s current authorization', async () => {
    // Prepare
    const { deps, revocations } = depsWith();
    await handleComponentPush({ ...updateauthorized, createTime: unauthorized.createTime - 1 }, deps);

    // Act
    const outcome = await handleComponentPush(unauthorized, deps);

    // Assess
    expect(outcome).toBe('applied');
    expect(revocations).toEqual([APPID]);
  });
});

describe('receiving a grant push', () => {
  it('stores the push and queues it without applying it', async () => {
    // Prepare
    const { deps, events, sent } = depsWith();

    // Act
    const outcome = await handleComponentPush(updateauthorized, deps);

    // Assess
    expect(outcome).toBe('queued');
    expect(sent).toEqual([{ appid: APPID, infoType: 'updateauthorized', createTime: updateauthorized.createTime }]);
    expect(events.stateOf(sent[0]!)).toBe('received');
  });

  it('fails the receipt when the queue refuses the stored push, and queues it on WeChat’s retry', async () => {
    // Prepare
    let outage = true;
    const { deps, sent } = depsWith({
      send: async () => {
        if (outage) throw new Error('SQS unavailable');
      },
    });
    await expect(handleComponentPush(updateauthorized, deps)).rejects.toThrow('SQS unavailable');
    outage = false;

    // Act
    const retry = await handleComponentPush(updateauthorized, deps);

    // Assess
    expect(retry).toBe('queued');
    expect(sent).toHaveLength(1);
  });

  it('queues WeChat’s retry of a push that is stored but not applied yet', async () => {
    // Prepare
    const { deps, sent } = depsWith();
    await handleComponentPush(updateauthorized, deps);

    // Act
    const retry = await handleComponentPush(updateauthorized, deps);

    // Assess
    expect(retry).toBe('queued');
    expect(sent).toHaveLength(2);
  });

  it('takes WeChat’s retry of an applied push for a duplicate and queues nothing', async () => {
    // Prepare
    const { deps, events, sent } = depsWith();
    await handleComponentPush(updateauthorized, deps);
    await events.settle(sent[0]!, 'applied', '2026-11-21T00:00:01Z');

    // Act
    const retry = await handleComponentPush(updateauthorized, deps);

    // Assess
    expect(retry).toBe('duplicate');
    expect(sent).toHaveLength(1);
  });

  it('settles at once, queueing nothing, a push for an account the hub does not hold', async () => {
    // Prepare
    const { deps, events, sent } = depsWith({ holds: false });

    // Act
    const outcome = await handleComponentPush(updateauthorized, deps);

    // Assess
    expect(outcome).toBe('ignored');
    expect(sent).toEqual([]);
    expect(events.stateOf({ appid: APPID, infoType: 'updateauthorized', createTime: updateauthorized.createTime })).toBe('applied');
  });
});
