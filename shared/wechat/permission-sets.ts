/**
 * Official Account permission sets (func_info ids) and their names as WeChat's console shows them
 * (WECHAT.md §5). Used to name missing permissions in Chinese and by id, and on every Account.
 */
export const permissionSetNames: Readonly<Record<number, string>> = {
  1: '消息管理',
  2: '用户管理',
  3: '账号服务',
  4: '网页服务',
  5: '微信小店',
  6: '微信多客服',
  7: '群发与通知',
  8: '微信卡券',
  9: '微信扫一扫',
  10: '微信连WIFI',
  11: '素材管理',
  12: '微信摇周边',
  13: '微信门店',
  15: '菜单管理',
  22: '城市服务',
  23: '广告管理',
  24: '开放平台账号管理',
  26: '微信电子发票',
  27: '快速注册小程序',
  33: '小程序关联管理',
  34: '微信商品库管理',
  44: '好物圈',
  46: '微信一物一码',
  47: '微信财政电子票据',
  54: '服务号对话管理',
  66: '微信服务市场管理',
  89: '服务号订阅通知',
  113: '就医助手',
};

export interface PermissionSet {
  id: number;
  name: string;
}

/** Ids WeChat adds over time have no name here yet: they are shown as `权限集 <id>`. */
export function permissionSet(id: number): PermissionSet {
  return { id, name: permissionSetNames[id] ?? `权限集 ${id}` };
}
