import { describe, expect, it, vi } from 'vitest';
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import type { FanSyncSlots, HeldJob, SlotTake } from '#shared/domain/fans/ports.ts';
import { FanSyncRequester, isStillRunning, STALE_PAUSED_MS, STALE_RUNNING_MS } from '#shared/domain/fans/sync-requests.ts';

const APPID = 'wx0000000000000001';
const NOW = '2026-01-01T12:00:00.000Z';
const ago = (ms: number) => new Date(Date.parse(NOW) - ms).toISOString();

/** Slots whose reads answer `held` in turn and whose takes answer `taken` in turn. */
function slots(held: (HeldJob | undefined)[], taken: (string | undefined)[]) {
  const takes: SlotTake[] = [];
  const fake: FanSyncSlots = {
    held: vi.fn(async () => held.shift()),
    take: vi.fn(async (_appid: string, take: SlotTake) => {
      takes.push(take);
      return taken.shift();
    }),
    failQueued: vi.fn(async () => undefined),
  };
  return { fake, takes };
}

function queue() {
  const sent: FanSyncMessage[] = [];
  return { sent, send: vi.fn(async (messages: readonly FanSyncMessage[]) => void sent.push(...messages)) };
}

describe('whether the job in the slot still counts as running', () => {
  it('counts a running job that made progress within the hour', () => {
    // Prepare
    const job: HeldJob = { jobId: 'j', status: 'running', startedAt: ago(3 * STALE_RUNNING_MS), updatedAt: ago(STALE_RUNNING_MS - 1) };

    // Act
    const running = isStillRunning(job, NOW);

    // Assess
    expect(running).toBe(true);
  });

  it('no longer counts a running job quiet for an hour', () => {
    // Prepare
    const job: HeldJob = { jobId: 'j', status: 'running', startedAt: ago(STALE_RUNNING_MS), updatedAt: ago(STALE_RUNNING_MS) };

    // Act
    const running = isStillRunning(job, NOW);

    // Assess
    expect(running).toBe(false);
  });

  it('gives a job paused by the daily quota two days', () => {
    // Prepare
    const paused: HeldJob = { jobId: 'j', status: 'paused_quota', startedAt: ago(STALE_PAUSED_MS), updatedAt: ago(STALE_PAUSED_MS - 1) };

    // Act
    const running = isStillRunning(paused, NOW);

    // Assess
    expect(running).toBe(true);
  });

  it('never counts a finished job or one that no longer exists', () => {
    // Prepare
    const done: HeldJob = { jobId: 'j', status: 'done', startedAt: NOW, updatedAt: NOW };
    const gone: HeldJob = { jobId: 'j' };

    // Act
    const running = [isStillRunning(done, NOW), isStillRunning(gone, NOW)];

    // Assess
    expect(running).toEqual([false, false]);
  });
});

describe('a request for a full sync', () => {
  it('answers the running job without writing or sending anything', async () => {
    // Prepare
    const { fake, takes } = slots([{ jobId: 'running', status: 'running', startedAt: NOW, updatedAt: NOW }], []);
    const steps = queue();
    const requests = new FanSyncRequester({ slots: fake, queue: steps });

    // Act
    const jobId = await requests.queueFullSync(APPID, NOW);

    // Assess
    expect(jobId).toBe('running');
    expect({ takes, sent: steps.sent }).toEqual({ takes: [], sent: [] });
  });

  it('replaces a job quiet past its window and sends the new job its start step', async () => {
    // Prepare
    const stale: HeldJob = { jobId: 'stale', status: 'running', startedAt: ago(2 * STALE_RUNNING_MS), updatedAt: ago(STALE_RUNNING_MS) };
    const { fake, takes } = slots([stale], ['fresh']);
    const steps = queue();
    const requests = new FanSyncRequester({ slots: fake, queue: steps });

    // Act
    const jobId = await requests.queueFullSync(APPID, NOW);

    // Assess
    expect(jobId).toBe('fresh');
    expect(takes).toEqual([expect.objectContaining({ at: NOW, replacing: stale })]);
    expect(steps.sent).toEqual([{ type: 'start', appid: APPID, jobId: 'fresh' }]);
  });

  it('ends the replaced job as abandoned, naming its last progress', async () => {
    // Prepare
    const stale: HeldJob = { jobId: 'stale', status: 'paused_quota', startedAt: ago(3 * STALE_PAUSED_MS), updatedAt: ago(STALE_PAUSED_MS) };
    const { fake, takes } = slots([stale], ['fresh']);
    const requests = new FanSyncRequester({ slots: fake, queue: queue() });

    // Act
    await requests.queueFullSync(APPID, NOW);

    // Assess
    expect(takes[0]?.abandon).toEqual({ code: 'abandoned', message: expect.stringContaining(stale.updatedAt!) });
  });

  it('takes the slot from a job that already ended without ending it again', async () => {
    // Prepare
    const done: HeldJob = { jobId: 'done', status: 'done', startedAt: NOW, updatedAt: NOW };
    const { fake, takes } = slots([done], ['fresh']);
    const requests = new FanSyncRequester({ slots: fake, queue: queue() });

    // Act
    await requests.queueFullSync(APPID, NOW);

    // Assess
    expect(takes).toEqual([{ at: NOW, replacing: done }]);
  });

  it('reads the slot again when another request took it first, and answers that job', async () => {
    // Prepare
    const theirs: HeldJob = { jobId: 'theirs', status: 'queued', startedAt: NOW, updatedAt: NOW };
    const { fake } = slots([undefined, theirs], [undefined]);
    const requests = new FanSyncRequester({ slots: fake, queue: queue() });

    // Act
    const jobId = await requests.queueFullSync(APPID, NOW);

    // Assess
    expect(jobId).toBe('theirs');
  });

  it('fails the new job as not_queued and throws when its start step cannot be sent', async () => {
    // Prepare
    const { fake } = slots([undefined], ['new']);
    const requests = new FanSyncRequester({
      slots: fake,
      queue: { send: async () => Promise.reject(new Error('Cannot send to the "fan-sync" queue')) },
      now: () => new Date(NOW),
    });

    // Act
    const attempt = requests.queueFullSync(APPID, NOW);

    // Assess
    await expect(attempt).rejects.toThrow('fan-sync');
    expect(fake.failQueued).toHaveBeenCalledWith(APPID, 'new', expect.objectContaining({ code: 'not_queued' }), NOW);
  });
});
