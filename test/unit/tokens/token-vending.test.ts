import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
import { callingService, vendAccessToken } from '#shared/domain/tokens/token-vending.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

const service = callingService('arn:aws:iam::000000000000:user/service/templates');

function recordingAudit() {
  const events: { tenantId: string; event: AuditEvent }[] = [];
  return { events, audit: { record: async (tenantId: string, event: AuditEvent) => void events.push({ tenantId, event }) } };
}

describe('token vending', () => {
  it('names a local service token’s caller by its service name', () => {
    // Assess
    expect(service).toEqual({ name: 'templates', arn: 'arn:aws:iam::000000000000:user/service/templates' });
  });

  it('names an assumed-role caller by its role', () => {
    // Act
    const caller = callingService('arn:aws:sts::111122223333:assumed-role/qrcode-service/1700000000000');

    // Assess
    expect(caller.name).toBe('qrcode-service');
  });

  it('names a caller with another kind of ARN without its account id', () => {
    // Act
    const caller = callingService('arn:aws:iam::111122223333:root');

    // Assess
    expect(caller.name).toBe('root');
  });

  it('keeps the caller’s ARN and account id out of the owner’s trail', async () => {
    // Prepare
    const { events, audit } = recordingAudit();
    const caller = callingService('arn:aws:sts::111122223333:assumed-role/qrcode-service/1700000000000');
    const tokens = { currentWithExpiry: async () => ({ accessToken: 'secret-access-token', expiresAt: '2030-01-01T00:00:00.000Z', ownerTenantId: 'owner' }) };

    // Act
    await vendAccessToken('wx0000000000000001', caller, { tokens, ownerOf: async () => 'owner', audit });

    // Assess
    expect(events.map((e) => e.event.actor)).toEqual(['service:qrcode-service']);
    expect(JSON.stringify(events)).not.toMatch(/111122223333|arn:/);
  });

  it('keeps the caller’s ARN out of the trail of a refusal', async () => {
    // Prepare
    const { events, audit } = recordingAudit();
    const tokens = { currentWithExpiry: async () => Promise.reject(accountNotActive('wx0000000000000003', 'revoked')) };
    const caller = callingService('arn:aws:iam::111122223333:user/templates');

    // Act
    await vendAccessToken('wx0000000000000003', caller, { tokens, ownerOf: async () => 'owner', audit }).catch(() => undefined);

    // Assess
    expect(events.map((e) => e.event.actor)).toEqual(['service:templates']);
    expect(JSON.stringify(events)).not.toMatch(/111122223333|arn:/);
  });

  it('audits a vended token in the owner’s trail without the token', async () => {
    // Prepare
    const { events, audit } = recordingAudit();
    const tokens = { currentWithExpiry: async () => ({ accessToken: 'secret-access-token', expiresAt: '2030-01-01T00:00:00.000Z', ownerTenantId: 'owner' }) };

    // Act
    const vended = await vendAccessToken('wx0000000000000001', service, { tokens, ownerOf: async () => 'owner', audit });

    // Assess
    expect(vended).toEqual({ appid: 'wx0000000000000001', accessToken: 'secret-access-token', expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(events.map((e) => [e.tenantId, e.event.action, e.event.actor])).toEqual([['owner', 'access_token.vended', 'service:templates']]);
    expect(JSON.stringify(events)).not.toContain('secret-access-token');
  });

  it('answers not_found for an account the hub does not hold', async () => {
    // Prepare
    const { audit } = recordingAudit();
    const tokens = { currentWithExpiry: async () => Promise.reject(accountNotActive('wx0000000000000002', 'unknown')) };

    // Act
    const error = await vendAccessToken('wx0000000000000002', service, { tokens, ownerOf: async () => undefined, audit }).catch((e: unknown) => e);

    // Assess
    expect(error instanceof DomainError && error.code).toBe('not_found');
  });

  it('audits a refusal for an account that is not active and answers account_not_active', async () => {
    // Prepare
    const { events, audit } = recordingAudit();
    const tokens = { currentWithExpiry: async () => Promise.reject(accountNotActive('wx0000000000000003', 'revoked')) };

    // Act
    const error = await vendAccessToken('wx0000000000000003', service, { tokens, ownerOf: async () => 'owner', audit }).catch((e: unknown) => e);

    // Assess
    expect(error instanceof DomainError && error.code).toBe('account_not_active');
    expect(events.map((e) => [e.tenantId, e.event.action])).toEqual([['owner', 'access_token.refused']]);
  });
});
