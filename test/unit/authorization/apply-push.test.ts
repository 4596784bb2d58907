import { describe, expect, it } from 'vitest';
import { applyGrantPush, PushBeingApplied, type ApplyPushDeps } from '#shared/domain/authorization/apply-push.ts';
import type { AuthorizationPush } from '#shared/domain/authorization/ports.ts';
import { memoryEventLog } from '#test/unit/authorization/memory-event-log.ts';

const APPID = 'wx1111111111111111';
const push: AuthorizationPush = {
  infoType: 'updateauthorized',
  appId: 'wxc0ffee0000000001',
  createTime: 1_700_000_100,
  authorizerAppid: APPID,
  authorizationCode: 'queryauthcode@@@code',
  authorizationCodeExpiresAt: 1_700_003_700,
};
const key = { appid: APPID, infoType: 'updateauthorized' as const, createTime: push.createTime };
const quiet = { info: () => undefined, warn: () => undefined };

async function depsWith(authorized: (code?: string) => Promise<void> = async () => undefined) {
  const events = memoryEventLog();
  await events.receive(push, '2026-11-21T00:00:00Z');
  const reactions: (string | undefined)[] = [];
  let clock = Date.parse('2026-11-21T00:00:00Z');
  const deps: ApplyPushDeps = {
    events,
    reactions: {
      authorized: async (p) => {
        reactions.push(p.authorizationCode);
        await authorized(p.authorizationCode);
      },
    },
    now: () => new Date(clock),
    log: quiet,
    leaseSeconds: 30,
  };
  return { deps, events, reactions, advance: (seconds: number) => (clock += seconds * 1000) };
}

describe('applying a queued grant push', () => {
  it('reacts with the stored authorization code and settles the push applied', async () => {
    // Prepare
    const { deps, events, reactions } = await depsWith();

    // Act
    const outcome = await applyGrantPush(key, deps);

    // Assess
    expect(outcome).toBe('applied');
    expect(reactions).toEqual(['queryauthcode@@@code']);
    expect(events.stateOf(key)).toBe('applied');
  });

  it('changes nothing on a second message of a push already applied', async () => {
    // Prepare
    const { deps, reactions } = await depsWith();
    await applyGrantPush(key, deps);

    // Act
    const outcome = await applyGrantPush(key, deps);

    // Assess
    expect(outcome).toBe('duplicate');
    expect(reactions).toHaveLength(1);
  });

  it('gives the push back when the reaction fails, so that the next delivery applies it', async () => {
    // Prepare
    let failures = 1;
    const { deps, events, reactions } = await depsWith(async () => {
      if (failures-- > 0) throw new Error('WeChat -1');
    });
    await expect(applyGrantPush(key, deps)).rejects.toThrow('WeChat -1');

    // Act
    const stateBetween = events.stateOf(key);
    const outcome = await applyGrantPush(key, deps);

    // Assess
    expect(stateBetween).toBe('received');
    expect(outcome).toBe('applied');
    expect(reactions).toHaveLength(2);
  });

  it('refuses a second delivery while the first is applying it, without reacting', async () => {
    // Prepare
    let finish!: () => void;
    const { deps, reactions } = await depsWith(() => new Promise<void>((resolve) => (finish = resolve)));
    const first = applyGrantPush(key, deps);
    await new Promise((resolve) => setTimeout(resolve, 0));

    // Act
    const second = applyGrantPush(key, deps);

    // Assess
    await expect(second).rejects.toBeInstanceOf(PushBeingApplied);
    finish();
    await expect(first).resolves.toBe('applied');
    expect(reactions).toHaveLength(1);
  });

  it('takes over a claim whose lease has passed (the worker that held it died)', async () => {
    // Prepare
    const { deps, events, advance } = await depsWith();
    await events.claim(key, { now: 0, leaseUntil: Math.floor(deps.now().getTime() / 1000) + 30 });
    advance(31);

    // Act
    const outcome = await applyGrantPush(key, deps);

    // Assess
    expect(outcome).toBe('applied');
  });

  it('settles a push older than the account’s current authorization stale without reacting', async () => {
    // Prepare
    const { deps, events, reactions } = await depsWith();
    await events.receive({ ...push, infoType: 'authorized', createTime: push.createTime + 60 }, '2026-11-21T00:01:00Z');

    // Act
    const outcome = await applyGrantPush(key, deps);

    // Assess
    expect(outcome).toBe('stale');
    expect(reactions).toEqual([]);
    expect(events.stateOf(key)).toBe('stale');
  });

  it('applies nothing for a message whose push was never stored', async () => {
    // Prepare
    const { deps, reactions } = await depsWith();

    // Act
    const outcome = await applyGrantPush({ ...key, createTime: push.createTime + 1 }, deps);

    // Assess
    expect(outcome).toBe('missing');
    expect(reactions).toEqual([]);
  });
});
