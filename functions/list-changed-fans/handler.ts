/**
 * GET /v1/internal/accounts/{appid}/fans?changedSince=<ISO>&cursor&limit — IAM-authorized (SigV4 in
 * AWS; a local service token locally): the followers of an active account changed since then, in
 * `updatedAt` order (ties by openid), `limit` (1–1000, default 100) at a time, read from the feed
 * index; at least once (`shared/domain/fans/feed.ts`). Without `changedSince`, from the first.
 */
import * as v from 'valibot';
import { followerFeed } from '#shared/domain/fans/feed.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { fanFeed } from '#shared/wiring/fans.ts';

const deps = fanFeed();
const query = v.strictObject({
  changedSince: v.optional(
    v.pipe(
      v.string(),
      v.isoTimestamp('must be an ISO 8601 date and time, e.g. 2026-01-31T08:00:00.000Z'),
      v.transform((text) => new Date(text).toISOString()),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000'), v.transform(Number), v.minValue(1), v.maxValue(1000)),
    '100',
  ),
});

export const handler = internalRoute({ params: v.strictObject({ appid: appIdSchema }), query }, async ({ params, query }) => ({
  status: 200,
  body: await followerFeed(
    params.appid,
    { limit: query.limit, ...(query.changedSince ? { changedSince: query.changedSince } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) },
    deps,
  ),
}));
