/**
 * The catalogue of the hub's Lambda functions: what each is for, what triggers it and which
 * resources it may touch. It is the single source for the CDK stack (functions, routes, grants,
 * schedules, queue consumers), the local stack (gateway routes, in-process queues and timers) and the
 * route-conformance tests. A function's folder is `functions/<name>/handler.ts`.
 */
import { hubQueues, type HubQueue } from '#shared/queues/contract.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a route is authenticated before the handler runs:
 * - `jwt`: console routes; the gateway verifies the bearer JWT and passes its claims.
 * - `wechat`: WeChat's own calls; no gateway auth, the handler verifies WeChat's signature.
 * - `iam`: internal service-to-service routes (SigV4 in AWS, a local service token locally).
 */
export type RouteAuth = 'jwt' | 'wechat' | 'iam';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/accounts/{appid}`. */
  readonly path: string;
  readonly auth: RouteAuth;
}

/** Table access, mapped to the narrowest CDK grant. */
export type TableAccess = 'read' | 'write' | 'readwrite';

/** The work queues (`shared/queues/contract.ts`, read by the functions that send and consume too). */
export { hubQueues, queueUrlVariable, type HubQueue } from '#shared/queues/contract.ts';

export interface HubFunction {
  readonly name: string;
  readonly description: string;
  readonly table: TableAccess;
  /** Queues this function sends messages to (SendMessage grant + `<NAME>_QUEUE_URL` env var). */
  readonly sendsTo?: readonly string[];
  /** Reads the component credentials from Secrets Manager. */
  readonly readsWeChatSecret: boolean;
  /** Calls WeChat's or WeCom's APIs, so it egresses through the whitelisted NAT IPs in AWS (WeChat answers 61004, WeCom 60020 otherwise). */
  readonly callsWeChat: boolean;
  readonly routes?: readonly Route[];
  /** EventBridge schedule, e.g. `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  readonly schedule?: string;
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
  /**
   * Publishes the outbox to the event bus (API.md §6): PutEvents on the bus (`EVENT_BUS_NAME`) and
   * the table's stream of new `OUTBOX#` items as its trigger (`infra/event-bus.ts`).
   */
  readonly publishesOutbox?: boolean;
  /** Reads the WeCom suite's credentials from Secrets Manager (`WECOM_SECRET_ARN`). */
  readonly readsWeComSecret?: boolean;
  /** Seals or opens WeCom secrets at rest (KMS `GenerateDataKey` / `Decrypt` on `WECOM_KMS_KEY_ID`). */
  readonly usesWeComKey?: boolean;
}

export const hubFunctions: readonly HubFunction[] = [
  {
    name: 'fan-sync-worker',
    description:
      'Consumes fan-sync steps: user/get pages, user/info/batchget chunks of 100 written in batches, the finish that marks followers no longer listed unsubscribed',
    table: 'readwrite',
    sendsTo: ['fan-sync', 'token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    timeoutSeconds: 30,
  },
  {
    name: 'start-fan-sync',
    description: 'POST /v1/accounts/{appid}/fan-syncs: queues a full follower sync of an owned active account, or answers the running one',
    table: 'readwrite',
    sendsTo: ['fan-sync'],
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'POST', path: '/v1/accounts/{appid}/fan-syncs', auth: 'jwt' }],
  },
  {
    name: 'get-fan-sync',
    description: 'GET /v1/accounts/{appid}/fan-syncs/{jobId}: one follower sync with its progress',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/fan-syncs/{jobId}', auth: 'jwt' }],
  },
  {
    name: 'list-fans',
    description: 'GET /v1/accounts/{appid}/fans: the followers of an owned account, page by page, optionally only (un)subscribed',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/fans', auth: 'jwt' }],
  },
  {
    name: 'get-fan-history',
    description: "GET /v1/accounts/{appid}/fans/{openid}/history: a follower's subscribe and unsubscribe events, newest first (owner)",
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/fans/{openid}/history', auth: 'jwt' }],
  },
  {
    name: 'list-changed-fans',
    description:
      "GET /v1/internal/accounts/{appid}/fans?changedSince=: an active account's followers changed since then, in updatedAt order from the feed index (IAM)",
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/internal/accounts/{appid}/fans', auth: 'iam' }],
  },
  {
    name: 'get-contact',
    description: "GET /v1/contacts/{unionid}: the tenant's followers with that unionid across its owned accounts, with the WeCom customer it links to",
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/contacts/{unionid}', auth: 'jwt' }],
  },
  {
    name: 'resume-fan-syncs',
    description: 'Daily after the WeChat quota day turns (00:05 Beijing): re-queues the steps of follower syncs paused by 45009',
    table: 'readwrite',
    sendsTo: ['fan-sync'],
    readsWeChatSecret: false,
    callsWeChat: false,
    schedule: 'cron(5 16 * * ? *)',
  },
  {
    name: 'create-share-codes',
    description: 'POST /v1/accounts/{appid}/share-codes: the owner makes 1-100 one-time share codes, stored only as SHA-256 for 24 h',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'POST', path: '/v1/accounts/{appid}/share-codes', auth: 'jwt' }],
  },
  {
    name: 'redeem-share-code',
    description: 'POST /v1/shared-accounts: spends a share code and creates the recipient link in one transaction; failures limited per tenant and hour',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'POST', path: '/v1/shared-accounts', auth: 'jwt' }],
  },
  {
    name: 'list-shares',
    description: 'GET /v1/accounts/{appid}/shares: the recipients of an owned account with their community counts',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/shares', auth: 'jwt' }],
  },
  {
    name: 'revoke-shares',
    description: 'DELETE /v1/accounts/{appid}/shares: revokes every share, the recipients community and payment links, and every unused code',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'DELETE', path: '/v1/accounts/{appid}/shares', auth: 'jwt' }],
    timeoutSeconds: 30,
  },
  {
    name: 'revoke-share',
    description: 'DELETE /v1/accounts/{appid}/shares/{tenantId}: revokes one recipient with its community and payment links',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'DELETE', path: '/v1/accounts/{appid}/shares/{tenantId}', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'list-communities',
    description: 'GET /v1/communities: the tenant communities and the account and payment interface each links to',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/communities', auth: 'jwt' }],
  },
  {
    name: 'put-community',
    description: 'PUT /v1/communities/{communityId}: creates a community on first use and links or unlinks its account and payment interface',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PUT', path: '/v1/communities/{communityId}', auth: 'jwt' }],
  },
  {
    name: 'unlink-communities',
    description: 'DELETE /v1/accounts/{appid}/communities: the owner unlinks every tenant communities from the account and its payment, a recipient its own',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'DELETE', path: '/v1/accounts/{appid}/communities', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'token-refresh',
    description:
      'Every 5 minutes: ticket health (api_start_push_ticket after 30 min without one), the component token, every authorizer token due before the next run (due index, leases, time budget)',
    table: 'readwrite',
    sendsTo: ['token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    schedule: 'rate(5 minutes)',
    timeoutSeconds: 270,
    memoryMb: 512,
  },
  {
    name: 'reconcile-authorizers',
    description:
      'Daily: every account not unbound against api_get_authorizer_list; repairs differing refresh tokens, reactivates listed accounts waiting for re-authorization, revokes accounts WeChat confirms gone',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    schedule: 'cron(30 3 * * ? *)',
    timeoutSeconds: 600,
  },
  {
    name: 'recover-authorizer-token',
    description:
      'Consumes token-recovery jobs: the refused refresh token of one account from api_get_authorizer_list (time budget, checkpoint), minted and stored; not listed → reauthorization_required',
    table: 'readwrite',
    sendsTo: ['token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    timeoutSeconds: 60,
  },
  {
    name: 'vend-access-token',
    description:
      "GET /v1/internal/accounts/{appid}/access-token: the current access token of an active account for the product's other services (IAM), audited",
    table: 'readwrite',
    sendsTo: ['token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/internal/accounts/{appid}/access-token', auth: 'iam' }],
    timeoutSeconds: 15,
  },
  {
    name: 'delete-account',
    description:
      'DELETE /v1/accounts/{appid}: the owner unbinds once WeChat shows the authorization revoked (unbinding, its cascade in chunks: shares, community links, codes, grants, then unbound; a queued continuation if the request dies); a recipient releases the share',
    table: 'readwrite',
    sendsTo: ['account-unbinding'],
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'DELETE', path: '/v1/accounts/{appid}', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'bind-open-platform',
    description: 'POST /v1/accounts/{appid}/open-platform: binds the account to the named open platform account, or creates one',
    table: 'readwrite',
    sendsTo: ['token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'POST', path: '/v1/accounts/{appid}/open-platform', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'get-auto-replies',
    description: "GET /v1/accounts/{appid}/auto-replies: the owned account's auto-reply rules in their order",
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/auto-replies', auth: 'jwt' }],
  },
  {
    name: 'put-auto-replies',
    description:
      'PUT /v1/accounts/{appid}/auto-replies: replaces every auto-reply rule of an owned account (at most 200), answered on the message URL from the next push',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PUT', path: '/v1/accounts/{appid}/auto-replies', auth: 'jwt' }],
  },
  {
    name: 'get-menu',
    description: "GET /v1/accounts/{appid}/menu: the owned account's custom menu as WeChat holds it (menu/get), null when none",
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/menu', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'put-menu',
    description: "PUT /v1/accounts/{appid}/menu: checks a menu against WeChat's limits, then menu/create with the account's token",
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'PUT', path: '/v1/accounts/{appid}/menu', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'delete-menu',
    description: "DELETE /v1/accounts/{appid}/menu: menu/delete with the account's token (the default menu and every conditional one)",
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'DELETE', path: '/v1/accounts/{appid}/menu', auth: 'jwt' }],
    timeoutSeconds: 20,
  },
  {
    name: 'create-authorization',
    description: 'POST /v1/authorizations: a fresh pre-auth code and single-use state, the PC and mobile authorization links',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'POST', path: '/v1/authorizations', auth: 'jwt' }],
    timeoutSeconds: 15,
  },
  {
    name: 'authorize-page',
    description:
      'GET /v1/wechat/authorize: the authorizeUrl, a page on the hub domain (授权发起页域名) that forwards the browser to WeChat consent page rebuilt from the stored state',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/wechat/authorize', auth: 'wechat' }],
  },
  {
    name: 'authorize-callback',
    description:
      'GET /v1/wechat/authorized: spends the state, exchanges the code, applies the binding policy, binds, queues a fan sync, redirects to the console',
    table: 'readwrite',
    sendsTo: ['fan-sync', 'account-unbinding'],
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/wechat/authorized', auth: 'wechat' }],
    timeoutSeconds: 20,
  },
  {
    name: 'list-accounts',
    description: 'GET /v1/accounts: the accounts the tenant owns or was shared, a member only those granted to its departments',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts', auth: 'jwt' }],
  },
  {
    name: 'get-account',
    description: 'GET /v1/accounts/{appid}: one account of the tenant',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}', auth: 'jwt' }],
  },
  {
    name: 'update-account',
    description: 'PATCH /v1/accounts/{appid}: the tenant default account and the plaintext-authorization flag',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PATCH', path: '/v1/accounts/{appid}', auth: 'jwt' }],
  },
  {
    name: 'put-department-accounts',
    description: 'PUT /v1/departments/{departmentId}/accounts: replaces the accounts a department may read',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PUT', path: '/v1/departments/{departmentId}/accounts', auth: 'jwt' }],
  },
  {
    name: 'get-department-accounts',
    description: 'GET /v1/departments/{departmentId}/accounts: the accounts granted to a department',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/departments/{departmentId}/accounts', auth: 'jwt' }],
  },
  {
    name: 'component-events',
    description:
      'The authorization-event URL: stores component_verify_ticket and authorization pushes, revokes on unauthorized, queues authorized/updateauthorized for the worker',
    table: 'readwrite',
    sendsTo: ['authorization-push'],
    readsWeChatSecret: true,
    callsWeChat: false,
    routes: [
      { method: 'POST', path: '/v1/wechat/component', auth: 'wechat' },
      { method: 'GET', path: '/v1/wechat/component', auth: 'wechat' },
    ],
    timeoutSeconds: 10,
  },
  {
    name: 'authorization-push-worker',
    description:
      'Consumes stored authorized/updateauthorized pushes: re-reads the account from WeChat and applies the re-authorization once, pushes older than the current authorization left alone',
    table: 'readwrite',
    sendsTo: ['fan-sync'],
    readsWeChatSecret: true,
    callsWeChat: true,
    timeoutSeconds: 20,
  },
  {
    name: 'account-events',
    description:
      'The message-and-event URL of every authorized account: release test, the message log with its outbox for the event bus, follow and unfollow events, auto-replies (encrypted passive replies)',
    table: 'readwrite',
    sendsTo: ['release-test', 'token-recovery'],
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [
      { method: 'POST', path: '/v1/wechat/accounts/{appid}/messages', auth: 'wechat' },
      { method: 'GET', path: '/v1/wechat/accounts/{appid}/messages', auth: 'wechat' },
    ],
    timeoutSeconds: 10,
  },
  {
    name: 'list-messages',
    description: 'GET /v1/accounts/{appid}/messages: the messages and events of an owned account, newest first, 30 days, optionally only messages or events',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/accounts/{appid}/messages', auth: 'jwt' }],
  },
  {
    name: 'event-publisher',
    description:
      "Publishes the outbox to the event bus: the table's stream of new OUTBOX# items, and every 5 minutes a sweep of entries still pending (OutboxOldestPendingSeconds)",
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    schedule: 'rate(5 minutes)',
    publishesOutbox: true,
    timeoutSeconds: 60,
  },
  {
    name: 'release-test-worker',
    description: 'Consumes release-test jobs: api_query_auth, then the customer-service message WeChat expects',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    timeoutSeconds: 30,
  },
  {
    name: 'unbinding-worker',
    description:
      'Consumes account-unbinding continuations: finishes an unbinding whose request died mid-way (the rest of the cascade, then unbound), nothing when it was finished',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    timeoutSeconds: 60,
  },
  {
    name: 'get-oauth-origins',
    description: 'GET /v1/oauth/origins: the origins of the tenant pages that web authorization may send visitors back to',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/oauth/origins', auth: 'jwt' }],
  },
  {
    name: 'put-oauth-origins',
    description: 'PUT /v1/oauth/origins: replaces the tenant allowed origins (at most 20, https, normalized), audited',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PUT', path: '/v1/oauth/origins', auth: 'jwt' }],
  },
  {
    name: 'get-tenant-settings',
    description:
      'GET /v1/tenant: the admin tenant settings (quota, owned accounts, binding policy, features), its own or the deployment defaults field by field',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/tenant', auth: 'jwt' }],
  },
  {
    name: 'get-operator-tenant',
    description: 'GET /v1/operator/tenants/{tenantId}: any tenant settings, for platform operators (an unknown tenant answers the defaults)',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/operator/tenants/{tenantId}', auth: 'jwt' }],
  },
  {
    name: 'patch-operator-tenant',
    description:
      'PATCH /v1/operator/tenants/{tenantId}: an operator changes a tenant quota, binding policy or features, audited in that tenant trail in the same transaction',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'PATCH', path: '/v1/operator/tenants/{tenantId}', auth: 'jwt' }],
  },
  {
    name: 'oauth-authorize',
    description:
      'GET /v1/oauth/{appid}/authorize: picks the tenant holding the account that allowed the redirect origin, stores a single-use state, redirects to WeChat web authorization',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/oauth/{appid}/authorize', auth: 'wechat' }],
  },
  {
    name: 'oauth-callback',
    description:
      'GET /v1/oauth/callback: spends the state, exchanges the visitor code with the component token (sns/userinfo for snsapi_userinfo), redirects the page with a one-time code',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/oauth/callback', auth: 'wechat' }],
    timeoutSeconds: 15,
  },
  {
    name: 'oauth-exchange',
    description: 'POST /v1/internal/oauth/exchange: trades a one-time code of a web authorization for the OAuthUser, once (IAM)',
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'POST', path: '/v1/internal/oauth/exchange', auth: 'iam' }],
  },
  {
    name: 'jssdk-config',
    description:
      'POST /v1/internal/accounts/{appid}/jssdk-config: the wx.config signature of a page URL, from the account jsapi_ticket cached and refreshed once under a lease (IAM)',
    table: 'readwrite',
    readsWeChatSecret: true,
    callsWeChat: true,
    routes: [{ method: 'POST', path: '/v1/internal/accounts/{appid}/jssdk-config', auth: 'iam' }],
    timeoutSeconds: 15,
  },
  {
    name: 'list-audit',
    description: 'GET /v1/audit: the tenant audit trail, newest first, paginated',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/audit', auth: 'jwt' }],
  },
  // ---- WeCom (企业微信关联, API.md §7) ----
  {
    name: 'wecom-suite-callback',
    description:
      "WeCom's 指令回调/数据回调 URL and the provider's system-event URL: URL check, suite_ticket stored before the answer, every other push stored and queued for wecom-events-worker",
    table: 'readwrite',
    sendsTo: ['wecom-events'],
    readsWeChatSecret: false,
    readsWeComSecret: true,
    callsWeChat: false,
    routes: [
      { method: 'POST', path: '/v1/wecom/suite', auth: 'wechat' },
      { method: 'GET', path: '/v1/wecom/suite', auth: 'wechat' },
      { method: 'POST', path: '/v1/wecom/system', auth: 'wechat' },
      { method: 'GET', path: '/v1/wecom/system', auth: 'wechat' },
    ],
    timeoutSeconds: 10,
  },
  {
    name: 'wecom-events-worker',
    description:
      'Consumes stored WeCom callback events once each: create_auth installs, change_auth re-reads the visible range, cancel_auth uninstalls (tokens stop), customer and contact changes handed to the customer sync',
    table: 'readwrite',
    // New customers' followers are linked through a queued link step.
    sendsTo: ['wecom-customer-sync'],
    readsWeChatSecret: false,
    readsWeComSecret: true,
    usesWeComKey: true,
    callsWeChat: true,
    timeoutSeconds: 30,
  },
  {
    name: 'wecom-installed',
    description: 'GET /v1/wecom/installed: spends the install state, v2/get_permanent_code, get_auth_info, get_corp_token, redirects to the console',
    table: 'readwrite',
    readsWeChatSecret: false,
    readsWeComSecret: true,
    usesWeComKey: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/wecom/installed', auth: 'wechat' }],
    timeoutSeconds: 20,
  },
  {
    name: 'create-wecom-installation',
    description: 'POST /v1/wecom/installations: a pre_auth_code, set_session_info per WECOM_AUTH_TYPE, a 30-minute state, the install link',
    table: 'readwrite',
    readsWeChatSecret: false,
    readsWeComSecret: true,
    callsWeChat: true,
    routes: [{ method: 'POST', path: '/v1/wecom/installations', auth: 'jwt' }],
    timeoutSeconds: 15,
  },
  {
    name: 'create-wecom-registration',
    description: 'POST /v1/wecom/registrations: 注册并关联, get_register_code with a state bound to the tenant, the registration link',
    table: 'readwrite',
    readsWeChatSecret: false,
    readsWeComSecret: true,
    callsWeChat: true,
    routes: [{ method: 'POST', path: '/v1/wecom/registrations', auth: 'jwt' }],
    timeoutSeconds: 15,
  },
  {
    name: 'wecom-corp',
    description:
      "GET /v1/wecom/corp: the tenant's WeCom corp, its visible range and permission state; DELETE: refused while WeCom shows the app installed, after cancel_auth removes the corp with its customers and links",
    table: 'readwrite',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [
      { method: 'GET', path: '/v1/wecom/corp', auth: 'jwt' },
      { method: 'DELETE', path: '/v1/wecom/corp', auth: 'jwt' },
    ],
  },
  {
    name: 'put-wecom-miniprogram-secret',
    description: "PUT /v1/wecom/miniprogram-secret: the employee-marketing mini program's secret, sealed, never returned",
    table: 'readwrite',
    readsWeChatSecret: false,
    usesWeComKey: true,
    callsWeChat: false,
    routes: [{ method: 'PUT', path: '/v1/wecom/miniprogram-secret', auth: 'jwt' }],
  },
  {
    name: 'vend-wecom-access-token',
    description:
      "GET /v1/internal/wecom/corps/{corpId}/access-token: an installed corp's current token for the product's other services (IAM), never the permanent code",
    table: 'readwrite',
    readsWeChatSecret: false,
    readsWeComSecret: true,
    usesWeComKey: true,
    callsWeChat: true,
    routes: [{ method: 'GET', path: '/v1/internal/wecom/corps/{corpId}/access-token', auth: 'iam' }],
    timeoutSeconds: 15,
  },
  {
    name: 'wecom-customer-sync-worker',
    description:
      'Consumes wecom-customer-sync steps: get_follow_user_list, batch/get_by_user pages of ≤ 100 members merged per customer, the followers to link, unionid_to_external_userid chunks under the corp token bucket, the finish',
    table: 'readwrite',
    sendsTo: ['wecom-customer-sync'],
    readsWeChatSecret: false,
    readsWeComSecret: true,
    usesWeComKey: true,
    callsWeChat: true,
    timeoutSeconds: 60,
  },
  {
    name: 'start-wecom-customer-sync',
    description: "POST /v1/wecom/customer-syncs: queues a sync of the installed corp's customers and their link to followers, or answers the running one",
    table: 'readwrite',
    sendsTo: ['wecom-customer-sync'],
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'POST', path: '/v1/wecom/customer-syncs', auth: 'jwt' }],
  },
  {
    name: 'get-wecom-customer-sync',
    description: 'GET /v1/wecom/customer-syncs/{jobId}: one customer sync with its progress',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/wecom/customer-syncs/{jobId}', auth: 'jwt' }],
  },
  {
    name: 'list-wecom-customers',
    description: "GET /v1/wecom/customers: the corp's customers page by page, optionally only those linked to a follower (or not)",
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/wecom/customers', auth: 'jwt' }],
  },
];

/**
 * The queues that exist: those whose consumer or any producer is in the catalogue. A producer may
 * land before its consumer; its messages then wait in the queue (and in AWS in its DLQ-backed SQS
 * queue) until the consumer is deployed.
 */
export const activeQueues = (functions: readonly HubFunction[] = hubFunctions, queues: readonly HubQueue[] = hubQueues): HubQueue[] =>
  queues.filter((queue) => consumerDeployed(queue, functions) || functions.some((fn) => (fn.sendsTo ?? []).includes(queue.name)));

/** Whether the queue's consumer function is in the catalogue (only then is it wired to consume). */
export const consumerDeployed = (queue: HubQueue, functions: readonly HubFunction[] = hubFunctions): boolean =>
  functions.some((fn) => fn.name === queue.consumer);

export function functionNamed(name: string): HubFunction {
  const found = hubFunctions.find((fn) => fn.name === name);
  if (!found) throw new Error(`No hub function named "${name}" in infra/catalogue.ts`);
  return found;
}

export const allRoutes = (): { fn: HubFunction; route: Route }[] => hubFunctions.flatMap((fn) => (fn.routes ?? []).map((route) => ({ fn, route })));
