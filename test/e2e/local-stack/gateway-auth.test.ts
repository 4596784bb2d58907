import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { CONSOLE_AUDIENCE, LOCAL_ISSUER } from '#infra/local/tokens.ts';
import { runCli } from './support.ts';

const jwtSecret = randomBytes(32).toString('base64url');

describe('local stack: the gateway in front of the console routes', () => {
  let stack: LocalStack;
  const previousSecret = process.env.LOCAL_JWT_SECRET;

  beforeAll(async () => {
    process.env.LOCAL_JWT_SECRET = jwtSecret;
    stack = await startLocalStack({ port: 0, inMemory: true, withSimulator: false, log: () => {} });
  });
  afterAll(async () => {
    await stack?.stop();
    if (previousSecret === undefined) delete process.env.LOCAL_JWT_SECRET;
    else process.env.LOCAL_JWT_SECRET = previousSecret;
  });

  const getAudit = (token?: string) => fetch(`${stack.baseUrl}/v1/audit`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  const claims = { tenant_id: 'demo', roles: ['admin'], departments: [] };

  it('refuses a console route without a token with a 401 envelope', async () => {
    // Act
    const response = await getAudit();

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/bearer token is required/i) } });
  });

  it('refuses a token signed with another key', async () => {
    // Prepare
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(CONSOLE_AUDIENCE)
      .setExpirationTime('1h')
      .sign(randomBytes(32));

    // Act
    const response = await getAudit(forged);

    // Assess
    expect(response.status).toBe(401);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/signature/) } });
    expect(body).not.toContain(forged);
  });

  it('refuses an unsigned token (alg none)', async () => {
    // Prepare
    const unsigned = new UnsecuredJWT(claims).setSubject('u1').setIssuer(LOCAL_ISSUER).setAudience(CONSOLE_AUDIENCE).setExpirationTime('1h').encode();

    // Act
    const response = await getAudit(unsigned);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses an expired token', async () => {
    // Prepare
    const expired = await stack.consoleToken({ tenant: 'demo', admin: true, ttlSeconds: -60 });

    // Act
    const response = await getAudit(expired);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized', message: expect.stringMatching(/expired/) } });
  });

  it('lets an admin read the audit trail', async () => {
    // Prepare
    const token = await stack.consoleToken({ tenant: 'demo', admin: true });

    // Act
    const response = await getAudit(token);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ events: [], nextCursor: null });
  });

  it('forbids a member the admin-only audit trail', async () => {
    // Prepare
    const token = await stack.consoleToken({ tenant: 'demo', departments: ['sales'] });

    // Act
    const response = await getAudit(token);

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('answers an unknown route with a 404 envelope', async () => {
    // Act
    const response = await fetch(`${stack.baseUrl}/v1/no-such-thing`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('answers a known path with another method with 404', async () => {
    // Prepare
    const token = await stack.consoleToken({ tenant: 'demo', admin: true });

    // Act
    const response = await fetch(`${stack.baseUrl}/v1/audit`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('accepts a token printed by npm run token with the same key', async () => {
    // Prepare
    const minted = await runCli('bin/token.ts', ['--tenant', 'demo', '--admin'], { LOCAL_JWT_SECRET: jwtSecret });
    expect(minted.code).toBe(0);

    // Act
    const response = await getAudit(minted.stdout.trim());

    // Assess
    expect(response.status).toBe(200);
  });
});
