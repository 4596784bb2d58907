/**
 * The worker's half of a grant push (`authorized` / `updateauthorized`; the receiver's half is
 * `component-push.ts`): one message of the `authorization-push` queue names a stored push, and this
 * applies it once, with the queue's retries behind it.
 *
 * - the pending event item is claimed for a lease longer than the worker's timeout, so that two
 *   deliveries (SQS's own, or WeChat's retry that queued the push again) never apply it side by side:
 *   the second one finds it `busy` and fails, to be redelivered after the first has finished;
 * - a push older than the account's current authorization is settled `stale` without a WeChat call;
 * - otherwise the account area reacts (`reactToAuthorized`: re-reads the account from WeChat), and only
 *   then is the push settled `applied`, the idempotency claim: every later delivery is a duplicate;
 * - when the reaction fails the claim is released and the error reaches the queue, which delivers the
 *   message again (`maxReceiveCount`, then the dead-letter queue and its alarm).
 */
import { isStale } from '#shared/domain/authorization/component-push.ts';
import type { AuthorizationEventLog, AuthorizationReactions, GrantPush, PushKey, PushLog } from '#shared/domain/authorization/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

export interface ApplyPushDeps {
  events: AuthorizationEventLog;
  reactions: Pick<AuthorizationReactions, 'authorized'>;
  now: () => Date;
  log: PushLog;
  /** How long a claim holds: longer than the worker's timeout, at most the queue's visibility timeout. */
  leaseSeconds: number;
}

export type ApplyOutcome = 'applied' | 'stale' | 'duplicate' | 'missing';

/** Another delivery is applying the push right now: this one is retried by the queue. */
export class PushBeingApplied extends DomainError {
  constructor() {
    super('try_again', 'Another delivery is applying this authorization push.');
  }
}

export async function applyGrantPush(key: PushKey & { infoType: GrantPush['infoType'] }, deps: ApplyPushDeps): Promise<ApplyOutcome> {
  const now = Math.floor(deps.now().getTime() / 1000);
  const claim = await deps.events.claim(key, { now, leaseUntil: now + deps.leaseSeconds });
  if (claim.kind === 'missing') {
    deps.log.warn('A queued authorization push has no event item; nothing to apply', { appid: key.appid, infoType: key.infoType, createTime: key.createTime });
    return 'missing';
  }
  if (claim.kind === 'settled') return 'duplicate';
  if (claim.kind === 'busy') throw new PushBeingApplied();

  try {
    if (await isStale(key, deps.events)) {
      await deps.events.settle(key, 'stale', deps.now().toISOString());
      deps.log.info('An authorization push older than the account’s current authorization; left alone', { appid: key.appid, infoType: key.infoType });
      return 'stale';
    }
    await deps.reactions.authorized({
      authorizerAppid: key.appid,
      infoType: key.infoType,
      ...(claim.authorizationCode ? { authorizationCode: claim.authorizationCode } : {}),
    });
    await deps.events.settle(key, 'applied', deps.now().toISOString());
  } catch (error) {
    await deps.events.release(key).catch((releaseError: unknown) => {
      // The claim then lapses with its lease.
      deps.log.warn('Could not release the claim of an authorization push', {
        appid: key.appid,
        error: releaseError instanceof Error ? releaseError.name : String(releaseError),
      });
    });
    throw error;
  }
  return 'applied';
}
