/**
 * `wecom-events-worker`: applies one stored callback event after the hub answered WeCom
 * (`suite-push.ts`), idempotently: the event item is claimed (a lease), applied, then settled, so a
 * repeated push or a redelivered message changes nothing the second time; a failure releases the
 * claim and the queue redelivers.
 *
 * - `create_auth`: an install started in WeCom's marketplace or by a registration. The push's
 *   `State` names the tenant (a stored install or registration state); without one the hub cannot
 *   tell whose corp it is: refused and logged (the admin installs from the console instead);
 * - `change_auth`: `get_auth_info` again → the visible range and permission state; the customer sync
 *   is told which range it was and is;
 * - `cancel_auth`: the corp `uninstalled`, its token dropped (no token is minted for it again),
 *   `WeCom Corp Uninstalled` published;
 * - `change_external_contact`, `change_contact`: handed to `WeComCustomerChanges` (the customer sync);
 * - `register_corp`: logged (the `create_auth` that follows installs the corp);
 * - `reset_permanent_code` (代开发 apps only): logged.
 */
import { installWithCode, InstallRefused, type InstallDeps } from '#shared/domain/wecom/install.ts';
import { permanentCodeContext, type WeComTokenService } from '#shared/domain/wecom/tokens.ts';
import type {
  SecretBox,
  VisibleRange,
  WeComApi,
  WeComCallbackEvent,
  WeComCorpStore,
  WeComCustomerChanges,
  WeComEventLog,
  WeComEventMessage,
  WeComLifecycleEvents,
  WeComLog,
  WeComStateStore,
  WeComTokenStore,
} from '#shared/domain/wecom/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

export const EVENT_CLAIM_SECONDS = 60;

export interface ApplyEventDeps {
  events: WeComEventLog;
  corps: WeComCorpStore;
  states: WeComStateStore;
  tokens: Pick<WeComTokenService, 'suite'>;
  tokenStore: Pick<WeComTokenStore, 'drop'>;
  secrets: SecretBox;
  api: Pick<WeComApi, 'getAuthInfo'>;
  lifecycle: WeComLifecycleEvents;
  customerChanges: WeComCustomerChanges;
  install: InstallDeps;
  now: () => Date;
  log: WeComLog;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'refused' | 'unknown_corp' | 'ignored' | 'missing';

/** Thrown when another delivery holds the claim: the message is redelivered later. */
export class EventBusy extends Error {
  override readonly name = 'EventBusy';
}

export async function applyWeComEvent(message: WeComEventMessage, deps: ApplyEventDeps): Promise<ApplyOutcome> {
  const now = deps.now();
  const seconds = Math.floor(now.getTime() / 1000);
  const claim = await deps.events.claim(message.eventKey, { now: seconds, leaseUntil: seconds + EVENT_CLAIM_SECONDS });
  if (claim.kind === 'settled') return 'duplicate';
  if (claim.kind === 'missing') return 'missing';
  if (claim.kind === 'busy') throw new EventBusy('Another delivery is applying this WeCom event.');
  let outcome: ApplyOutcome;
  try {
    outcome = await apply(claim.event, deps);
  } catch (error) {
    await deps.events.release(message.eventKey).catch(() => undefined);
    throw error;
  }
  await deps.events.settle(message.eventKey, outcome, deps.now().toISOString());
  return outcome;
}

const sameRange = (a: VisibleRange, b: VisibleRange): boolean => JSON.stringify(a) === JSON.stringify(b);

async function apply(event: WeComCallbackEvent, deps: ApplyEventDeps): Promise<ApplyOutcome> {
  const at = deps.now().toISOString();
  switch (event.infoType) {
    case 'create_auth': {
      const state = event.state ? await deps.states.peek(event.state, at) : undefined;
      if (!state) {
        // A marketplace install names no workspace: nothing says which tenant the corp is for.
        deps.log.warn('Refused a create_auth push without a known state: install from the console instead', { hasState: event.state !== undefined });
        return 'refused';
      }
      try {
        await installWithCode(event.authCode, { tenantId: state.tenantId, installedBy: state.userId }, deps.install);
        return 'applied';
      } catch (error) {
        // A refusal is an answer (bound elsewhere, feature off, code used): retrying changes nothing.
        if (error instanceof DomainError || error instanceof InstallRefused) {
          deps.log.warn('A create_auth push was refused', { tenantId: state.tenantId, reason: error instanceof DomainError ? error.code : error.code });
          return 'refused';
        }
        throw error;
      }
    }
    case 'change_auth': {
      const corp = await deps.corps.get(event.authCorpId);
      if (corp?.status !== 'installed') return 'unknown_corp';
      const permanentCode = await deps.secrets.open(corp.permanentCode, permanentCodeContext(corp));
      const info = await deps.api.getAuthInfo(deps.tokens.suite(), { authCorpId: corp.corpId, permanentCode });
      const updated = await deps.corps.updateAuthorization(corp.corpId, {
        visibleRange: info.visibleRange,
        customerPermission: info.customerPermission,
        ...(info.corpName ? { corpName: info.corpName } : {}),
        at,
      });
      if (!updated) return 'unknown_corp';
      if (!sameRange(corp.visibleRange, info.visibleRange)) {
        await deps.customerChanges.visibleRangeChanged({ corpId: corp.corpId, tenantId: corp.tenantId }, corp.visibleRange, info.visibleRange);
      }
      return 'applied';
    }
    case 'cancel_auth': {
      const corp = await deps.corps.markUninstalled(event.authCorpId, at);
      if (!corp) return 'unknown_corp';
      await deps.tokenStore.drop({ kind: 'corp', corpId: corp.corpId });
      await deps.lifecycle.uninstalled({ corpId: corp.corpId, tenantId: corp.tenantId, at });
      deps.log.info('WeCom corp uninstalled', { corpId: corp.corpId, tenantId: corp.tenantId });
      return 'applied';
    }
    case 'change_external_contact':
    case 'change_contact': {
      const corp = await deps.corps.get(event.authCorpId);
      if (corp?.status !== 'installed') return 'unknown_corp';
      const owner = { corpId: corp.corpId, tenantId: corp.tenantId };
      if (event.infoType === 'change_external_contact') await deps.customerChanges.externalContactChanged(owner, event);
      else await deps.customerChanges.contactChanged(owner, event);
      return 'applied';
    }
    case 'register_corp': {
      const state = event.state ? await deps.states.peek(event.state, at) : undefined;
      deps.log.info('WeCom corp registered; its create_auth installs it', { corpId: event.authCorpId, knownState: state?.purpose === 'register' });
      return 'applied';
    }
    default:
      deps.log.info('WeCom event not acted on', { infoType: event.infoType });
      return 'ignored';
  }
}

/** Until the customer sync fills it: the changes are logged, nothing is re-read. */
export function loggingCustomerChanges(log: WeComLog): WeComCustomerChanges {
  return {
    externalContactChanged: async (corp, event) =>
      log.info('WeCom customer change received (no customer sync wired)', { corpId: corp.corpId, changeType: event.changeType }),
    contactChanged: async (corp, event) =>
      log.info('WeCom contact change received (no customer sync wired)', { corpId: corp.corpId, changeType: event.changeType }),
    visibleRangeChanged: async (corp) => log.info('WeCom visible range changed (no customer sync wired)', { corpId: corp.corpId }),
  };
}
