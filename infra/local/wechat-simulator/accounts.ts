/**
 * Who exists in the simulated WeChat: the component's fixed local credentials, the demo accounts a
 * person sees on the consent page, WeChat's five full-network-release test accounts (WECHAT.md §9.1)
 * and the Official Account permission sets of WECHAT.md §5.
 */

/** Local defaults only: valid formats (wx + 16, 43-character EncodingAESKey), known to every local tool. */
export const simulatorCredentials = {
  componentAppId: 'wxc0ffee0000000001',
  componentSecret: '5e1f5ec7e7c0ffee0000000000000001',
  token: 'SimulatorToken2024',
  aesKey: 'SimuLatorEncodingAesKey0123456789abcdefghiE',
} as const satisfies { componentAppId: string; componentSecret: string; token: string; aesKey: string };

export type SimulatorCredentials = { componentAppId: string; componentSecret: string; token: string; aesKey: string };

export interface SimAccountSpec {
  appid?: string;
  userName?: string;
  nickname: string;
  serviceType: 'service' | 'subscription';
  verified: boolean;
  openPay?: boolean;
  followers?: number;
  /**
   * Share (0..1) of followers who carry a unionid while the account is bound to an open platform
   * account; none do while it is unbound. Default 1 (WeChat gives every follower one once bound).
   */
  unionidRatio?: number;
  principalName?: string;
  /**
   * Whether the account starts bound to an open platform account (one created through the API, so
   * the hub may unbind it). Default: bound when `unionidRatio` is given and above 0.
   */
  boundToOpenAccount?: boolean;
}

export const demoAccounts = {
  /** Verified service account, WeChat Pay on, 1 200 followers of whom 30 % have a unionid (bound to an open account). */
  verifiedService: { appid: 'wxd3e0000000000001', userName: 'gh_d3e000000001' },
  /** Verified subscription account: the binding policy refuses it unless subscription accounts are allowed. */
  subscription: { appid: 'wxd3e0000000000002', userName: 'gh_d3e000000002' },
  /** Unverified service account: the binding policy refuses it unless verification is waived. */
  unverifiedService: { appid: 'wxd3e0000000000003', userName: 'gh_d3e000000003' },
} as const;

export const demoAccountSpecs: SimAccountSpec[] = [
  {
    ...demoAccounts.verifiedService,
    nickname: '模拟服务号 Demo Service',
    serviceType: 'service',
    verified: true,
    openPay: true,
    followers: 1_200,
    unionidRatio: 0.3,
    principalName: '模拟科技有限公司',
  },
  {
    ...demoAccounts.subscription,
    nickname: '模拟订阅号 Demo Subscription',
    serviceType: 'subscription',
    verified: true,
    followers: 300,
    principalName: '模拟科技有限公司',
  },
  {
    ...demoAccounts.unverifiedService,
    nickname: '未认证服务号 Unverified Service',
    serviceType: 'service',
    verified: false,
    followers: 40,
    principalName: '模拟个体工商户',
  },
];

/** WeChat's full-network-release test Official Accounts (WECHAT.md §9.1); they exist in every simulator. */
export const releaseTestAccounts = [
  { appid: 'wx570bc396a51b8ff8', userName: 'gh_3c884a361561' },
  { appid: 'wx9252c5e0bb1836fc', userName: 'gh_c0f28a78b318' },
  { appid: 'wx8e1097c5bc82cde9', userName: 'gh_3f222ed8d140' },
  { appid: 'wx14550af28c71a144', userName: 'gh_26128078e9ab' },
  { appid: 'wxa35b9c23cfe664eb', userName: 'gh_2b3713f184a6' },
] as const;

export const releaseTestAccountSpecs: SimAccountSpec[] = releaseTestAccounts.map((account, i) => ({
  ...account,
  nickname: `全网发布测试号 ${i + 1}`,
  serviceType: 'service',
  verified: true,
  followers: 0,
  principalName: '腾讯全网发布测试',
}));

/** Official Account permission sets (WECHAT.md §5), in the order the consent page lists them. */
export const permissionSets: ReadonlyArray<{ id: number; name: string }> = [
  { id: 1, name: '消息管理' },
  { id: 2, name: '用户管理' },
  { id: 3, name: '账号服务' },
  { id: 4, name: '网页服务' },
  { id: 5, name: '微信小店' },
  { id: 6, name: '微信多客服' },
  { id: 7, name: '群发与通知' },
  { id: 8, name: '微信卡券' },
  { id: 9, name: '微信扫一扫' },
  { id: 10, name: '微信连WIFI' },
  { id: 11, name: '素材管理' },
  { id: 12, name: '微信摇周边' },
  { id: 13, name: '微信门店' },
  { id: 15, name: '菜单管理' },
  { id: 22, name: '城市服务' },
  { id: 23, name: '广告管理' },
  { id: 24, name: '开放平台账号管理' },
  { id: 26, name: '微信电子发票' },
  { id: 27, name: '快速注册小程序' },
  { id: 33, name: '小程序关联管理' },
  { id: 34, name: '微信商品库管理' },
  { id: 44, name: '好物圈' },
  { id: 46, name: '微信一物一码' },
  { id: 47, name: '微信财政电子票据' },
  { id: 54, name: '服务号对话管理' },
  { id: 66, name: '微信服务市场管理' },
  { id: 89, name: '服务号订阅通知' },
  { id: 113, name: '就医助手' },
];

/**
 * What the simulated consent page ticks: WeChat's page ticks every set the platform was approved for
 * and the admin unticks; these are the hub's (4 网页服务 for web authorization and the JS-SDK).
 */
export const defaultConsentFuncIds: readonly number[] = [1, 2, 3, 4, 7, 11, 15, 24];
