/**
 * The delivery rules of a verified push (shared/domain/messages/push-delivery.ts): addressed to the
 * URL it came to, processed once per signature. Issue 17, item 1.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  checkAddressee,
  deliverOnce,
  DeliveryInProgress,
  PushNotForThisUrl,
  replayWindowEnd,
  type PushSignatureLog,
  type SeenDelivery,
} from '#shared/domain/messages/push-delivery.ts';

const userNames = (known: Record<string, string>) => ({ userNameOf: vi.fn(async (appid: string) => known[appid]) });

/** An in-memory signature log with the claim rule of the table adapter. */
function memoryLog(): PushSignatureLog & { items: Map<string, SeenDelivery & { leaseUntil: number; expiresAt: number }> } {
  const items = new Map<string, SeenDelivery & { leaseUntil: number; expiresAt: number }>();
  return {
    items,
    claim: async (signature, claim) => {
      const held = items.get(signature);
      const free = !held || held.expiresAt < claim.now || (held.state === 'processing' && held.leaseUntil < claim.now && held.url === claim.url);
      if (!free) return { url: held.url, state: held.state };
      items.set(signature, { url: claim.url, state: 'processing', leaseUntil: claim.leaseUntil, expiresAt: claim.expiresAt });
      return 'claimed';
    },
    complete: async (signature, url) => {
      const held = items.get(signature);
      if (held?.url === url) held.state = 'done';
    },
    release: async (signature, url) => {
      if (items.get(signature)?.url === url) items.delete(signature);
    },
  };
}

const push = { signature: 'a'.repeat(40), timestamp: 1_700_000_000 };
const account = (appid: string) => ({ kind: 'account' as const, appid });

describe('the addressee of a message push', () => {
  it('accepts a push whose ToUserName is the account of the URL', async () => {
    // Act
    const checked = checkAddressee('wx00000000000000a1', 'gh_aaaaaaaaaaa1', userNames({ wx00000000000000a1: 'gh_aaaaaaaaaaa1' }));

    // Assess
    await expect(checked).resolves.toBeUndefined();
  });

  it('refuses a push whose ToUserName is another account’s', async () => {
    // Act
    const checked = checkAddressee('wx00000000000000a1', 'gh_bbbbbbbbbbb2', userNames({ wx00000000000000a1: 'gh_aaaaaaaaaaa1' }));

    // Assess
    await expect(checked).rejects.toBeInstanceOf(PushNotForThisUrl);
  });

  it('accepts a push to an account the hub does not hold: there is nothing of a tenant to change', async () => {
    // Act
    const checked = checkAddressee('wx00000000000000c3', 'gh_cccccccccccc', userNames({}));

    // Assess
    await expect(checked).resolves.toBeUndefined();
  });

  it('accepts a release-test account’s push without reading the table', async () => {
    // Prepare
    const names = userNames({});

    // Act
    await checkAddressee('wx570bc396a51b8ff8', 'gh_3c884a361561', names);

    // Assess
    expect(names.userNameOf).not.toHaveBeenCalled();
  });

  it('refuses a release-test account’s push re-sent to a tenant’s account', async () => {
    // Act
    const checked = checkAddressee('wx00000000000000a1', 'gh_3c884a361561', userNames({}));

    // Assess
    await expect(checked).rejects.toBeInstanceOf(PushNotForThisUrl);
  });

  it('refuses a tenant’s push re-sent to a release-test account’s URL', async () => {
    // Act
    const checked = checkAddressee('wx570bc396a51b8ff8', 'gh_aaaaaaaaaaa1', userNames({}));

    // Assess
    await expect(checked).rejects.toBeInstanceOf(PushNotForThisUrl);
  });
});

describe('delivering a push once', () => {
  const deps = (signatures: PushSignatureLog, now = push.timestamp) => ({ signatures, nowSeconds: () => now, maxClockSkewSeconds: 300 });

  it('processes the first delivery and marks its signature done', async () => {
    // Prepare
    const log = memoryLog();
    const process = vi.fn(async () => 'reply');

    // Act
    const delivery = await deliverOnce(push, account('wx00000000000000a1'), deps(log), process);

    // Assess
    expect(delivery).toEqual({ kind: 'processed', result: 'reply' });
    expect(log.items.get(push.signature)).toMatchObject({ url: 'account:wx00000000000000a1', state: 'done' });
  });

  it('answers a re-send to the same URL as a duplicate without processing it again', async () => {
    // Prepare
    const log = memoryLog();
    const process = vi.fn(async () => 'reply');
    await deliverOnce(push, { kind: 'component' }, deps(log), process);

    // Act
    const again = await deliverOnce(push, { kind: 'component' }, deps(log, push.timestamp + 6), process);

    // Assess
    expect(again).toEqual({ kind: 'duplicate' });
    expect(process).toHaveBeenCalledTimes(1);
  });

  it('refuses the same signature on another URL', async () => {
    // Prepare
    const log = memoryLog();
    await deliverOnce(push, account('wx00000000000000a1'), deps(log), async () => 'reply');

    // Act
    const replayed = deliverOnce(push, account('wx00000000000000b2'), deps(log), async () => 'reply');

    // Assess
    await expect(replayed).rejects.toBeInstanceOf(PushNotForThisUrl);
  });

  it('asks WeChat to send again while the first delivery is still being processed', async () => {
    // Prepare
    const log = memoryLog();
    let finish!: () => void;
    const first = deliverOnce(push, { kind: 'component' }, deps(log), () => new Promise<void>((resolve) => (finish = resolve)));
    await vi.waitFor(() => expect(finish).toBeDefined());

    // Act
    const retry = deliverOnce(push, { kind: 'component' }, deps(log, push.timestamp + 5), async () => undefined);

    // Assess
    await expect(retry).rejects.toBeInstanceOf(DeliveryInProgress);
    finish();
    await first;
  });

  it('releases the claim when the processing fails, so that WeChat’s next re-send is processed', async () => {
    // Prepare
    const log = memoryLog();
    await deliverOnce(push, { kind: 'component' }, deps(log), async () => {
      throw new Error('the table is down');
    }).catch(() => undefined);
    const process = vi.fn(async () => 'reply');

    // Act
    const retry = await deliverOnce(push, { kind: 'component' }, deps(log, push.timestamp + 5), process);

    // Assess
    expect(retry).toEqual({ kind: 'processed', result: 'reply' });
  });

  it('takes over a first delivery that died without releasing, once its lease has passed', async () => {
    // Prepare
    const log = memoryLog();
    log.items.set(push.signature, { url: 'component', state: 'processing', leaseUntil: push.timestamp + 15, expiresAt: push.timestamp + 300 });
    const process = vi.fn(async () => 'reply');

    // Act
    const retry = await deliverOnce(push, { kind: 'component' }, deps(log, push.timestamp + 16), process);

    // Assess
    expect(retry).toEqual({ kind: 'processed', result: 'reply' });
  });

  it('remembers a signature until the clock check would refuse its timestamp', () => {
    // Act
    const end = replayWindowEnd(1_700_000_000, 1_700_000_100, 300);

    // Assess
    expect(end).toBe(1_700_000_300);
  });

  it('remembers a signature for a day when the clock check is off', () => {
    // Act
    const end = replayWindowEnd(1_000, 1_700_000_000, 0);

    // Assess
    expect(end).toBe(1_700_086_400);
  });
});
