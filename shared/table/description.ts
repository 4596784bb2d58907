/**
 * The one DynamoDB table, described once: the functions read its default name and the due-index
 * shards from here, and the CDK stack (`infra/hub-table.ts`) and the local stack
 * (`infra/local/dynamodb.ts`) both build the table from it (through `infra/table.ts`), so the two
 * cannot drift.
 *
 * Key design (entity-prefixed; README.md "Data design" lists every access pattern):
 * - `pk` / `sk`: the item's home, e.g. `ACCOUNT#wx…` / `ACCOUNT`.
 * - `gsi1pk` / `gsi1sk`: overloaded secondary lookups (account by `gh_` user name, recipients of an
 *   account, share codes of an account, communities linked to an account, followers by unionid).
 * - `gsi2pk` / `gsi2sk`: the token due-index, spread over `TOKEN_DUE_SHARDS` partitions
 *   (`DUE#<n>` / `<refreshAt ISO>#<appid>`), plus other time-ordered lookups.
 * - `gsi3pk` / `gsi3sk`: an account's followers in the order they changed (`FANS#<appid>` /
 *   `<updatedAt ISO>#<openid>`), the internal follower feed (`fans?changedSince=`); every follower
 *   write sets both (`shared/adapters/dynamodb/followers.ts`).
 * - WeCom (`shared/domain/wecom/ports.ts` has the full layout): `WECOM_SUITE#<suiteId>` (`TICKET`,
 *   `TOKEN`), `WECOM_PROVIDER#<corpId>` / `TOKEN`, `WECOM_CORP#<corpId>` (`CORP`, `TOKEN`,
 *   `CUSTOMER#<externalUserId>`, `SYNC#<jobId>`),
 *   `TENANT#<tenantId>` / `WECOM_CORP` and `WECOM_MINIPROGRAM`, `WECOM_STATE#<state>`, `WECOM_EVENT#<key>`.
 * - `ttl`: epoch seconds; DynamoDB deletes late, so readers always check `expiresAt` themselves.
 */
export const TABLE_DEFAULT_NAME = 'oa-hub';

export const tableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
} as const;

export interface GlobalIndex {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export const globalIndexes: readonly GlobalIndex[] = [
  { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
];

/** Number of partitions the token due-index is spread over (`DUE#0` … `DUE#<n-1>`). */
export const TOKEN_DUE_SHARDS = 16;

/** Every key attribute is a string. */
export const keyAttributes: readonly string[] = [
  tableKeys.partitionKey,
  tableKeys.sortKey,
  ...globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];
