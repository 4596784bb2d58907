/** Path and body schemas of the tenant settings routes (API.md §3 ⁺); messages never echo the value sent. */
import * as v from 'valibot';
import { MAX_ACCOUNT_QUOTA, MIN_ACCOUNT_QUOTA } from '#shared/domain/tenants/settings.ts';

/** Tenant ids as the tokens carry them (`shared/auth/caller.ts`). */
export const tenantIdParams = v.strictObject({
  tenantId: v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'must be 1 to 128 of A-Z a-z 0-9 _ . : @ -')),
});

/** Permission-set ids (func_info, WECHAT.md §5); WeChat adds ids over time, so any id in range is taken. */
const MAX_REQUIRED_FUNC_IDS = 64;
const funcId = v.pipe(
  v.number('must be a number'),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(999, 'must be at most 999'),
);

/** `BindingPolicyInput`: `null` clears the tenant's policy back to the deployment defaults. */
const bindingPolicyInput = v.nullable(
  v.strictObject({
    requireServiceAccount: v.optional(v.boolean('must be true or false')),
    requireVerified: v.optional(v.boolean('must be true or false')),
    requiredFuncIds: v.optional(
      v.pipe(v.array(funcId, 'must be an array of permission-set ids'), v.maxLength(MAX_REQUIRED_FUNC_IDS, `must hold at most ${MAX_REQUIRED_FUNC_IDS} ids`)),
    ),
  }),
);

export const tenantSettingsPatch = v.strictObject({
  accountQuota: v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(MIN_ACCOUNT_QUOTA, `must be at least ${MIN_ACCOUNT_QUOTA}`),
      v.maxValue(MAX_ACCOUNT_QUOTA, `must be at most ${MAX_ACCOUNT_QUOTA}`),
    ),
  ),
  bindingPolicy: v.optional(bindingPolicyInput),
  features: v.optional(v.strictObject({ wecom: v.optional(v.boolean('must be true or false')) })),
});
