import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemShareCode } from '#shared/domain/sharing/redeem-share-code.ts';
import { createShareCodes } from '#shared/domain/sharing/share-codes.ts';
import { shareCodeHash, normalizeShareCode } from '#shared/domain/sharing/share-code.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { outcome, sharingWorld, type SharingWorld } from '#test/integration/sharing/support.ts';

describe('share codes and their redemption on the embedded engine', () => {
  let world: SharingWorld;
  let tenantCounter = 0;
  const newTenant = (label: string) => `t-${label}-${++tenantCounter}`;

  /** An account with WeChat Pay open, so that its codes may include the payment interface. */
  const ownedAccount = async (owner: string, status: 'active' | 'revoked' = 'active', openPay = true) =>
    (await seedOwnedAccount(world.table.client, world.table.name, owner, { account: { status, openPay } })).account.appid;
  const codesFor = async (owner: string, appid: string, count = 1, includePayment = true) =>
    (await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count, includePayment }, world.create)).codes;
  /** A well-formed code nobody issued: it fails as a guess does (410), and counts. */
  const unknownCode = (i: number | string) => `ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-${String(i).padStart(4, '0').slice(-4)}`;
  const redeem = (tenantId: string, code: string) => redeemShareCode({ tenantId, userId: `${tenantId}-admin`, code }, world.redeem);

  beforeAll(async () => {
    world = await sharingWorld('sharing-redemption');
  });

  afterAll(() => {
    world?.table.client.destroy();
  });

  describe('generation', () => {
    it('stores each code only as the SHA-256 of its canonical form, expiring 24 hours later with a ttl', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);

      // Act
      const codes = await codesFor(owner, appid, 3);

      // Assess
      const items = (await world.scan()).filter((item) => item.type === 'ShareCode' && item.appid === appid);
      const expiresAt = new Date(world.clock.now.getTime() + 24 * 3600_000).toISOString();
      expect(items.map((item) => [item.codeHash, item.expiresAt, item.ttl]).sort()).toEqual(
        codes.map((code) => [shareCodeHash(normalizeShareCode(code)!), expiresAt, Date.parse(expiresAt) / 1000]).sort(),
      );
    });

    it('never writes a code, whole or grouped, into any item', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);

      // Act
      const codes = await codesFor(owner, appid, 20);

      // Assess
      const stored = JSON.stringify(await world.scan());
      expect(codes.filter((code) => stored.includes(code) || stored.includes(normalizeShareCode(code)!))).toEqual([]);
    });

    it('refuses a revoked account with account_not_active and stores nothing', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner, 'revoked');

      // Act
      const answer = await outcome(codesFor(owner, appid, 5));

      // Assess
      expect(answer).toBe('account_not_active');
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#SHARECODES`)).length).toBe(0);
    });

    it('refuses codes that include the payment interface of an account without WeChat Pay with payment_not_available, storing and auditing nothing', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner, 'active', false);

      // Act
      const answer = await outcome(codesFor(owner, appid, 3, true));

      // Assess
      expect(answer).toBe('payment_not_available');
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#SHARECODES`)).length).toBe(0);
      expect((await new DynamoAuditLog(world.table.client, world.table.name).list(owner, { limit: 5 })).events).toEqual([]);
    });

    it('makes codes without the payment interface for an account without WeChat Pay', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner, 'active', false);

      // Act
      const codes = await codesFor(owner, appid, 2, false);

      // Assess
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#SHARECODES`)).map((item) => [item.includePayment])).toEqual([[false], [false]]);
      expect(codes).toHaveLength(2);
    });

    it('leaves no code of a batch of 100 behind when its second transaction fails', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const otherAppid = await ownedAccount(owner);
      const taken = randomBytes(32).toString('hex');
      const batch = (target: string, codeHashes: string[]) => ({
        appid: target,
        ownerTenantId: owner,
        createdBy: 'owner-admin',
        includePayment: true,
        codeHashes,
        createdAt: world.clock.now.toISOString(),
        expiresAt: new Date(world.clock.now.getTime() + 3600_000).toISOString(),
      });
      await world.create.store.saveCodes(batch(otherAppid, [taken]));
      // The 100th hash is already stored: the transaction that carries it (the second) fails.
      const hashes = [...Array.from({ length: 99 }, () => randomBytes(32).toString('hex')), taken];

      // Act
      const answer = await world.create.store.saveCodes(batch(appid, hashes)).then(
        () => 'saved',
        () => 'failed',
      );

      // Assess
      expect(answer).toBe('failed');
      const stored = (await world.scan()).filter((item) => item.type === 'ShareCode');
      expect(stored.filter((item) => item.appid === appid)).toEqual([]);
      expect(stored.filter((item) => item.appid === otherAppid).map((item) => item.codeHash)).toEqual([taken]);
    });

    it('refuses a recipient with forbidden', async () => {
      // Prepare
      const owner = newTenant('owner');
      const recipient = newTenant('recipient');
      const appid = await ownedAccount(owner);
      await seedSharedLink(world.table.client, world.table.name, recipient, appid);

      // Act
      const answer = await outcome(codesFor(recipient, appid));

      // Assess
      expect(answer).toBe('forbidden');
    });
  });

  describe('redemption', () => {
    it('lets exactly one of 50 concurrent redemptions of one code succeed, creating one link', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      const tenants = Array.from({ length: 50 }, () => newTenant('racer'));

      // Act
      const answers = await Promise.all(tenants.map((tenant) => outcome(redeem(tenant, code!))));

      // Assess
      expect(answers.filter((a) => a === 'resolved').length).toBe(1);
      expect(answers.filter((a) => a !== 'resolved')).toEqual(Array.from({ length: 49 }, () => 'share_code_invalid'));
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#LINKS`)).filter((link) => link.role === 'shared').length).toBe(1);
    });

    it('answers the recipient with the account in role shared, without fans', async () => {
      // Prepare
      const owner = newTenant('owner');
      const recipient = newTenant('recipient');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid, 1, false);

      // Act
      const view = await redeem(recipient, code!);

      // Assess
      expect({ appid: view.appid, role: view.role, fans: view.fans }).toEqual({ appid, role: 'shared', fans: undefined });
    });

    it('accepts the code typed in lower case, with spaces and lookalike letters', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      const typed = ` ${code!.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `;

      // Act
      const view = await redeem(newTenant('recipient'), typed);

      // Assess
      expect(view.appid).toBe(appid);
    });

    it('refuses a spent code with share_code_invalid', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      await redeem(newTenant('first'), code!);

      // Act
      const answer = await outcome(redeem(newTenant('second'), code!));

      // Assess
      expect(answer).toBe('share_code_invalid');
    });

    it('refuses a code whose expiresAt passed although its item is still in the table', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      const made = world.clock.now;
      world.clock.now = new Date(made.getTime() + 24 * 3600_000 + 1);

      // Act
      const answer = await outcome(redeem(newTenant('late'), code!)).finally(() => (world.clock.now = made));

      // Assess
      expect(answer).toBe('share_code_invalid');
      expect(await world.redeem.store.findCode(shareCodeHash(normalizeShareCode(code!)!))).toBeDefined();
    });

    it('refuses an unknown code with share_code_invalid', async () => {
      // Act
      const answer = await outcome(redeem(newTenant('guesser'), 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345'));

      // Assess
      expect(answer).toBe('share_code_invalid');
    });

    it('refuses the owner its own code with cannot_redeem_own_code and leaves the code unspent', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);

      // Act
      const answer = await outcome(redeem(owner, code!));

      // Assess
      expect(answer).toBe('cannot_redeem_own_code');
      expect(await outcome(redeem(newTenant('recipient'), code!))).toBe('resolved');
    });

    it('refuses a tenant that already holds the account with already_linked and leaves the code unspent', async () => {
      // Prepare
      const owner = newTenant('owner');
      const holder = newTenant('holder');
      const appid = await ownedAccount(owner);
      const [first, second] = await codesFor(owner, appid, 2);
      await redeem(holder, first!);

      // Act
      const answer = await outcome(redeem(holder, second!));

      // Assess
      expect(answer).toBe('already_linked');
      expect(await outcome(redeem(newTenant('recipient'), second!))).toBe('resolved');
    });

    it('refuses a code of an account revoked after the code was made with account_not_active', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      await seedOwnedAccount(world.table.client, world.table.name, owner, { appid, account: { status: 'revoked' } });

      // Act
      const answer = await outcome(redeem(newTenant('recipient'), code!));

      // Assess
      expect(answer).toBe('account_not_active');
    });
  });

  describe('the failure limit', () => {
    it('refuses the 11th failed redemption within an hour with rate_limited and a Retry-After', async () => {
      // Prepare
      const guesser = newTenant('guesser');
      for (let i = 0; i < 10; i++) await outcome(redeem(guesser, unknownCode(i)));

      // Act
      const error = await redeem(guesser, unknownCode(11)).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(DomainError);
      expect([(error as DomainError).code, Number((error as DomainError).headers?.['Retry-After']) > 0]).toEqual(['rate_limited', true]);
    });

    it('refuses even a valid code once the limit is reached', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      const guesser = newTenant('guesser');
      for (let i = 0; i < 10; i++) await outcome(redeem(guesser, unknownCode(i)));

      // Act
      const answer = await outcome(redeem(guesser, code!));

      // Assess
      expect(answer).toBe('rate_limited');
    });

    it('lets no more than 10 of 25 concurrent failing redemptions be tried', async () => {
      // Prepare
      const guesser = newTenant('guesser');

      // Act
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => outcome(redeem(guesser, unknownCode(i)))));

      // Assess
      expect([answers.filter((a) => a === 'share_code_invalid').length, answers.filter((a) => a === 'rate_limited').length]).toEqual([10, 15]);
    });

    it('does not count a successful redemption', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const [code] = await codesFor(owner, appid);
      const recipient = newTenant('recipient');
      for (let i = 0; i < 9; i++) await outcome(redeem(recipient, unknownCode(i)));
      await redeem(recipient, code!);

      // Act
      const answer = await outcome(redeem(recipient, unknownCode(10)));

      // Assess
      expect(answer).toBe('share_code_invalid');
    });

    it('answers something that cannot be a code with validation_failed naming body.code', async () => {
      // Prepare
      const guesser = newTenant('typist');

      // Act
      const error = await redeem(guesser, 'WRONG-1').catch((e: unknown) => e);

      // Assess
      expect([(error as DomainError).code, (error as DomainError).details?.fields]).toEqual([
        'validation_failed',
        [{ field: 'body.code', message: expect.stringMatching(/28 letters and digits/) }],
      ]);
    });

    it('does not count malformed codes toward the lockout', async () => {
      // Prepare
      const typist = newTenant('typist');
      for (let i = 0; i < 15; i++) await outcome(redeem(typist, `WRONG-${i}`));
      for (let i = 0; i < 9; i++) await outcome(redeem(typist, unknownCode(i)));

      // Act
      const answer = await outcome(redeem(typist, unknownCode(9)));

      // Assess
      expect(answer).toBe('share_code_invalid');
    });

    it('says how long the lockout lasts in minutes, rounded up', async () => {
      // Prepare
      const guesser = newTenant('guesser');
      const start = world.clock.now;
      for (let i = 0; i < 10; i++) await outcome(redeem(guesser, unknownCode(i)));
      world.clock.now = new Date(start.getTime() + 30 * 60_000 + 1_000);

      // Act
      const error = await redeem(guesser, unknownCode(10))
        .catch((e: unknown) => e)
        .finally(() => (world.clock.now = start));

      // Assess
      expect([(error as DomainError).code, (error as DomainError).message]).toEqual(['rate_limited', expect.stringContaining('about 30 minutes')]);
    });

    it('allows attempts again once the oldest failure is more than an hour old', async () => {
      // Prepare
      const guesser = newTenant('guesser');
      const start = world.clock.now;
      for (let i = 0; i < 10; i++) {
        world.clock.now = new Date(start.getTime() + i * 60_000);
        await outcome(redeem(guesser, unknownCode(i)));
      }
      world.clock.now = new Date(start.getTime() + 3600_000 + 1);

      // Act
      const answer = await outcome(redeem(guesser, unknownCode(99))).finally(() => (world.clock.now = start));

      // Assess
      expect(answer).toBe('share_code_invalid');
    });
  });
});
