/** Path and body schemas of the sharing and communities routes (messages never echo the value sent). */
import * as v from 'valibot';
import { communityIdPattern } from '#shared/domain/communities/model.ts';
import { MAX_CODES_PER_REQUEST } from '#shared/domain/sharing/share-codes.ts';

/** Tenant ids as the tokens carry them (`callerFromClaims`). */
export const tenantIdSchema = v.pipe(
  v.string('must be a string'),
  v.maxLength(128, 'must be at most 128 characters'),
  v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'must be 1 to 128 of A-Z a-z 0-9 _ . : @ -'),
);

export const communityIdSchema = v.pipe(
  v.string('must be a string'),
  v.maxLength(128, 'must be at most 128 characters'),
  v.regex(communityIdPattern, 'must be 1 to 128 of A-Z a-z 0-9 _ . : @ -'),
);

export const shareCodeCountSchema = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(MAX_CODES_PER_REQUEST, `must be at most ${MAX_CODES_PER_REQUEST}`),
);

/** What a person typed, within bounds; its form is judged by the redemption (`normalizeShareCode`): a malformed code is a 400 that the lockout does not count. */
export const typedShareCodeSchema = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'), v.maxLength(64, 'must be at most 64 characters'));
