/**
 * Pushes to the hub, as WeChat sends them (WECHAT.md §1.7): the plaintext XML sealed with the
 * component's MessageCrypto, wrapped in the `<AppId>` envelope (authorization-event URL) or the
 * `<ToUserName>` envelope (message URL), with `signature, timestamp, nonce, encrypt_type=aes,
 * msg_signature` (+ `openid` on the message URL) in the query. WeChat gives up after 5 seconds.
 *
 * The query `timestamp` is real time, not the simulator's movable clock: the hub rejects pushes
 * whose timestamp is far from its own clock, and WeChat signs with the time it sends.
 */
import { randomBytes } from 'node:crypto';
import { MessageCrypto, plainSignature } from '#shared/wechat/crypto.ts';
import { buildXml, parseFlatXml } from '#shared/wechat/xml.ts';
import type { SimulatorCredentials } from './accounts.ts';

const PUSH_TIMEOUT_MS = 5_000;

export class HubPusher {
  readonly hubBaseUrl: string | undefined;
  readonly #credentials: SimulatorCredentials;
  readonly #crypto: MessageCrypto;

  constructor(hubBaseUrl: string | undefined, credentials: SimulatorCredentials) {
    this.hubBaseUrl = hubBaseUrl?.replace(/\/+$/, '');
    this.#credentials = credentials;
    this.#crypto = new MessageCrypto({ token: credentials.token, encodingAesKey: credentials.aesKey, appId: credentials.componentAppId });
  }

  /** To the authorization-event URL. Undefined when no hub is configured. */
  async pushComponent(fields: Record<string, string | number>): Promise<Response | undefined> {
    if (!this.hubBaseUrl) return undefined;
    return this.#post(`${this.hubBaseUrl}/v1/wechat/component`, fields, { AppId: this.#credentials.componentAppId }, {});
  }

  /** To the message URL of `appid` (WeChat substitutes `$APPID$`), with `openid` = the sender. */
  async pushAccount(appid: string, userName: string, fields: Record<string, string | number>, openid: string): Promise<Response> {
    if (!this.hubBaseUrl) throw new Error('the simulator was started without hubBaseUrl: there is nowhere to push');
    return this.#post(`${this.hubBaseUrl}/v1/wechat/accounts/${encodeURIComponent(appid)}/messages`, fields, { ToUserName: userName }, { openid });
  }

  /**
   * A passive reply as WeChat reads it (WECHAT.md §1.6): `<Encrypt>`, `<MsgSignature>`, `<TimeStamp>`,
   * `<Nonce>`; the signature verified and the ciphertext decrypted with the component's key and appid.
   * Returns the reply's XML; throws when any of that fails.
   */
  openReply(body: string): string {
    const envelope = parseFlatXml(body);
    const { Encrypt: encrypt, MsgSignature: msgSignature, TimeStamp: timestamp, Nonce: nonce } = envelope;
    if (!encrypt || !msgSignature || !timestamp || !nonce) throw new Error('an Encrypt, MsgSignature, TimeStamp or Nonce is missing');
    return this.#crypto.open({ msgSignature, timestamp, nonce, encrypt }).message;
  }

  async #post(url: string, fields: Record<string, string | number>, envelope: Record<string, string>, extraQuery: Record<string, string>): Promise<Response> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE(0));
    const sealed = this.#crypto.seal(buildXml(fields), { timestamp, nonce });
    const query = new URLSearchParams({
      signature: plainSignature(this.#credentials.token, timestamp, nonce),
      timestamp,
      nonce,
      ...extraQuery,
      encrypt_type: 'aes',
      msg_signature: sealed.msgSignature,
    });
    return fetch(`${url}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: buildXml({ ...envelope, Encrypt: sealed.encrypt }),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  }
}
