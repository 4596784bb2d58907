/**
 * The console's language, zone and sentences, without a browser: which language it starts in, which
 * zone it shows times in, how the trend counts a day, and how an audit event is said in each language.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditSentence } from '#infra/local/console/screens/audit.ts';
import { countByDay } from '#infra/local/console/screens/trend.ts';
import { chooseLanguage, setLanguage, viewerZone } from '#infra/local/console/words.ts';

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
