import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, flattenClaims, iamAuthorizerContext, jwtAuthorizerContext, verifyConsoleToken, verifyServiceToken } from '#infra/local/authorizers.ts';
import { CONSOLE_AUDIENCE, LOCAL_ISSUER, mintConsoleToken, mintServiceToken } from '#infra/local/tokens.ts';
import { callerFromClaims } from '#shared/auth/caller.ts';

const secret = new TextEncoder().encode('a-local-test-key-that-is-long-enough-0123');
const otherSecret = new TextEncoder().encode('another-local-test-key-that-is-long-enough');

describe('claims as the JWT authorizer passes them', () => {
  it('flattens an array claim into the bracketed, space-separated form', () => {
    // Act
    const claims = flattenClaims({ roles: ['admin', 'ops'] });

    // Assess
    expect(claims.roles).toBe('[admin ops]');
  });

  it('turns numbers and booleans into their JSON text', () => {
    // Act
    const claims = flattenClaims({ exp: 1612061676, ratio: 0.5, email_verified: true });

    // Assess
    expect(claims).toEqual({ exp: '1612061676', ratio: '0.5', email_verified: 'true' });
  });

  it('keeps strings as they are and an empty array as []', () => {
    // Act
    const claims = flattenClaims({ sub: 'user 1', departments: [] });

    // Assess
    expect(claims).toEqual({ sub: 'user 1', departments: '[]' });
  });

  it('formats an object claim as a map with sorted keys', () => {
    // Act
    const claims = flattenClaims({ org: { b: 2, a: 'x' } });

    // Assess
    expect(claims.org).toBe('map[a:x b:2]');
  });

  it('gives the console the caller it would get behind API Gateway', async () => {
    // Prepare
    const token = await mintConsoleToken(secret, { tenant: 'acme', admin: true, departments: ['d1', 'd2'], sub: 'u1' });
    const verified = await verifyConsoleToken(token, secret);
    if (!verified.ok) throw new Error('expected a valid token');

    // Act
    const caller = callerFromClaims(jwtAuthorizerContext(verified.payload).jwt.claims);

    // Assess
    expect(caller).toEqual({ tenantId: 'acme', userId: 'u1', isAdmin: true, departments: ['d1', 'd2'] });
  });
});

describe('console token verification', () => {
  it('accepts a token minted for the local console', async () => {
    // Prepare
    const token = await mintConsoleToken(secret, { tenant: 'acme' });

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toMatchObject({ ok: true, payload: { tenant_id: 'acme', roles: ['member'], iss: LOCAL_ISSUER } });
  });

  it('refuses a missing token', async () => {
    // Act
    const verified = await verifyConsoleToken(undefined, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a token signed with another key', async () => {
    // Prepare
    const token = await mintConsoleToken(otherSecret, { tenant: 'acme' });

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses an unsigned token (alg none)', async () => {
    // Prepare
    const token = new UnsecuredJWT({ tenant_id: 'acme', roles: ['admin'] })
      .setSubject('u1')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(CONSOLE_AUDIENCE)
      .setExpirationTime('1h')
      .encode();

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a token signed with another HMAC algorithm', async () => {
    // Prepare
    const token = await new SignJWT({ tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u1')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(CONSOLE_AUDIENCE)
      .setExpirationTime('1h')
      .sign(secret);

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses an expired token', async () => {
    // Prepare
    const token = await mintConsoleToken(secret, { tenant: 'acme', ttlSeconds: -120 });

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token without exp', async () => {
    // Prepare
    const token = await new SignJWT({ tenant_id: 'acme' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer(LOCAL_ISSUER)
      .setAudience(CONSOLE_AUDIENCE)
      .sign(secret);

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'wrong_claims' });
  });

  it('refuses a service token on a console route', async () => {
    // Prepare
    const token = await mintServiceToken(secret, { service: 'template-sender' });

    // Act
    const verified = await verifyConsoleToken(token, secret);

    // Assess
    expect(verified).toEqual({ ok: false, reason: 'wrong_claims' });
  });

  it('reads the token with or without the Bearer prefix, as API Gateway does', () => {
    // Act
    const tokens = [bearerToken('Bearer abc'), bearerToken('bearer abc'), bearerToken('abc'), bearerToken('Bearer '), bearerToken(undefined)];

    // Assess
    expect(tokens).toEqual(['abc', 'abc', 'abc', undefined, undefined]);
  });
});

describe('service tokens for internal routes', () => {
  it('accepts a service token and names the service', async () => {
    // Prepare
    const token = await mintServiceToken(secret, { service: 'template-sender' });

    // Act
    const verified = await verifyServiceToken(token, secret);

    // Assess
    expect(verified).toMatchObject({ ok: true, service: 'template-sender' });
  });

  it('refuses a console token on an internal route', async () => {
    // Prepare
    const token = await mintConsoleToken(secret, { tenant: 'acme', admin: true });

    // Act
    const verified = await verifyServiceToken(token, secret);

    // Assess
    expect(verified.ok).toBe(false);
  });

  it('describes the caller like the IAM authorizer does', () => {
    // Act
    const context = iamAuthorizerContext('template-sender');

    // Assess
    expect(context.iam).toMatchObject({
      accountId: '000000000000',
      userArn: 'arn:aws:iam::000000000000:user/service/template-sender',
      userId: expect.stringMatching(/^AIDA[A-Z2-7]{16}$/),
      accessKey: expect.stringMatching(/^ASIA[A-Z2-7]{16}$/),
      cognitoIdentity: null,
    });
  });
});
