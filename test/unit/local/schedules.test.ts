import type { ScheduledEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { nextCronTime, parseSchedule, startLocalSchedules, type CronSchedule } from '#infra/local/schedules.ts';

const cronOf = (expression: string): CronSchedule => {
  const parsed = parseSchedule(expression);
  if (parsed.kind !== 'cron') throw new Error('expected a cron schedule');
  return parsed.cron;
};
const next = (expression: string, after: string) => nextCronTime(cronOf(expression), new Date(after)).toISOString();

describe('schedule expressions', () => {
  it.each([
    ['rate(5 minutes)', 300_000],
    ['rate(1 minute)', 60_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
  ])('reads %s as a period of %i ms', (expression, periodMs) => {
    // Act
    const schedule = parseSchedule(expression);

    // Assess
    expect(schedule).toEqual({ kind: 'rate', periodMs });
  });

  it.each(['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'every 5 minutes'])('refuses %s', (expression) => {
    // Act
    const parsing = () => parseSchedule(expression);

    // Assess
    expect(parsing).toThrow(/Invalid schedule/);
  });

  it('runs a daily fixed-time cron at that time the same day when it is still ahead', () => {
    // Act
    const at = next('cron(0 3 * * ? *)', '2024-05-01T01:30:00Z');

    // Assess
    expect(at).toBe('2024-05-01T03:00:00.000Z');
  });

  it('runs a daily fixed-time cron the next day once the time has passed', () => {
    // Act
    const at = next('cron(0 3 * * ? *)', '2024-05-01T03:00:00Z');

    // Assess
    expect(at).toBe('2024-05-02T03:00:00.000Z');
  });

  it('steps minutes with */n', () => {
    // Act
    const at = next('cron(*/15 * * * ? *)', '2024-05-01T10:16:10Z');

    // Assess
    expect(at).toBe('2024-05-01T10:30:00.000Z');
  });

  it('numbers days of week the EventBridge way, with names', () => {
    // Prepare: 2024-05-01 is a Wednesday; MON-FRI means 2-6.
    const weekdays = cronOf('cron(0 9 ? * MON-FRI *)');

    // Act
    const saturdayNight = nextCronTime(weekdays, new Date('2024-05-04T12:00:00Z')).toISOString();

    // Assess
    expect([...(weekdays.daysOfWeek ?? [])]).toEqual([2, 3, 4, 5, 6]);
    expect(saturdayNight).toBe('2024-05-06T09:00:00.000Z');
  });

  it('reads lists, month names and a year', () => {
    // Act
    const at = next('cron(30 6,18 1 JAN,JUL ? 2025)', '2024-05-01T00:00:00Z');

    // Assess
    expect(at).toBe('2025-01-01T06:30:00.000Z');
  });

  it.each([
    ['cron(0 3 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 3 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 3 * *)', /6 fields/],
    ['cron(60 3 * * ? *)', /minutes "60"/],
    ['cron(0 3 L * ? *)', /does not support/],
    ['cron(0 3 ? * 6#3 *)', /does not support/],
  ])('refuses %s', (expression, why) => {
    // Act
    const parsing = () => parseSchedule(expression);

    // Assess
    expect(parsing).toThrow(why);
  });
});

describe('local schedules', () => {
  it('runs a scheduled function on demand with an EventBridge scheduled event', async () => {
    // Prepare
    const events: { fn: string; event: ScheduledEvent }[] = [];
    const schedules = startLocalSchedules({
      functions: [{ name: 'token-refresh', schedule: 'rate(5 minutes)' }],
      invoke: async (fn, event) => {
        events.push({ fn, event });
      },
      region: 'eu-west-1',
    });

    // Act
    await schedules.run('token-refresh');
    schedules.stop();

    // Assess
    expect(events).toEqual([
      {
        fn: 'token-refresh',
        event: expect.objectContaining({
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          region: 'eu-west-1',
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          resources: [expect.stringMatching(/^arn:aws:events:eu-west-1:\d{12}:rule\//)],
          detail: {},
        }),
      },
    ]);
  });

  it('never overlaps two runs of the same function', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    const schedules = startLocalSchedules({
      functions: [{ name: 'token-refresh', schedule: 'rate(5 minutes)' }],
      invoke: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
      },
    });

    // Act
    await Promise.all([schedules.run('token-refresh'), schedules.run('token-refresh'), schedules.run('token-refresh')]);
    schedules.stop();

    // Assess
    expect(peak).toBe(1);
  });

  it('refuses to run a function that has no schedule', async () => {
    // Prepare
    const schedules = startLocalSchedules({ functions: [{ name: 'list-audit' }], invoke: async () => {} });

    // Act
    const running = schedules.run('list-audit');

    // Assess
    await expect(running).rejects.toThrow(/No scheduled function named "list-audit"/);
  });
});
