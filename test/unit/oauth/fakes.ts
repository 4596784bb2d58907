/** In-memory stand-ins for the oauth area's ports (single use kept exactly as the adapters keep it). */
import type { AccountStatus } from '#shared/domain/accounts/model.ts';
import type {
  AccountHolder,
  OAuthAccountLookup,
  OAuthCodeRecord,
  OAuthCodes,
  OAuthOriginStore,
  OAuthStateRecord,
  OAuthStates,
  OAuthWeChat,
  UserAuthorizedEvent,
  VisitorGrant,
} from '#shared/domain/oauth/ports.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';

export class MemoryStates implements OAuthStates {
  readonly records = new Map<string, OAuthStateRecord>();
  async save(state: string, record: OAuthStateRecord) {
    this.records.set(state, record);
  }
  async spend(state: string) {
    const record = this.records.get(state);
    this.records.delete(state);
    return record;
  }
}

export class MemoryCodes implements OAuthCodes {
  readonly records = new Map<string, OAuthCodeRecord>();
  async save(code: string, record: OAuthCodeRecord) {
    this.records.set(code, record);
  }
  async spend(code: string) {
    const record = this.records.get(code);
    this.records.delete(code);
    return record;
  }
}

export function memoryOrigins(byTenant: Record<string, string[]>): OAuthOriginStore {
  return {
    get: async (tenantId) => byTenant[tenantId] ?? [],
    put: async (tenantId, origins) => {
      byTenant[tenantId] = [...origins];
    },
    ofTenants: async (ids) => new Map(ids.filter((id) => byTenant[id]).map((id) => [id, byTenant[id]!])),
  };
}

export function lookup(status: AccountStatus | undefined, holders: AccountHolder[]): OAuthAccountLookup {
  return { status: async () => status, holders: async () => holders };
}

export interface FakeWeChat extends OAuthWeChat {
  exchanged: string[];
  userInfoCalls: number;
}

export function fakeWeChat(options: { grant?: Partial<VisitorGrant>; refuseWith?: number } = {}): FakeWeChat {
  const wechat: FakeWeChat = {
    exchanged: [],
    userInfoCalls: 0,
    componentAppId: async () => 'wxc0ffee0000000001',
    exchangeCode: async (_appid, code) => {
      wechat.exchanged.push(code);
      if (options.refuseWith) throw new WeChatApiError('sns/oauth2/component/access_token', options.refuseWith, 'invalid code rid: 1-2-3');
      return { openid: 'o-visitor', scopes: ['snsapi_userinfo'], webAccessToken: 'web-token-secret', snapshotUser: false, ...options.grant };
    },
    userInfo: async () => {
      wechat.userInfoCalls += 1;
      return { nickname: '访客', headImgUrl: 'https://thirdwx.qlogo.cn/x/0', sex: 0, unionid: 'u-visitor' };
    },
  };
  return wechat;
}

export function recordingEvents() {
  const events: UserAuthorizedEvent[] = [];
  return { events, userAuthorized: async (event: UserAuthorizedEvent) => void events.push(event) };
}

export const quietLog = { warn: () => undefined, error: () => undefined };
