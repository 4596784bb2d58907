/**
 * Issue 13 on the local stack: the hub's lifecycle events reach the bus from the use cases that cause
 * them (bind, fan sync finished, share, revoke the share, WeChat revocation, unbind), a user's message
 * reaches it as `WeChat Message Received`, and no event, log line or console answer carries a token,
 * a code or a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import type { EventEnvelope } from '#infra/local/event-bus.ts';
import { call, eventually, type Answer } from '#test/e2e/accounts/support.ts';
import { consentThroughSimulator } from '#test/e2e/support/binding.ts';

const OWNER = 't-events-owner';
const RECIPIENT = 't-events-recipient';

describe('the lifecycle of an account on the event bus', () => {
  let stack: LocalStack;
  const envelopes: EventEnvelope[] = [];
  const logLines: string[] = [];
  const answers: Answer[] = [];
  const secrets: string[] = [];
  let appid: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: (line) => logLines.push(line) });
    stack.events.subscribe((envelope) => envelopes.push(envelope));
    const simulator = stack.simulator!;
    const owner = await stack.consoleToken({ tenant: OWNER, admin: true, sub: 'owner-admin' });
    const recipient = await stack.consoleToken({ tenant: RECIPIENT, admin: true, sub: 'recipient-admin' });
    const console = async (method: string, path: string, token: string, body?: unknown) => {
      const answer = await call(stack, { method, path, token, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      answers.push(answer);
      return answer;
    };

    // Bind (the callback's auth_code is a secret the hub must never repeat).
    const account = simulator.addAccount({ nickname: 'events account', serviceType: 'service', verified: true, followers: 5 });
    appid = account.appid;
    const { callbackUrl } = await consentThroughSimulator(stack, { tenant: OWNER, appid });
    secrets.push(new URL(callbackUrl).searchParams.get('auth_code')!);
    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    if (!callback.headers.get('location')?.includes('bind=ok')) throw new Error(`binding failed: ${callback.headers.get('location')}`);
    await stack.queues.drain('fan-sync');

    // A user's message.
    await simulator.sendAccountText(appid, { fromUserName: 'oEventsFollower', content: 'hello bus' });

    // Share, then revoke the share (the code itself is shown once and must appear nowhere else).
    const codes = await call(stack, { method: 'POST', path: `/v1/accounts/${appid}/share-codes`, token: owner, body: JSON.stringify({ count: 1 }) });
    secrets.push(codes.json.codes[0] as string);
    await console('POST', '/v1/shared-accounts', recipient, { code: codes.json.codes[0] });
    await console('DELETE', `/v1/accounts/${appid}/shares/${RECIPIENT}`, owner);

    // The access token the hub vends must not leak anywhere else either.
    const vended = await call(stack, { method: 'GET', path: `/v1/internal/accounts/${appid}/access-token`, token: await stack.serviceToken('events-test') });
    if (vended.json?.accessToken) secrets.push(vended.json.accessToken as string);

    // WeChat revokes, then the owner unbinds.
    await simulator.revoke(appid);
    await eventually(async () => (await console('GET', `/v1/accounts/${appid}`, owner)).json?.status === 'revoked', 'the account to show revoked');
    await console('DELETE', `/v1/accounts/${appid}`, owner);
    await console('GET', `/v1/accounts/${appid}/messages`, owner);

    await stack.events.drain();
    const { componentSecret, token, aesKey } = simulator.credentials;
    secrets.push(componentSecret, token, aesKey, simulator.currentTicket() ?? 'no-ticket');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const detailTypesOf = () => envelopes.filter((envelope) => envelope.detail.appid === appid).map((envelope) => envelope['detail-type']);

  it.each(['Account Bound', 'Fan Sync Finished', 'WeChat Message Received', 'Account Shared', 'Share Revoked', 'Account Revoked', 'Account Unbound'])(
    'publishes %s',
    (detailType) => {
      // Assess
      expect(detailTypesOf()).toContain(detailType);
    },
  );

  it('publishes the lifecycle in the order it happened', () => {
    // Act
    const lifecycle = [...new Set(detailTypesOf().filter((type) => type.startsWith('Account') || type === 'Share Revoked'))];

    // Assess
    expect(lifecycle).toEqual(['Account Bound', 'Account Shared', 'Share Revoked', 'Account Revoked', 'Account Unbound']);
  });

  it('names owner and recipient in Account Shared', () => {
    // Act
    const shared = envelopes.find((envelope) => envelope['detail-type'] === 'Account Shared' && envelope.detail.appid === appid);

    // Assess
    expect(shared?.detail).toEqual({
      eventId: expect.stringMatching(/^hub:[0-9a-f]{64}$/),
      appid,
      ownerTenantId: OWNER,
      tenantId: RECIPIENT,
      includePayment: expect.any(Boolean),
      at: expect.any(String),
    });
  });

  it('carries no token, code or secret in any event, log line or console answer', () => {
    // Act
    const texts = [...envelopes.map((envelope) => JSON.stringify(envelope)), ...logLines, ...answers.map((answer) => answer.text)];

    // Assess: the scan looks for every one of them (auth_code, share code, access token, component secret, token, AES key, ticket).
    expect(secrets.filter((secret) => secret.length >= 8)).toHaveLength(7);
    expect(secrets.filter((secret) => secret.length >= 8 && texts.some((text) => text.includes(secret)))).toEqual([]);
  });
});
