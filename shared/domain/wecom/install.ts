/**
 * Installing the hub's suite in a corp (WECOM.md §3.3–§3.8, §5; API.md §7):
 *
 * - `startInstallation` (`POST /v1/wecom/installations`): a fresh `pre_auth_code`,
 *   `set_session_info` with `WECOM_AUTH_TYPE`, a state kept 30 minutes bound to tenant and user,
 *   and the install link;
 * - `completeInstallation` (`GET /v1/wecom/installed`): the state spent once, then `installWithCode`;
 * - `installWithCode` (also the `create_auth` push of a marketplace or registration install):
 *   `v2/get_permanent_code`, `get_auth_info` (the visible range), the permanent code sealed, the corp
 *   stored with the tenant's pointer (one corp per tenant; a corp another tenant holds is refused like
 *   `account_bound_elsewhere`), the first corp token, and `WeCom Corp Installed` published;
 * - `startRegistration` (`POST /v1/wecom/registrations`): `get_register_code` with a state bound to
 *   the tenant; the new corp arrives as a `create_auth` push naming that state.
 *
 * The auth code is single-use and both the redirect and a `create_auth` push may carry it (the
 * simulator, and WeCom for marketplace installs): whoever spends it installs; the other finds the
 * corp installed (WeCom's 40078 "already consumed").
 */
import { randomBytes } from 'node:crypto';
import { permanentCodeContext, type WeComTokenService } from '#shared/domain/wecom/tokens.ts';
import { corpBoundElsewhere, featureDisabled, mappingWeComErrors, tenantHasOtherCorp, weComFailure } from '#shared/domain/wecom/errors.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import type {
  SecretBox,
  StoredWeComCorp,
  WeComApi,
  WeComAuthType,
  WeComCorpStore,
  WeComCredentials,
  WeComFeatureGate,
  WeComLifecycleEvents,
  WeComLog,
  WeComState,
  WeComStateStore,
} from '#shared/domain/wecom/ports.ts';
import { WeComApiError } from '#shared/wecom/api-client.ts';

export const INSTALL_STATE_TTL_MS = 30 * 60_000;
export const REGISTER_STATE_TTL_MS = 24 * 60 * 60_000;
/** 40078: 不合法的auth_code — already consumed (WECOM.md §4.3). */
const AUTH_CODE_SPENT = 40078;

export interface InstallDeps {
  gate: WeComFeatureGate;
  corps: WeComCorpStore;
  states: WeComStateStore;
  secrets: SecretBox;
  tokens: Pick<WeComTokenService, 'suite' | 'provider' | 'corp'>;
  api: Pick<WeComApi, 'getPreAuthCode' | 'setSessionInfo' | 'getPermanentCode' | 'getAuthInfo' | 'getRegisterCode'>;
  events: WeComLifecycleEvents;
  credentials: () => Promise<WeComCredentials>;
  settings: { authType: WeComAuthType; openBase: string; publicBaseUrl: string };
  now: () => Date;
  log: WeComLog;
  /** Waits between looks for a corp another path is installing (tests: no wait). */
  sleep?: (ms: number) => Promise<void>;
}

export interface Caller {
  tenantId: string;
  userId: string;
}

export async function requireWeComFeature(gate: WeComFeatureGate, tenantId: string): Promise<void> {
  if (!(await gate.enabled(tenantId))) throw featureDisabled();
}

/** `[a-zA-Z0-9]`, 32 characters (WECOM.md §3.5: ≤ 128). */
function newState(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(32)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

export async function startInstallation(caller: Caller, deps: InstallDeps): Promise<{ installUrl: string; expiresAt: string }> {
  await requireWeComFeature(deps.gate, caller.tenantId);
  const credentials = await deps.credentials();
  const suite = deps.tokens.suite();
  const { preAuthCode } = await mappingWeComErrors(async () => {
    const code = await deps.api.getPreAuthCode(suite);
    await deps.api.setSessionInfo(suite, { preAuthCode: code.preAuthCode, authType: deps.settings.authType === 'test' ? 1 : 0 });
    return code;
  });
  const now = deps.now();
  const state: WeComState = {
    state: newState(),
    purpose: 'install',
    tenantId: caller.tenantId,
    userId: caller.userId,
    expiresAt: new Date(now.getTime() + INSTALL_STATE_TTL_MS).toISOString(),
  };
  await deps.states.put(state);
  const url = new URL('/3rdapp/install', deps.settings.openBase);
  url.searchParams.set('suite_id', credentials.suiteId);
  url.searchParams.set('pre_auth_code', preAuthCode);
  url.searchParams.set('redirect_uri', `${deps.settings.publicBaseUrl}/v1/wecom/installed`);
  url.searchParams.set('state', state.state);
  return { installUrl: url.toString(), expiresAt: state.expiresAt };
}

export async function startRegistration(caller: Caller, deps: InstallDeps): Promise<{ registerUrl: string; expiresAt: string }> {
  await requireWeComFeature(deps.gate, caller.tenantId);
  const credentials = await deps.credentials();
  if (!credentials.registerTemplateId) throw new Error('The WeCom registration template is not configured (WECOM_REGISTER_TEMPLATE_ID / registerTemplateId).');
  const now = deps.now();
  const state: WeComState = {
    state: newState(),
    purpose: 'register',
    tenantId: caller.tenantId,
    userId: caller.userId,
    expiresAt: new Date(now.getTime() + REGISTER_STATE_TTL_MS).toISOString(),
  };
  const { registerCode, expiresIn } = await mappingWeComErrors(() =>
    deps.api.getRegisterCode(deps.tokens.provider(), { templateId: credentials.registerTemplateId!, state: state.state }),
  );
  await deps.states.put(state);
  const url = new URL('/3rdservice/wework/register', deps.settings.openBase);
  url.searchParams.set('register_code', registerCode);
  return { registerUrl: url.toString(), expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString() };
}

export type InstallResult = { corpId: string; outcome: 'installed' | 'reinstalled' | 'already_installed' };

/** The redirect after the admin installed: the state once, then the code. Throws a domain error to redirect with. */
export async function completeInstallation(query: { authCode: string; state: string }, deps: InstallDeps): Promise<InstallResult> {
  const state = await deps.states.spend(query.state, deps.now().toISOString());
  if (!state || state.purpose !== 'install')
    throw new InstallRefused('state_invalid', 'The install link expired or was already used. Start the install again.');
  return installWithCode(query.authCode, { tenantId: state.tenantId, installedBy: state.userId }, deps);
}

export class InstallRefused extends Error {
  override readonly name = 'InstallRefused';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function installWithCode(authCode: string, owner: { tenantId: string; installedBy: string }, deps: InstallDeps): Promise<InstallResult> {
  await requireWeComFeature(deps.gate, owner.tenantId);
  const suite = deps.tokens.suite();
  let permanent;
  try {
    permanent = await deps.api.getPermanentCode(suite, { authCode });
  } catch (error) {
    if (error instanceof WeComApiError && error.errcode === AUTH_CODE_SPENT) return alreadyInstalled(owner.tenantId, deps);
    throw error;
  }
  const credentials = await deps.credentials();
  const info = await deps.api.getAuthInfo(suite, { authCorpId: permanent.corpId, permanentCode: permanent.permanentCode });
  const before = await deps.corps.get(permanent.corpId);
  const at = deps.now().toISOString();
  const corpKey = { corpId: permanent.corpId, suiteId: credentials.suiteId };
  const corp: StoredWeComCorp = {
    corpId: permanent.corpId,
    corpName: info.corpName || permanent.corpName,
    status: 'installed',
    installedAt: before?.status === 'installed' ? before.installedAt : at,
    authType: deps.settings.authType,
    visibleRange: info.visibleRange,
    customerPermission: info.customerPermission,
    tenantId: owner.tenantId,
    suiteId: credentials.suiteId,
    permanentCode: await deps.secrets.seal(permanent.permanentCode, permanentCodeContext(corpKey)),
    ...(info.agentId !== undefined ? { agentId: info.agentId } : {}),
    installedBy: owner.installedBy,
    updatedAt: at,
  };
  const outcome = await deps.corps.install(corp);
  if (outcome.kind === 'bound_elsewhere') {
    deps.log.warn('Refused a WeCom install: the corp is associated with another tenant', { tenantId: owner.tenantId });
    throw corpBoundElsewhere();
  }
  if (outcome.kind === 'tenant_has_other_corp') throw tenantHasOtherCorp();
  // The first corp token: the corp is usable as soon as the admin is back.
  await deps.tokens.corp(corp.corpId).current();
  if (outcome.kind === 'installed' || before?.status !== 'installed') {
    await deps.events.installed({ corpId: corp.corpId, tenantId: owner.tenantId, at });
  }
  deps.log.info('WeCom corp installed', { corpId: corp.corpId, tenantId: owner.tenantId, outcome: outcome.kind });
  return { corpId: corp.corpId, outcome: outcome.kind };
}

/** The code was spent by the other path (redirect or push): the corp is, or is about to be, installed. */
async function alreadyInstalled(tenantId: string, deps: InstallDeps): Promise<InstallResult> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  for (let look = 0; look < 20; look++) {
    const corp = await deps.corps.ofTenant(tenantId);
    if (corp?.status === 'installed') return { corpId: corp.corpId, outcome: 'already_installed' };
    await sleep(250);
  }
  throw new InstallRefused('auth_code_used', 'The install code was already used. Start the install again.');
}

/** Where `GET /v1/wecom/installed` sends the browser (API.md §2): `?wecom=ok&corpId=…` or `?wecom=error&code=…`. */
export type InstallRedirect = { wecom: 'ok'; corpId: string } | { wecom: 'error'; code: string };

/** The redirect's outcome: a refusal (state, bound elsewhere, WeCom's errors) is an error code, never a thrown error page. */
export async function installRedirect(query: { authCode: string; state: string }, deps: InstallDeps): Promise<InstallRedirect> {
  try {
    const { corpId } = await completeInstallation(query, deps);
    return { wecom: 'ok', corpId };
  } catch (error) {
    const known = weComFailure(error);
    if (known instanceof DomainError || known instanceof InstallRefused) return { wecom: 'error', code: known.code };
    throw error;
  }
}

export function consoleInstallUrl(consoleUrl: string, outcome: InstallRedirect): string {
  const url = new URL(consoleUrl);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.toString();
}
