/** POST /v1/authorizations — an authorization link (PC and mobile) for the admin's tenant, or to re-authorize one account. */
import * as v from 'valibot';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { config } from '#shared/config/config.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { createAuthorizationLink } from '#shared/domain/binding/create-authorization.ts';
import { wechatBinding } from '#shared/domain/binding/wechat-binding.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const deps = {
  wechat: wechatBinding(wechatApiClient(), componentTokenService(), wechatCredentials),
  states: new DynamoAuthorizationStates(db(), tableName()),
  accounts: new DynamoAccountStore(db(), tableName()),
  publicBaseUrl: config().publicBaseUrl,
  now: () => new Date(),
};

const body = v.optional(v.strictObject({ appid: v.optional(appIdSchema) }), {});

export const handler = consoleRoute({ who: 'admin', body }, async ({ caller, body }) => {
  const link = await createAuthorizationLink({ tenantId: caller.tenantId, userId: caller.userId, ...(body.appid ? { appid: body.appid } : {}) }, deps);
  return { status: 201, body: link };
});
