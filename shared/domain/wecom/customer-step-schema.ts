/**
 * What a message on the `wecom-customer-sync` queue must be to reach the worker (`CustomerSyncStep` in
 * `ports.ts`): the queue worker validates every message with it and drops one that fails. The schema's
 * output is checked against the step type, so the two cannot drift.
 */
import * as v from 'valibot';
import type { CustomerSyncStep } from '#shared/domain/wecom/ports.ts';
import { LINK_CHUNK, MEMBERS_PER_CALL } from '#shared/domain/wecom/customer-sync.ts';

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const corpId = id;
const jobId = v.pipe(v.string(), v.regex(/^[0-9a-z]{0,64}$/));
const key = v.pipe(v.string(), v.minLength(1), v.maxLength(1024));
const cursor = v.pipe(v.string(), v.maxLength(1024));
const appid = v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/));
const candidate = v.object({ appid, openid: id, unionid: id });

export const customerSyncStepSchema = v.variant('type', [
  v.object({ type: v.literal('start'), corpId, jobId }),
  v.object({ type: v.literal('page'), corpId, jobId, key, userIds: v.pipe(v.array(id), v.minLength(1), v.maxLength(MEMBERS_PER_CALL)), cursor }),
  v.object({ type: v.literal('followers'), corpId, jobId, key, appids: v.pipe(v.array(appid), v.minLength(1), v.maxLength(1000)), cursor }),
  v.object({ type: v.literal('link'), corpId, jobId, key, followers: v.pipe(v.array(candidate), v.minLength(1), v.maxLength(LINK_CHUNK)) }),
  v.object({ type: v.literal('finish'), corpId, jobId, phase: v.picklist(['customers', 'links']) }),
]) satisfies v.GenericSchema<unknown, CustomerSyncStep>;
