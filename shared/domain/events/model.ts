/**
 * The events the hub puts on its bus (API.md §6): the `detail-type`s, the `WeChatPush` detail of a
 * user's message or event, the lifecycle details, and the outbox entry every one of them travels as
 * from the table to the bus. An event carries no token, refresh token, code, share code or secret:
 * the builders here take only the fields §6 names.
 */
import { createHash } from 'node:crypto';

export const EVENT_SOURCE = 'oa-hub';

export const detailTypes = {
  message: 'WeChat Message Received',
  event: 'WeChat Event Received',
  bound: 'Account Bound',
  reauthorized: 'Account Reauthorized',
  revoked: 'Account Revoked',
  unbound: 'Account Unbound',
  shared: 'Account Shared',
  shareRevoked: 'Share Revoked',
  fanSyncFinished: 'Fan Sync Finished',
  wecomCorpInstalled: 'WeCom Corp Installed',
  wecomCorpUninstalled: 'WeCom Corp Uninstalled',
  wecomCustomerChanged: 'WeCom Customer Changed',
  userAuthorized: 'WeChat User Authorized',
} as const;

export type DetailType = (typeof detailTypes)[keyof typeof detailTypes];

/** API.md §6 `WeChatPush`. */
export interface WeChatPush {
  eventId: string;
  appid: string;
  ownerTenantId: string;
  sharedTenantIds: string[];
  openid: string;
  unionid?: string;
  msgType: string;
  event?: string;
  eventKey?: string;
  createTime: number;
  receivedAt: string;
  fields: Record<string, unknown>;
  autoReplyRuleId?: string;
}

/** One event on its way to the bus: what PutEvents gets (source `oa-hub`), keyed by its eventId. */
export interface BusEvent {
  eventId: string;
  detailType: DetailType;
  /** ISO time of the occurrence: the envelope's `time`. */
  at: string;
  /** The account it concerns, when one: events of one account keep their order through the outbox. */
  appid?: string;
  detail: { eventId: string } & Record<string, unknown>;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A lifecycle event's id: the same for every delivery of one occurrence. The occurrence is named by
 * what caused it (detail-type, account, tenant, time), so a use case that runs again for the same
 * change (a retried request, a re-delivered step) publishes the same id and consumers de-duplicate it.
 */
export function lifecycleEventId(detailType: DetailType, parts: readonly string[]): string {
  return `hub:${sha256([detailType, ...parts].join('|'))}`;
}

export interface AccountLifecycle {
  appid: string;
  tenantId: string;
  at: string;
  actor: string;
  /** On bound and reauthorized: the permission sets granted. */
  permissions?: { id: number; name: string }[];
}

/** `Account Bound`, `Account Reauthorized`, `Account Revoked`, `Account Unbound`. */
export function accountEvent(
  detailType: typeof detailTypes.bound | typeof detailTypes.reauthorized | typeof detailTypes.revoked | typeof detailTypes.unbound,
  change: AccountLifecycle,
): BusEvent {
  const eventId = lifecycleEventId(detailType, [change.appid, change.tenantId, change.at]);
  const withPermissions = detailType === detailTypes.bound || detailType === detailTypes.reauthorized;
  return {
    eventId,
    detailType,
    at: change.at,
    appid: change.appid,
    detail: {
      eventId,
      appid: change.appid,
      tenantId: change.tenantId,
      at: change.at,
      actor: change.actor,
      ...(withPermissions && change.permissions ? { permissions: change.permissions.map(({ id, name }) => ({ id, name })) } : {}),
    },
  };
}

export interface ShareChange {
  appid: string;
  ownerTenantId: string;
  tenantId: string;
  includePayment: boolean;
  at: string;
}

/** `Account Shared` (a redemption), `Share Revoked` (a revocation or a release). */
export function shareEvent(detailType: typeof detailTypes.shared | typeof detailTypes.shareRevoked, change: ShareChange): BusEvent {
  const eventId = lifecycleEventId(detailType, [change.appid, change.ownerTenantId, change.tenantId, change.at]);
  return {
    eventId,
    detailType,
    at: change.at,
    appid: change.appid,
    detail: {
      eventId,
      appid: change.appid,
      ownerTenantId: change.ownerTenantId,
      tenantId: change.tenantId,
      includePayment: change.includePayment,
      at: change.at,
    },
  };
}

/** `Fan Sync Finished`: the job as `GET …/fan-syncs/{jobId}` shows it, plus the eventId (one per job: it ends once). */
export function fanSyncFinishedEvent(job: { jobId: string; appid: string; status: string; updatedAt: string; finishedAt?: string }): BusEvent {
  const eventId = lifecycleEventId(detailTypes.fanSyncFinished, [job.appid, job.jobId]);
  return { eventId, detailType: detailTypes.fanSyncFinished, at: job.finishedAt ?? job.updatedAt, appid: job.appid, detail: { ...job, eventId } };
}

/** `WeCom Corp Installed`, `WeCom Corp Uninstalled` (API.md §6, §7): `{ eventId, corpId, tenantId, at }`, nothing else. */
export function wecomCorpEvent(
  detailType: typeof detailTypes.wecomCorpInstalled | typeof detailTypes.wecomCorpUninstalled,
  change: { corpId: string; tenantId: string; at: string },
): BusEvent {
  const eventId = lifecycleEventId(detailType, [change.corpId, change.tenantId, change.at]);
  return { eventId, detailType, at: change.at, detail: { eventId, corpId: change.corpId, tenantId: change.tenantId, at: change.at } };
}

/** `WeChat User Authorized` (API.md §6): `OAuthUser` without `user` (no profile, code or token), plus `eventId` and `at`. */
export interface UserAuthorized {
  eventId: string;
  appid: string;
  tenantId: string;
  openid: string;
  unionid?: string;
  scope: string;
  at: string;
}

export function userAuthorizedEvent(authorized: UserAuthorized): BusEvent {
  const { eventId, appid, tenantId, openid, unionid, scope, at } = authorized;
  return {
    eventId,
    detailType: detailTypes.userAuthorized,
    at,
    appid,
    detail: { eventId, appid, tenantId, openid, ...(unionid ? { unionid } : {}), scope, at },
  };
}
