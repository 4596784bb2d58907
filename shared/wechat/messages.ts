/**
 * Typed views of the XML the hub receives and sends: the encrypted envelope (WECHAT.md §1.7), the
 * authorization-event pushes (§3) and an authorized account's messages and events (§6.4, §9).
 * Optional fields that arrive empty (a normal follow carries `<EventKey><![CDATA[]]></EventKey>`)
 * are left out rather than returned as empty strings.
 */
import { buildXml, parseFlatXml, WeChatXmlError } from './xml.ts';

export interface EncryptedEnvelope {
  encrypt: string;
  toUserName?: string;
  appId?: string;
}

function required(fields: Record<string, string>, name: string): string {
  const value = fields[name];
  if (value === undefined || value === '') throw new WeChatXmlError('malformed', `<${name}> is missing`);
  return value;
}

function optional(fields: Record<string, string>, name: string): string | undefined {
  const value = fields[name];
  return value === undefined || value === '' ? undefined : value;
}

function unixSeconds(fields: Record<string, string>, name: string): number {
  const text = required(fields, name).trim();
  const value = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(value)) throw new WeChatXmlError('malformed', `<${name}> is not a unix time`);
  return value;
}

function withOptional<T extends object>(base: T, extra: Record<string, string | undefined>): T {
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  return base;
}

/** Reads `<Encrypt>` and ignores plaintext siblings (compatibility mode sends both). */
export function parseEnvelope(xmlText: string): EncryptedEnvelope {
  const fields = parseFlatXml(xmlText);
  return withOptional<EncryptedEnvelope>(
    { encrypt: required(fields, 'Encrypt') },
    { toUserName: optional(fields, 'ToUserName'), appId: optional(fields, 'AppId') },
  );
}

export type ComponentPush =
  | { infoType: 'component_verify_ticket'; appId: string; createTime: number; ticket: string }
  | {
      infoType: 'authorized' | 'updateauthorized';
      appId: string;
      createTime: number;
      authorizerAppid: string;
      authorizationCode: string;
      /** unix seconds */
      authorizationCodeExpiresAt: number;
      preAuthCode?: string;
    }
  | { infoType: 'unauthorized'; appId: string; createTime: number; authorizerAppid: string }
  | { infoType: 'other'; appId: string; createTime: number; rawInfoType: string };

/**
 * The doc calls AuthorizationCodeExpiredTime "seconds" while captured pushes carry an absolute time
 * (CreateTime + 3600): a value past CreateTime is absolute, anything else a lifetime from CreateTime.
 */
function authorizationCodeExpiry(expiredTime: number, createTime: number): number {
  return expiredTime > createTime ? expiredTime : createTime + expiredTime;
}

export function parseComponentPush(plainXml: string): ComponentPush {
  const fields = parseFlatXml(plainXml);
  const infoType = required(fields, 'InfoType');
  const appId = required(fields, 'AppId');
  const createTime = unixSeconds(fields, 'CreateTime');
  switch (infoType) {
    case 'component_verify_ticket':
      return { infoType, appId, createTime, ticket: required(fields, 'ComponentVerifyTicket') };
    case 'authorized':
    case 'updateauthorized':
      return withOptional(
        {
          infoType,
          appId,
          createTime,
          authorizerAppid: required(fields, 'AuthorizerAppid'),
          authorizationCode: required(fields, 'AuthorizationCode'),
          authorizationCodeExpiresAt: authorizationCodeExpiry(unixSeconds(fields, 'AuthorizationCodeExpiredTime'), createTime),
        },
        { preAuthCode: optional(fields, 'PreAuthCode') },
      );
    case 'unauthorized':
      return { infoType, appId, createTime, authorizerAppid: required(fields, 'AuthorizerAppid') };
    default:
      return { infoType: 'other', appId, createTime, rawInfoType: infoType };
  }
}

export type AccountMessage =
  | { kind: 'text'; toUserName: string; fromUserName: string; createTime: number; content: string; msgId?: string }
  | { kind: 'event'; toUserName: string; fromUserName: string; createTime: number; event: string; eventKey?: string; ticket?: string }
  | { kind: 'other'; toUserName: string; fromUserName: string; createTime: number; msgType: string; msgId?: string };

/** `Content` may legitimately be any text (even blank), so only its presence is required. */
export function parseAccountMessage(plainXml: string): AccountMessage {
  const fields = parseFlatXml(plainXml);
  const common = {
    toUserName: required(fields, 'ToUserName'),
    fromUserName: required(fields, 'FromUserName'),
    createTime: unixSeconds(fields, 'CreateTime'),
  };
  const msgType = required(fields, 'MsgType');
  switch (msgType) {
    case 'text': {
      const content = fields.Content;
      if (content === undefined) throw new WeChatXmlError('malformed', '<Content> is missing');
      return withOptional({ kind: 'text' as const, ...common, content }, { msgId: optional(fields, 'MsgId') });
    }
    case 'event':
      return withOptional(
        { kind: 'event' as const, ...common, event: required(fields, 'Event') },
        { eventKey: optional(fields, 'EventKey'), ticket: optional(fields, 'Ticket') },
      );
    default:
      return withOptional({ kind: 'other' as const, ...common, msgType }, { msgId: optional(fields, 'MsgId') });
  }
}

/** A passive text reply; the caller swaps ToUserName/FromUserName of the message it answers. */
export function buildTextReply(o: { toUserName: string; fromUserName: string; createTime: number; content: string }): string {
  return buildXml({
    ToUserName: o.toUserName,
    FromUserName: o.fromUserName,
    CreateTime: o.createTime,
    MsgType: 'text',
    Content: o.content,
  });
}

/** The encrypted reply body (WECHAT.md §1.6). TimeStamp stays a string unless it reads back identically as a number: it was signed as text. */
export function buildEncryptedReply(sealed: { encrypt: string; msgSignature: string; timestamp: string; nonce: string }): string {
  const timestamp = /^(0|[1-9]\d{0,14})$/.test(sealed.timestamp) ? Number(sealed.timestamp) : sealed.timestamp;
  return buildXml({
    Encrypt: sealed.encrypt,
    MsgSignature: sealed.msgSignature,
    TimeStamp: timestamp,
    Nonce: sealed.nonce,
  });
}
