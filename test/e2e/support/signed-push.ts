/** Builds pushes the way WeChat sends them, so tests can also build the ones WeChat never would. */
import { randomBytes } from 'node:crypto';
import { MessageCrypto, msgSignature, plainSignature } from '#shared/wechat/crypto.ts';
import { buildXml } from '#shared/wechat/xml.ts';

export interface PushCredentials {
  componentAppId: string;
  token: string;
  aesKey: string;
}

export interface SignedPush {
  query: URLSearchParams;
  body: string;
}

export function signedPush(
  credentials: PushCredentials,
  plaintext: string,
  options: { timestamp?: number; envelope?: Record<string, string> } = {},
): SignedPush {
  const crypto = new MessageCrypto({ token: credentials.token, encodingAesKey: credentials.aesKey, appId: credentials.componentAppId });
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const sealed = crypto.seal(plaintext, { timestamp, nonce });
  const query = new URLSearchParams({
    signature: plainSignature(credentials.token, timestamp, nonce),
    timestamp,
    nonce,
    encrypt_type: 'aes',
    msg_signature: sealed.msgSignature,
  });
  return { query, body: buildXml({ ...(options.envelope ?? { AppId: credentials.componentAppId }), Encrypt: sealed.encrypt }) };
}

/** Re-signs a body with the token, as an attacker who knows the token but not the key would. */
export function resign(credentials: PushCredentials, push: SignedPush, encrypt: string): SignedPush {
  const query = new URLSearchParams(push.query);
  query.set('msg_signature', msgSignature(credentials.token, query.get('timestamp') ?? '', query.get('nonce') ?? '', encrypt));
  return { query, body: buildXml({ AppId: credentials.componentAppId, Encrypt: encrypt }) };
}

export function ticketPush(componentAppId: string, ticket: string, createTime: number): string {
  return buildXml({ AppId: componentAppId, CreateTime: createTime, InfoType: 'component_verify_ticket', ComponentVerifyTicket: ticket });
}
