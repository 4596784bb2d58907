/**
 * Pushes to the hub as WeCom sends them (WECOM.md §1.5, §2): the plaintext XML encrypted with the
 * suite's EncodingAESKey (AES-256-CBC, PKCS#7 to a multiple of 32 bytes, ReceiveId appended),
 * `msg_signature = sha1(sort(token, timestamp, nonce, encrypt))`, POSTed to the 指令回调URL
 * `{hub}/v1/wecom/suite?msg_signature&timestamp&nonce` in the envelope
 * `<xml><ToUserName/><Encrypt/><AgentID/></xml>`. ReceiveId and ToUserName are the suite id for
 * suite events, the provider corpid for the provider's system events (`register_corp`, §1.3).
 *
 * A push counts as delivered when the hub answers HTTP 200 with exactly `success`. WeCom retries an
 * undelivered push: 3 tries in all. The query `timestamp` is real time (the hub compares it with
 * its own clock), not the simulator's movable one.
 */
import { randomBytes } from 'node:crypto';
import { deriveAesKey, encryptMessage, msgSignature } from '#shared/wechat/crypto.ts';
import { cdata } from '#shared/wechat/xml.ts';
import type { WeComSimulatorCredentials } from './credentials.ts';

const PUSH_TIMEOUT_MS = 5_000;
/** Auth events must be answered within 1000 ms (WECOM.md §2.2): slower answers are logged. */
const AUTH_EVENT_BUDGET_MS = 1_000;
const AUTH_EVENTS = new Set(['create_auth', 'change_auth', 'cancel_auth']);
export const PUSH_TRIES = 3;

/** An element's value: text (CDATA), a number, or nested elements (register_corp's ContactSync). */
export type XmlFields = { [name: string]: string | number | XmlFields };

export function buildNestedXml(fields: XmlFields, root = 'xml'): string {
  let out = `<${root}>`;
  for (const [name, value] of Object.entries(fields)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`not an XML element name: ${name}`);
    if (typeof value === 'number') out += `<${name}>${String(value)}</${name}>`;
    else if (typeof value === 'string') out += `<${name}>${cdata(value)}</${name}>`;
    else out += buildNestedXml(value, name);
  }
  return `${out}</${root}>`;
}

export interface PushOutcome {
  delivered: boolean;
  tries: number;
  /** The hub's last HTTP status, when it answered. */
  status?: number;
  body?: string;
}

export class WeComPusher {
  readonly hubBaseUrl: string | undefined;
  readonly #credentials: WeComSimulatorCredentials;
  readonly #key: Buffer;
  readonly #log: (line: string) => void;
  readonly #retryDelayMs: number;
  readonly #path: string;

  constructor(o: {
    hubBaseUrl: string | undefined;
    credentials: WeComSimulatorCredentials;
    log: (line: string) => void;
    retryDelayMs?: number;
    path?: string;
  }) {
    this.hubBaseUrl = o.hubBaseUrl?.replace(/\/+$/, '');
    this.#credentials = o.credentials;
    this.#key = deriveAesKey(o.credentials.aesKey);
    this.#log = o.log;
    this.#retryDelayMs = o.retryDelayMs ?? 1_000;
    this.#path = o.path ?? '/v1/wecom/suite';
  }

  /** A suite event (指令回调): ReceiveId and ToUserName = the suite id. */
  suiteEvent(fields: XmlFields, tries = PUSH_TRIES): Promise<PushOutcome> {
    return this.#push(fields, this.#credentials.suiteId, tries);
  }

  /** A provider system event (系统事件, register_corp): ReceiveId and ToUserName = the provider corpid. */
  systemEvent(fields: XmlFields, tries = PUSH_TRIES): Promise<PushOutcome> {
    return this.#push(fields, this.#credentials.providerCorpId, tries);
  }

  /** The sealed request (query string and body); `fixed` pins what is otherwise fresh each time (tests, vectors). */
  seal(fields: XmlFields, receiveId: string, fixed: { timestamp?: string; nonce?: string; random?: Buffer } = {}): { query: URLSearchParams; body: string } {
    const timestamp = fixed.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = fixed.nonce ?? String(randomBytes(4).readUInt32BE(0));
    const encrypt = encryptMessage(buildNestedXml(fields), this.#key, receiveId, fixed.random);
    const query = new URLSearchParams({ msg_signature: msgSignature(this.#credentials.token, timestamp, nonce, encrypt), timestamp, nonce });
    return { query, body: buildNestedXml({ ToUserName: receiveId, Encrypt: encrypt, AgentID: '' }) };
  }

  async #push(fields: XmlFields, receiveId: string, tries: number): Promise<PushOutcome> {
    if (!this.hubBaseUrl) return { delivered: false, tries: 0 };
    const what = String(fields.InfoType ?? 'event') + (typeof fields.ChangeType === 'string' ? `/${fields.ChangeType}` : '');
    let last: PushOutcome = { delivered: false, tries: 0 };
    for (let attempt = 1; attempt <= tries; attempt++) {
      const { query, body } = this.seal(fields, receiveId);
      const started = Date.now();
      try {
        const response = await fetch(`${this.hubBaseUrl}${this.#path}?${query}`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          body,
          signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
        });
        const text = await response.text();
        last = { delivered: response.status === 200 && text === 'success', tries: attempt, status: response.status, body: text.slice(0, 200) };
        const took = Date.now() - started;
        if (last.delivered && AUTH_EVENTS.has(String(fields.InfoType)) && took > AUTH_EVENT_BUDGET_MS) {
          this.#log(`${what} push: the hub answered after ${took} ms; WeCom wants auth events answered within ${AUTH_EVENT_BUDGET_MS} ms`);
        }
        if (last.delivered) return last;
        this.#log(`${what} push (try ${attempt}/${tries}): the hub answered HTTP ${response.status} ${JSON.stringify(last.body)} instead of "success"`);
      } catch (error) {
        last = { delivered: false, tries: attempt };
        this.#log(`${what} push (try ${attempt}/${tries}) to ${this.hubBaseUrl} failed: ${(error as Error).message}`);
      }
      if (attempt < tries) await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs));
    }
    return last;
  }
}
