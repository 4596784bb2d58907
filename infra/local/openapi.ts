/**
 * The OpenAPI 3.1 document of the hub's HTTP contract (API.md), generated rather than written:
 * - the operations are the catalogue's routes, so the document lists exactly what the CDK stack and
 *   the local gateway expose;
 * - a console route's path, query and body schemas are the valibot schemas its handler validates
 *   with (`handler.contract`, set by `consoleRoute`), converted by `@valibot/to-json-schema` as their
 *   input type: a pipe is documented up to its first transform (`limit` is the string `"50"` a client
 *   sends, not the number the handler reads), and custom checks, which JSON Schema cannot say, become
 *   the schema's description;
 * - what no schema in the code describes is written here by hand: the answers (API.md §3 shapes), the
 *   error envelope with its codes (§1), and WeChat's routes and the internal route, which take query
 *   strings and XML rather than JSON.
 *
 * Where it is served: only by the local gateway, at `GET /openapi.json`. It is not a catalogue route,
 * so AWS exposes nothing unauthenticated beyond WeChat's routes; the document describes the deployed
 * API all the same (the same catalogue and handlers), with the deployed origin as its server.
 *
 * A route the hand-written tables do not know yet is still listed, marked `x-undocumented-response`,
 * so the served document never breaks; test/e2e/openapi.test.ts fails on the mark.
 */
import { toJsonSchema, type ConversionConfig } from '@valibot/to-json-schema';
import type { HttpMethod, Route, RouteAuth } from '#infra/catalogue.ts';
import type { ErrorCode } from '#shared/errors/domain-errors.ts';
import { statusOf } from '#shared/errors/domain-errors.ts';
import type { RouteContract } from '#shared/http/console-route.ts';
import type { AnySchema } from '#shared/http/validation.ts';

export type JsonSchema = Record<string, unknown>;

export interface DocumentedFunction {
  readonly name: string;
  readonly description: string;
}

export interface OpenApiInput {
  readonly routes: readonly { fn: DocumentedFunction; route: Route }[];
  /** The contract a console function's handler carries; undefined when it carries none. */
  readonly contractOf: (functionName: string) => RouteContract | undefined;
  /** The origin clients call, e.g. `http://127.0.0.1:3000`. */
  readonly serverUrl?: string;
  readonly version?: string;
}

export const UNDOCUMENTED_MARK = 'x-undocumented-response';

/** Every code the hub answers with; `satisfies` keeps the list complete as codes are added. */
const errorCodes = Object.keys({
  validation_failed: 1,
  unauthorized: 1,
  forbidden: 1,
  not_found: 1,
  account_bound_elsewhere: 1,
  account_quota_exceeded: 1,
  revoke_in_wechat_first: 1,
  communities_still_linked: 1,
  already_linked: 1,
  cannot_redeem_own_code: 1,
  share_code_invalid: 1,
  redirect_not_allowed: 1,
  oauth_code_invalid: 1,
  not_service_account: 1,
  not_verified: 1,
  missing_permissions: 1,
  account_not_active: 1,
  feature_disabled: 1,
  payment_not_available: 1,
  rate_limited: 1,
  internal_error: 1,
  wechat_error: 1,
  wechat_not_ready: 1,
  try_again: 1,
} satisfies Record<ErrorCode, 1>) as ErrorCode[];

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
const isoTime: JsonSchema = { type: 'string', format: 'date-time' };
const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  properties,
  required,
});

/** API.md §3 shapes. */
const schemas: Record<string, JsonSchema> = {
  Error: object({
    error: object(
      {
        code: { type: 'string', enum: errorCodes },
        message: { type: 'string', description: 'Written for a person; safe to show.' },
        details: {
          type: 'object',
          description:
            'Per code: `fields` (validation_failed), `missing: [{id,name}]` (missing_permissions), `where` and `steps` (revoke_in_wechat_first), `errcode` (wechat_error).',
        },
      },
      ['code', 'message'],
    ),
  }),
  Permission: object({ id: { type: 'integer' }, name: { type: 'string' } }),
  Account: object(
    {
      appid: { type: 'string' },
      userName: { type: 'string', description: 'The original id, gh_…' },
      nickname: { type: 'string' },
      headImg: { type: 'string' },
      principalName: { type: 'string' },
      alias: { type: 'string' },
      serviceType: { type: 'string', enum: ['service', 'subscription'] },
      verified: { type: 'boolean' },
      status: { type: 'string', enum: ['active', 'revoked', 'reauthorization_required', 'unbinding', 'unbound'] },
      role: { type: 'string', enum: ['owner', 'shared'] },
      permissions: arrayOf(ref('Permission')),
      capabilities: object({ qrCodes: { type: 'boolean' }, templateMessages: { type: 'boolean' }, payment: { type: 'boolean' } }),
      isDefault: { type: 'boolean' },
      plaintextAuthorization: { type: 'boolean' },
      openAppId: { type: 'string' },
      openPlatform: {
        ...object(
          {
            status: { type: 'string', enum: ['bound', 'failed', 'skipped'] },
            openAppId: { type: 'string' },
            created: { type: 'boolean' },
            error: object({ code: { type: 'string' }, message: { type: 'string' } }),
          },
          ['status'],
        ),
        description: 'Owner only: how the open-platform step after the last binding that asked for one ended (POST /v1/authorizations `openPlatform`).',
      },
      authorizedAt: isoTime,
      revokedAt: isoTime,
      fans: {
        ...object({ total: { type: 'integer' }, subscribed: { type: 'integer' }, lastSyncAt: isoTime }, ['total', 'subscribed']),
        description: 'Owner only.',
      },
    },
    [
      'appid',
      'userName',
      'nickname',
      'serviceType',
      'verified',
      'status',
      'role',
      'permissions',
      'capabilities',
      'isDefault',
      'plaintextAuthorization',
      'authorizedAt',
    ],
  ),
  AuthorizationLink: object({ authorizeUrl: { type: 'string', format: 'uri' }, mobileAuthorizeUrl: { type: 'string', format: 'uri' }, expiresAt: isoTime }),
  WeChatPush: object(
    {
      eventId: { type: 'string', description: '`msg:<appid>:<MsgId>` or `evt:<sha256>` (API.md §6): the same for WeChat’s retries of one push' },
      appid: { type: 'string' },
      ownerTenantId: { type: 'string' },
      sharedTenantIds: arrayOf({ type: 'string' }),
      openid: { type: 'string' },
      unionid: { type: 'string' },
      msgType: { type: 'string' },
      event: { type: 'string' },
      eventKey: { type: 'string' },
      createTime: { type: 'integer' },
      receivedAt: isoTime,
      fields: { type: 'object', description: 'Every other element of the decrypted XML by WeChat’s name; nested elements as objects, numbers as strings' },
      autoReplyRuleId: { type: 'string' },
    },
    ['eventId', 'appid', 'ownerTenantId', 'sharedTenantIds', 'openid', 'msgType', 'createTime', 'receivedAt', 'fields'],
  ),
  Share: object({ tenantId: { type: 'string' }, linkedAt: isoTime, includePayment: { type: 'boolean' }, communities: { type: 'integer' } }),
  Community: object({
    communityId: { type: 'string' },
    accountAppId: { type: ['string', 'null'] },
    paymentAppId: { type: ['string', 'null'] },
    updatedAt: isoTime,
  }),
  FanSyncJob: object(
    {
      jobId: { type: 'string' },
      appid: { type: 'string' },
      status: { type: 'string', enum: ['queued', 'running', 'paused_quota', 'done', 'failed'] },
      listed: { type: 'integer' },
      synced: { type: 'integer' },
      failed: { type: 'integer' },
      unsubscribedMarked: { type: 'integer' },
      startedAt: isoTime,
      updatedAt: isoTime,
      finishedAt: isoTime,
      error: object({ code: { type: 'string' }, message: { type: 'string' } }),
    },
    ['jobId', 'appid', 'status', 'listed', 'synced', 'failed', 'unsubscribedMarked', 'startedAt', 'updatedAt'],
  ),
  Fan: object(
    {
      openid: { type: 'string' },
      unionid: { type: 'string' },
      subscribed: { type: 'boolean' },
      subscribedAt: isoTime,
      unsubscribedAt: isoTime,
      subscribeScene: { type: 'string' },
      tagIds: arrayOf({ type: 'integer' }),
      remark: { type: 'string' },
      language: { type: 'string' },
      updatedAt: isoTime,
    },
    ['openid', 'subscribed', 'tagIds', 'updatedAt'],
  ),
  Contact: object({
    unionid: { type: 'string' },
    accounts: arrayOf(
      object({ appid: { type: 'string' }, openid: { type: 'string' }, subscribed: { type: 'boolean' }, subscribedAt: isoTime, unsubscribedAt: isoTime }, [
        'appid',
        'openid',
        'subscribed',
      ]),
    ),
  }),
  DepartmentAccounts: object({ departmentId: { type: 'string' }, appids: arrayOf({ type: 'string' }) }),
  AuditEvent: object({ at: isoTime, actor: { type: 'string' }, action: { type: 'string' }, appid: { type: 'string' }, details: { type: 'object' } }, [
    'at',
    'actor',
    'action',
  ]),
  AccessToken: object({ appid: { type: 'string' }, accessToken: { type: 'string' }, expiresAt: isoTime }),
  TenantSettings: object({
    tenantId: { type: 'string' },
    accountQuota: { type: 'integer', description: 'the tenant’s own quota, else TENANT_DEFAULT_ACCOUNT_QUOTA' },
    ownedAccounts: { type: 'integer', description: 'owned accounts holding a quota slot' },
    bindingPolicy: object({
      requireServiceAccount: { type: 'boolean' },
      requireVerified: { type: 'boolean' },
      requiredFuncIds: arrayOf({ type: 'integer' }),
      source: { enum: ['tenant', 'default'], description: '`tenant` when at least one field is the tenant’s own (the others follow the defaults)' },
    }),
    features: object({ wecom: { type: 'boolean' } }),
  }),
  OAuthOrigins: object({ origins: arrayOf({ type: 'string', description: 'https://host[:port], normalized' }) }),
  OAuthUser: object(
    {
      appid: { type: 'string' },
      tenantId: { type: 'string' },
      openid: { type: 'string' },
      unionid: { type: 'string' },
      scope: { type: 'string', enum: ['snsapi_base', 'snsapi_userinfo'] },
      user: object(
        {
          nickname: { type: 'string' },
          headImgUrl: { type: 'string' },
          sex: { type: 'integer' },
          province: { type: 'string' },
          city: { type: 'string' },
          country: { type: 'string' },
        },
        [],
      ),
    },
    ['appid', 'tenantId', 'openid', 'scope'],
  ),
  WeComCorp: object(
    {
      corpId: { type: 'string', description: 'opaque, case-sensitive' },
      corpName: { type: 'string' },
      status: { enum: ['installed', 'uninstalled'] },
      installedAt: isoTime,
      uninstalledAt: isoTime,
      authType: { enum: ['test', 'live'] },
      visibleRange: object({ departments: arrayOf({ type: 'integer' }), users: arrayOf({ type: 'string' }), tags: arrayOf({ type: 'integer' }) }),
      customerPermission: { type: 'boolean' },
    },
    ['corpId', 'corpName', 'status', 'installedAt', 'authType', 'visibleRange', 'customerPermission'],
  ),
  CustomerSyncJob: object(
    {
      jobId: { type: 'string' },
      corpId: { type: 'string' },
      status: { enum: ['queued', 'running', 'paused_quota', 'done', 'failed'] },
      members: { type: 'integer' },
      customers: { type: 'integer' },
      linked: { type: 'integer' },
      pending: { type: 'integer' },
      failed: { type: 'integer' },
      startedAt: isoTime,
      updatedAt: isoTime,
      finishedAt: isoTime,
      error: object({ code: { type: 'string' }, message: { type: 'string' } }),
    },
    ['jobId', 'corpId', 'status', 'members', 'customers', 'linked', 'pending', 'failed', 'startedAt', 'updatedAt'],
  ),
  WeComCustomer: object(
    {
      externalUserId: { type: 'string' },
      name: { type: 'string' },
      type: { enum: ['wechat', 'wecom'] },
      corpName: { type: 'string' },
      gender: { type: 'integer' },
      avatar: { type: 'string' },
      followUsers: arrayOf(
        object(
          {
            userId: { type: 'string' },
            remark: { type: 'string' },
            addedAt: isoTime,
            tagIds: arrayOf({ type: 'string' }),
            addWay: { type: 'integer' },
          },
          ['userId', 'addedAt', 'tagIds'],
        ),
      ),
      follower: object({ appid: { type: 'string' }, openid: { type: 'string' }, unionid: { type: 'string' } }),
      updatedAt: isoTime,
      removedAt: isoTime,
    },
    ['externalUserId', 'name', 'type', 'followUsers', 'updatedAt'],
  ),
  JsSdkConfig: object({ appId: { type: 'string' }, timestamp: { type: 'integer' }, nonceStr: { type: 'string' }, signature: { type: 'string' } }),
};

interface Answer {
  status: number;
  description: string;
  schema?: JsonSchema;
  /** The error codes this route answers with beyond those every route of its kind has. */
  errors?: ErrorCode[];
  /** Internal routes: the JSON body (console routes document theirs from the handler's schema). */
  body?: JsonSchema;
  /** Internal routes: the query parameters (console routes document theirs from the handler's schema). */
  query?: { name: string; description: string; schema: JsonSchema }[];
}

const page = (name: string, items: JsonSchema): JsonSchema => ({
  ...object({ [name]: arrayOf(items), nextCursor: { type: ['string', 'null'] } }),
});

/** The success answer and the route's own error codes, per console and internal route (API.md §3). */
const answers: Record<string, Answer> = {
  'POST /v1/authorizations': {
    status: 201,
    description: 'The PC and mobile authorization links',
    schema: ref('AuthorizationLink'),
    errors: ['wechat_not_ready', 'wechat_error'],
  },
  'GET /v1/accounts': { status: 200, description: 'Owned and shared accounts', schema: object({ accounts: arrayOf(ref('Account')) }) },
  'GET /v1/accounts/{appid}': { status: 200, description: 'The account', schema: ref('Account') },
  'PATCH /v1/accounts/{appid}': { status: 200, description: 'The updated account', schema: ref('Account') },
  'DELETE /v1/accounts/{appid}': {
    status: 204,
    description: 'Unbound (owner) or the share released (recipient)',
    errors: ['revoke_in_wechat_first', 'communities_still_linked', 'wechat_error'],
  },
  'POST /v1/accounts/{appid}/open-platform': {
    status: 200,
    description: 'The open platform account it is bound to',
    schema: object({ openAppId: { type: 'string' }, created: { type: 'boolean' } }),
    errors: ['account_not_active', 'missing_permissions', 'wechat_error'],
  },
  'POST /v1/accounts/{appid}/share-codes': {
    status: 201,
    description: 'The codes, shown once and never stored',
    schema: object({ codes: arrayOf({ type: 'string' }), expiresAt: isoTime }),
    errors: ['account_not_active', 'payment_not_available'],
  },
  'GET /v1/accounts/{appid}/shares': { status: 200, description: 'The recipients', schema: object({ shares: arrayOf(ref('Share')) }) },
  'DELETE /v1/accounts/{appid}/shares': { status: 204, description: 'Every share, payment share and unused code revoked' },
  'DELETE /v1/accounts/{appid}/shares/{tenantId}': { status: 204, description: 'The recipient’s share revoked' },
  'POST /v1/shared-accounts': {
    status: 201,
    description: 'The shared account (role `shared`)',
    schema: ref('Account'),
    errors: ['share_code_invalid', 'cannot_redeem_own_code', 'already_linked', 'account_not_active', 'rate_limited'],
  },
  'GET /v1/communities': { status: 200, description: 'The tenant’s communities', schema: object({ communities: arrayOf(ref('Community')) }) },
  'PUT /v1/communities/{communityId}': { status: 200, description: 'The community', schema: ref('Community'), errors: ['account_not_active'] },
  'DELETE /v1/accounts/{appid}/communities': { status: 200, description: 'How many links were removed', schema: object({ unlinked: { type: 'integer' } }) },
  'POST /v1/accounts/{appid}/fan-syncs': {
    status: 202,
    description: 'The queued (or the running) sync job',
    schema: object({ jobId: { type: 'string' } }),
    errors: ['account_not_active'],
  },
  'GET /v1/accounts/{appid}/fan-syncs/{jobId}': { status: 200, description: 'The job and its progress', schema: ref('FanSyncJob') },
  'GET /v1/accounts/{appid}/fans': { status: 200, description: 'A page of followers', schema: page('fans', ref('Fan')) },
  'GET /v1/accounts/{appid}/messages': {
    status: 200,
    description: 'A page of the messages and events users sent, newest first (30 days)',
    schema: page('messages', ref('WeChatPush')),
  },
  'GET /v1/accounts/{appid}/fans/{openid}/history': {
    status: 200,
    description: 'The follower’s subscribe and unsubscribe events, newest first',
    schema: object({
      events: arrayOf(object({ at: isoTime, event: { type: 'string', enum: ['subscribe', 'unsubscribe'] }, scene: { type: 'string' } }, ['at', 'event'])),
    }),
  },
  'GET /v1/contacts/{unionid}': { status: 200, description: 'The follower across the tenant’s accounts', schema: ref('Contact') },
  'GET /v1/accounts/{appid}/auto-replies': {
    status: 200,
    description: 'The auto-reply rules in their order; no `updatedAt` before the first PUT',
    schema: object({ rules: arrayOf({ type: 'object', description: 'AutoReplyRule (API.md §3), as the PUT body takes it' }), updatedAt: isoTime }, ['rules']),
  },
  'PUT /v1/accounts/{appid}/auto-replies': {
    status: 200,
    description: 'The rules as stored',
    schema: object({ rules: arrayOf({ type: 'object', description: 'AutoReplyRule (API.md §3)' }), updatedAt: isoTime }),
  },
  'GET /v1/accounts/{appid}/menu': {
    status: 200,
    description: 'The menu WeChat holds (menu/get), `null` when none was set through the API',
    schema: object({ menu: { type: ['object', 'null'], description: 'WeChat’s menu JSON (WECHAT.md §15)' } }),
    errors: ['account_not_active', 'missing_permissions', 'wechat_error', 'wechat_not_ready'],
  },
  'PUT /v1/accounts/{appid}/menu': {
    status: 200,
    description: 'The menu WeChat now holds',
    schema: object({ menu: { type: 'object', description: 'WeChat’s menu JSON (WECHAT.md §15)' } }),
    errors: ['account_not_active', 'missing_permissions', 'wechat_error', 'wechat_not_ready'],
  },
  'DELETE /v1/accounts/{appid}/menu': {
    status: 204,
    description: 'The menu deleted in WeChat (the default menu and every conditional one)',
    errors: ['account_not_active', 'missing_permissions', 'wechat_error', 'wechat_not_ready'],
  },
  'PUT /v1/departments/{departmentId}/accounts': { status: 200, description: 'The department’s accounts', schema: ref('DepartmentAccounts') },
  'GET /v1/departments/{departmentId}/accounts': { status: 200, description: 'The department’s accounts', schema: ref('DepartmentAccounts') },
  'GET /v1/audit': { status: 200, description: 'The audit trail, newest first', schema: page('events', ref('AuditEvent')) },
  'GET /v1/tenant': { status: 200, description: 'The tenant’s own settings (quota, binding policy, features)', schema: ref('TenantSettings') },
  'GET /v1/operator/tenants/{tenantId}': {
    status: 200,
    description: 'A tenant’s settings; a tenant the hub knows nothing of answers the defaults',
    schema: ref('TenantSettings'),
  },
  'PATCH /v1/operator/tenants/{tenantId}': {
    status: 200,
    description: 'The tenant’s settings after the change, audited in its trail as operator:<sub>',
    schema: ref('TenantSettings'),
    errors: ['try_again'],
  },
  'GET /v1/oauth/origins': { status: 200, description: 'The tenant’s allowed origins for web authorization', schema: ref('OAuthOrigins') },
  'PUT /v1/oauth/origins': { status: 200, description: 'The new list, normalized', schema: ref('OAuthOrigins') },
  'POST /v1/internal/oauth/exchange': {
    status: 200,
    description: 'The visitor, for the one-time code of a web authorization (once)',
    schema: ref('OAuthUser'),
    errors: ['validation_failed', 'oauth_code_invalid'],
    body: { ...object({ code: { type: 'string', description: 'The one-time code from GET /v1/oauth/callback' } }), additionalProperties: false },
  },
  'POST /v1/internal/accounts/{appid}/jssdk-config': {
    status: 200,
    description: 'The wx.config values of the page URL (never the jsapi_ticket)',
    schema: ref('JsSdkConfig'),
    errors: ['validation_failed', 'not_found', 'account_not_active', 'wechat_error', 'wechat_not_ready'],
    body: { ...object({ url: { type: 'string', format: 'uri', description: 'The page URL, without #…' } }), additionalProperties: false },
  },
  'GET /v1/internal/accounts/{appid}/fans': {
    status: 200,
    description: 'The account’s followers changed since `changedSince`, in updatedAt order (ties by openid); at least once',
    schema: page('fans', ref('Fan')),
    errors: ['validation_failed', 'not_found', 'account_not_active'],
    query: [
      { name: 'changedSince', description: 'ISO 8601 instant: followers whose updatedAt is this or later (absent: all)', schema: isoTime },
      { name: 'cursor', description: 'The nextCursor of the previous page', schema: { type: 'string' } },
      { name: 'limit', description: '1–1000, default 100', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
    ],
  },
  'POST /v1/wecom/installations': {
    status: 201,
    description: 'The WeCom install link and when its state expires (30 minutes)',
    schema: object({ installUrl: { type: 'string', format: 'uri' }, expiresAt: isoTime }),
    errors: ['feature_disabled', 'wechat_not_ready', 'wechat_error', 'try_again'],
  },
  'POST /v1/wecom/registrations': {
    status: 201,
    description: 'The WeCom registration link (注册并关联); the new corp arrives as an install',
    schema: object({ registerUrl: { type: 'string', format: 'uri' }, expiresAt: isoTime }),
    errors: ['feature_disabled', 'wechat_not_ready', 'wechat_error', 'try_again'],
  },
  'GET /v1/wecom/corp': { status: 200, description: 'The tenant’s WeCom corp', schema: ref('WeComCorp'), errors: ['feature_disabled', 'not_found'] },
  'DELETE /v1/wecom/corp': {
    status: 204,
    description: 'The uninstalled corp removed with its customers and links',
    errors: ['feature_disabled', 'not_found', 'revoke_in_wechat_first'],
  },
  'POST /v1/wecom/customer-syncs': {
    status: 202,
    description: 'The customer sync started (已完成设置), or the one already running for the corp',
    schema: object({ jobId: { type: 'string' } }),
    errors: ['feature_disabled', 'not_found'],
  },
  'GET /v1/wecom/customer-syncs/{jobId}': {
    status: 200,
    description: 'One customer sync with its progress',
    schema: ref('CustomerSyncJob'),
    errors: ['feature_disabled', 'not_found'],
  },
  'GET /v1/wecom/customers': {
    status: 200,
    description: 'The corp’s customers with their linked follower, by page',
    schema: page('customers', ref('WeComCustomer')),
    errors: ['feature_disabled', 'not_found'],
  },
  'PUT /v1/wecom/miniprogram-secret': {
    status: 200,
    description: 'The mini program’s secret stored sealed; never returned',
    schema: object({ appid: { type: 'string' }, secretSet: { const: true }, updatedAt: isoTime }),
    errors: ['feature_disabled'],
  },
  'GET /v1/internal/wecom/corps/{corpId}/access-token': {
    status: 200,
    description: 'The installed corp’s current access token (never the permanent code)',
    schema: object({ corpId: { type: 'string' }, accessToken: { type: 'string' }, expiresAt: isoTime }),
    errors: ['not_found', 'account_not_active', 'wechat_error', 'wechat_not_ready', 'try_again'],
  },
  'GET /v1/internal/accounts/{appid}/access-token': {
    status: 200,
    description: 'The account’s current access token (never a refresh token)',
    schema: ref('AccessToken'),
    errors: ['not_found', 'account_not_active', 'wechat_error', 'wechat_not_ready'],
  },
};

const signatureQuery = [
  { name: 'signature', description: 'sha1 of the sorted token, timestamp and nonce' },
  { name: 'timestamp', description: 'Unix seconds; refused outside WECHAT_MAX_CLOCK_SKEW_SECONDS' },
  { name: 'nonce', description: 'WeChat’s nonce' },
];
const pushQuery = [
  ...signatureQuery,
  { name: 'encrypt_type', description: '`aes`', required: false },
  { name: 'msg_signature', description: 'sha1 over the token, timestamp, nonce and the ciphertext' },
  { name: 'openid', description: 'Account message pushes: the sender', required: false },
];
const wecomPushQuery = [
  { name: 'msg_signature', description: 'sha1 over the token, timestamp, nonce and the ciphertext' },
  { name: 'timestamp', description: 'Unix seconds; refused outside WECHAT_MAX_CLOCK_SKEW_SECONDS' },
  { name: 'nonce', description: 'Random' },
  { name: 'corpid', description: 'The data callback’s `$CORPID$`', required: false },
];
const wecomEchoQuery = [...wecomPushQuery, { name: 'echostr', description: 'Encrypted; answered decrypted when the signature holds' }];
const echoQuery = [...signatureQuery, { name: 'echostr', description: 'Echoed verbatim when the signature holds' }];
const xmlPush = { required: true, content: { 'text/xml': { schema: { type: 'string', description: '<xml><ToUserName/><Encrypt/></xml>, at most 64 KiB' } } } };
const plainText = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const refusedPush = {
  description: 'A bad signature, timestamp, ciphertext or XML; nothing changes',
  content: { 'application/json': { schema: ref('Error') } },
};

/** WeChat's routes: signed query strings, XML bodies, plain-text answers (API.md §2). */
const wechatOperations: Record<
  string,
  { summary: string; query: { name: string; description: string; required?: boolean }[]; body?: unknown; responses: Record<string, unknown> }
> = {
  'POST /v1/wechat/component': {
    summary: '授权事件接收URL: ticket and authorization pushes',
    query: pushQuery,
    body: xmlPush,
    responses: { '200': plainText('`success`'), '400': refusedPush, '401': refusedPush },
  },
  'GET /v1/wechat/component': {
    summary: 'URL check of the authorization-event URL',
    query: echoQuery,
    responses: { '200': plainText('The echostr'), '400': refusedPush, '401': refusedPush },
  },
  'POST /v1/wechat/accounts/{appid}/messages': {
    summary: '消息与事件接收URL: events, messages, the full-network release test',
    query: pushQuery,
    body: xmlPush,
    responses: {
      '200': {
        description: '`success`, empty, or an encrypted passive reply',
        content: { 'text/plain': { schema: { type: 'string' } }, 'application/xml': { schema: { type: 'string' } } },
      },
      '400': refusedPush,
      '401': refusedPush,
    },
  },
  'GET /v1/wechat/accounts/{appid}/messages': {
    summary: 'URL check of the message URL',
    query: echoQuery,
    responses: { '200': plainText('The echostr'), '400': refusedPush, '401': refusedPush },
  },
  'GET /v1/wechat/authorize': {
    summary: 'The authorizeUrl: a page on the hub’s domain (授权发起页域名) that forwards the browser to WeChat’s consent page',
    query: [
      { name: 'state', description: 'The state of the authorization link (POST /v1/authorizations)' },
      { name: 'device', description: '`pc` (default): the QR-code page; `mobile`: the page opened inside WeChat', required: false },
    ],
    responses: {
      '200': {
        description: 'HTML that navigates to WeChat’s consent page, rebuilt from the stored link (never from the query), with a visible link as fallback',
        content: { 'text/html': { schema: { type: 'string' } } },
      },
      '400': { description: 'HTML: the link is incomplete', content: { 'text/html': { schema: { type: 'string' } } } },
      '410': { description: 'HTML: the link was used, expired or never existed; nothing changes', content: { 'text/html': { schema: { type: 'string' } } } },
    },
  },
  'GET /v1/oauth/{appid}/authorize': {
    summary: 'A product page sends a WeChat visitor here (web authorization, 代公众号网页授权)',
    query: [
      { name: 'redirect_uri', description: 'The page to return to: an absolute URL on an origin a tenant holding the account allowed' },
      { name: 'state', description: 'The page’s state (≤ 128 characters), echoed back', required: false },
      { name: 'scope', description: '`snsapi_base` or `snsapi_userinfo`; default from the tenant’s plaintextAuthorization', required: false },
    ],
    responses: {
      '302': {
        description: 'To WeChat’s component web authorization page (WECHAT.md §11.2)',
        headers: { Location: { schema: { type: 'string', format: 'uri' } } },
      },
      '400': { description: '`validation_failed`, `redirect_not_allowed`', content: { 'application/json': { schema: ref('Error') } } },
      '404': { description: '`not_found`: no such account, or no tenant holds it', content: { 'application/json': { schema: ref('Error') } } },
      '422': { description: '`account_not_active`', content: { 'application/json': { schema: ref('Error') } } },
    },
  },
  'GET /v1/oauth/callback': {
    summary: 'WeChat’s redirect after the visitor (web authorization)',
    query: [
      { name: 'state', description: 'The hub’s single-use state', required: false },
      { name: 'code', description: 'WeChat’s code for the visitor; absent when they refused', required: false },
      { name: 'appid', description: 'The account', required: false },
    ],
    responses: {
      '302': {
        description:
          'To the page with `?code=<one-time hub code>&state=…` or `?error=access_denied|invalid_code|wechat_error|server_error&state=…`; for an unknown, used or expired state to CONSOLE_URL with `?oauth=error&code=oauth_state_invalid`',
        headers: { Location: { schema: { type: 'string', format: 'uri' } } },
      },
    },
  },
  'POST /v1/wecom/suite': {
    summary: 'WeCom 指令回调URL and 数据回调URL: suite_ticket, create_auth, change_auth, cancel_auth, customer and contact changes',
    query: wecomPushQuery,
    body: xmlPush,
    responses: { '200': plainText('`success`'), '400': refusedPush, '401': refusedPush },
  },
  'GET /v1/wecom/suite': {
    summary: 'URL check of the WeCom callback URLs',
    query: wecomEchoQuery,
    responses: { '200': plainText('The decrypted echostr'), '400': refusedPush, '401': refusedPush },
  },
  'POST /v1/wecom/system': {
    summary: 'The WeCom provider’s 系统事件接收URL: register_corp',
    query: wecomPushQuery,
    body: xmlPush,
    responses: { '200': plainText('`success`'), '400': refusedPush, '401': refusedPush },
  },
  'GET /v1/wecom/system': {
    summary: 'URL check of the system-event URL',
    query: wecomEchoQuery,
    responses: { '200': plainText('The decrypted echostr'), '400': refusedPush, '401': refusedPush },
  },
  'GET /v1/wecom/installed': {
    summary: 'redirect after the WeCom admin installs the app',
    query: [
      { name: 'state', description: 'The single-use state of the install link', required: false },
      { name: 'auth_code', description: 'WeCom’s temporary authorization code', required: false },
      { name: 'expires_in', description: 'Seconds the code is valid', required: false },
    ],
    responses: {
      '302': {
        description: 'To CONSOLE_URL with `?wecom=ok&corpId=…` or `?wecom=error&code=<error code>`',
        headers: { Location: { schema: { type: 'string', format: 'uri' } } },
      },
    },
  },
  'GET /v1/wechat/authorized': {
    summary: 'redirect_uri after the admin’s consent',
    query: [
      { name: 'state', description: 'The single-use state of the authorization link', required: false },
      { name: 'auth_code', description: 'WeChat’s authorization code', required: false },
      { name: 'expires_in', description: 'Seconds the code is valid', required: false },
    ],
    responses: {
      '302': {
        description: 'To CONSOLE_URL with `?bind=ok&appid=wx…` or `?bind=error&code=<error code>`',
        headers: { Location: { schema: { type: 'string', format: 'uri' } } },
      },
    },
  },
};

const conversion: ConversionConfig = { target: 'draft-2020-12', typeMode: 'input', errorMode: 'ignore' };

type ValibotNode = {
  type?: string;
  wrapped?: ValibotNode;
  pipe?: readonly { kind?: string; type?: string; message?: unknown }[];
  entries?: Record<string, ValibotNode>;
};

/** Messages of a pipe's `check` actions: rules JSON Schema cannot express. */
function checkMessages(schema: ValibotNode): string[] {
  return (schema.pipe ?? [])
    .filter((item) => item.kind === 'validation' && item.type === 'check' && typeof item.message === 'string')
    .map((item) => item.message as string);
}

/** A valibot schema as JSON Schema (input type), without the `$schema` line that nests badly. */
export function jsonSchemaOf(schema: AnySchema): JsonSchema {
  const { $schema: _ignored, ...converted } = toJsonSchema(schema as never, conversion) as JsonSchema;
  const checks = checkMessages(schema as ValibotNode);
  if (checks.length > 0) converted.description = [converted.description, ...checks].filter(Boolean).join('; ');
  return converted;
}

/** The object schema under `optional(...)`/`pipe(object, check)`, whose entries become parameters. */
function objectEntries(schema: AnySchema | undefined): { properties: Record<string, JsonSchema>; required: string[] } {
  if (!schema) return { properties: {}, required: [] };
  const converted = jsonSchemaOf(schema);
  return { properties: (converted.properties ?? {}) as Record<string, JsonSchema>, required: (converted.required ?? []) as string[] };
}

const pathNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);

function pathParameters(route: Route, schema: AnySchema | undefined) {
  const { properties } = objectEntries(schema);
  return pathNames(route.path).map((name) => ({ name, in: 'path', required: true, schema: properties[name] ?? { type: 'string' } }));
}

function errorResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list.map((code) => `\`${code}\``).join(', '),
          ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } } } : {}),
          content: { 'application/json': { schema: ref('Error') } },
        },
      ]),
  );
}

function successResponse(answer: Answer): Record<string, unknown> {
  return {
    [String(answer.status)]: {
      description: answer.description,
      ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : {}),
    },
  };
}

const undocumented = (fn: DocumentedFunction) => ({ '200': { description: fn.description }, [UNDOCUMENTED_MARK]: true });

const whoText: Record<RouteContract['who'], string> = {
  admin: 'Admins of the tenant only.',
  any: 'Any member of the tenant (reads are limited to the accounts granted to its departments).',
  operator: 'Platform operators only (role `operator`), for any tenant.',
};

function consoleOperation(fn: DocumentedFunction, route: Route, contract: RouteContract | undefined, key: string) {
  if (!contract) throw new Error(`functions/${fn.name}/handler.ts serves the console route ${key} but carries no contract: build it with consoleRoute.`);
  const answer = answers[key];
  const query = objectEntries(contract.query);
  const parameters = [
    ...pathParameters(route, contract.params),
    ...Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: query.required.includes(name), schema })),
  ];
  const bodySchema = contract.body ? jsonSchemaOf(contract.body) : undefined;
  const bodyOptional = (contract.body as ValibotNode | undefined)?.type === 'optional';
  const common: ErrorCode[] = ['validation_failed', 'unauthorized', 'forbidden', ...(pathNames(route.path).length > 0 ? (['not_found'] as const) : [])];
  const errors = [...new Set([...common, ...(answer?.errors ?? []), 'internal_error' as const])];
  const responses = answer ? { ...successResponse(answer), ...errorResponses(errors) } : undocumented(fn);
  return {
    operationId: operationId(route),
    summary: summaryOf(fn, key),
    description: `${whoText[contract.who]} Function \`${fn.name}\`.`,
    tags: [tagOf(route.path)],
    security: [{ consoleJwt: [] }],
    'x-who': contract.who,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(bodySchema ? { requestBody: { required: !bodyOptional, content: { 'application/json': { schema: bodySchema } } } } : {}),
    responses,
  };
}

function wechatOperation(fn: DocumentedFunction, route: Route, key: string) {
  const known = wechatOperations[key];
  const parameters = [
    ...pathParameters(route, undefined),
    ...(known?.query ?? []).map((q) => ({ name: q.name, in: 'query', required: q.required ?? true, description: q.description, schema: { type: 'string' } })),
  ];
  return {
    operationId: operationId(route),
    summary: known?.summary ?? fn.description,
    description: `Called by WeChat: no bearer token, every request is signature-verified. Function \`${fn.name}\`.`,
    tags: ['wechat'],
    security: [],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(known?.body ? { requestBody: known.body } : {}),
    responses: known ? known.responses : undocumented(fn),
  };
}

function internalOperation(fn: DocumentedFunction, route: Route, key: string) {
  const answer = answers[key];
  return {
    operationId: operationId(route),
    summary: summaryOf(fn, key),
    description: `For the product's other services: AWS IAM (SigV4) in AWS; locally a service token from \`npm run token -- --service <name>\`. Function \`${fn.name}\`.`,
    tags: ['internal'],
    security: [{ awsSigV4: [] }],
    parameters: [
      ...pathParameters(route, undefined),
      ...(answer?.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema })),
    ],
    ...(answer?.body ? { requestBody: { required: true, content: { 'application/json': { schema: answer.body } } } } : {}),
    responses: answer
      ? { ...successResponse(answer), ...errorResponses([...new Set(['forbidden' as const, ...(answer.errors ?? []), 'internal_error' as const])]) }
      : undocumented(fn),
  };
}

/** Catalogue descriptions start with the route key when the function serves one route. */
const summaryOf = (fn: DocumentedFunction, key: string): string =>
  fn.description.startsWith(`${key}:`) ? fn.description.slice(key.length + 1).trim() : fn.description;

function tagOf(path: string): string {
  if (path.startsWith('/v1/authorizations')) return 'binding';
  if (/\/(share-codes|shares)(\/|$)|^\/v1\/shared-accounts/.test(path)) return 'sharing';
  if (/communities/.test(path)) return 'communities';
  if (/fan-syncs|\/fans$|^\/v1\/contacts/.test(path)) return 'fans';
  if (path.startsWith('/v1/departments')) return 'departments';
  if (path.startsWith('/v1/audit')) return 'audit';
  if (path === '/v1/tenant' || path.startsWith('/v1/operator/')) return 'tenants';
  return 'accounts';
}

function operationId(route: Route): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '' && part !== 'v1')
    .map((part) => (part.startsWith('{') ? `by-${part.slice(1, -1)}` : part));
  return [route.method.toLowerCase(), ...words].join('-').replace(/-([a-zA-Z])/g, (_, c: string) => c.toUpperCase());
}

const operationOf: Record<RouteAuth, (fn: DocumentedFunction, route: Route, contract: RouteContract | undefined, key: string) => Record<string, unknown>> = {
  jwt: consoleOperation,
  wechat: (fn, route, _contract, key) => wechatOperation(fn, route, key),
  iam: (fn, route, _contract, key) => internalOperation(fn, route, key),
};

export function openApiDocument(input: OpenApiInput): Record<string, unknown> {
  const paths: Record<string, Partial<Record<Lowercase<HttpMethod>, unknown>>> = {};
  const sorted = [...input.routes].sort((a, b) => a.route.path.localeCompare(b.route.path) || a.route.method.localeCompare(b.route.method));
  for (const { fn, route } of sorted) {
    const key = `${route.method} ${route.path}`;
    const contract = route.auth === 'jwt' ? input.contractOf(fn.name) : undefined;
    (paths[route.path] ??= {})[route.method.toLowerCase() as Lowercase<HttpMethod>] = operationOf[route.auth](fn, route, contract, key);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'oa-hub',
      version: input.version ?? '1',
      summary: 'WeChat Open Platform third-party platform (第三方平台): binding, tokens, follower sync, account sharing',
      description:
        'Generated from the catalogue of routes and the valibot schemas the handlers validate with. Every non-2xx JSON answer is the `Error` envelope. Console routes take the tenant from the token, never from the path or body.',
    },
    ...(input.serverUrl ? { servers: [{ url: input.serverUrl }] } : {}),
    tags: [
      { name: 'binding' },
      { name: 'accounts' },
      { name: 'sharing' },
      { name: 'communities' },
      { name: 'fans' },
      { name: 'departments' },
      { name: 'audit' },
      { name: 'tenants', description: 'Tenant settings: the admin’s read, the operators’ routes' },
      { name: 'wechat', description: 'Called by WeChat' },
      { name: 'internal', description: 'Called by the product’s other services' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        consoleJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Claims: sub, the tenant id, roles (`admin`, `operator`), departments (claim names configurable).',
        },
        awsSigV4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS Signature Version 4 (IAM authorization)' },
      },
    },
  };
}
