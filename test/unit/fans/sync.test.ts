import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '#shared/errors/domain-errors.ts';
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import type { FanSyncJobStore, SyncFollowerStore } from '#shared/domain/fans/ports.ts';
import { cachedTokens, FanSyncWorker, faultKind, followerFromProfile } from '#shared/domain/fans/sync.ts';
import { WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';

const chunk: Extract<FanSyncMessage, { type: 'chunk' }> = {
  type: 'chunk',
  appid: 'wx0000000000000001',
  jobId: 'job',
  page: 0,
  chunk: 3,
  openids: ['o1', 'o2'],
  tenantId: 't',
  merge: false,
};

function fakes(profiles: () => Promise<never>) {
  const jobs = {
    recordChunk: vi.fn(async () => ({ pageComplete: false })),
    park: vi.fn(async () => undefined),
    fail: vi.fn(async () => undefined),
  };
  const worker = new FanSyncWorker({
    jobs: jobs as unknown as FanSyncJobStore,
    followers: { putAll: vi.fn(), existing: vi.fn() } as unknown as SyncFollowerStore,
    wechat: { listPage: vi.fn(), profiles },
    accounts: { get: vi.fn() },
    queue: { send: vi.fn(async () => undefined) },
  });
  return { jobs, worker };
}

describe('what a WeChat failure means for a sync step', () => {
  it.each([
    ['45009 (daily quota)', new WeChatApiError('user/get', 45009, 'reach max api daily quota limit'), 'quota'],
    ['61007 (permission set withdrawn)', new WeChatApiError('user/get', 61007, 'api is unauthorized to component'), 'account'],
    ['an account that is no longer active', new DomainError('account_not_active', 'revoked'), 'account'],
    ['-1 (busy)', new WeChatApiError('user/info/batchget', -1, 'system error'), 'transient'],
    ['40001 after the client already refreshed', new WeChatApiError('user/info/batchget', 40001, 'invalid credential'), 'transient'],
    ['a timeout', new WeChatNetworkError('user/get', 'timeout', 'no answer'), 'transient'],
    ['40003 (an openid WeChat does not know)', new WeChatApiError('user/info/batchget', 40003, 'invalid openid'), 'data'],
  ])('treats %s as %s', (_label, error, kind) => {
    // Assess
    expect(faultKind(error)).toBe(kind);
  });
});

describe('a chunk step meeting WeChat failures', () => {
  it('parks the step and pauses the job on the daily quota, without retrying it', async () => {
    // Prepare
    const { jobs, worker } = fakes(() => Promise.reject(new WeChatApiError('user/info/batchget', 45009, 'quota')));

    // Act
    await worker.handle(chunk);

    // Assess
    expect(jobs.park).toHaveBeenCalledWith(chunk.appid, chunk.jobId, chunk, expect.any(String));
    expect(jobs.recordChunk).not.toHaveBeenCalled();
  });

  it('fails the job with the error code when the account may no longer use the API', async () => {
    // Prepare
    const { jobs, worker } = fakes(() => Promise.reject(new WeChatApiError('user/info/batchget', 48001, 'api unauthorized')));

    // Act
    await worker.handle(chunk);

    // Assess
    expect(jobs.fail).toHaveBeenCalledWith(chunk.appid, chunk.jobId, expect.objectContaining({ code: 'wechat_error' }), expect.any(String));
  });

  it('throws a busy answer so the queue redelivers the step, counting nothing', async () => {
    // Prepare
    const { jobs, worker } = fakes(() => Promise.reject(new WeChatApiError('user/info/batchget', -1, 'busy')));

    // Act
    const attempt = worker.handle(chunk, { last: false });

    // Assess
    await expect(attempt).rejects.toThrow(WeChatApiError);
    expect(jobs.recordChunk).not.toHaveBeenCalled();
  });

  it('counts the chunk as failed on its last receive and still throws it to the dead-letter queue', async () => {
    // Prepare
    const { jobs, worker } = fakes(() => Promise.reject(new WeChatApiError('user/info/batchget', -1, 'busy')));

    // Act
    const attempt = worker.handle(chunk, { last: true });

    // Assess
    await expect(attempt).rejects.toThrow(WeChatApiError);
    expect(jobs.recordChunk).toHaveBeenCalledWith(chunk.appid, chunk.jobId, 0, 3, { synced: 0, failed: ['o1', 'o2'] });
  });

  it('counts the chunk as failed at once when WeChat refuses its openids', async () => {
    // Prepare
    const { jobs, worker } = fakes(() => Promise.reject(new WeChatApiError('user/info/batchget', 40003, 'invalid openid')));

    // Act
    await worker.handle(chunk);

    // Assess
    expect(jobs.recordChunk).toHaveBeenCalledWith(chunk.appid, chunk.jobId, 0, 3, { synced: 0, failed: ['o1', 'o2'] });
  });
});

describe('a follower from batchget', () => {
  const base = { appid: 'wx0000000000000001', tenantId: 't', jobId: 'job', at: '2026-01-01T00:00:00.000Z' };

  it('keeps a unionid WeChat no longer returns', () => {
    // Act
    const follower = followerFromProfile(
      { subscribed: true, openId: 'o1', tagIds: [], subscribeTime: 1_700_000_000 },
      { ...base, previous: { ...base, openid: 'o1', subscribed: true, tagIds: [], updatedAt: base.at, unionid: 'oUnion' } },
    );

    // Assess
    expect(follower).toMatchObject({ unionid: 'oUnion', subscribed: true, subscribedAt: new Date(1_700_000_000_000).toISOString(), lastSeenSyncId: 'job' });
  });

  it('records someone who left between the listing and batchget as unsubscribed now', () => {
    // Act
    const follower = followerFromProfile({ subscribed: false, openId: 'o2', tagIds: [] }, base);

    // Assess
    expect(follower).toMatchObject({ subscribed: false, unsubscribedAt: base.at });
  });
});

describe('the worker token cache', () => {
  it('reads the source once a minute, and again after WeChat rejected the cached token', async () => {
    // Prepare
    let clock = 0;
    let issued = 0;
    const source = {
      currentWithExpiry: vi.fn(async () => ({ accessToken: `token-${++issued}`, expiresAt: new Date(Date.now() + 7_200_000).toISOString() })),
      expire: vi.fn(async () => undefined),
    };
    const tokens = cachedTokens(source, { ttlMs: 60_000, now: () => clock })('wx0000000000000001');

    // Act
    const first = [await tokens.current(), await tokens.current()];
    clock = 61_000;
    const afterAMinute = await tokens.current();
    await tokens.expire(afterAMinute);
    const afterRejection = await tokens.current();

    // Assess
    expect([...first, afterAMinute, afterRejection]).toEqual(['token-1', 'token-1', 'token-2', 'token-3']);
    expect(source.expire).toHaveBeenCalledWith('wx0000000000000001', 'token-2');
  });
});
