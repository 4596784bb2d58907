/**
 * One simulated WeCom corp: departments, members and customers (外部联系人), scaled to 50 000+
 * customers without holding them. Baseline member `m` and customer `c` are derived from
 * (corpId, index) alone; only what changed since (added, edited, deleted, follows added or removed)
 * is stored, so a corp of 50 000 customers over 200 members costs a few bytes until it changes.
 *
 * Who follows whom (baseline): customer `c` is followed by member `c mod members`, and a share
 * `multiFollowRatio` of customers (chosen per customer, stably) also by one other member, so the
 * sync meets customers followed by several members. A share `wecomRatio` are WeCom users of other
 * corps (type 2); the rest are WeChat users (type 1).
 *
 * The link to the WeChat simulator (WECOM.md §3.10): the followers of `linkedAccount` (an Official
 * Account of the simulated WeChat) who carry a unionid there are derived exactly as the WeChat
 * simulator derives them (its `FollowerBook`); a share `share` of them are customers of this corp,
 * so `unionid_to_external_userid` with such a follower's unionid and openid finds the customer.
 *
 * Ids are opaque, case-sensitive, 32 characters, like WeCom's provider-scoped ciphertext:
 * userid (open_userid) `wo` + corp tag + index + check; external_userid `wm` + corp tag + index + check.
 */
import { createHash } from 'node:crypto';
import { FollowerBook } from '../wechat-simulator/followers.ts';

export interface LinkedAccountSpec {
  /** An Official Account of the WeChat simulator (default: its verified demo service account). */
  appid: string;
  /** Its baseline followers (the WeChat simulator's `followers` of that account). */
  followers: number;
  /** Its `unionidRatio`. */
  unionidRatio: number;
  /** Share (0..1) of the followers with a unionid who are customers of this corp. */
  share: number;
}

export interface CorpSpec {
  corpId?: string;
  corpName: string;
  /** Default 20. */
  members?: number;
  /** Sub-departments of the root department 1 (default 4). */
  departments?: number;
  /** Default 300. */
  customers?: number;
  /** Default 0.15. */
  multiFollowRatio?: number;
  /** Default 0.05. */
  wecomRatio?: number;
  /** Default: none (no follower is a customer). */
  linkedAccount?: LinkedAccountSpec;
  /** Whether the corp is verified (已认证); `unionid_to_external_userid` needs it. Default true. */
  verified?: boolean;
}

export interface MemberRecord {
  userid: string;
  name: string;
  department: number[];
}

export interface CustomerRecord {
  external_userid: string;
  name: string;
  type: 1 | 2;
  avatar: string;
  gender: 0 | 1 | 2;
  corp_name?: string;
  corp_full_name?: string;
}

export interface FollowInfo {
  userid: string;
  remark: string;
  description: string;
  createtime: number;
  tag_id: string[];
  remark_corp_name: string;
  remark_mobiles: string[];
  oper_userid: string;
  add_way: number;
}

interface AddedCustomer {
  name: string;
  type: 1 | 2;
  corpName?: string;
  unionid?: string;
  openid?: string;
}

/** Plain JSON for the simulator's saved world: the spec and what changed, nothing derived. */
export interface CorpSnapshot {
  spec: Required<Omit<CorpSpec, 'linkedAccount'>> & { linkedAccount: LinkedAccountSpec | null };
  baselineEpoch: number;
  memberEnd: number;
  customerEnd: number;
  addedMembers: [number, { name: string; department: number[] }][];
  memberEdits: [number, { name?: string; department?: number[] }][];
  deletedMembers: number[];
  addedCustomers: [number, AddedCustomer][];
  customerNames: [number, string][];
  deletedCustomers: number[];
  /** `c:m` → createtime (unix seconds). */
  addedFollows: [string, number][];
  removedFollows: string[];
  remarks: [string, string][];
  /** Unionids `unionid_to_external_userid` was asked about (external_userid_to_pending_id answers only for those). */
  queriedUnionids?: string[];
}

interface LinkIndex {
  byUnionid: Map<string, { customer: number; openid: string }>;
  byCustomer: Map<number, { unionid: string; openid: string }>;
}

const USERID = /^wo([A-Za-z0-9]{6})([0-9a-z]{5})([A-Za-z0-9]{19})$/;
const EXTERNAL_USERID = /^wm([A-Za-z0-9]{6})([0-9a-z]{6})([A-Za-z0-9]{18})$/;
const MAX_MEMBERS = 36 ** 5 - 1;
const MAX_CUSTOMERS = 36 ** 6 - 1;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高';
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '娟', '涛', '明', '超', '霞', '平', '刚', '桂英', '晓东'];
const ADD_WAYS = [0, 1, 2, 3, 4, 5, 8, 201];

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Letters and digits only (the ids are alphanumeric, like WeCom's). */
function alnum(text: string, length: number): string {
  return digest(text)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, length);
}

function fraction(text: string): number {
  return digest(text).readUInt32BE(0) / 2 ** 32;
}

export function corpIdFor(corpName: string, salt = ''): string {
  return `ww${alnum(`sim-corp:${corpName}:${salt}`, 16)}`;
}

export class SimCorp {
  readonly corpId: string;
  readonly spec: CorpSnapshot['spec'];
  readonly #tag: string;
  readonly #baselineEpoch: number;
  readonly #baselineMembers: number;
  readonly #baselineCustomers: number;
  #memberEnd: number;
  #customerEnd: number;
  readonly #addedMembers = new Map<number, { name: string; department: number[] }>();
  readonly #memberEdits = new Map<number, { name?: string; department?: number[] }>();
  readonly #deletedMembers = new Set<number>();
  readonly #addedCustomers = new Map<number, AddedCustomer>();
  readonly #customerNames = new Map<number, string>();
  readonly #deletedCustomers = new Set<number>();
  readonly #addedFollows = new Map<string, number>();
  readonly #removedFollows = new Set<string>();
  readonly #remarks = new Map<string, string>();
  readonly #queriedUnionids = new Set<string>();
  /** Derived lazily (not saved): the baseline second followers per member, and the linked followers. */
  #secondaryByMember: Map<number, number[]> | undefined;
  #links: LinkIndex | undefined;
  readonly #userids = new Map<number, string>();

  constructor(spec: CorpSpec, baselineEpoch: number) {
    const members = spec.members ?? 20;
    const customers = spec.customers ?? 300;
    if (!Number.isSafeInteger(members) || members < 1 || members > MAX_MEMBERS) throw new RangeError(`members must be 1..${MAX_MEMBERS}`);
    if (!Number.isSafeInteger(customers) || customers < 0 || customers > MAX_CUSTOMERS) throw new RangeError(`customers must be 0..${MAX_CUSTOMERS}`);
    this.corpId = spec.corpId ?? corpIdFor(spec.corpName);
    this.spec = {
      corpId: this.corpId,
      corpName: spec.corpName,
      members,
      departments: Math.max(1, spec.departments ?? 4),
      customers,
      multiFollowRatio: spec.multiFollowRatio ?? 0.15,
      wecomRatio: spec.wecomRatio ?? 0.05,
      linkedAccount: spec.linkedAccount ?? null,
      verified: spec.verified ?? true,
    };
    this.#tag = alnum(`sim-corp-tag:${this.corpId}`, 6);
    this.#baselineEpoch = baselineEpoch;
    this.#baselineMembers = members;
    this.#baselineCustomers = customers;
    this.#memberEnd = members;
    this.#customerEnd = customers;
  }

  snapshot(): CorpSnapshot {
    return {
      spec: { ...this.spec, members: this.#baselineMembers, customers: this.#baselineCustomers },
      baselineEpoch: this.#baselineEpoch,
      memberEnd: this.#memberEnd,
      customerEnd: this.#customerEnd,
      addedMembers: [...this.#addedMembers],
      memberEdits: [...this.#memberEdits],
      deletedMembers: [...this.#deletedMembers],
      addedCustomers: [...this.#addedCustomers],
      customerNames: [...this.#customerNames],
      deletedCustomers: [...this.#deletedCustomers],
      addedFollows: [...this.#addedFollows],
      removedFollows: [...this.#removedFollows],
      remarks: [...this.#remarks],
      queriedUnionids: [...this.#queriedUnionids],
    };
  }

  static restore(s: CorpSnapshot): SimCorp {
    const corp = new SimCorp(
      { ...s.spec, ...(s.spec.linkedAccount ? { linkedAccount: s.spec.linkedAccount } : { linkedAccount: undefined }) },
      s.baselineEpoch,
    );
    corp.#memberEnd = s.memberEnd;
    corp.#customerEnd = s.customerEnd;
    for (const [k, value] of s.addedMembers) corp.#addedMembers.set(k, value);
    for (const [k, value] of s.memberEdits) corp.#memberEdits.set(k, value);
    for (const k of s.deletedMembers) corp.#deletedMembers.add(k);
    for (const [k, value] of s.addedCustomers) corp.#addedCustomers.set(k, value);
    for (const [k, value] of s.customerNames) corp.#customerNames.set(k, value);
    for (const k of s.deletedCustomers) corp.#deletedCustomers.add(k);
    for (const [k, value] of s.addedFollows) corp.#addedFollows.set(k, value);
    for (const k of s.removedFollows) corp.#removedFollows.add(k);
    for (const [k, value] of s.remarks) corp.#remarks.set(k, value);
    for (const unionid of s.queriedUnionids ?? []) corp.#queriedUnionids.add(unionid);
    return corp;
  }

  // ---- departments and members ------------------------------------------------------------------

  /** The root department 1 and its sub-departments 2..departments+1. */
  departments(): { id: number; name: string; parentid: number }[] {
    const list = [{ id: 1, name: this.spec.corpName, parentid: 0 }];
    for (let d = 0; d < this.spec.departments; d++) list.push({ id: 2 + d, name: `部门 ${d + 1}`, parentid: 1 });
    return list;
  }

  useridAt(index: number): string {
    let userid = this.#userids.get(index);
    if (userid === undefined) {
      userid = `wo${this.#tag}${index.toString(36).padStart(5, '0')}${alnum(`sim-userid:${this.corpId}:${index}`, 19)}`;
      this.#userids.set(index, userid);
    }
    return userid;
  }

  memberIndexOf(userid: string): number | undefined {
    const match = USERID.exec(userid);
    if (!match || match[1] !== this.#tag) return undefined;
    const index = Number.parseInt(match[2]!, 36);
    if (index >= this.#memberEnd || this.#deletedMembers.has(index) || this.useridAt(index) !== userid) return undefined;
    return index;
  }

  member(index: number): MemberRecord {
    const added = this.#addedMembers.get(index);
    const edits = this.#memberEdits.get(index) ?? {};
    const h = digest(`sim-member:${this.corpId}:${index}`);
    const name = edits.name ?? added?.name ?? `${SURNAMES[h[0]! % SURNAMES.length]}${GIVEN[h[1]! % GIVEN.length]} ${index + 1}`;
    const department = edits.department ?? added?.department ?? [2 + (index % this.spec.departments)];
    return { userid: this.useridAt(index), name, department };
  }

  /** Current members, in index order. */
  memberIndices(): number[] {
    const list: number[] = [];
    for (let m = 0; m < this.#memberEnd; m++) if (!this.#deletedMembers.has(m)) list.push(m);
    return list;
  }

  /** Whether member `m` is inside a visible range (a department of it, the root, or listed by userid). */
  inRange(m: number, range: { departments: number[]; users: string[] }): boolean {
    if (range.departments.includes(1)) return true;
    const member = this.member(m);
    return member.department.some((d) => range.departments.includes(d)) || range.users.includes(member.userid);
  }

  addMember(o: { name: string; department?: number[] }): MemberRecord {
    if (this.#memberEnd >= MAX_MEMBERS) throw new RangeError('too many members');
    const index = this.#memberEnd++;
    this.#addedMembers.set(index, { name: o.name, department: o.department ?? [1] });
    return this.member(index);
  }

  updateMember(m: number, o: { name?: string; department?: number[] }): MemberRecord {
    this.#memberEdits.set(m, { ...this.#memberEdits.get(m), ...o });
    return this.member(m);
  }

  deleteMember(m: number): void {
    this.#deletedMembers.add(m);
  }

  // ---- customers --------------------------------------------------------------------------------

  externalUseridAt(index: number): string {
    return `wm${this.#tag}${index.toString(36).padStart(6, '0')}${alnum(`sim-external:${this.corpId}:${index}`, 18)}`;
  }

  customerIndexOf(externalUserid: string): number | undefined {
    const match = EXTERNAL_USERID.exec(externalUserid);
    if (!match || match[1] !== this.#tag) return undefined;
    const index = Number.parseInt(match[2]!, 36);
    if (index >= this.#customerEnd || this.#deletedCustomers.has(index) || this.externalUseridAt(index) !== externalUserid) return undefined;
    return index;
  }

  get customerCount(): number {
    return this.#customerEnd - this.#deletedCustomers.size;
  }

  customer(c: number): CustomerRecord {
    const h = digest(`sim-customer:${this.corpId}:${c}`);
    const added = this.#addedCustomers.get(c);
    const linked = this.#linksIndex().byCustomer.has(c);
    const type: 1 | 2 = added ? added.type : !linked && h.readUInt32BE(0) / 2 ** 32 < this.spec.wecomRatio ? 2 : 1;
    const name =
      this.#customerNames.get(c) ?? added?.name ?? `${SURNAMES[h[4]! % SURNAMES.length]}${GIVEN[h[5]! % GIVEN.length]}${linked ? '（公众号粉丝）' : ''}`;
    const record: CustomerRecord = {
      external_userid: this.externalUseridAt(c),
      name,
      type,
      avatar: `http://wx.qlogo.cn/mmhead/sim${h.subarray(8, 20).toString('hex')}/0`,
      gender: (h[6]! % 3) as 0 | 1 | 2,
    };
    if (type === 2) {
      const corpName = added?.corpName ?? `合作企业 ${(h[7]! % 40) + 1}`;
      record.corp_name = corpName;
      record.corp_full_name = `${corpName}有限公司`;
    }
    return record;
  }

  /** The members following customer `c`, in member order. */
  followersOf(c: number): number[] {
    const set = new Set<number>();
    if (c < this.#baselineCustomers) {
      set.add(c % this.#baselineMembers);
      const second = this.#secondary(c);
      if (second !== undefined) set.add(second);
    }
    for (const key of this.#addedFollows.keys()) {
      const [customer, member] = key.split(':').map(Number) as [number, number];
      if (customer === c) set.add(member);
    }
    return [...set].filter((m) => !this.#deletedMembers.has(m) && !this.#removedFollows.has(`${c}:${m}`)).sort((a, b) => a - b);
  }

  /** The customers member `m` follows, in customer order. */
  customersOf(m: number): number[] {
    if (this.#deletedMembers.has(m)) return [];
    const list: number[] = [];
    if (m < this.#baselineMembers) {
      for (let c = m; c < this.#baselineCustomers; c += this.#baselineMembers) list.push(c);
      list.push(...(this.#secondaryIndex().get(m) ?? []));
    }
    for (const key of this.#addedFollows.keys()) {
      const [customer, member] = key.split(':').map(Number) as [number, number];
      if (member === m) list.push(customer);
    }
    const unique = [...new Set(list)].filter((c) => !this.#deletedCustomers.has(c) && !this.#removedFollows.has(`${c}:${m}`));
    return unique.sort((a, b) => a - b);
  }

  followInfo(c: number, m: number): FollowInfo {
    const h = digest(`sim-follow:${this.corpId}:${c}:${m}`);
    const userid = this.useridAt(m);
    const added = this.#addedFollows.get(`${c}:${m}`);
    return {
      userid,
      remark: this.#remarks.get(`${c}:${m}`) ?? (h[0]! % 4 === 0 ? `备注 ${c}` : ''),
      description: '',
      createtime: added ?? this.#baselineEpoch - (h.readUInt32BE(1) % (2 * 365 * 86_400)),
      tag_id: h[5]! % 5 === 0 ? [`et${alnum(`sim-tag:${h[6]! % 4}`, 20)}`] : [],
      remark_corp_name: '',
      remark_mobiles: [],
      oper_userid: userid,
      add_way: ADD_WAYS[h[7]! % ADD_WAYS.length]!,
    };
  }

  addCustomer(o: AddedCustomer, followers: number[], nowSeconds: number): number {
    if (this.#customerEnd >= MAX_CUSTOMERS) throw new RangeError('too many customers');
    const c = this.#customerEnd++;
    this.#addedCustomers.set(c, o);
    for (const m of followers) this.#addedFollows.set(`${c}:${m}`, nowSeconds);
    this.#links = undefined;
    return c;
  }

  addFollow(c: number, m: number, nowSeconds: number): void {
    this.#removedFollows.delete(`${c}:${m}`);
    if (!this.followersOf(c).includes(m)) this.#addedFollows.set(`${c}:${m}`, nowSeconds);
  }

  removeFollow(c: number, m: number): void {
    this.#addedFollows.delete(`${c}:${m}`);
    this.#removedFollows.add(`${c}:${m}`);
  }

  renameCustomer(c: number, name: string): void {
    this.#customerNames.set(c, name);
  }

  setRemark(c: number, m: number, remark: string): void {
    this.#remarks.set(`${c}:${m}`, remark);
  }

  deleteCustomer(c: number): void {
    this.#deletedCustomers.add(c);
  }

  // ---- the link to the WeChat simulator ---------------------------------------------------------

  /** The customer a WeChat follower (unionid + openid of the linked account) is, if any. */
  customerOfFollower(unionid: string): { customer: number; openid: string } | undefined {
    const link = this.#linksIndex().byUnionid.get(unionid);
    if (!link || this.#deletedCustomers.has(link.customer)) return undefined;
    return link;
  }

  /** Customers that are followers of the linked account, with their unionid and openid (for tests and tools). */
  linkedFollowers(): { externalUserid: string; unionid: string; openid: string }[] {
    return [...this.#linksIndex().byCustomer]
      .filter(([c]) => !this.#deletedCustomers.has(c))
      .map(([c, { unionid, openid }]) => ({ externalUserid: this.externalUseridAt(c), unionid, openid }));
  }

  /** `unionid_to_external_userid` was asked about this unionid (its pending_id is then known for the customer). */
  noteQueried(unionid: string): void {
    this.#queriedUnionids.add(unionid);
  }

  /** The pending_id of customer `c`, if they are a WeChat follower whose unionid was asked about before. */
  pendingIdOfCustomer(c: number): string | undefined {
    const link = this.#linksIndex().byCustomer.get(c);
    return link && this.#queriedUnionids.has(link.unionid) ? this.pendingIdFor(link.unionid) : undefined;
  }

  pendingIdFor(unionid: string): string {
    return `pd${alnum(`sim-pending:${this.corpId}:${unionid}`, 30)}`;
  }

  #secondary(c: number): number | undefined {
    if (this.#baselineMembers < 2 || fraction(`sim-multi:${this.corpId}:${c}`) >= this.spec.multiFollowRatio) return undefined;
    const primary = c % this.#baselineMembers;
    const offset = 1 + (digest(`sim-second:${this.corpId}:${c}`).readUInt32BE(0) % (this.#baselineMembers - 1));
    return (primary + offset) % this.#baselineMembers;
  }

  #secondaryIndex(): Map<number, number[]> {
    if (!this.#secondaryByMember) {
      const index = new Map<number, number[]>();
      for (let c = 0; c < this.#baselineCustomers; c++) {
        const m = this.#secondary(c);
        if (m === undefined) continue;
        const list = index.get(m);
        if (list) list.push(c);
        else index.set(m, [c]);
      }
      this.#secondaryByMember = index;
    }
    return this.#secondaryByMember;
  }

  #linksIndex(): LinkIndex {
    if (!this.#links) {
      const byUnionid = new Map<string, { customer: number; openid: string }>();
      const byCustomer = new Map<number, { unionid: string; openid: string }>();
      const linked = this.spec.linkedAccount;
      if (linked && this.#baselineCustomers > 0) {
        const book = new FollowerBook({ appid: linked.appid, baseline: linked.followers, unionidRatio: linked.unionidRatio, baselineEpoch: 0 });
        const chosen: { unionid: string; openid: string }[] = [];
        for (let i = 0; i < linked.followers; i++) {
          const profile = book.profile(i, { boundToOpenAccount: true });
          if (profile.unionid && fraction(`sim-link:${this.corpId}:${linked.appid}:${i}`) < linked.share) {
            chosen.push({ unionid: profile.unionid, openid: profile.openid });
          }
        }
        const spacing = Math.max(1, Math.floor(this.#baselineCustomers / Math.max(1, chosen.length)));
        chosen.forEach((follower, k) => {
          const c = k * spacing;
          if (c >= this.#baselineCustomers) return;
          byUnionid.set(follower.unionid, { customer: c, openid: follower.openid });
          byCustomer.set(c, follower);
        });
      }
      for (const [c, added] of this.#addedCustomers) {
        if (added.unionid && added.openid) {
          byUnionid.set(added.unionid, { customer: c, openid: added.openid });
          byCustomer.set(c, { unionid: added.unionid, openid: added.openid });
        }
      }
      this.#links = { byUnionid, byCustomer };
    }
    return this.#links;
  }
}
