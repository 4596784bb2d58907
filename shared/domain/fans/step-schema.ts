/**
 * What a message on the `fan-sync` queue must be to reach the worker (`FanSyncMessage` in `model.ts`):
 * the queue worker validates every message with it and drops one that fails, since it can never
 * succeed. The schema's output is checked against the step type, so the two cannot drift.
 */
import * as v from 'valibot';
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import { CHUNK_SIZE } from '#shared/domain/fans/sync.ts';

const appid = v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/));
const jobId = v.pipe(v.string(), v.regex(/^[0-9a-z]{1,64}$/));
const tenantId = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const openid = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const page = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999));

export const fanSyncStepSchema = v.variant('type', [
  v.object({ type: v.literal('start'), appid, jobId }),
  v.object({ type: v.literal('page'), appid, jobId, page, cursor: v.pipe(v.string(), v.maxLength(64)), tenantId, merge: v.boolean() }),
  v.object({
    type: v.literal('chunk'),
    appid,
    jobId,
    page,
    chunk: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999)),
    openids: v.pipe(v.array(openid), v.minLength(1), v.maxLength(CHUNK_SIZE)),
    tenantId,
    merge: v.boolean(),
  }),
  v.object({ type: v.literal('finish'), appid, jobId }),
]) satisfies v.GenericSchema<unknown, FanSyncMessage>;
