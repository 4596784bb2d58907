/**
 * The one DynamoDB table, as the CDK stack (`infra/hub-table.ts`) and the local stack
 * (`infra/local/dynamodb.ts`) build it. The description itself lives with the code that reads it
 * at run time (`shared/table/description.ts`: default name, keys, indexes, due-index shards), so
 * that runtime code never imports from `infra/`; both stacks build the table from it, so the two
 * cannot drift.
 */
export { globalIndexes, keyAttributes, TABLE_DEFAULT_NAME, tableKeys, TOKEN_DUE_SHARDS, type GlobalIndex } from '#shared/table/description.ts';
