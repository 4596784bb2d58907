/**
 * WeCom corps, install states, queued callback events and the mini program's secret in the table
 * (`shared/domain/wecom/ports.ts` has the layout):
 * - `WECOM_CORP#<corpId>` / `CORP`: the `StoredWeComCorp` as attributes (the permanent code sealed),
 *   and `TENANT#<tenantId>` / `WECOM_CORP` (`corpId`): both written in one transaction, each with its
 *   condition — the corp free or already this tenant's, the tenant's pointer free or already this
 *   corp — so a corp has one tenant and a tenant one corp;
 * - `WECOM_STATE#<state>` / `STATE`: `purpose`, `tenantId`, `userId`, `expiresAt`, `ttl`; spent by a
 *   conditional delete (once);
 * - `WECOM_EVENT#<eventKey>` / `EVENT`: the parsed push (`event`), `state` `received` → `applying`
 *   (until `leaseUntil`, unix seconds) → settled (`outcome`, `settledAt`; a `create_auth`'s auth code
 *   is removed then), `ttl` 7 days;
 * - `TENANT#<tenantId>` / `WECOM_MINIPROGRAM`: `appid`, `secret` (sealed), `updatedAt`, `updatedBy`.
 */
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, isTransactionCancelled, refusedAt } from '#shared/db/conditions.ts';
import type {
  InstallOutcome,
  MiniProgramSecretStore,
  SealedSecret,
  StoredWeComCorp,
  VisibleRange,
  WeComCallbackEvent,
  WeComCorpStore,
  WeComEventClaim,
  WeComEventLog,
  WeComEventReceipt,
  WeComState,
  WeComStateStore,
} from '#shared/domain/wecom/ports.ts';
import { tokenKey, wecomKeys } from '#shared/adapters/dynamodb/wecom-keys.ts';

type Item = Record<string, unknown>;

const corpKey = (corpId: string) => ({ pk: wecomKeys.corp(corpId), sk: wecomKeys.corpSk });
const pointerKey = (tenantId: string) => ({ pk: wecomKeys.tenant(tenantId), sk: wecomKeys.tenantCorpSk });
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'type']);

function corpOf(item: Item | undefined): StoredWeComCorp | undefined {
  if (!item) return undefined;
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name))) as unknown as StoredWeComCorp;
}

export class DynamoWeComCorps implements WeComCorpStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(corpId: string): Promise<StoredWeComCorp | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: corpKey(corpId), ConsistentRead: true }));
    return corpOf(Item);
  }

  async ofTenant(tenantId: string): Promise<StoredWeComCorp | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: pointerKey(tenantId), ConsistentRead: true }));
    if (typeof Item?.corpId !== 'string') return undefined;
    const corp = await this.get(Item.corpId);
    return corp?.tenantId === tenantId ? corp : undefined;
  }

  async install(corp: StoredWeComCorp): Promise<InstallOutcome> {
    const before = await this.get(corp.corpId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...corpKey(corp.corpId), type: 'WeComCorp', ...corp },
                ConditionExpression: 'attribute_not_exists(pk) OR tenantId = :tenantId',
                ExpressionAttributeValues: { ':tenantId': corp.tenantId },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...pointerKey(corp.tenantId), type: 'TenantWeComCorp', corpId: corp.corpId },
                ConditionExpression: 'attribute_not_exists(pk) OR corpId = :corpId',
                ExpressionAttributeValues: { ':corpId': corp.corpId },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      if (refusedAt(error, 0)) return { kind: 'bound_elsewhere' };
      if (refusedAt(error, 1)) {
        const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: pointerKey(corp.tenantId), ConsistentRead: true }));
        return { kind: 'tenant_has_other_corp', corpId: String(Item?.corpId ?? '') };
      }
      throw error;
    }
    return before ? { kind: 'reinstalled', corp } : { kind: 'installed', corp };
  }

  async updateAuthorization(
    corpId: string,
    change: { visibleRange: VisibleRange; customerPermission: boolean; corpName?: string; at: string },
  ): Promise<StoredWeComCorp | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: corpKey(corpId),
          UpdateExpression: `SET visibleRange = :range, customerPermission = :permission, updatedAt = :at${change.corpName ? ', corpName = :name' : ''}`,
          ConditionExpression: '#status = :installed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':range': change.visibleRange,
            ':permission': change.customerPermission,
            ':at': change.at,
            ':installed': 'installed',
            ...(change.corpName ? { ':name': change.corpName } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return corpOf(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markUninstalled(corpId: string, at: string): Promise<StoredWeComCorp | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: corpKey(corpId),
          UpdateExpression: 'SET #status = :uninstalled, uninstalledAt = :at, updatedAt = :at',
          ConditionExpression: '#status = :installed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':uninstalled': 'uninstalled', ':installed': 'installed', ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return corpOf(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async remove(corpId: string, tenantId: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: corpKey(corpId),
                ConditionExpression: '#status = :uninstalled AND tenantId = :tenantId',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':uninstalled': 'uninstalled', ':tenantId': tenantId },
              },
            },
            {
              Delete: {
                TableName: this.table,
                Key: pointerKey(tenantId),
                ConditionExpression: 'corpId = :corpId',
                ExpressionAttributeValues: { ':corpId': corpId },
              },
            },
            { Delete: { TableName: this.table, Key: tokenKey({ kind: 'corp', corpId }) } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }
}

export class DynamoWeComStates implements WeComStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(state: WeComState): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: wecomKeys.state(state.state),
          sk: wecomKeys.stateSk,
          type: 'WeComState',
          purpose: state.purpose,
          tenantId: state.tenantId,
          userId: state.userId,
          expiresAt: state.expiresAt,
          ttl: Math.ceil(Date.parse(state.expiresAt) / 1000),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async spend(state: string, now: string): Promise<WeComState | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: wecomKeys.state(state), sk: wecomKeys.stateSk },
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :now',
          ExpressionAttributeValues: { ':now': now },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return stateOf(state, Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async peek(state: string, now: string): Promise<WeComState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: wecomKeys.state(state), sk: wecomKeys.stateSk }, ConsistentRead: true }),
    );
    const found = stateOf(state, Item);
    return found && found.expiresAt > now ? found : undefined;
  }
}

function stateOf(state: string, item: Item | undefined): WeComState | undefined {
  if (!item || typeof item.tenantId !== 'string') return undefined;
  return {
    state,
    purpose: item.purpose === 'register' ? 'register' : 'install',
    tenantId: item.tenantId,
    userId: String(item.userId ?? ''),
    expiresAt: String(item.expiresAt),
  };
}

const EVENT_TTL_SECONDS = 7 * 24 * 3600;

export class DynamoWeComEvents implements WeComEventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(eventKey: string) {
    return { pk: wecomKeys.event(eventKey), sk: wecomKeys.eventSk };
  }

  async receive(eventKey: string, event: WeComCallbackEvent, receivedAt: string): Promise<WeComEventReceipt> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(eventKey),
            type: 'WeComEvent',
            infoType: event.infoType,
            event,
            state: 'received',
            receivedAt,
            ttl: Math.floor(Date.parse(receivedAt) / 1000) + EVENT_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'new';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = await this.item(eventKey);
    return !item || item.state === 'settled' ? 'settled' : 'pending';
  }

  async claim(eventKey: string, lease: { now: number; leaseUntil: number }): Promise<WeComEventClaim> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(eventKey),
          UpdateExpression: 'SET #state = :applying, leaseUntil = :leaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND (#state = :received OR (#state = :applying AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':applying': 'applying', ':received': 'received', ':leaseUntil': lease.leaseUntil, ':now': lease.now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'claimed', event: Attributes!.event as WeComCallbackEvent };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = await this.item(eventKey);
    if (!item) return { kind: 'missing' };
    return item.state === 'settled' ? { kind: 'settled' } : { kind: 'busy' };
  }

  async release(eventKey: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(eventKey),
          UpdateExpression: 'SET #state = :received REMOVE leaseUntil',
          ConditionExpression: '#state = :applying',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':received': 'received', ':applying': 'applying' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async settle(eventKey: string, outcome: string, at: string): Promise<void> {
    const item = await this.item(eventKey);
    const hasCode = typeof (item?.event as Item | undefined)?.authCode === 'string';
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(eventKey),
        UpdateExpression: `SET #state = :settled, outcome = :outcome, settledAt = :at REMOVE leaseUntil${hasCode ? ', #event.authCode' : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state', ...(hasCode ? { '#event': 'event' } : {}) },
        ExpressionAttributeValues: { ':settled': 'settled', ':outcome': outcome, ':at': at },
      }),
    );
  }

  private async item(eventKey: string): Promise<Item | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(eventKey), ConsistentRead: true }));
    return Item;
  }
}

export class DynamoMiniProgramSecrets implements MiniProgramSecretStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(tenantId: string, record: { appid: string; secret: SealedSecret; updatedAt: string; updatedBy: string }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: wecomKeys.tenant(tenantId), sk: wecomKeys.miniProgramSk, type: 'WeComMiniProgramSecret', ...record },
      }),
    );
  }
}
