/**
 * The console's language, zone and sentences, without a browser: which language it starts in, which
 * zone it shows times in, how the trend counts a day, how an audit event is said in each language,
 * that 中文 has a sentence for every error code of API.md §1, and the Messages tab's summaries in 中文.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WeChatPush } from '#infra/local/console/api.ts';
import { auditSentence } from '#infra/local/console/screens/audit.ts';
import { summaryOf } from '#infra/local/console/screens/messages.ts';
import { countByDay } from '#infra/local/console/screens/trend.ts';
import { chooseLanguage, dictionaries, setLanguage, viewerZone } from '#infra/local/console/words.ts';

/** The contract (`/work/shared/docs/API.md`), beside the repository's root. */
const API_MD = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'docs', 'API.md');

describe('the language the console starts in', () => {
  it('is the one the person chose last, whatever the browser asks for', () => {
    expect(chooseLanguage('en', ['zh-CN', 'zh'])).toBe('en');
  });

  it('is 中文 when the browser asks for Chinese first', () => {
    expect(chooseLanguage(null, ['zh-CN', 'en-US'])).toBe('zh');
  });

  it('is English when the browser asks for English before Chinese', () => {
    expect(chooseLanguage(null, ['en-GB', 'zh-TW'])).toBe('en');
  });

  it('is English when the browser asks for neither', () => {
    expect(chooseLanguage('fr', ['fr-FR', 'de'])).toBe('en');
  });
});

describe('the zone times are shown in', () => {
  it('is the browser’s own when it says one', () => {
    expect(viewerZone('zh', 'Europe/Paris')).toBe('Europe/Paris');
  });

  it('is Asia/Shanghai for 中文 when the browser says none', () => {
    expect(viewerZone('zh', undefined)).toBe('Asia/Shanghai');
  });

  it('is UTC for English when the browser says none', () => {
    expect(viewerZone('en', '')).toBe('UTC');
  });
});

describe('the follower trend’s days', () => {
  const now = new Date('2026-05-31T12:00:00Z');
  const utcDay = (date: Date) => date.toISOString().slice(0, 10);
  const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  it('counts follows and unfollows on the day they happened, and nothing else', () => {
    // Prepare
    const pushes = [
      { msgType: 'event', event: 'subscribe', createTime: at('2026-05-30T01:00:00Z') },
      { msgType: 'event', event: 'subscribe', createTime: at('2026-05-30T23:00:00Z') },
      { msgType: 'event', event: 'unsubscribe', createTime: at('2026-05-31T08:00:00Z') },
      { msgType: 'event', event: 'CLICK', createTime: at('2026-05-31T08:00:00Z') },
      { msgType: 'text', createTime: at('2026-05-31T08:00:00Z') },
    ];

    // Act
    const days = countByDay(pushes, now, utcDay);

    // Assess
    expect(days).toHaveLength(30);
    expect(days.at(-2)).toEqual({ day: '2026-05-30', follows: 2, unfollows: 0 });
    expect(days.at(-1)).toEqual({ day: '2026-05-31', follows: 0, unfollows: 1 });
  });

  it('leaves out what happened before the 30 days', () => {
    // Act
    const days = countByDay([{ msgType: 'event', event: 'subscribe', createTime: at('2026-04-20T00:00:00Z') }], now, utcDay);

    // Assess
    expect(days[0]!.day).toBe('2026-05-02');
    expect(days.reduce((sum, day) => sum + day.follows, 0)).toBe(0);
  });
});

describe('an audit event as a sentence', () => {
  const bound = { at: '2026-05-01T00:00:00Z', actor: '张三', action: 'account.bound', appid: 'wx0000000000000001' };
  const nameOf = () => '模拟服务号';
  afterEach(() => setLanguage('en'));

  it('says in 中文 who bound which account, by its name', () => {
    // Prepare
    setLanguage('zh');

    // Act
    const sentence = auditSentence(bound, nameOf);

    // Assess
    expect(sentence).toBe('张三 绑定了公众号 模拟服务号');
  });

  it('says the same in English', () => {
    expect(auditSentence({ ...bound, actor: 'Zhang San' }, nameOf)).toBe('Zhang San bound the Official Account 模拟服务号');
  });

  it('falls back to a generic sentence for an action it has no words for', () => {
    // Prepare
    setLanguage('zh');

    // Act
    const sentence = auditSentence({ ...bound, action: 'something.new' }, nameOf);

    // Assess
    expect(sentence).toBe('张三：something.new（模拟服务号）');
  });
});

describe('the hub’s errors in 中文', () => {
  it('has a sentence for every error code API.md §1 lists', () => {
    // Prepare: the codes of §1's table (`| 409 | `account_bound_elsewhere` | …`).
    const section = readFileSync(API_MD, 'utf8')
      .split(/^## /m)
      .find((part) => part.startsWith('1. Errors'));
    const codes = [...(section ?? '').matchAll(/^\| \d{3} \| `([a-z_]+)`/gm)].map((match) => match[1]!);

    // Act
    const unsaid = codes.filter((code) => !dictionaries.zh.apiErrors[code]);

    // Assess
    expect(codes.length).toBeGreaterThan(20);
    expect(unsaid).toEqual([]);
  });
});

describe('a push’s summary in the Messages tab', () => {
  const push = (fields: Partial<WeChatPush>): WeChatPush => ({
    eventId: 'e1',
    appid: 'wx0000000000000001',
    ownerTenantId: 't',
    sharedTenantIds: [],
    openid: 'o1',
    msgType: 'event',
    createTime: 0,
    receivedAt: '2026-05-01T00:00:00Z',
    fields: {},
    ...fields,
  });
  afterEach(() => setLanguage('en'));

  it('says a tapped button’s key, a scan’s scene, a QR follow and a media id in 中文', () => {
    // Prepare
    setLanguage('zh');
    const pushes = [
      push({ event: 'CLICK', eventKey: 'V1001_GOOD' }),
      push({ event: 'SCAN', eventKey: 'spring' }),
      push({ event: 'subscribe', eventKey: 'qrscene_spring' }),
      push({ msgType: 'image', fields: { MediaId: 'm1' } }),
      push({ msgType: 'location', fields: { Location_X: '31.2', Location_Y: '121.4' } }),
    ];

    // Act
    const summaries = pushes.map(summaryOf);

    // Assess
    expect(summaries).toEqual(['键值 V1001_GOOD', '场景 spring', '通过场景 spring 的二维码', '素材 m1', '某个地点 (31.2, 121.4)']);
  });
});
