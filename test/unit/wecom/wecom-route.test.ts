/**
 * `wecomRoute`: the URL check with the encrypted echostr, a verified POST reaching the route's
 * function and answered `success`, what it refuses before any use case runs, and the ReceiveId
 * policy (a stranger logged by digest, never refused).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetConfigForTests } from '#shared/config/config.ts';
import { resetWeComConfigForTests } from '#shared/config/wecom.ts';
import type { WeComCallbackEvent } from '#shared/domain/wecom/ports.ts';
import { wecomRoute } from '#shared/http/wecom-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { WeComCrypto } from '#shared/wecom/crypto.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const SUITE = 'ww5e1fc0ffee000001';
const PROVIDER = 'wwc0ffee5e1f000001';
const env: Record<string, string> = {
  WECOM_SUITE_ID: SUITE,
  WECOM_SUITE_SECRET: 'suite-secret',
  WECOM_SUITE_TOKEN: 'QDG6eK',
  WECOM_SUITE_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  WECOM_PROVIDER_CORPID: PROVIDER,
  WECHAT_MAX_CLOCK_SKEW_SECONDS: '300',
};
const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
const crypto = new WeComCrypto({ token: env.WECOM_SUITE_TOKEN!, encodingAesKey: env.WECOM_SUITE_AES_KEY! });

const received: WeComCallbackEvent[] = [];
const route = wecomRoute(async (push) => void received.push(push));
type Answer = { statusCode: number; body: string };
const call = (event: ReturnType<typeof consoleEvent>) => route(event as unknown as APIGatewayProxyEventV2, lambdaContext()) as Promise<Answer>;

const nowText = () => String(Math.floor(Date.now() / 1000));
const ticketXml = `<xml><SuiteId><![CDATA[${SUITE}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[t1]]></SuiteTicket></xml>`;

function post(plaintext: string, receiveId: string, o: { timestamp?: string; signature?: string } = {}) {
  const timestamp = o.timestamp ?? nowText();
  const sealed = crypto.seal(plaintext, { receiveId, timestamp, nonce: '42' });
  return consoleEvent({
    method: 'POST',
    path: '/v1/wecom/suite',
    claims: null,
    query: { msg_signature: o.signature ?? sealed.msgSignature, timestamp, nonce: '42' },
    body: `<xml><ToUserName><![CDATA[${receiveId}]]></ToUserName><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`,
    contentType: 'text/xml',
  });
}

describe('the WeCom callback route', () => {
  beforeAll(() => {
    Object.assign(process.env, env);
    resetConfigForTests();
    resetWeComConfigForTests();
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
    resetWeComConfigForTests();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    received.length = 0;
  });

  it('answers the URL check with the decrypted echostr as bare text', async () => {
    const timestamp = nowText();
    const sealed = crypto.seal('1616140317555161061', { receiveId: PROVIDER, timestamp, nonce: '7' });
    const answer = await call(
      consoleEvent({
        method: 'GET',
        path: '/v1/wecom/suite',
        claims: null,
        query: { msg_signature: sealed.msgSignature, timestamp, nonce: '7', echostr: sealed.encrypt },
      }),
    );
    expect([answer.statusCode, answer.body]).toEqual([200, '1616140317555161061']);
  });

  it('hands a verified push to the route and answers success', async () => {
    const answer = await call(post(ticketXml, SUITE));
    expect([answer.statusCode, answer.body]).toEqual([200, 'success']);
    expect(received).toEqual([{ infoType: 'suite_ticket', suiteId: SUITE, timeStamp: 1403610513, suiteTicket: 't1' }]);
  });

  it('refuses a push with a wrong signature with 401, before the route runs', async () => {
    const answer = await call(post(ticketXml, SUITE, { signature: 'b'.repeat(40) }));
    expect(answer.statusCode).toBe(401);
    expect(received).toEqual([]);
  });

  it('refuses a push whose timestamp is outside the clock window with 401', async () => {
    const answer = await call(post(ticketXml, SUITE, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) }));
    expect(answer.statusCode).toBe(401);
    expect(received).toEqual([]);
  });

  it('accepts a push sealed for an unexpected ReceiveId and logs only its digest', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const stranger = 'wwStrangerCorp000042';
    const sealed = post(ticketXml, stranger);
    // The envelope's ToUserName would make the id acceptable: this one names the suite instead.
    sealed.body = sealed.body!.replace(stranger, SUITE);
    const answer = await call(sealed);
    expect(answer.statusCode).toBe(200);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls)).not.toContain(stranger);
  });

  it('acks a data-callback message (MsgType, no InfoType) and hands it on as other', async () => {
    const xml = `<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_app_admin]]></Event></xml>`;
    const answer = await call(post(xml, SUITE));
    expect(answer.body).toBe('success');
    expect(received).toEqual([{ infoType: 'other', rawInfoType: 'msg:event/change_app_admin', timeStamp: 1403610513 }]);
  });
});
