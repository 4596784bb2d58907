/**
 * What a message on the `authorization-push` queue must be to reach the worker: the key of a stored
 * grant push (never its authorization code, which stays on the event item). The queue worker validates
 * every message with it and drops one that fails, since it can never succeed. The schema's output is
 * checked against `PushKey`, so the two cannot drift.
 */
import * as v from 'valibot';
import type { GrantPush, PushKey } from '#shared/domain/authorization/ports.ts';

export const grantPushMessageSchema = v.object({
  appid: v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/)),
  infoType: v.picklist(['authorized', 'updateauthorized']),
  createTime: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999_999_999)),
});

export type GrantPushMessage = PushKey & { infoType: GrantPush['infoType'] };

// Fails to compile if the schema and the key drift apart.
const _sameShape: (output: v.InferOutput<typeof grantPushMessageSchema>) => GrantPushMessage = (output) => output;
void _sameShape;
