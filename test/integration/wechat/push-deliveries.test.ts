/**
 * The replay cache of push signatures and the addressee read on the embedded engine
 * (shared/adapters/dynamodb/push-deliveries.ts). Issue 17, item 1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountUserNames, DynamoPushSignatures, pushSignatureKeys } from '#shared/adapters/dynamodb/push-deliveries.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const NOW = 1_700_000_000;
let counter = 0;
const newSignature = () => (counter += 1).toString(16).padStart(40, '0');
const claimAt = (url: string, now = NOW) => ({ url, expiresAt: now + 300, leaseUntil: now + 15, now });

describe('the replay cache of push signatures on the embedded engine', () => {
  let table: TestTable;
  let signatures: DynamoPushSignatures;

  beforeAll(async () => {
    table = await freshTable('push-deliveries');
    signatures = new DynamoPushSignatures(table.client, table.name);
  });

  it('keeps the SHA-256 of the signature, never the signature, with its URL and a TTL', async () => {
    // Prepare
    const signature = newSignature();

    // Act
    await signatures.claim(signature, claimAt('component'));

    // Assess
    const item = (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk: pushSignatureKeys.pk(signature), sk: pushSignatureKeys.sk } })))
      .Item;
    expect(item).toMatchObject({ url: 'component', state: 'processing', expiresAt: NOW + 300, ttl: NOW + 300 });
    expect(JSON.stringify(item)).not.toContain(signature);
  });

  it('lets exactly one of two concurrent claims of a signature win', async () => {
    // Prepare
    const signature = newSignature();

    // Act
    const outcomes = await Promise.all([
      signatures.claim(signature, claimAt('account:wx00000000000000a1')),
      signatures.claim(signature, claimAt('account:wx00000000000000a1')),
    ]);

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'claimed')).toHaveLength(1);
    expect(outcomes).toContainEqual({ url: 'account:wx00000000000000a1', state: 'processing' });
  });

  it('reports a completed claim as done to the next claim, from any URL', async () => {
    // Prepare
    const signature = newSignature();
    await signatures.claim(signature, claimAt('account:wx00000000000000a1'));
    await signatures.complete(signature, 'account:wx00000000000000a1');

    // Act
    const seen = await signatures.claim(signature, claimAt('account:wx00000000000000b2', NOW + 60));

    // Assess
    expect(seen).toEqual({ url: 'account:wx00000000000000a1', state: 'done' });
  });

  it('lets the same URL take over a processing claim whose lease has passed, and no other URL', async () => {
    // Prepare
    const signature = newSignature();
    await signatures.claim(signature, claimAt('component'));

    // Act
    const elsewhere = await signatures.claim(signature, claimAt('account:wx00000000000000a1', NOW + 20));
    const sameUrl = await signatures.claim(signature, claimAt('component', NOW + 20));

    // Assess
    expect([elsewhere, sameUrl]).toEqual([{ url: 'component', state: 'processing' }, 'claimed']);
  });

  it('treats a claim past its expiry as gone, although TTL has not removed it yet', async () => {
    // Prepare
    const signature = newSignature();
    await signatures.claim(signature, claimAt('component'));
    await signatures.complete(signature, 'component');

    // Act
    const later = await signatures.claim(signature, claimAt('component', NOW + 301));

    // Assess
    expect(later).toBe('claimed');
  });

  it('frees a released claim for the next delivery', async () => {
    // Prepare
    const signature = newSignature();
    await signatures.claim(signature, claimAt('component'));
    await signatures.release(signature, 'component');

    // Act
    const next = await signatures.claim(signature, claimAt('component', NOW + 5));

    // Assess
    expect(next).toBe('claimed');
  });
});

describe('the user name of the account a message URL names', () => {
  let table: TestTable;
  let userNames: DynamoAccountUserNames;

  beforeAll(async () => {
    table = await freshTable('account-user-names');
    userNames = new DynamoAccountUserNames(table.client, table.name);
  });

  it('is the ACCOUNT item’s userName', async () => {
    // Prepare
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { pk: accountKeys.accountPk('wx00000000000000a1'), sk: accountKeys.accountSk, type: 'Account', userName: 'gh_aaaaaaaaaaa1' },
      }),
    );

    // Act
    const userName = await userNames.userNameOf('wx00000000000000a1');

    // Assess
    expect(userName).toBe('gh_aaaaaaaaaaa1');
  });

  it('is undefined for an account the hub does not hold', async () => {
    // Act
    const userName = await userNames.userNameOf('wx00000000000000ff');

    // Assess
    expect(userName).toBeUndefined();
  });
});
