/**
 * WeCom callback crypto (WXBizMsgCrypt for WeCom, WECOM.md §1). The AES/SHA-1 core is WeChat's
 * (`shared/wechat/crypto.ts`: the same frame, PKCS#7 to 32 bytes so pads 1..32 open, strict base64);
 * what differs is here:
 *
 * - the trailing id of the frame (ReceiveId) is not a single appid: it is the suite id on 指令回调
 *   POSTs, the provider corpid on GET URL checks and system events, the corp's id on 数据回调 POSTs
 *   (§1.3). The signature is the authentication; the ReceiveId is only checked against the accepted
 *   ids and reported (`receiveIdAccepted`), never refused on (§1.3 "Recommended policy");
 * - the GET URL check's `echostr` is encrypted and signed with `msg_signature` (§1.4): the answer is
 *   its decrypted plaintext.
 *
 * Errors are `WeChatCryptoError`s carrying no key material, plaintext or ciphertext.
 */
import { createHash } from 'node:crypto';
import { decryptMessage, deriveAesKey, encryptMessage, msgSignature, signaturesEqual, WeChatCryptoError } from '#shared/wechat/crypto.ts';

export { WeChatCryptoError } from '#shared/wechat/crypto.ts';

export interface WeComCryptoOptions {
  /** The callback Token (up to 32 letters/digits). */
  token: string;
  /** The 43-character EncodingAESKey. */
  encodingAesKey: string;
}

export interface OpenedWeComMessage {
  message: string;
  /** The frame's trailing id (suite id, provider corpid, a corp id, or empty). */
  receiveId: string;
  /** Whether `receiveId` is one the caller listed; a stranger is logged by `receiveIdDigest`, not refused. */
  receiveIdAccepted: boolean;
}

/** A short digest of an id for logs: an unexpected ReceiveId is reported without writing it out. */
export function receiveIdDigest(receiveId: string): string {
  return createHash('sha256').update(receiveId, 'utf8').digest('hex').slice(0, 12);
}

export class WeComCrypto {
  readonly #token: string;
  readonly #key: Buffer;

  constructor(options: WeComCryptoOptions) {
    if (!options.token) throw new TypeError('token is required');
    this.#token = options.token;
    this.#key = deriveAesKey(options.encodingAesKey);
  }

  /** `msg_signature` over the token, timestamp, nonce and the ciphertext (an `Encrypt` or an `echostr`). */
  verify(q: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }): boolean {
    return signaturesEqual(msgSignature(this.#token, q.timestamp, q.nonce, q.encrypt), q.msgSignature);
  }

  /**
   * Verifies the signature, then decrypts. `acceptedIds` are the ReceiveIds expected on this URL;
   * an empty ReceiveId (a personal-subject app, §1.3) counts as accepted only when listed.
   */
  open(q: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }, acceptedIds: Iterable<string>): OpenedWeComMessage {
    if (!this.verify(q)) throw new WeChatCryptoError('bad_signature');
    const { message, appId } = decryptMessage(q.encrypt, this.#key);
    const accepted = new Set(acceptedIds);
    return { message, receiveId: appId, receiveIdAccepted: accepted.has(appId) };
  }

  /** The GET URL check (§1.4): the signed, encrypted `echostr` opened; its plaintext is the answer. */
  openEcho(q: { msgSignature: string; timestamp: string; nonce: string; echostr: string }, acceptedIds: Iterable<string>): OpenedWeComMessage {
    return this.open({ msgSignature: q.msgSignature, timestamp: q.timestamp, nonce: q.nonce, encrypt: q.echostr }, acceptedIds);
  }

  /** Seals `message` for `receiveId` (tests, the simulator's side, encrypted replies). */
  seal(message: string, o: { receiveId: string; timestamp: string; nonce: string; random?: Buffer }): { encrypt: string; msgSignature: string } {
    const encrypt = encryptMessage(message, this.#key, o.receiveId, o.random);
    return { encrypt, msgSignature: msgSignature(this.#token, o.timestamp, o.nonce, encrypt) };
  }
}
