/**
 * The follower ↔ customer links and the link step's rate bucket in the table, the follower reads the
 * link needs, and the removal of a corp's customer data:
 *
 * | item | pk | sk |
 * |---|---|---|
 * | link | `WECOM_CORP#<corpId>` | `LINK#<unionid>#<appid>#<openid>` (`externalUserId` or `pendingId`) |
 * | rate bucket | `WECOM_RATE#<key>` | `BUCKET` (`tokens`, `atMs`) |
 *
 * The bucket is read consistently, refilled to `now` and written back less the tokens taken, on the
 * condition that nobody wrote it since the read (`atMs` and `tokens` as read): of concurrent takers one
 * wins and the others read again, so no two workers spend the same tokens.
 *
 * Followers (`followers.ts`' items, read-only here): an account's followers with a unionid are a
 * Query of its partition filtered on `attribute_exists(unionid)`; a tenant's owned accounts are its
 * owner links (`account-keys.ts`).
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { followerKeys } from '#shared/adapters/dynamodb/followers.ts';
import { wecomCustomerKeys } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { batchDeleteAll, batchGetAll } from '#shared/db/batch.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { queryAll, queryPages } from '#shared/db/query-all.ts';
import type { CustomerDataRemoval, FollowerLink, LinkCandidate, LinkFollowerSource, LinkStore, RateBucket } from '#shared/domain/wecom/ports.ts';

export const wecomLinkKeys = {
  sk: (unionid: string, appid: string, openid: string) => `LINK#${unionid}#${appid}#${openid}`,
  unionPrefix: (unionid: string) => `LINK#${unionid}#`,
  prefix: 'LINK#',
  bucketPk: (key: string) => `WECOM_RATE#${key}`,
  bucketSk: 'BUCKET',
};

export class DynamoWeComLinks implements LinkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(link: FollowerLink): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: wecomCustomerKeys.pk(link.corpId), sk: wecomLinkKeys.sk(link.unionid, link.appid, link.openid), itemType: 'WeComLink', ...link },
      }),
    );
  }

  async byUnionid(corpId: string, unionid: string): Promise<FollowerLink[]> {
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(corpId), ':prefix': wecomLinkKeys.unionPrefix(unionid) },
    });
    return items.map((item) => {
      const { pk: _pk, sk: _sk, itemType: _type, ...link } = item;
      return link as unknown as FollowerLink;
    });
  }

  async many(corpId: string, followers: readonly LinkCandidate[]): Promise<Map<string, FollowerLink>> {
    const keys = followers.map((f) => ({ pk: wecomCustomerKeys.pk(corpId), sk: wecomLinkKeys.sk(f.unionid, f.appid, f.openid) }));
    const items = await batchGetAll(this.client, this.table, keys, { consistent: true });
    return new Map(
      items.map((item) => {
        const { pk: _pk, sk: _sk, itemType: _type, ...link } = item;
        const stored = link as unknown as FollowerLink;
        return [`${stored.unionid}#${stored.appid}#${stored.openid}`, stored];
      }),
    );
  }

  async totals(corpId: string): Promise<{ linked: number; pending: number }> {
    const totals = { linked: 0, pending: 0 };
    for await (const page of queryPages(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(corpId), ':prefix': wecomLinkKeys.prefix },
      ProjectionExpression: 'externalUserId, pendingId',
      ConsistentRead: true,
    })) {
      for (const item of page) {
        if (item.externalUserId) totals.linked += 1;
        else if (item.pendingId) totals.pending += 1;
      }
    }
    return totals;
  }
}

/** Attempts of a take that keeps losing the bucket to other workers before it reports a short wait. */
const TAKE_ATTEMPTS = 8;

export class DynamoRateBucket implements RateBucket {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async take(
    key: string,
    n: number,
    nowMs: number,
    rule: { capacity: number; perSecond: number },
  ): Promise<{ granted: true } | { granted: false; waitMs: number }> {
    const Key = { pk: wecomLinkKeys.bucketPk(key), sk: wecomLinkKeys.bucketSk };
    for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt += 1) {
      const item = (await this.client.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }))).Item;
      const atMs = typeof item?.atMs === 'number' ? item.atMs : undefined;
      const stored = typeof item?.tokens === 'number' ? item.tokens : rule.capacity;
      const available = Math.min(rule.capacity, stored + (atMs === undefined ? 0 : (Math.max(0, nowMs - atMs) / 1000) * rule.perSecond));
      if (available < n) return { granted: false, waitMs: Math.ceil(((n - available) / rule.perSecond) * 1000) };
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...Key, tokens: available - n, atMs: Math.max(nowMs, atMs ?? 0) },
            ConditionExpression: atMs === undefined ? 'attribute_not_exists(pk)' : 'atMs = :atMs AND tokens = :tokens',
            ...(atMs === undefined ? {} : { ExpressionAttributeValues: { ':atMs': atMs, ':tokens': stored } }),
          }),
        );
        return { granted: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return { granted: false, waitMs: 1_000 };
  }
}

export class DynamoLinkFollowers implements LinkFollowerSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async ownedAppids(tenantId: string): Promise<string[]> {
    const links = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :links)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':links': accountKeys.linkPrefix },
    });
    return links.filter((link) => link.role === 'owner').map((link) => String(link.appid));
  }

  async page(appid: string, cursor: string, limit: number): Promise<{ followers: LinkCandidate[]; next: string }> {
    const pk = followerKeys.pk(appid);
    const followers: LinkCandidate[] = [];
    let startKey: Record<string, unknown> | undefined = cursor ? { pk, sk: followerKeys.sk(cursor) } : undefined;
    // Followers without a unionid are filtered out: read on until the page is full or the partition ends.
    while (followers.length < limit) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'attribute_exists(unionid)',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'appid, openid, unionid',
          Limit: limit - followers.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) followers.push({ appid: String(item.appid), openid: String(item.openid), unionid: String(item.unionid) });
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    const next = startKey ? String(startKey.sk).slice(followerKeys.sk('').length) : '';
    return { followers, next };
  }

  async byUnionid(tenantId: string, unionid: string): Promise<LinkCandidate[]> {
    const items = await queryAll(this.client, this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :union',
      ExpressionAttributeValues: { ':union': followerKeys.unionPk(tenantId, unionid) },
    });
    return items.map((item) => ({ appid: String(item.appid), openid: String(item.openid), unionid }));
  }
}

/** Every customer, link, job, step record and the link bucket of a corp (not the corp item or its token: the corp store's). */
export class DynamoCustomerDataRemoval implements CustomerDataRemoval {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async removeAll(corpId: string): Promise<void> {
    const pk = wecomCustomerKeys.pk(corpId);
    const ours = [wecomCustomerKeys.customerPrefix, wecomLinkKeys.prefix, wecomCustomerKeys.jobPrefix, wecomCustomerKeys.stepPrefix];
    for await (const page of queryPages(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: 'pk, sk',
    })) {
      const keys = page.filter((item) => ours.some((prefix) => String(item.sk).startsWith(prefix)) || item.sk === wecomCustomerKeys.slotSk);
      await batchDeleteAll(this.client, this.table, keys);
    }
    await batchDeleteAll(this.client, this.table, [{ pk: wecomLinkKeys.bucketPk(`link#${corpId}`), sk: wecomLinkKeys.bucketSk }]);
  }
}
