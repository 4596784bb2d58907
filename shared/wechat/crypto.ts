/**
 * WeChat message crypto (安全模式, WECHAT.md §1): signatures, the AES-256-CBC frame and the
 * current/previous EncodingAESKey pair of the component.
 *
 * Frame: random(16) || msg_len (uint32 BE) || msg (UTF-8) || appid (ASCII), PKCS#7-padded to a
 * multiple of 32 (not 16) and encrypted with key = AESKey, iv = AESKey[0..16), auto-padding off.
 *
 * Decryption is strict where the SDKs are lenient (they treat a bad pad as "no padding", ignore the
 * appid, and let Node's base64 decoder skip junk): every malformation is an error with a reason.
 * Errors never carry key material, plaintext or ciphertext.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual, type Decipher } from 'node:crypto';
import { isUtf8 } from 'node:buffer';

export type CryptoFailure = 'bad_key' | 'bad_base64' | 'bad_length' | 'bad_padding' | 'bad_frame' | 'foreign_appid' | 'bad_signature';

const failureMessages: Record<CryptoFailure, string> = {
  bad_key: 'EncodingAESKey must be 43 characters of [A-Za-z0-9] decoding to 32 bytes',
  bad_base64: 'ciphertext is not strict standard base64',
  bad_length: 'ciphertext length is not a non-zero multiple of 32 bytes',
  bad_padding: 'plaintext does not end with valid PKCS#7 padding (block size 32)',
  bad_frame: 'plaintext frame is malformed',
  foreign_appid: 'plaintext was sealed for another appid',
  bad_signature: 'signature does not match',
};

export class WeChatCryptoError extends Error {
  override readonly name = 'WeChatCryptoError';
  readonly reason: CryptoFailure;

  constructor(reason: CryptoFailure) {
    super(failureMessages[reason]);
    this.reason = reason;
  }
}

const BLOCK = 32;
const RANDOM_BYTES = 16;
const HEADER_BYTES = RANDOM_BYTES + 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function deriveAesKey(encodingAesKey: string): Buffer {
  if (typeof encodingAesKey !== 'string' || !ENCODING_AES_KEY.test(encodingAesKey)) throw new WeChatCryptoError('bad_key');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WeChatCryptoError('bad_key');
  return key;
}

/** Default `sort()` compares UTF-16 code units, which is the order WeChat uses; `localeCompare` is not. */
function sha1OfSorted(parts: string[]): string {
  return createHash('sha1').update(parts.sort().join(''), 'utf8').digest('hex');
}

export function plainSignature(token: string, timestamp: string, nonce: string): string {
  return sha1OfSorted([token, timestamp, nonce]);
}

export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1OfSorted([token, timestamp, nonce, encrypt]);
}

export function signaturesEqual(expectedHex: string, givenHex: string): boolean {
  if (typeof expectedHex !== 'string' || typeof givenHex !== 'string') return false;
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(givenHex, 'utf8');
  if (expected.length !== given.length) return false;
  return timingSafeEqual(expected, given);
}

function requireAesKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== 32) throw new WeChatCryptoError('bad_key');
}

export function encryptMessage(message: string, key: Buffer, appId: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
  requireAesKey(key);
  if (random.length !== RANDOM_BYTES) throw new RangeError(`random prefix must be ${RANDOM_BYTES} bytes`);
  if (!PRINTABLE_ASCII.test(appId)) throw new TypeError('appid must be printable ASCII');

  const body = Buffer.from(message, 'utf8');
  const frameLength = HEADER_BYTES + body.length + appId.length;
  const pad = BLOCK - (frameLength % BLOCK);
  const padded = Buffer.alloc(frameLength + pad, pad);
  random.copy(padded, 0);
  padded.writeUInt32BE(body.length, RANDOM_BYTES);
  body.copy(padded, HEADER_BYTES);
  padded.write(appId, HEADER_BYTES + body.length, 'latin1');

  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

/** Node's decoder skips characters outside the alphabet and tolerates missing padding; re-encoding exposes both. */
function strictBase64(encrypt: string): Buffer {
  if (typeof encrypt !== 'string' || encrypt.length % 4 !== 0) throw new WeChatCryptoError('bad_base64');
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.toString('base64') !== encrypt) throw new WeChatCryptoError('bad_base64');
  return bytes;
}

/**
 * AES-256-CBC decryption through one long-lived ECB context per key: CBC decryption is
 * P[i] = D(C[i]) XOR C[i-1] (C[-1] = IV), so the block decryptions need no chaining state and the
 * AES key schedule is paid once per key instead of once per message. Encryption cannot do this
 * (each block depends on the previous output) and uses a fresh CBC cipher.
 */
class CbcDecrypter {
  readonly #ecb: Decipher;
  readonly #iv: Buffer;

  constructor(key: Buffer) {
    requireAesKey(key);
    this.#ecb = createDecipheriv('aes-256-ecb', key, null);
    this.#ecb.setAutoPadding(false);
    this.#iv = Buffer.from(key.subarray(0, 16));
  }

  /** `ciphertext.length` must be a non-zero multiple of 16. */
  decrypt(ciphertext: Buffer): Buffer {
    const plain = this.#ecb.update(ciphertext);
    // Without padding an ECB update holds nothing back; anything else would desynchronise every later message.
    if (plain.length !== ciphertext.length) throw new Error('AES-ECB returned a partial update');
    for (let i = plain.length - 1; i >= 16; i--) plain[i]! ^= ciphertext[i - 16]!;
    for (let i = 0; i < 16; i++) plain[i]! ^= this.#iv[i]!;
    return plain;
  }
}

function openFrame(encrypt: string, decrypter: CbcDecrypter): { message: string; appId: string } {
  const ciphertext = strictBase64(encrypt);
  if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) throw new WeChatCryptoError('bad_length');
  const padded = decrypter.decrypt(ciphertext);

  const pad = padded[padded.length - 1]!;
  if (pad < 1 || pad > BLOCK) throw new WeChatCryptoError('bad_padding');
  for (let i = padded.length - pad; i < padded.length; i++) {
    if (padded[i] !== pad) throw new WeChatCryptoError('bad_padding');
  }

  const frame = padded.subarray(0, padded.length - pad);
  if (frame.length < HEADER_BYTES) throw new WeChatCryptoError('bad_frame');
  const messageLength = frame.readUInt32BE(RANDOM_BYTES);
  if (HEADER_BYTES + messageLength > frame.length) throw new WeChatCryptoError('bad_frame');
  const body = frame.subarray(HEADER_BYTES, HEADER_BYTES + messageLength);
  if (!isUtf8(body)) throw new WeChatCryptoError('bad_frame');
  const appId = frame.subarray(HEADER_BYTES + messageLength).toString('latin1');
  if (!PRINTABLE_ASCII.test(appId)) throw new WeChatCryptoError('bad_frame');

  return { message: body.toString('utf8'), appId };
}

export function decryptMessage(encrypt: string, key: Buffer): { message: string; appId: string } {
  return openFrame(encrypt, new CbcDecrypter(key));
}

export interface MessageCryptoOptions {
  token: string;
  encodingAesKey: string;
  previousEncodingAesKey?: string;
  appId: string;
}

type KeyName = 'current' | 'previous';

/**
 * The component's crypto: one Token, one appid, the current EncodingAESKey and, during a rotation,
 * the previous one (WECHAT.md §1.9: decrypt with either, reply with the one that worked).
 */
export class MessageCrypto {
  readonly #token: string;
  readonly #appId: string;
  readonly #keys: ReadonlyArray<{ name: KeyName; key: Buffer; decrypter: CbcDecrypter }>;

  constructor(options: MessageCryptoOptions) {
    if (!options.token) throw new TypeError('token is required');
    if (!options.appId || !PRINTABLE_ASCII.test(options.appId)) throw new TypeError('appId must be non-empty printable ASCII');
    const entry = (name: KeyName, encodingAesKey: string) => {
      const key = deriveAesKey(encodingAesKey);
      return { name, key, decrypter: new CbcDecrypter(key) };
    };
    const keys = [entry('current', options.encodingAesKey)];
    if (options.previousEncodingAesKey !== undefined && options.previousEncodingAesKey !== '') {
      keys.push(entry('previous', options.previousEncodingAesKey));
    }
    this.#token = options.token;
    this.#appId = options.appId;
    this.#keys = keys;
  }

  verifyPlain(q: { signature: string; timestamp: string; nonce: string }): boolean {
    return signaturesEqual(plainSignature(this.#token, q.timestamp, q.nonce), q.signature);
  }

  open(q: { msgSignature: string; timestamp: string; nonce: string; encrypt: string }): { message: string; key: KeyName } {
    if (!signaturesEqual(msgSignature(this.#token, q.timestamp, q.nonce, q.encrypt), q.msgSignature)) {
      throw new WeChatCryptoError('bad_signature');
    }
    let firstFailure: WeChatCryptoError | undefined;
    for (const { name, decrypter } of this.#keys) {
      try {
        const { message, appId } = openFrame(q.encrypt, decrypter);
        if (appId !== this.#appId) throw new WeChatCryptoError('foreign_appid');
        return { message, key: name };
      } catch (error) {
        if (!(error instanceof WeChatCryptoError)) throw error;
        firstFailure ??= error;
        // Encoding and length do not depend on the key: another key cannot do better.
        if (error.reason === 'bad_base64' || error.reason === 'bad_length') break;
      }
    }
    throw firstFailure!;
  }

  seal(
    message: string,
    o: { timestamp: string; nonce: string; key?: KeyName; random?: Buffer },
  ): { encrypt: string; msgSignature: string; timestamp: string; nonce: string } {
    const wanted = o.key ?? 'current';
    const entry = this.#keys.find((k) => k.name === wanted);
    if (!entry) throw new Error(`no ${wanted} EncodingAESKey is configured`);
    const encrypt = encryptMessage(message, entry.key, this.#appId, o.random);
    return { encrypt, msgSignature: msgSignature(this.#token, o.timestamp, o.nonce, encrypt), timestamp: o.timestamp, nonce: o.nonce };
  }
}
