/**
 * `wechatRoute` builds the handler of a route that WeChat's servers call (API.md §2). No bearer
 * token: every request proves itself with WeChat's signature. The stack: observability, the error
 * envelope, header normalization, a 64 KiB raw-body limit (WeChat's pushes are a few KB), then:
 *
 * - GET with `echostr`: the URL check, answered with the echostr verbatim (plain text, `nosniff`)
 *   after `signature` verifies and its `timestamp` is within `WECHAT_MAX_CLOCK_SKEW_SECONDS`;
 * - POST: `encrypt_type=aes` required, `timestamp` within `WECHAT_MAX_CLOCK_SKEW_SECONDS`,
 *   `msg_signature` verified in constant time, decrypted with the current key then the previous one,
 *   the plaintext's appid checked against the component's; then the delivery rules of
 *   `shared/domain/messages/push-delivery.ts`, because the signature does not cover the URL: on an
 *   account's message URL (the one WeChat route with `{appid}` in its path) the plaintext's
 *   `ToUserName` must be that account's, and each signature is processed once, on the URL that first
 *   got it (WeChat re-sending it there is answered `success`; another URL is refused). Only then does
 *   the route's function get the plaintext.
 *
 * Anything that fails is a 4xx and reaches no use case, so nothing changes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { wechatCredentials, type WeChatCredentials } from '#shared/config/wechat-credentials.ts';
import { DynamoAccountUserNames, DynamoPushSignatures } from '#shared/adapters/dynamodb/push-deliveries.ts';
import { db, tableName } from '#shared/db/client.ts';
import { checkAddressee, deliverOnce, type AccountUserNames, type PushDeliveryDeps, type PushUrl } from '#shared/domain/messages/push-delivery.ts';
import { NotFound, Unauthorized, ValidationFailed } from '#shared/errors/domain-errors.ts';
import type { JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack, bodyLimit, rawBody } from '#shared/http/middleware.ts';
import { appIdSchema, issuesOf } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { MessageCrypto, WeChatCryptoError } from '#shared/wechat/crypto.ts';
import { parseAccountMessage, parseEnvelope } from '#shared/wechat/messages.ts';
import { WeChatXmlError } from '#shared/wechat/xml.ts';

export const WECHAT_BODY_LIMIT_BYTES = 64 * 1024;

export type WeChatEvent = APIGatewayProxyEventV2;

export interface OpenedPush {
  /** The decrypted plaintext (XML). */
  plaintext: string;
  /** Which EncodingAESKey opened it: a reply must be sealed with the same one. */
  key: 'current' | 'previous';
  crypto: MessageCrypto;
  query: PushQuery;
  event: WeChatEvent;
}

export interface WeChatReply {
  status?: number;
  contentType?: string;
  body: string;
}

const digits = v.pipe(v.string(), v.regex(/^\d{1,12}$/, 'must be digits'));
const hex40 = v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/i, 'must be a 40-character hex signature'));
const nonce = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

const urlCheckQuery = v.object({ signature: hex40, timestamp: digits, nonce, echostr: v.pipe(v.string(), v.minLength(1), v.maxLength(256)) });
const pushQuery = v.object({
  timestamp: digits,
  nonce,
  msg_signature: hex40,
  encrypt_type: v.literal('aes', 'must be aes: the hub accepts secure-mode pushes only'),
  signature: v.optional(v.string()),
  openid: v.optional(v.pipe(v.string(), v.maxLength(128))),
});
export type PushQuery = v.InferOutput<typeof pushQuery>;

function parseQuery<T extends v.GenericSchema>(schema: T, event: WeChatEvent): v.InferOutput<T> {
  const result = v.safeParse(schema, event.queryStringParameters ?? {});
  if (!result.success) throw new ValidationFailed(issuesOf('query', result.issues));
  return result.output;
}

let cachedCrypto: { credentials: WeChatCredentials; crypto: MessageCrypto } | undefined;

/** One MessageCrypto per set of credentials (they rotate through Secrets Manager). */
export async function componentCrypto(): Promise<MessageCrypto> {
  const credentials = await wechatCredentials();
  if (cachedCrypto?.credentials !== credentials) {
    cachedCrypto = {
      credentials,
      crypto: new MessageCrypto({
        token: credentials.token,
        encodingAesKey: credentials.aesKey,
        ...(credentials.previousAesKey ? { previousEncodingAesKey: credentials.previousAesKey } : {}),
        appId: credentials.componentAppId,
      }),
    };
  }
  return cachedCrypto.crypto;
}

function checkClock(timestamp: string, nowSeconds: number): void {
  const skew = config().maxClockSkewSeconds;
  if (skew > 0 && Math.abs(nowSeconds - Number(timestamp)) > skew) {
    throw new Unauthorized(`The push timestamp is more than ${skew} seconds from the hub's clock.`);
  }
}

/** Verifies and decrypts a POSTed push. Exported for the tests of the verification rules. */
export async function openPush(event: WeChatEvent, nowSeconds = Math.floor(Date.now() / 1000)): Promise<OpenedPush> {
  const query = parseQuery(pushQuery, event);
  checkClock(query.timestamp, nowSeconds);
  const crypto = await componentCrypto();
  try {
    const envelope = parseEnvelope(rawBody(event));
    const opened = crypto.open({ msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, encrypt: envelope.encrypt });
    return { plaintext: opened.message, key: opened.key, crypto, query, event };
  } catch (error) {
    if (error instanceof WeChatXmlError) {
      throw new ValidationFailed([{ field: 'body', message: `is not a WeChat push envelope (${error.reason})` }]);
    }
    if (error instanceof WeChatCryptoError) {
      // The path is the caller's input: bounded.
      logger.warn('Refused a push that failed verification', { reason: error.reason, path: event.rawPath.slice(0, 200) });
      if (error.reason === 'bad_signature' || error.reason === 'foreign_appid') {
        throw new Unauthorized('The push is not signed for this component.');
      }
      throw new ValidationFailed([{ field: 'body', message: 'could not be decrypted with the component key' }]);
    }
    throw error;
  }
}

/** Parses a decrypted plaintext; XML that does not hold what the push type needs is a 400. */
export function parsePlaintext<T>(plaintext: string, parse: (xml: string) => T): T {
  try {
    return parse(plaintext);
  } catch (error) {
    if (error instanceof WeChatXmlError) {
      throw new ValidationFailed([{ field: 'body', message: `the decrypted message is not valid (${error.reason})` }]);
    }
    throw error;
  }
}

/** `nosniff`: the URL check echoes caller input, which must never be taken for HTML. */
function textResponse(status: number, body: string, contentType = 'text/plain; charset=utf-8'): JsonResponse {
  return { statusCode: status, headers: { 'content-type': contentType, 'x-content-type-options': 'nosniff' }, body };
}

/** What the delivery rules read and write: the table, unless a test hands in its own. */
export interface WeChatRouteDeps {
  deliveries: PushDeliveryDeps;
  userNames: AccountUserNames;
}

let defaultDeps: WeChatRouteDeps | undefined;

/** Built on the first push, so that loading a WeChat handler needs no table. */
function tableDeps(): WeChatRouteDeps {
  defaultDeps ??= {
    deliveries: {
      signatures: new DynamoPushSignatures(db(), tableName()),
      nowSeconds: () => Math.floor(Date.now() / 1000),
      maxClockSkewSeconds: config().maxClockSkewSeconds,
      log: { warn: (message, extra) => logger.warn(message, { ...extra }) },
    },
    userNames: new DynamoAccountUserNames(db(), tableName()),
  };
  return defaultDeps;
}

/** The message URL names its account in the path (`…/accounts/$APPID$/messages`); the component URL names none. */
function pushUrlOf(event: WeChatEvent): PushUrl {
  const appid = event.pathParameters?.appid;
  if (appid === undefined) return { kind: 'component' };
  const checked = v.safeParse(appIdSchema, appid);
  if (!checked.success) throw new ValidationFailed(issuesOf('path.appid', checked.issues));
  return { kind: 'account', appid: checked.output };
}

export function wechatRoute(onPush: (push: OpenedPush) => Promise<WeChatReply>, options: { deps?: () => WeChatRouteDeps } = {}) {
  const deps = options.deps ?? tableDeps;
  return middy<WeChatEvent, JsonResponse>()
    .use(baseHttpStack())
    .use(bodyLimit(WECHAT_BODY_LIMIT_BYTES))
    .handler(async (event) => {
      const method = event.requestContext.http.method;
      if (method === 'GET') {
        const query = parseQuery(urlCheckQuery, event);
        checkClock(query.timestamp, Math.floor(Date.now() / 1000));
        const crypto = await componentCrypto();
        if (!crypto.verifyPlain({ signature: query.signature, timestamp: query.timestamp, nonce: query.nonce })) {
          throw new Unauthorized('The URL check is not signed with the component token.');
        }
        return textResponse(200, query.echostr);
      }
      if (method !== 'POST') throw new NotFound('WeChat routes accept GET and POST only.');
      const push = await openPush(event);
      const url = pushUrlOf(event);
      const { deliveries, userNames } = deps();
      if (url.kind === 'account') {
        const message = parsePlaintext(push.plaintext, parseAccountMessage);
        await checkAddressee(url.appid, message.toUserName, userNames);
      }
      const delivery = await deliverOnce({ signature: push.query.msg_signature, timestamp: Number(push.query.timestamp) }, url, deliveries, () => onPush(push));
      // WeChat re-sent a push the hub already processed: `success` stops its re-sending.
      if (delivery.kind === 'duplicate') return textResponse(200, 'success');
      const reply = delivery.result;
      return textResponse(reply.status ?? 200, reply.body, reply.contentType);
    });
}
