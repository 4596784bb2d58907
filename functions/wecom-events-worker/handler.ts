/**
 * Consumer of the `wecom-events` queue: applies one stored WeCom callback event
 * (`shared/domain/wecom/apply-event.ts`) after `wecom-suite-callback` answered WeCom. The event item
 * is claimed, applied and settled, so a repeated push or delivery changes nothing; a failure is
 * redelivered alone by `queueWorker`.
 */
import * as v from 'valibot';
import { applyWeComEvent } from '#shared/domain/wecom/apply-event.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { logger } from '#shared/observability/powertools.ts';
import { applyEventDeps } from '#shared/wiring/wecom.ts';

const deps = applyEventDeps();

const message = v.strictObject({ eventKey: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)) });

export const handler = queueWorker(
  { queue: 'wecom-events', message, noun: 'WeCom event', failureMetric: 'WeComEventRetried', logFields: ({ eventKey }) => ({ eventKey }) },
  async (event) => {
    const outcome = await applyWeComEvent(event, deps);
    logger.info('WeCom event applied', { eventKey: event.eventKey, outcome });
  },
);
