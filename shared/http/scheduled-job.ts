/**
 * `scheduledJob` builds the handler of a function that an EventBridge schedule runs (the catalogue's
 * `schedule`): observability, then the job with the invocation's time budget. What the job returns
 * is the invocation's result (a summary, logged by the job); what it throws fails the invocation, so
 * Lambda's error metric counts it.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { observed } from '#shared/http/middleware.ts';

export interface ScheduledRun {
  event: ScheduledEvent;
  context: Context;
  /** Milliseconds left before the function times out. */
  remainingMs: () => number;
}

export function scheduledJob<R>(job: (run: ScheduledRun) => Promise<R>) {
  return observed<ScheduledEvent, R>((event, context) => job({ event, context, remainingMs: () => context.getRemainingTimeInMillis() }));
}
