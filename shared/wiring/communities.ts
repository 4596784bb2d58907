/** The communities area wired to the table. */
import { DynamoCommunityStore } from '#shared/adapters/dynamodb/community-store.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { CommunityDeps } from '#shared/domain/communities/communities.ts';
import { auditLog, now } from '#shared/wiring/common.ts';

export function communityDeps(): CommunityDeps {
  return { store: new DynamoCommunityStore(db(), tableName()), audit: auditLog(), now };
}
