/**
 * Requests and results of the WeCom APIs the hub calls (WECOM.md §3), camelCased where the hub
 * reads them; raw WeCom names are kept for the customer objects the customer sync stores.
 */

export interface VisibleRange {
  departments: number[];
  users: string[];
  tags: number[];
}

/** Where a WeCom token comes from; like the WeChat client's `TokenSource`, the client never caches one. */
export interface WeComTokenSource {
  current(): Promise<string>;
  /** WeCom rejected `used` (42009/40082 suite, 42001/40014 corp): expire it if it is still stored. */
  expire(used: string): Promise<void>;
}

export interface PermanentCodeResult {
  /** Secret. */
  permanentCode: string;
  corpId: string;
  corpName: string;
  authUserId?: string;
  authOpenUserId?: string;
  /** `state` of the install link (or `register_code_info.state`). */
  state?: string;
  registerCode?: string;
}

export interface AuthInfoResult {
  corpId: string;
  corpName: string;
  agentId?: number;
  visibleRange: VisibleRange;
  /** The app's privilege level and whether 客户基础信息 is granted, as far as WeCom tells. */
  customerPermission: boolean;
}

export interface FollowInfo {
  userid: string;
  remark?: string;
  description?: string;
  createtime?: number;
  tag_id?: string[];
  add_way?: number;
  oper_userid?: string;
}

export interface ExternalContact {
  external_userid: string;
  name: string;
  type: number;
  avatar?: string;
  gender?: number;
  corp_name?: string;
  corp_full_name?: string;
  position?: string;
  unionid?: string;
}
