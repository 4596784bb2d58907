/**
 * Share codes, redemption, the redemption failure budget and revocation in the one table. Never a
 * code: only its SHA-256 (`share-code.ts`). Attribute names are the model's.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
 * |---|---|---|---|---|
 * | share code | `SHARECODE#<sha256(code)>` | `SHARECODE` | `ACCOUNT#<appid>#SHARECODES` / `<expiresAt>#<sha256>` (while unused) | — (with `ttl` = `expiresAt`) |
 * | redemption attempts of a tenant | `TENANT#<tenantId>` | `REDEEMATTEMPTS` | — | — (with `ttl` = newest attempt + 1 h) |
 * | shared link | `TENANT#<tenantId>` | `LINK#<appid>` | `ACCOUNT#<appid>#LINKS` / `shared#<tenantId>` (`account-keys.ts`) | — |
 *
 * One GetItem finds a code by its hash; one Query lists an account's unused codes (gsi1; spending a
 * code takes it out of the index) and its recipients (gsi1 of the links, `shared#`).
 *
 * Redemption is one transaction: the code's update (condition: exists, unspent, not expired), the
 * link's put (condition: the tenant has no link to the account) and a check that the account is
 * still active and the code owner's. The attempts item holds the tenant's attempts of the last
 * hour as a map `attemptId → epoch ms` with a `version`: every change is a put conditional on the
 * version read, so concurrent attempts cannot together overrun the budget.
 */
import { queryAll, type QueryInput } from '#shared/db/query-all.ts';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { linkFromItem } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { cancellationCodes, DynamoCommunityStore, isCancellation, type TransactItem } from '#shared/adapters/dynamodb/community-store.ts';
import { config } from '#shared/config/config.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { AccountRecord, TenantLink, TenantSettings } from '#shared/domain/accounts/model.ts';
import type { CreateShareCodesDeps } from '#shared/domain/sharing/share-codes.ts';
import type {
  NewShareCodes,
  Redemption,
  RedemptionAttempts,
  RedemptionResult,
  Share,
  ShareCodeRecord,
  ShareCodeStore,
  ShareStore,
} from '#shared/domain/sharing/ports.ts';
import type { RedeemShareCodeDeps } from '#shared/domain/sharing/redeem-share-code.ts';
import type { SharesDeps } from '#shared/domain/sharing/shares.ts';

type Item = Record<string, unknown>;

const TRANSACTION_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;

export const sharingKeys = {
  codePk: (codeHash: string) => `SHARECODE#${codeHash}`,
  codeSk: 'SHARECODE',
  codesOfAccount: (appid: string) => `ACCOUNT#${appid}#SHARECODES`,
  codeGsiSk: (expiresAt: string, codeHash: string) => `${expiresAt}#${codeHash}`,
  attemptsSk: 'REDEEMATTEMPTS',
};

const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deletes share codes by key in BatchWriteItem chunks, again for what DynamoDB leaves unprocessed. */
async function deleteKeys(client: DynamoDBDocumentClient, table: string, keys: readonly Item[]): Promise<void> {
  for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
    let pending = keys.slice(start, start + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    for (let round = 1; pending.length > 0; round++) {
      if (round > 8) throw new Error(`BatchWriteItem left ${pending.length} share codes undeleted`);
      if (round > 1) await pause(Math.min(1000, 25 * 2 ** round * Math.random()));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

export function shareCodeFromItem(item: Item): ShareCodeRecord {
  const record: ShareCodeRecord = {
    codeHash: String(item.codeHash),
    appid: String(item.appid),
    ownerTenantId: String(item.ownerTenantId),
    includePayment: item.includePayment === true,
    createdAt: String(item.createdAt),
    expiresAt: String(item.expiresAt),
  };
  if (typeof item.spentAt === 'string') record.spentAt = item.spentAt;
  if (typeof item.spentBy === 'string') record.spentBy = item.spentBy;
  return record;
}

/** A recipient's link as the account store lays links out (`account-keys.ts`). */
export function sharedLinkItem(link: TenantLink): Item {
  return {
    pk: accountKeys.tenantPk(link.tenantId),
    sk: accountKeys.linkSk(link.appid),
    gsi1pk: accountKeys.linksOfAccount(link.appid),
    gsi1sk: accountKeys.linkGsiSk('shared', link.tenantId),
    type: 'TenantLink',
    ...link,
  };
}

/** The account reads every sharing store shares. */
class AccountReadsOnTable {
  protected readonly directory: DynamoAccountDirectory;

  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly table: string,
  ) {
    this.directory = new DynamoAccountDirectory(client, table);
  }

  account(appid: string): Promise<AccountRecord | undefined> {
    return this.directory.account(appid);
  }

  async link(tenantId: string, appid: string): Promise<TenantLink | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) }, ConsistentRead: true }),
    );
    return result.Item ? linkFromItem(result.Item) : undefined;
  }

  tenantSettings(tenantId: string): Promise<TenantSettings | undefined> {
    return this.directory.tenantSettings(tenantId);
  }

  protected async queryAll(input: QueryInput): Promise<Item[]> {
    return queryAll(this.client, this.table, input);
  }

  /** The recipients' links of an account (gsi1 of the links, `shared#`). */
  protected sharedLinks(appid: string): Promise<Item[]> {
    return this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :links AND begins_with(gsi1sk, :shared)',
      ExpressionAttributeValues: { ':links': accountKeys.linksOfAccount(appid), ':shared': 'shared#' },
    });
  }

  /** Keys of the account's unused codes (gsi1). */
  async unusedCodeKeys(appid: string): Promise<Item[]> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :codes',
      ExpressionAttributeValues: { ':codes': sharingKeys.codesOfAccount(appid) },
      ProjectionExpression: 'pk, sk',
    });
    return items.map((item) => ({ pk: item.pk, sk: item.sk }));
  }

  /** The department grants a tenant holds on an account (what a link takes with it). */
  protected async grantKeys(tenantId: string, appid: string): Promise<Item[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dept)',
      FilterExpression: 'appid = :appid',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':dept': 'DEPT#', ':appid': appid },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    return items.map((item) => ({ pk: item.pk, sk: item.sk }));
  }
}

export class DynamoShareCodeStore extends AccountReadsOnTable implements ShareCodeStore {
  async saveCodes(codes: NewShareCodes): Promise<'saved' | 'account_changed'> {
    const puts: TransactItem[] = codes.codeHashes.map((codeHash) => ({
      Put: {
        TableName: this.table,
        Item: {
          pk: sharingKeys.codePk(codeHash),
          sk: sharingKeys.codeSk,
          gsi1pk: sharingKeys.codesOfAccount(codes.appid),
          gsi1sk: sharingKeys.codeGsiSk(codes.expiresAt, codeHash),
          type: 'ShareCode',
          codeHash,
          appid: codes.appid,
          ownerTenantId: codes.ownerTenantId,
          includePayment: codes.includePayment,
          createdAt: codes.createdAt,
          createdBy: codes.createdBy,
          expiresAt: codes.expiresAt,
          ttl: epochSeconds(codes.expiresAt),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    // The first transaction checks the account as it lands: no code is stored for an account that
    // is no longer active and the tenant's. Redemption checks the account again, so later chunks
    // need no check; if one fails, the codes already stored go again (the caller never sees them).
    const accountCheck: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(codes.appid), sk: accountKeys.accountSk },
        ConditionExpression: '#status = :active AND ownerTenantId = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':owner': codes.ownerTenantId },
      },
    };
    const first = TRANSACTION_LIMIT - 1;
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [accountCheck, ...puts.slice(0, first)] }));
    } catch (error) {
      if (isCancellation(error) && cancellationCodes(error)[0] === 'ConditionalCheckFailed') return 'account_changed';
      throw error;
    }
    let stored = Math.min(first, puts.length);
    try {
      for (; stored < puts.length; stored += TRANSACTION_LIMIT) {
        await this.client.send(new TransactWriteCommand({ TransactItems: puts.slice(stored, stored + TRANSACTION_LIMIT) }));
      }
    } catch (error) {
      const keys = codes.codeHashes.slice(0, stored).map((codeHash) => ({ pk: sharingKeys.codePk(codeHash), sk: sharingKeys.codeSk }));
      // Best effort: the write's own error is the one the caller must see.
      await deleteKeys(this.client, this.table, keys).catch(() => undefined);
      throw error;
    }
    return 'saved';
  }

  async findCode(codeHash: string): Promise<ShareCodeRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: sharingKeys.codePk(codeHash), sk: sharingKeys.codeSk }, ConsistentRead: true }),
    );
    return result.Item ? shareCodeFromItem(result.Item) : undefined;
  }

  async redeem(redemption: Redemption): Promise<RedemptionResult> {
    const { codeHash, tenantId, appid, ownerTenantId, includePayment, at } = redemption;
    const link: TenantLink = { tenantId, appid, role: 'shared', linkedAt: at, plaintextAuthorization: false, includePayment };
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: { pk: sharingKeys.codePk(codeHash), sk: sharingKeys.codeSk },
          UpdateExpression: 'SET spentAt = :at, spentBy = :tenant REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(spentAt) AND expiresAt > :at AND appid = :appid',
          ExpressionAttributeValues: { ':at': at, ':tenant': tenantId, ':appid': appid },
        },
      },
      { Put: { TableName: this.table, Item: sharedLinkItem(link), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          ConditionExpression: '#status = :active AND ownerTenantId = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':owner': ownerTenantId },
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return 'redeemed';
      } catch (error) {
        if (!isCancellation(error)) throw error;
        const [code, existing, account] = cancellationCodes(error);
        if (code === 'ConditionalCheckFailed') return 'code_gone';
        if (existing === 'ConditionalCheckFailed') return 'already_linked';
        if (account === 'ConditionalCheckFailed') return 'account_changed';
        // Only conflicts with concurrent transactions: whoever goes next decides.
        if (attempt >= 8) throw error;
        await pause(Math.min(500, 10 * 2 ** attempt * Math.random()));
      }
    }
  }
}

export class DynamoRedemptionAttempts implements RedemptionAttempts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async reserve(
    tenantId: string,
    attemptId: string,
    now: Date,
    budget: { limit: number; windowMs: number },
  ): Promise<{ reserved: true } | { reserved: false; retryAfterSeconds: number }> {
    const nowMs = now.getTime();
    return this.change<{ reserved: true } | { reserved: false; retryAfterSeconds: number }>(tenantId, (attempts) => {
      const live = Object.entries(attempts).filter(([, at]) => at > nowMs - budget.windowMs);
      if (live.length >= budget.limit) {
        const oldest = Math.min(...live.map(([, at]) => at));
        return { result: { reserved: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + budget.windowMs - nowMs) / 1000)) } };
      }
      return { next: { ...Object.fromEntries(live), [attemptId]: nowMs }, ttlMs: nowMs + budget.windowMs, result: { reserved: true } };
    });
  }

  async forgive(tenantId: string, attemptId: string): Promise<void> {
    await this.change(tenantId, (attempts) => {
      if (!(attemptId in attempts)) return { result: undefined };
      const { [attemptId]: _forgiven, ...rest } = attempts;
      return { next: rest, result: undefined };
    });
  }

  /** Read, decide, write back conditional on the version read; again when another attempt got in between. */
  private async change<R>(tenantId: string, decide: (attempts: Record<string, number>) => { next?: Record<string, number>; ttlMs?: number; result: R }): Promise<R> {
    const key = { pk: accountKeys.tenantPk(tenantId), sk: sharingKeys.attemptsSk };
    for (let round = 1; ; round++) {
      const item = (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
      const attempts = (item?.attempts ?? {}) as Record<string, number>;
      const version = typeof item?.version === 'number' ? item.version : undefined;
      const decision = decide(Object.fromEntries(Object.entries(attempts).map(([id, at]) => [id, Number(at)])));
      if (!decision.next) return decision.result;
      const newest = Math.max(decision.ttlMs ?? 0, ...Object.values(decision.next));
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key, type: 'RedemptionAttempts', tenantId, attempts: decision.next, version: (version ?? 0) + 1, ttl: Math.ceil(newest / 1000) + 3600 },
            ...(version === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return decision.result;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException' || round >= 50) throw error;
        await pause(Math.random() * Math.min(200, 5 * round));
      }
    }
  }
}

export class DynamoShareStore extends AccountReadsOnTable implements ShareStore {
  private readonly communities: DynamoCommunityStore;

  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table);
    this.communities = new DynamoCommunityStore(client, table);
  }

  async shares(appid: string): Promise<Share[]> {
    const [links, linked] = await Promise.all([this.sharedLinks(appid), this.communities.linkedCommunities(appid)]);
    const counts = new Map<string, number>();
    for (const community of linked) counts.set(community.tenantId, (counts.get(community.tenantId) ?? 0) + 1);
    return links.map(linkFromItem).map((link) => ({
      tenantId: link.tenantId,
      linkedAt: link.linkedAt,
      includePayment: link.includePayment === true,
      communities: counts.get(link.tenantId) ?? 0,
    }));
  }

  async deleteUnusedCodes(appid: string): Promise<number> {
    const keys = await this.unusedCodeKeys(appid);
    await deleteKeys(this.client, this.table, keys);
    return keys.length;
  }

  async recipients(appid: string): Promise<string[]> {
    return (await this.sharedLinks(appid)).map((item) => String(item.tenantId));
  }

  async revokeRecipient(appid: string, tenantId: string): Promise<{ result: 'revoked' | 'not_shared'; communitiesUnlinked: number }> {
    let communitiesUnlinked = 0;
    for (let round = 1; round <= 5; round++) {
      const link = await this.link(tenantId, appid);
      if (!link || link.role !== 'shared') return { result: round === 1 ? 'not_shared' : 'revoked', communitiesUnlinked };
      communitiesUnlinked += await this.communities.unlinkAll(appid, tenantId);

      const grants = (await this.grantKeys(tenantId, appid)).map((Key): TransactItem => ({ Delete: { TableName: this.table, Key } }));
      const core: TransactItem[] = [
        {
          Delete: {
            TableName: this.table,
            Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
            ConditionExpression: '#role = :shared',
            ExpressionAttributeNames: { '#role': 'role' },
            ExpressionAttributeValues: { ':shared': 'shared' },
          },
        },
        // Only while no community links: one linked since the unlinking above sends us round again.
        this.communities.refsDeletion(tenantId, appid, true),
      ];
      const room = TRANSACTION_LIMIT - core.length;
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: [...core, ...grants.slice(0, room)] }));
      } catch (error) {
        if (!isCancellation(error)) throw error;
        continue;
      }
      // Grants beyond what fits go only once the link is gone: a grant without its link gives no
      // access, while a revocation that gives up must leave the share as it was.
      for (let start = room; start < grants.length; start += TRANSACTION_LIMIT) {
        await this.client.send(new TransactWriteCommand({ TransactItems: grants.slice(start, start + TRANSACTION_LIMIT) }));
      }
      return { result: 'revoked', communitiesUnlinked };
    }
    throw new Error(`the share of ${appid} with ${tenantId} kept changing while it was being revoked`);
  }
}

/**
 * What unbinding and a recipient's release take with them (the hooks of `account-lifecycle.ts`).
 *
 * - Unbinding: every community's account and payment links to the account, every tenant's
 *   `COMMUNITYREFS#<appid>`, the recipients' links (the share ends with the binding; the lifecycle
 *   deletes their department grants) and the unused codes.
 * - Release: refused with `409 communities_still_linked` while any of the recipient's communities
 *   links to the account or its payment interface; otherwise its counter goes, on condition that
 *   nothing links, so a community linked meanwhile cancels the release.
 */
export class SharingCascades {
  private readonly communities: DynamoCommunityStore;
  private readonly shares: DynamoShareStore;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.communities = new DynamoCommunityStore(client, table);
    this.shares = new DynamoShareStore(client, table);
  }

  async unbindItems(appid: string): Promise<TransactItem[]> {
    const [linked, recipients, codes] = await Promise.all([
      this.communities.linkedCommunities(appid),
      this.shares.recipients(appid),
      this.shares.unusedCodeKeys(appid),
    ]);
    const tenants = new Set([...linked.map((community) => community.tenantId), ...recipients]);
    const account = await this.shares.account(appid);
    if (account) tenants.add(account.ownerTenantId);
    return [
      ...this.communities.unlinkItems(appid, linked, new Date().toISOString()),
      ...[...tenants].map((tenantId) => this.communities.refsDeletion(tenantId, appid, false)),
      ...recipients.map((tenantId): TransactItem => ({
        Delete: {
          TableName: this.table,
          Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
          ConditionExpression: 'attribute_not_exists(pk) OR #role = :shared',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':shared': 'shared' },
        },
      })),
      ...codes.map((Key): TransactItem => ({ Delete: { TableName: this.table, Key } })),
    ];
  }

  async releaseItems(tenantId: string, appid: string): Promise<TransactItem[]> {
    const linked = await this.communities.linkedCommunities(appid, tenantId);
    if (linked.length > 0) throw communitiesStillLinked(appid, linked.length);
    return [this.communities.refsDeletion(tenantId, appid, true)];
  }
}

export function communitiesStillLinked(appid: string, count: number): DomainError {
  return new DomainError(
    'communities_still_linked',
    `${count} of your communities still link to ${appid} or its payment interface. Unlink them (DELETE /v1/accounts/${appid}/communities), then release the account.`,
    { details: { appid, communities: count } },
  );
}

// ---- process-wide wiring for the handlers -----------------------------------------------------------

const now = () => new Date();
const audit = () => new DynamoAuditLog(db(), tableName());

export function createShareCodesDeps(): CreateShareCodesDeps {
  return { store: new DynamoShareCodeStore(db(), tableName()), audit: audit(), now };
}

export function redeemShareCodeDeps(): RedeemShareCodeDeps {
  return {
    store: new DynamoShareCodeStore(db(), tableName()),
    attempts: new DynamoRedemptionAttempts(db(), tableName()),
    audit: audit(),
    now,
    requiredFuncIds: config().bindingPolicy.requiredFuncIds,
  };
}

export function sharesDeps(): SharesDeps {
  return { store: new DynamoShareStore(db(), tableName()), audit: audit(), now };
}

let cascades: SharingCascades | undefined;
const processCascades = () => (cascades ??= new SharingCascades(db(), tableName()));

/** Registered in `account-lifecycle.ts` `unbindCascades`. */
export const sharingUnbindCascade = { itemsToRemove: (appid: string) => processCascades().unbindItems(appid) };
/** Registered in `account-lifecycle.ts` `releaseCascades`. */
export const sharingReleaseCascade = { itemsToRemove: (tenantId: string, appid: string) => processCascades().releaseItems(tenantId, appid) };

