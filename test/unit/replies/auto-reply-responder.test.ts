/**
 * The reply step's reads (shared/domain/replies/auto-replies.ts `AutoReplyResponder`): one small
 * version read per push, the set only when its version changed, nothing for pushes no rule can
 * answer, and nothing within `recheckMs` of the last check.
 */
import { describe, expect, it } from 'vitest';
import type { AutoReplyRule, AutoReplySet } from '#shared/domain/replies/auto-reply-rules.ts';
import { AutoReplyResponder } from '#shared/domain/replies/auto-replies.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';

const APPID = 'wx00000000replies1';
const head = { toUserName: 'gh_account0001', fromUserName: 'oUser0001', createTime: 1_714_000_000 };
const hello: AccountMessage = { kind: 'text', ...head, content: 'hello', msgId: '1' };
const greeting = (content: string): AutoReplyRule => ({
  id: 'hello',
  trigger: { type: 'keyword', keywords: ['hello'], match: 'exact' },
  reply: { type: 'text', content },
});

class CountingStore {
  reads = { version: 0, ruleSet: 0 };
  constructor(public set: AutoReplySet | undefined) {}
  async version(): Promise<string | undefined> {
    this.reads.version += 1;
    return this.set?.version;
  }
  async ruleSet(): Promise<AutoReplySet | undefined> {
    this.reads.ruleSet += 1;
    return this.set;
  }
}

const setOf = (content: string, version: string): AutoReplySet => ({ rules: [greeting(content)], updatedAt: '2026-01-01T00:00:00.000Z', version });

describe('the auto-reply step', () => {
  it('reads the version and then the set on the first push of an account', async () => {
    // Prepare
    const store = new CountingStore(setOf('hi!', 'v1'));
    const responder = new AutoReplyResponder(store, { recheckMs: 0 });

    // Act
    const answer = await responder.replyTo(APPID, hello);

    // Assess
    expect(answer).toEqual({ ruleId: 'hello', reply: { type: 'text', content: 'hi!' } });
    expect(store.reads).toEqual({ version: 1, ruleSet: 1 });
  });

  it('reads only the version while it is unchanged', async () => {
    // Prepare
    const store = new CountingStore(setOf('hi!', 'v1'));
    const responder = new AutoReplyResponder(store, { recheckMs: 0 });
    await responder.replyTo(APPID, hello);

    // Act
    await responder.replyTo(APPID, hello);
    await responder.replyTo(APPID, hello);

    // Assess
    expect(store.reads).toEqual({ version: 3, ruleSet: 1 });
  });

  it('answers with the new rules as soon as the version changed', async () => {
    // Prepare
    const store = new CountingStore(setOf('hi!', 'v1'));
    const responder = new AutoReplyResponder(store, { recheckMs: 0 });
    await responder.replyTo(APPID, hello);
    store.set = setOf('hello again', 'v2');

    // Act
    const answer = await responder.replyTo(APPID, hello);

    // Assess
    expect(answer?.reply).toEqual({ type: 'text', content: 'hello again' });
  });

  it('trusts a version checked within recheckMs without reading', async () => {
    // Prepare
    let now = 1_000;
    const store = new CountingStore(setOf('hi!', 'v1'));
    const responder = new AutoReplyResponder(store, { recheckMs: 1_000, nowMs: () => now });
    await responder.replyTo(APPID, hello);

    // Act
    now += 999;
    await responder.replyTo(APPID, hello);
    now += 1;
    await responder.replyTo(APPID, hello);

    // Assess
    expect(store.reads).toEqual({ version: 2, ruleSet: 1 });
  });

  it('reads no set for an account without rules', async () => {
    // Prepare
    const store = new CountingStore(undefined);
    const responder = new AutoReplyResponder(store, { recheckMs: 0 });

    // Act
    const answers = [await responder.replyTo(APPID, hello), await responder.replyTo(APPID, hello)];

    // Assess
    expect(answers).toEqual([undefined, undefined]);
    expect(store.reads).toEqual({ version: 2, ruleSet: 0 });
  });

  it.each([
    ['an unfollow', { kind: 'event', ...head, event: 'unsubscribe' }],
    ['a VIEW click', { kind: 'event', ...head, event: 'VIEW', eventKey: 'https://example.com/' }],
    ['an image', { kind: 'other', ...head, msgType: 'image', msgId: '2' }],
  ] as [string, AccountMessage][])('reads nothing for %s, which no rule can answer', async (_name, message) => {
    // Prepare
    const store = new CountingStore(setOf('hi!', 'v1'));
    const responder = new AutoReplyResponder(store, { recheckMs: 0 });

    // Act
    const answer = await responder.replyTo(APPID, message);

    // Assess
    expect(answer).toBeUndefined();
    expect(store.reads).toEqual({ version: 0, ruleSet: 0 });
  });
});
