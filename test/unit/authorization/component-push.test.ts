import { describe, expect, it } from 'vitest';
import { handleComponentPush, type AuthorizationPush, type ComponentPushDeps } from '#shared/domain/authorization/component-push.ts';

const unauthorized: AuthorizationPush = { infoType: 'unauthorized', appId: 'wxc0ffee0000000001', createTime: 1_700_000_000, authorizerAppid: 'wx1111111111111111' };

/** An in-memory event log with the same once-only contract as the table's conditional put. */
function depsWith(reaction: () => Promise<void>) {
  const recorded = new Set<string>();
  const reactions: string[] = [];
  const key = (push: AuthorizationPush) => `${push.authorizerAppid}#${push.infoType}#${push.createTime}`;
  const deps: ComponentPushDeps = {
    tickets: { saveTicket: async () => true },
    events: {
      recordOnce: async (push) => !recorded.has(key(push)) && Boolean(recorded.add(key(push))),
      forget: async (push) => void recorded.delete(key(push)),
      rememberCode: async () => undefined,
    },
    reactions: {
      authorized: async () => undefined,
      unauthorized: async (push) => {
        reactions.push(push.infoType);
        await reaction();
      },
    },
    now: () => new Date('2026-11-21T00:00:00Z'),
  };
  return { deps, reactions };
}

describe('handling an authorization push', () => {
  it('reacts to the first delivery and takes WeChat’s retry for a duplicate', async () => {
    // Prepare
    const { deps, reactions } = depsWith(async () => undefined);

    // Act
    const first = await handleComponentPush(unauthorized, deps);
    const retry = await handleComponentPush(unauthorized, deps);

    // Assess
    expect([first, retry]).toEqual(['recorded', 'duplicate']);
    expect(reactions).toEqual(['unauthorized']);
  });

  it('reacts again on WeChat’s retry when the first reaction failed', async () => {
    // Prepare
    let failures = 1;
    const { deps, reactions } = depsWith(async () => {
      if (failures-- > 0) throw new Error('DynamoDB throttled');
    });

    // Act
    const first = handleComponentPush(unauthorized, deps);
    await expect(first).rejects.toThrow('DynamoDB throttled');
    const retry = await handleComponentPush(unauthorized, deps);

    // Assess
    expect(retry).toBe('recorded');
    expect(reactions).toEqual(['unauthorized', 'unauthorized']);
  });
});
