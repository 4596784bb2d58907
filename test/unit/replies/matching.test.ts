/**
 * Which auto-reply rule answers a push (shared/domain/replies/matching.ts): each trigger type, list
 * order, disabled rules, and `default` only after every other rule.
 */
import { describe, expect, it } from 'vitest';
import type { AutoReplyRule, AutoReplyTrigger } from '#shared/domain/replies/auto-reply-rules.ts';
import { matchingRule } from '#shared/domain/replies/matching.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';

const head = { toUserName: 'gh_account0001', fromUserName: 'oUser0001', createTime: 1_714_000_000 };
const text = (content: string): AccountMessage => ({ kind: 'text', ...head, content, msgId: '1' });
const event = (name: string, eventKey?: string): AccountMessage => ({ kind: 'event', ...head, event: name, ...(eventKey === undefined ? {} : { eventKey }) });
const rule = (id: string, trigger: AutoReplyTrigger, enabled?: boolean): AutoReplyRule => ({
  id,
  ...(enabled === undefined ? {} : { enabled }),
  trigger,
  reply: { type: 'text', content: `reply of ${id}` },
});
const idOf = (rules: AutoReplyRule[], message: AccountMessage) => matchingRule(rules, message)?.id;

describe('matching an auto-reply rule', () => {
  it.each([
    ['a plain follow', event('subscribe'), 'welcome'],
    ['a follow through a QR code', event('subscribe', 'qrscene_shop-1'), 'welcome'],
    ['an unfollow', event('unsubscribe'), undefined],
  ])('answers %s with a subscribe rule: %s', (_name, message, expected) => {
    // Prepare
    const rules = [rule('welcome', { type: 'subscribe' })];

    // Act / Assess
    expect(idOf(rules, message)).toBe(expected);
  });

  it.each([
    ['exact, same text', 'exact', 'Hours', 'hours'],
    ['exact, trimmed and in another case', 'exact', '  HOURS \n', 'hours'],
    ['contains, inside a sentence', 'contains', 'what are your hours today?', 'hours'],
  ] as const)('matches a keyword rule (%s)', (_name, match, content, keyword) => {
    // Prepare
    const rules = [rule('kw', { type: 'keyword', keywords: ['price', ` ${keyword.toUpperCase()} `], match })];

    // Act / Assess
    expect(idOf(rules, text(content))).toBe('kw');
  });

  it('does not match an exact keyword inside a longer text', () => {
    // Prepare
    const rules = [rule('kw', { type: 'keyword', keywords: ['hours'], match: 'exact' })];

    // Act / Assess
    expect(idOf(rules, text('opening hours'))).toBeUndefined();
  });

  it('matches a click rule on a CLICK event with exactly its key', () => {
    // Prepare
    const rules = [rule('click', { type: 'click', eventKey: 'V1001_TODAY' })];

    // Act / Assess
    expect([idOf(rules, event('CLICK', 'V1001_TODAY')), idOf(rules, event('CLICK', 'v1001_today')), idOf(rules, event('VIEW', 'V1001_TODAY'))]).toEqual([
      'click',
      undefined,
      undefined,
    ]);
  });

  it('matches a scan rule on SCAN and on a QR follow of its scene only', () => {
    // Prepare
    const rules = [rule('scene', { type: 'scan', scene: 'shop-1' })];

    // Act / Assess
    expect([
      idOf(rules, event('SCAN', 'shop-1')),
      idOf(rules, event('subscribe', 'qrscene_shop-1')),
      idOf(rules, event('SCAN', 'shop-2')),
      idOf(rules, event('subscribe')),
    ]).toEqual(['scene', 'scene', undefined, undefined]);
  });

  it('matches a scan rule without a scene on any scene', () => {
    // Prepare
    const rules = [rule('any-scan', { type: 'scan' })];

    // Act / Assess
    expect([idOf(rules, event('SCAN', '42')), idOf(rules, event('subscribe', 'qrscene_7'))]).toEqual(['any-scan', 'any-scan']);
  });

  it('answers a QR follow with whichever of subscribe and scan comes first', () => {
    // Prepare
    const scanFirst = [rule('scan', { type: 'scan' }), rule('welcome', { type: 'subscribe' })];
    const subscribeFirst = [rule('welcome', { type: 'subscribe' }), rule('scan', { type: 'scan' })];

    // Act / Assess
    expect([idOf(scanFirst, event('subscribe', 'qrscene_7')), idOf(subscribeFirst, event('subscribe', 'qrscene_7'))]).toEqual(['scan', 'welcome']);
  });

  it('gives the first matching rule in list order', () => {
    // Prepare
    const rules = [
      rule('first', { type: 'keyword', keywords: ['a'], match: 'contains' }),
      rule('second', { type: 'keyword', keywords: ['abc'], match: 'exact' }),
    ];

    // Act / Assess
    expect(idOf(rules, text('abc'))).toBe('first');
  });

  it('skips disabled rules', () => {
    // Prepare
    const rules = [
      rule('off', { type: 'keyword', keywords: ['abc'], match: 'exact' }, false),
      rule('on', { type: 'keyword', keywords: ['abc'], match: 'exact' }, true),
    ];

    // Act / Assess
    expect(idOf(rules, text('abc'))).toBe('on');
  });

  it('answers a default rule only when no other rule matches, wherever it stands', () => {
    // Prepare
    const rules = [rule('fallback', { type: 'default' }), rule('kw', { type: 'keyword', keywords: ['hi'], match: 'exact' })];

    // Act / Assess
    expect([idOf(rules, text('hi')), idOf(rules, text('something else'))]).toEqual(['kw', 'fallback']);
  });

  it('does not answer events or non-text messages with a default rule', () => {
    // Prepare
    const rules = [rule('fallback', { type: 'default' })];
    const image: AccountMessage = { kind: 'other', ...head, msgType: 'image', msgId: '2' };

    // Act / Assess
    expect([idOf(rules, event('CLICK', 'K')), idOf(rules, image), idOf(rules, event('LOCATION'))]).toEqual([undefined, undefined, undefined]);
  });
});
