/**
 * The pushes WeCom sends the hub's suite (WECOM.md §2: 指令回调 InfoTypes; §5: the provider's
 * system events), as typed values. `parseSuitePush` (below) turns a decrypted plaintext into one.
 */
/** The parsed 指令回调 / system-event pushes (WECOM.md §2, §5). Field names are WeCom's, camelCased. */
export type WeComCallbackEvent =
  | { infoType: 'suite_ticket'; suiteId: string; timeStamp: number; suiteTicket: string }
  | { infoType: 'create_auth'; suiteId: string; timeStamp: number; authCode: string; state?: string }
  | { infoType: 'change_auth'; suiteId: string; timeStamp: number; authCorpId: string; state?: string }
  | { infoType: 'cancel_auth'; suiteId: string; timeStamp: number; authCorpId: string }
  | { infoType: 'reset_permanent_code'; suiteId: string; timeStamp: number; authCode: string }
  | {
      infoType: 'change_external_contact';
      suiteId: string;
      timeStamp: number;
      authCorpId: string;
      /** One of `EXTERNAL_CONTACT_CHANGE_TYPES`, or a type WeCom adds later (kept, not refused). */
      changeType: string;
      userId?: string;
      externalUserId?: string;
      state?: string;
      welcomeCode?: string;
      source?: string;
      failReason?: string;
    }
  | { infoType: 'change_contact'; suiteId: string; timeStamp: number; authCorpId: string; changeType: string; fields: Record<string, string> }
  | {
      infoType: 'register_corp';
      serviceCorpId: string;
      timeStamp: number;
      registerCode: string;
      authCorpId: string;
      state?: string;
      templateId?: string;
      authUserId?: string;
    }
  /** Any other InfoType: acked and ignored (WECOM.md §2.8). */
  | { infoType: 'other'; rawInfoType: string; timeStamp: number };

export const EXTERNAL_CONTACT_CHANGE_TYPES = [
  'add_external_contact',
  'edit_external_contact',
  'add_half_external_contact',
  'del_external_contact',
  'del_follow_user',
  'transfer_fail',
] as const;
export type ExternalContactChangeType = (typeof EXTERNAL_CONTACT_CHANGE_TYPES)[number];
