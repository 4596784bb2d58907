/**
 * `wecomRoute` builds the handler of a route WeCom's servers call (API.md §2 `/v1/wecom/suite`, the
 * provider's system-event URL `/v1/wecom/system`): no bearer token, every request proves itself with
 * WeCom's `msg_signature` (WECOM.md §1). The stack: observability, the error envelope, header
 * normalization, a 64 KiB raw-body limit, then:
 *
 * - GET: the URL check (§1.4): `timestamp` within `WECHAT_MAX_CLOCK_SKEW_SECONDS`, `msg_signature`
 *   over the encrypted `echostr`, which is decrypted and answered as plain text (no quotes, BOM or
 *   newline);
 * - POST: `timestamp` within the window, `msg_signature` verified, decrypted (pads 1..32), then the
 *   plaintext parsed (`parseSuitePush`) and handed to the route's function, which answers `success`.
 *
 * The ReceiveId (§1.3) is checked against the accepted ids — the suite id, the provider corpid, the
 * envelope's `ToUserName`, a `corpid` query value, a corp the hub holds — and a stranger is logged by
 * a digest, never refused: the signature is the authentication. The Token / EncodingAESKey are the
 * suite's, or on the system-event URL the provider's own when configured (§1.2).
 *
 * Anything that fails verification is a 4xx and reaches no use case, so nothing changes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { wecomCredentials } from '#shared/config/wecom.ts';
import type { WeComCallbackEvent, WeComCredentials } from '#shared/domain/wecom/ports.ts';
import { NotFound, Unauthorized, ValidationFailed } from '#shared/errors/domain-errors.ts';
import type { JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack, bodyLimit, rawBody } from '#shared/http/middleware.ts';
import { issuesOf } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { receiveIdDigest, WeChatCryptoError, WeComCrypto } from '#shared/wecom/crypto.ts';
import { parseSuitePush, parseWeComEnvelope } from '#shared/wecom/messages.ts';
import { WeChatXmlError } from '#shared/wechat/xml.ts';

export const WECOM_BODY_LIMIT_BYTES = 64 * 1024;

export type WeComChannel = 'suite' | 'system';

const digits = v.pipe(v.string(), v.regex(/^\d{1,12}$/, 'must be digits'));
const hex40 = v.pipe(v.string(), v.regex(/^[0-9a-f]{40}$/i, 'must be a 40-character hex signature'));
const nonce = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const corpid = v.optional(v.pipe(v.string(), v.maxLength(128)));

const urlCheckQuery = v.object({ msg_signature: hex40, timestamp: digits, nonce, echostr: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)), corpid });
const pushQuery = v.object({ msg_signature: hex40, timestamp: digits, nonce, corpid });

function parseQuery<T extends v.GenericSchema>(schema: T, event: APIGatewayProxyEventV2): v.InferOutput<T> {
  const result = v.safeParse(schema, event.queryStringParameters ?? {});
  if (!result.success) throw new ValidationFailed(issuesOf('query', result.issues));
  return result.output;
}

function checkClock(timestamp: string, nowSeconds: number): void {
  const skew = config().maxClockSkewSeconds;
  if (skew > 0 && Math.abs(nowSeconds - Number(timestamp)) > skew) {
    throw new Unauthorized(`The push timestamp is more than ${skew} seconds from the hub's clock.`);
  }
}

let cached: { credentials: WeComCredentials; suite: WeComCrypto; system: WeComCrypto } | undefined;

/** One WeComCrypto per channel and set of credentials. */
export async function wecomCrypto(channel: WeComChannel): Promise<{ crypto: WeComCrypto; credentials: WeComCredentials }> {
  const credentials = await wecomCredentials();
  if (cached?.credentials !== credentials) {
    const suite = new WeComCrypto({ token: credentials.token, encodingAesKey: credentials.aesKey });
    const system =
      credentials.systemToken && credentials.systemAesKey
        ? new WeComCrypto({ token: credentials.systemToken, encodingAesKey: credentials.systemAesKey })
        : suite;
    cached = { credentials, suite, system };
  }
  return { crypto: cached[channel], credentials };
}

function textResponse(status: number, body: string): JsonResponse {
  return { statusCode: status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body };
}

function cryptoRefusal(error: WeChatCryptoError, path: string): Error {
  logger.warn('Refused a WeCom request that failed verification', { reason: error.reason, path: path.slice(0, 200) });
  if (error.reason === 'bad_signature') return new Unauthorized('The request is not signed with the suite token.');
  return new ValidationFailed([{ field: 'body', message: 'could not be decrypted with the suite key' }]);
}

export interface WeComRouteOptions {
  /** Whether a ReceiveId names a corp the hub holds (data callbacks carry the corp's id). */
  isKnownCorp?: (corpId: string) => Promise<boolean>;
}

/** The provider's system-event URL ends in `/system`; every other WeCom URL is the suite's. */
export const channelOf = (event: APIGatewayProxyEventV2): WeComChannel => (event.rawPath.endsWith('/system') ? 'system' : 'suite');

async function reportReceiveId(opened: { receiveId: string; receiveIdAccepted: boolean }, options: WeComRouteOptions, channel: WeComChannel): Promise<void> {
  if (opened.receiveIdAccepted) return;
  if (opened.receiveId && options.isKnownCorp && (await options.isKnownCorp(opened.receiveId))) return;
  // Not refused (WECOM.md §1.3): reported by a digest, never the id itself.
  logger.warn('A verified WeCom request carried an unexpected ReceiveId', { receiveIdDigest: receiveIdDigest(opened.receiveId), channel });
}

export function wecomRoute(onPush: (push: WeComCallbackEvent) => Promise<void>, options: WeComRouteOptions = {}) {
  return middy<APIGatewayProxyEventV2, JsonResponse>()
    .use(baseHttpStack())
    .use(bodyLimit(WECOM_BODY_LIMIT_BYTES))
    .handler(async (event) => {
      const method = event.requestContext.http.method;
      const nowSeconds = Math.floor(Date.now() / 1000);
      const channel = channelOf(event);
      if (method === 'GET') {
        const query = parseQuery(urlCheckQuery, event);
        checkClock(query.timestamp, nowSeconds);
        const { crypto, credentials } = await wecomCrypto(channel);
        const accepted = [credentials.providerCorpId, credentials.suiteId, ...(query.corpid ? [query.corpid] : [])];
        try {
          const opened = crypto.openEcho(
            { msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, echostr: query.echostr },
            accepted,
          );
          await reportReceiveId(opened, options, channel);
          return textResponse(200, opened.message);
        } catch (error) {
          if (error instanceof WeChatCryptoError) throw cryptoRefusal(error, event.rawPath);
          throw error;
        }
      }
      if (method !== 'POST') throw new NotFound('WeCom routes accept GET and POST only.');
      const query = parseQuery(pushQuery, event);
      checkClock(query.timestamp, nowSeconds);
      const { crypto, credentials } = await wecomCrypto(channel);
      let push: WeComCallbackEvent;
      try {
        const envelope = parseWeComEnvelope(rawBody(event));
        const accepted = [
          credentials.suiteId,
          credentials.providerCorpId,
          ...(envelope.toUserName ? [envelope.toUserName] : []),
          ...(query.corpid ? [query.corpid] : []),
        ];
        const opened = crypto.open({ msgSignature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, encrypt: envelope.encrypt }, accepted);
        await reportReceiveId(opened, options, channel);
        push = parseSuitePush(opened.message);
      } catch (error) {
        if (error instanceof WeChatCryptoError) throw cryptoRefusal(error, event.rawPath);
        if (error instanceof WeChatXmlError) throw new ValidationFailed([{ field: 'body', message: `is not a WeCom push (${error.reason})` }]);
        throw error;
      }
      await onPush(push);
      return textResponse(200, 'success');
    });
}
