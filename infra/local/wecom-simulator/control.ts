/**
 * The WeCom simulator's control surface as types: what `startWeComSimulator` (simulator.ts) returns
 * and what the admin API (admin-api.ts) drives, apart from both so that neither imports the other
 * for it.
 */
import type { CorpSpec, CustomerRecord, FollowInfo, MemberRecord } from './corp.ts';
import type { WeComSimulatorCredentials } from './credentials.ts';
import type { FrequencyLimits } from './limits.ts';
import type { PushOutcome } from './pusher.ts';
import type { VisibleRange } from './world.ts';

/** One fault rule, as the WeChat simulator's: exactly one of `errcode`, `httpStatus`, `stallMs`. */
export interface WeComFault {
  /** An API path such as `/cgi-bin/externalcontact/batch/get_by_user`, or `*`. */
  path: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  stallMs?: number;
  times?: number;
  rate?: number;
}

export interface CorpView {
  corpId: string;
  corpName: string;
  members: number;
  customers: number;
  departments: { id: number; name: string; parentid: number }[];
  verified: boolean;
  installed: boolean;
  visibleRange?: VisibleRange;
}

export type ExternalContactChange =
  | { changeType: 'add_external_contact' | 'add_half_external_contact'; state?: string; welcomeCode?: string }
  | { changeType: 'edit_external_contact' }
  | { changeType: 'del_external_contact'; source?: string }
  | { changeType: 'del_follow_user' }
  | { changeType: 'transfer_fail'; failReason: 'customer_refused' | 'customer_limit_exceed' };

export interface WeComSimulator {
  readonly baseUrl: string;
  readonly credentials: WeComSimulatorCredentials;
  stop(): Promise<void>;
  /** Count per API path. */
  calls(): Record<string, number>;
  resetCalls(): void;
  faultsServed(): Record<string, number>;
  setLatency(ms: number): void;
  injectFault(f: WeComFault): void;
  clearFaults(): void;
  setLimits(limits: Partial<FrequencyLimits>): void;
  limits(): FrequencyLimits;
  /** Forgets the frequency counters (and blocks). */
  resetLimits(): void;
  /** Issues a suite_ticket and pushes it now. */
  pushTicket(): Promise<PushOutcome>;
  currentTicket(): string | undefined;
  advanceClock(ms: number): void;
  expireSuiteToken(): void;
  expireProviderToken(): void;
  expireCorpToken(corpId: string): void;
  /** WeCom revokes the corp's token early (40014 from now on). */
  invalidateCorpToken(corpId: string): void;
  addCorp(spec: CorpSpec): CorpView;
  corps(): CorpView[];
  corp(corpId: string): CorpView | undefined;
  /** What the install page does, programmatically. Returns where the browser goes. */
  install(o: { preAuthCode: string; corpId: string; range: VisibleRange; redirectUri: string; state: string }): Promise<{ location: string }>;
  /** An install started in WeCom (the marketplace): `create_auth` only. Returns the auth_code's push outcome. */
  installFromMarketplace(corpId: string, range: VisibleRange, state?: string): Promise<PushOutcome>;
  /** The admin changes the app's visible range: `change_auth`. */
  changeVisibleRange(corpId: string, range: VisibleRange): Promise<PushOutcome>;
  /** The admin uninstalls the app: `cancel_auth` (`push: false`: the push is lost). */
  uninstall(corpId: string, options?: { push?: boolean }): Promise<PushOutcome | undefined>;
  /** What the registration page does: a new corp, `register_corp`, then `create_auth`. */
  register(o: { registerCode: string; corpName?: string; adminName?: string }): Promise<{ corpId: string }>;
  members(corpId: string): MemberRecord[];
  addMember(corpId: string, o: { name: string; department?: number[] }): Promise<{ member: MemberRecord; push: PushOutcome }>;
  updateMember(corpId: string, userid: string, o: { name?: string; department?: number[] }): Promise<{ member: MemberRecord; push: PushOutcome }>;
  deleteMember(corpId: string, userid: string): Promise<PushOutcome>;
  customer(corpId: string, externalUserid: string): { customer: CustomerRecord; followUsers: FollowInfo[] } | undefined;
  /** A new customer of `followers` (userids); one `add_external_contact` per follower. `unionid`+`openid`: an OA follower becomes a customer. */
  addCustomer(
    corpId: string,
    o: { name: string; followers: string[]; type?: 1 | 2; corpName?: string; unionid?: string; openid?: string; state?: string },
  ): Promise<{ externalUserid: string; pushes: PushOutcome[] }>;
  /** A member edits the customer (remark or name): `edit_external_contact`. */
  editCustomer(corpId: string, externalUserid: string, o: { userid: string; name?: string; remark?: string }): Promise<PushOutcome>;
  /** An existing customer adds one more member: `add_external_contact` (or `add_half_external_contact`). */
  addFollow(corpId: string, externalUserid: string, o: { userid: string; half?: boolean; state?: string }): Promise<PushOutcome>;
  /** The relation ends: `del_external_contact` (by the member) or `del_follow_user` (by the customer). */
  removeFollow(corpId: string, externalUserid: string, o: { userid: string; by: 'member' | 'customer'; source?: string }): Promise<PushOutcome>;
  /** Every member drops the customer (one `del_external_contact` each); the customer is gone. */
  deleteCustomer(corpId: string, externalUserid: string): Promise<PushOutcome[]>;
  /** A transfer to `userid` failed: `transfer_fail`. */
  transferFail(corpId: string, externalUserid: string, o: { userid: string; failReason: 'customer_refused' | 'customer_limit_exceed' }): Promise<PushOutcome>;
  /** Customers that are followers of the WeChat simulator's account (their unionid and openid there). */
  linkedFollowers(corpId: string): { externalUserid: string; unionid: string; openid: string }[];
}
