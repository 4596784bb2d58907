/**
 * The pushes WeCom sends the hub's suite (WECOM.md §2: 指令回调 InfoTypes; §5: the provider's
 * system events), as typed values. `parseSuitePush` (below) turns a decrypted plaintext into one.
 */
import { parseFlatXml, parseXmlTree, WeChatXmlError, type XmlObject } from '#shared/wechat/xml.ts';

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

/** The encrypted envelope of a WeCom push (§1.5): `<ToUserName>`, `<Encrypt>`, `<AgentID>`. */
export interface WeComEnvelope {
  encrypt: string;
  toUserName?: string;
  agentId?: string;
}

function text(fields: XmlObject, name: string): string | undefined {
  const value = fields[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function required(fields: XmlObject, name: string): string {
  const value = text(fields, name);
  if (value === undefined) throw new WeChatXmlError('malformed', `<${name}> is missing`);
  return value;
}

function unixSeconds(fields: XmlObject, name: string): number {
  const value = required(fields, name);
  if (!/^\d{1,15}$/.test(value)) throw new WeChatXmlError('malformed', `<${name}> is not a unix time`);
  return Number(value);
}

function withOptional<T extends object>(base: T, extra: Record<string, string | undefined>): T {
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  return base;
}

export function parseWeComEnvelope(xmlText: string): WeComEnvelope {
  const fields = parseFlatXml(xmlText);
  const encrypt = fields.Encrypt;
  if (encrypt === undefined || encrypt === '') throw new WeChatXmlError('malformed', '<Encrypt> is missing');
  return withOptional<WeComEnvelope>({ encrypt }, { toUserName: fields.ToUserName || undefined, agentId: fields.AgentID || undefined });
}

/**
 * A decrypted 指令回调 or system-event plaintext as a typed push. Values are trimmed (the doc's own
 * `suite_ticket` sample has a stray space inside `<InfoType>`); ids stay as sent (case-sensitive).
 * An InfoType the hub does not act on is `other`, never an error (WECOM.md §2.8); a known InfoType
 * missing what it needs is malformed.
 */
export function parseSuitePush(plaintext: string): WeComCallbackEvent {
  const fields = parseXmlTree(plaintext);
  // A 数据回调 (data callback) message or app event has MsgType, not InfoType: acked and ignored.
  const msgType = text(fields, 'MsgType');
  if (text(fields, 'InfoType') === undefined && msgType !== undefined) {
    const event = text(fields, 'Event');
    return {
      infoType: 'other',
      rawInfoType: `msg:${msgType}${event ? `/${event}` : ''}`,
      timeStamp: /^\d{1,15}$/.test(text(fields, 'CreateTime') ?? '') ? Number(text(fields, 'CreateTime')) : 0,
    };
  }
  const infoType = required(fields, 'InfoType');
  const timeStamp = unixSeconds(fields, 'TimeStamp');
  const suiteId = () => required(fields, 'SuiteId');
  switch (infoType) {
    case 'suite_ticket':
      return { infoType, suiteId: suiteId(), timeStamp, suiteTicket: required(fields, 'SuiteTicket') };
    case 'create_auth':
      return withOptional({ infoType, suiteId: suiteId(), timeStamp, authCode: required(fields, 'AuthCode') }, { state: text(fields, 'State') });
    case 'reset_permanent_code':
      return { infoType, suiteId: suiteId(), timeStamp, authCode: required(fields, 'AuthCode') };
    case 'change_auth':
      return withOptional({ infoType, suiteId: suiteId(), timeStamp, authCorpId: required(fields, 'AuthCorpId') }, { state: text(fields, 'State') });
    case 'cancel_auth':
      return { infoType, suiteId: suiteId(), timeStamp, authCorpId: required(fields, 'AuthCorpId') };
    case 'change_external_contact':
      return withOptional(
        { infoType, suiteId: suiteId(), timeStamp, authCorpId: required(fields, 'AuthCorpId'), changeType: required(fields, 'ChangeType') },
        {
          userId: text(fields, 'UserID'),
          externalUserId: text(fields, 'ExternalUserID'),
          state: text(fields, 'State'),
          welcomeCode: text(fields, 'WelcomeCode'),
          source: text(fields, 'Source'),
          failReason: text(fields, 'FailReason'),
        },
      );
    case 'change_contact': {
      const rest: Record<string, string> = {};
      for (const [name, value] of Object.entries(fields)) {
        if (typeof value === 'string' && !['SuiteId', 'AuthCorpId', 'InfoType', 'TimeStamp', 'ChangeType'].includes(name)) rest[name] = value.trim();
      }
      return { infoType, suiteId: suiteId(), timeStamp, authCorpId: required(fields, 'AuthCorpId'), changeType: required(fields, 'ChangeType'), fields: rest };
    }
    case 'register_corp': {
      const authUser = fields.AuthUserInfo;
      const authUserId = authUser && typeof authUser === 'object' && !Array.isArray(authUser) ? text(authUser, 'UserId') : undefined;
      // `ContactSync` carries an access token: never read, so never kept.
      return withOptional(
        {
          infoType,
          serviceCorpId: required(fields, 'ServiceCorpId'),
          timeStamp,
          registerCode: required(fields, 'RegisterCode'),
          authCorpId: required(fields, 'AuthCorpId'),
        },
        { state: text(fields, 'State'), templateId: text(fields, 'TemplateId'), authUserId },
      );
    }
    default:
      return { infoType: 'other', rawInfoType: infoType, timeStamp };
  }
}
