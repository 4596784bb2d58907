/**
 * Consumer of the `release-test` queue: the asynchronous half of the full-network release test's
 * API case (`api_query_auth`, then the `<code>_from_api` customer-service message). `queueWorker`
 * drops a malformed job and reports a failed one alone, so SQS redelivers only it.
 */
import * as v from 'valibot';
import { completeReleaseTest } from '#shared/domain/release-test/release-test.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { releaseTestDeps } from '#shared/wiring/release-test.ts';

const job = v.object({ appid: appIdSchema, authCode: v.pipe(v.string(), v.minLength(1), v.maxLength(512)), toUser: v.pipe(v.string(), v.minLength(1)) });

const deps = releaseTestDeps();

export const handler = queueWorker(
  { queue: 'release-test', message: job, noun: 'release-test job', logFields: ({ appid }) => ({ appid }) },
  async (message) => {
    await completeReleaseTest(message, deps);
    logger.info('Release-test API case answered', { appid: message.appid });
  },
);
