/**
 * A WeCom corp in memory for the customer-sync tests: members, customers followed by one or more
 * members, `batch/get_by_user` paging over (member, customer) relations in member order with a
 * cursor, the unionid conversion for customers who are WeChat users, faults to inject, every call
 * counted per endpoint, and an in-process step queue the test delivers by hand.
 */
import type { CustomerStepQueue, CustomerSyncStep, ExternalContact, FollowInfo, WeComApi, WeComTokenSource } from '#shared/domain/wecom/ports.ts';

export const CORP_TOKEN = 'SECRET-corp-access-token-never-shown';

export class WeComError extends Error {
  constructor(readonly errcode: number) {
    super(`WeCom answered errcode ${errcode}`);
  }
}

export interface FakeCustomer {
  contact: ExternalContact;
  followers: string[];
  /** The WeChat user's unionid/openid of the tenant's account, when the customer is one of its followers. */
  unionid?: string;
}

export class FakeCorp implements Pick<WeComApi, 'getFollowUserList' | 'batchGetByUser' | 'getExternalContact' | 'unionidToExternalUserid'> {
  readonly calls: Record<string, number> = {};
  readonly tokensSeen = new Set<string>();
  /** Throws `errcode` on the next calls of an endpoint. */
  readonly faults: { api: string; errcode: number; times: number }[] = [];

  constructor(
    public members: string[],
    public customers: FakeCustomer[],
  ) {}

  private async enter(api: string, token: WeComTokenSource): Promise<void> {
    this.tokensSeen.add(await token.current());
    this.calls[api] = (this.calls[api] ?? 0) + 1;
    const fault = this.faults.find((candidate) => candidate.api === api && candidate.times > 0);
    if (fault) {
      fault.times -= 1;
      throw new WeComError(fault.errcode);
    }
  }

  private relations(userIds: readonly string[]): { externalContact: ExternalContact; followInfo: FollowInfo }[] {
    return userIds.flatMap((userid) =>
      this.customers
        .filter((customer) => customer.followers.includes(userid))
        .map((customer) => ({ externalContact: customer.contact, followInfo: { userid, remark: `by ${userid}`, createtime: 1_700_000_000, tag_id: [] } })),
    );
  }

  async getFollowUserList(token: WeComTokenSource): Promise<string[]> {
    await this.enter('get_follow_user_list', token);
    return [...this.members];
  }

  async batchGetByUser(token: WeComTokenSource, request: { userIds: string[]; cursor?: string; limit?: number }) {
    await this.enter('batch/get_by_user', token);
    if (request.userIds.length > 100 || (request.limit ?? 50) > 100) throw new WeComError(40058);
    const all = this.relations(request.userIds);
    const from = Number(request.cursor ?? 0);
    const to = from + (request.limit ?? 50);
    return { contacts: all.slice(from, to), ...(to < all.length ? { nextCursor: String(to) } : {}) };
  }

  async getExternalContact(token: WeComTokenSource, request: { externalUserId: string }) {
    await this.enter('externalcontact/get', token);
    const customer = this.customers.find((candidate) => candidate.contact.external_userid === request.externalUserId);
    if (!customer) throw new WeComError(84061);
    return {
      externalContact: customer.contact,
      followUsers: this.relations(customer.followers)
        .filter((r) => r.externalContact === customer.contact)
        .map((r) => r.followInfo),
    };
  }

  async unionidToExternalUserid(token: WeComTokenSource, request: { unionid: string; openid: string; subjectType: 0 | 1 }) {
    await this.enter('idconvert/unionid_to_external_userid', token);
    if (request.subjectType !== 0) throw new WeComError(40058);
    const customer = this.customers.find((candidate) => candidate.unionid === request.unionid);
    return customer ? { externalUserId: customer.contact.external_userid } : { pendingId: `pending-${request.unionid}` };
  }
}

export const corpToken: WeComTokenSource = { current: async () => CORP_TOKEN, expire: async () => undefined };

/** Steps sent, delivered by the test: in order, each once, twice, or with a fault around the worker. */
export class StepBox implements CustomerStepQueue {
  readonly pending: CustomerSyncStep[] = [];
  readonly delayed: { step: CustomerSyncStep; delaySeconds: number }[] = [];
  sendFaults = 0;

  async send(steps: readonly CustomerSyncStep[], options: { delaySeconds?: number } = {}): Promise<void> {
    if (this.sendFaults > 0) {
      this.sendFaults -= 1;
      throw new Error('the worker died before its steps went out');
    }
    if (options.delaySeconds) this.delayed.push(...steps.map((step) => ({ step, delaySeconds: options.delaySeconds! })));
    else this.pending.push(...steps);
  }

  /** The delayed steps come due. */
  release(): void {
    this.pending.push(...this.delayed.splice(0).map((entry) => entry.step));
  }
}

/** A corp of `members` members and `customers` customers; every 3rd customer is followed by a second member far away in the list (another batch). */
export function buildCorp(options: { members: number; customers: number; unionids?: number }): FakeCorp {
  const members = Array.from({ length: options.members }, (_, n) => `woMember${String(n).padStart(4, '0')}`);
  const customers: FakeCustomer[] = Array.from({ length: options.customers }, (_, n) => {
    const first = members[n % members.length]!;
    const followers = n % 3 === 0 ? [first, members[(n + Math.floor(members.length / 2) + 1) % members.length]!] : [first];
    const customer: FakeCustomer = {
      contact: { external_userid: `wmCustomer${String(n).padStart(6, '0')}`, name: `Customer ${n}`, type: 1, gender: 1 },
      followers: [...new Set(followers)],
    };
    if (n < (options.unionids ?? 0)) customer.unionid = `oUnion${String(n).padStart(6, '0')}`;
    return customer;
  });
  return new FakeCorp(members, customers);
}
