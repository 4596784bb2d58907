/**
 * The accounts a tenant binds, as the use cases see them. Storage shapes live in the adapters; the
 * HTTP shape (API.md §3 `Account`) is built by `toAccountView`.
 */
import { permissionSet, type PermissionSet } from '#shared/wechat/permission-sets.ts';

/**
 * `unbinding`: the owner's unbinding has started and its cascade is being removed (API.md §3 lists it);
 * nothing brings such an account back: it only moves on to `unbound` (`unbind.ts`).
 */
export type AccountStatus = 'active' | 'revoked' | 'reauthorization_required' | 'unbinding' | 'unbound';

/** One Official Account, as WeChat described it at the last (re-)authorization. */
export interface AccountRecord {
  appid: string;
  /** The original id `gh_…`: how pushes to the message URL name the account. */
  userName: string;
  nickname: string;
  headImg?: string;
  principalName?: string;
  alias?: string;
  /** WeChat's `service_type_info.id`: 0/1 subscription, 2 service. */
  serviceTypeId: number;
  /** WeChat's `verify_type_info.id`: -1 unverified, 0.. verified in some way. */
  verifyTypeId: number;
  /** `business_info.open_pay`. */
  openPay: boolean;
  /** Granted permission-set ids (`func_info`). */
  funcIds: number[];
  status: AccountStatus;
  /** The tenant that owns the binding. At most one active owner per account. */
  ownerTenantId: string;
  authorizedAt: string;
  revokedAt?: string;
  unboundAt?: string;
  updatedAt: string;
  openAppId?: string;
  /** The outcome of the last open-platform step (`open-platform.ts`), with the choice that produced it. */
  openPlatform?: OpenPlatformRecord;
  fans?: { total: number; subscribed: number; lastSyncAt?: string };
}

/**
 * What a binding asks for the account's open platform account (API.md §3 `POST /v1/authorizations`):
 * a new one (or, when WeChat shows it bound already, that one), the named existing one, or nothing.
 */
export type OpenPlatformChoice = 'create' | 'none' | { openAppId: string };

/** API.md §3 `Account.openPlatform`: how the open-platform step after a binding ended. */
export interface OpenPlatformOutcome {
  status: 'bound' | 'failed' | 'skipped';
  openAppId?: string;
  /** Bound to an open platform account created for it (`open/create`). */
  created?: boolean;
  /** Why it failed, or why it was skipped. */
  error?: { code: string; message: string };
}

/** As stored on the account: the outcome, the choice that produced it and when. */
export interface OpenPlatformRecord extends OpenPlatformOutcome {
  choice: Exclude<OpenPlatformChoice, 'none'>;
  at: string;
}

export type LinkRole = 'owner' | 'shared';

/** A tenant's relation to an account: it owns it, or another tenant shared it with it. */
export interface TenantLink {
  tenantId: string;
  appid: string;
  role: LinkRole;
  linkedAt: string;
  plaintextAuthorization: boolean;
  /** Shared links: whether the recipient may link communities to the account's payment interface. */
  includePayment?: boolean;
}

export interface TenantSettings {
  tenantId: string;
  /** Accounts the tenant owns now (bound, not unbound): enforced against the quota by a conditional write. */
  ownedCount: number;
  /** The tenant's own quota; `TENANT_DEFAULT_ACCOUNT_QUOTA` when absent. */
  quota?: number;
  /** At most one default account per tenant, so it lives here rather than on the links. */
  defaultAppid?: string;
}

export interface AuthorizerTokens {
  accessToken: string;
  /** ISO. */
  expiresAt: string;
  refreshToken: string;
}

export const serviceTypeOf = (serviceTypeId: number): 'service' | 'subscription' => (serviceTypeId === 2 ? 'service' : 'subscription');
export const isVerified = (verifyTypeId: number): boolean => verifyTypeId >= 0;

export interface Capabilities {
  qrCodes: boolean;
  templateMessages: boolean;
  payment: boolean;
}

/**
 * What the account can do, from its type and verification: subscription accounts have neither
 * parametric QR codes nor template messages, and WeChat opens both only to verified service accounts.
 */
export function capabilitiesOf(account: Pick<AccountRecord, 'serviceTypeId' | 'verifyTypeId' | 'openPay'>): Capabilities {
  const verifiedService = serviceTypeOf(account.serviceTypeId) === 'service' && isVerified(account.verifyTypeId);
  return { qrCodes: verifiedService, templateMessages: verifiedService, payment: account.openPay };
}

/** API.md §3 `Account`. */
export interface AccountView {
  appid: string;
  userName: string;
  nickname: string;
  headImg?: string;
  principalName?: string;
  alias?: string;
  serviceType: 'service' | 'subscription';
  verified: boolean;
  status: AccountStatus;
  role: LinkRole;
  permissions: PermissionSet[];
  capabilities: Capabilities;
  isDefault: boolean;
  plaintextAuthorization: boolean;
  openAppId?: string;
  /** Owner only: the outcome of the open-platform step of the last binding that asked for one. */
  openPlatform?: OpenPlatformOutcome;
  authorizedAt: string;
  revokedAt?: string;
  fans?: { total: number; subscribed: number; lastSyncAt?: string };
  /** Required permission sets the account no longer grants (after an `updateauthorized`). */
  missingPermissions?: PermissionSet[];
}

export function toAccountView(
  account: AccountRecord,
  link: TenantLink,
  tenant: Pick<TenantSettings, 'defaultAppid'> | undefined,
  requiredFuncIds: readonly number[] = [],
): AccountView {
  const view: AccountView = {
    appid: account.appid,
    userName: account.userName,
    nickname: account.nickname,
    serviceType: serviceTypeOf(account.serviceTypeId),
    verified: isVerified(account.verifyTypeId),
    status: account.status,
    role: link.role,
    permissions: [...account.funcIds].sort((a, b) => a - b).map(permissionSet),
    capabilities: capabilitiesOf(account),
    isDefault: tenant?.defaultAppid === account.appid,
    plaintextAuthorization: link.plaintextAuthorization,
    authorizedAt: account.authorizedAt,
  };
  if (account.headImg) view.headImg = account.headImg;
  if (account.principalName) view.principalName = account.principalName;
  if (account.alias) view.alias = account.alias;
  if (account.openAppId) view.openAppId = account.openAppId;
  if (account.revokedAt) view.revokedAt = account.revokedAt;
  if (link.role === 'owner') view.fans = account.fans ?? { total: 0, subscribed: 0 };
  if (link.role === 'owner' && account.openPlatform) {
    const { choice: _choice, at: _at, ...outcome } = account.openPlatform;
    view.openPlatform = outcome;
  }
  const missing = requiredFuncIds.filter((id) => !account.funcIds.includes(id));
  if (missing.length > 0) view.missingPermissions = missing.map(permissionSet);
  return view;
}
