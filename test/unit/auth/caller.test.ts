import { describe, expect, it } from 'vitest';
import { callerFromClaims, listClaim, operatorFromClaims, requireAdmin } from '#shared/auth/caller.ts';
import { Forbidden, Unauthorized } from '#shared/errors/domain-errors.ts';

describe('reading list claims', () => {
  it.each([
    [
      ['admin', 'ops'],
      ['admin', 'ops'],
    ],
    ['[admin ops]', ['admin', 'ops']],
    ['["admin","ops"]', ['admin', 'ops']],
    ['admin,ops', ['admin', 'ops']],
    ['admin', ['admin']],
    ['[]', []],
    [undefined, []],
  ])('reads %j as %j', (value, expected) => {
    // Act
    const list = listClaim(value);

    // Assess
    expect(list).toEqual(expected);
  });
});

describe('the caller of a console route', () => {
  it('is read from the tenant, subject, roles and departments claims', () => {
    // Act
    const caller = callerFromClaims({ sub: 'u-1', tenant_id: 't-1', roles: '[admin]', departments: '[d-1 d-2]' });

    // Assess
    expect(caller).toEqual({ tenantId: 't-1', userId: 'u-1', isAdmin: true, departments: ['d-1', 'd-2'] });
  });

  it('is a member when the roles claim does not name admin', () => {
    // Act
    const caller = callerFromClaims({ sub: 'u-1', tenant_id: 't-1', roles: '[member administrators]' });

    // Assess
    expect(caller.isAdmin).toBe(false);
  });

  it('is refused when the token has no tenant claim', () => {
    // Act
    const read = () => callerFromClaims({ sub: 'u-1', roles: '[admin]' });

    // Assess
    expect(read).toThrow(Unauthorized);
  });

  it('is refused when the tenant claim is not an identifier', () => {
    // Act
    const read = () => callerFromClaims({ sub: 'u-1', tenant_id: 't#1/../x' });

    // Assess
    expect(read).toThrow(Unauthorized);
  });

  it('is refused with a clear message when the token names more than 100 departments', () => {
    // Prepare
    const departments = `[${Array.from({ length: 101 }, (_, i) => `d-${i}`).join(' ')}]`;

    // Act
    const read = () => callerFromClaims({ sub: 'u-1', tenant_id: 't-1', departments });

    // Assess
    expect(read).toThrow(new Unauthorized('The token names 101 departments in "departments"; the hub accepts at most 100.'));
  });

  it('keeps every department of a token naming 100', () => {
    // Prepare
    const names = Array.from({ length: 100 }, (_, i) => `d-${i}`);

    // Act
    const caller = callerFromClaims({ sub: 'u-1', tenant_id: 't-1', departments: `[${names.join(' ')}]` });

    // Assess
    expect(caller.departments).toEqual(names);
  });

  it('is refused when there are no claims at all', () => {
    // Act
    const read = () => callerFromClaims(undefined);

    // Assess
    expect(read).toThrow(Unauthorized);
  });

  it('may not do admin work as a member', () => {
    // Prepare
    const member = callerFromClaims({ sub: 'u-1', tenant_id: 't-1', roles: '[member]' });

    // Act
    const check = () => requireAdmin(member);

    // Assess
    expect(check).toThrow(Forbidden);
  });
});

describe('the operator role', () => {
  it('keeps a token whose only role is operator off tenant routes, whatever tenant it names', () => {
    // Act
    const read = () => callerFromClaims({ sub: 'op-1', tenant_id: 't-1', roles: '[operator]' });

    // Assess
    expect(read).toThrow(Forbidden);
  });

  it('refuses an operator without a tenant claim on tenant routes as forbidden, not unauthorized', () => {
    // Act
    const read = () => callerFromClaims({ sub: 'op-1', roles: '[operator]' });

    // Assess
    expect(read).toThrow(Forbidden);
  });

  it('lets a token that is both admin and operator act as the admin of its tenant', () => {
    // Act
    const caller = callerFromClaims({ sub: 'u-1', tenant_id: 't-1', roles: '[admin operator]' });

    // Assess
    expect(caller).toMatchObject({ tenantId: 't-1', isAdmin: true });
  });

  it('reads an operator from its subject and role, without a tenant', () => {
    // Act
    const operator = operatorFromClaims({ sub: 'op-1', roles: '[operator]' });

    // Assess
    expect(operator).toEqual({ userId: 'op-1' });
  });

  it('refuses an admin of a tenant on operator routes', () => {
    // Act
    const read = () => operatorFromClaims({ sub: 'u-1', tenant_id: 't-1', roles: '[admin]' });

    // Assess
    expect(read).toThrow(Forbidden);
  });

  it('refuses claims without a subject on operator routes as unauthorized', () => {
    // Act
    const read = () => operatorFromClaims({ roles: '[operator]' });

    // Assess
    expect(read).toThrow(Unauthorized);
  });
});
