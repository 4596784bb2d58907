/**
 * The WeCom area wired to the table, WeCom (`WECOM_API_BASE`), the suite's credentials
 * (`shared/config/wecom.ts`), the sealing key (KMS `WECOM_KMS_KEY_ID` in AWS, the local key file
 * otherwise), the `wecom-events` queue and the event outbox.
 *
 * | builder | for |
 * |---|---|
 * | `suitePushDeps()` | `wecom-suite-callback` |
 * | `applyEventDeps()` | `wecom-events-worker` |
 * | `installDeps()` | `create-wecom-installation`, `create-wecom-registration`, `wecom-installed` |
 * | `corpDeps()` | `wecom-corp`, `put-wecom-miniprogram-secret` |
 * | `wecomTokenService()` | `vend-wecom-access-token`, and the customer sync's calls |
 * | `customerSyncWorker()` | `wecom-customer-sync-worker` (the customer sync's steps and the link steps) |
 * | `customerConsole()` | `start-wecom-customer-sync`, `get-wecom-customer-sync`, `list-wecom-customers` |
 * | `customerChanges()`, `customerCorpData()` | the events worker's `WeComCustomerChanges`, `DELETE /v1/wecom/corp`'s `WeComCorpData` |
 * | `linkRequests()` | new followers to link as they come (a queued link step) |
 * | `contactWithWeCom()` | `get-contact` (the contact with its `wecom` part) |
 *
 * The feature gate is the tenant settings' `featureEnabled(tenantId, 'wecom')` (`shared/wiring/tenants.ts`:
 * an operator's switch, off by default). The customer sync's builders are the last block (one block,
 * with their imports).
 */
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoMiniProgramSecrets, DynamoWeComCorps, DynamoWeComEvents, DynamoWeComStates } from '#shared/adapters/dynamodb/wecom-corps.ts';
import { DynamoSuiteTickets, DynamoWeComTokens } from '#shared/adapters/dynamodb/wecom-tokens.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { wecomConfig, wecomCredentials } from '#shared/config/wecom.ts';
import { db, tableName } from '#shared/db/client.ts';
import { detailTypes, wecomCorpEvent } from '#shared/domain/events/model.ts';
import { publishAfter } from '#shared/domain/events/publish.ts';
import type { ApplyEventDeps } from '#shared/domain/wecom/apply-event.ts';
import type { CorpDeps } from '#shared/domain/wecom/corp.ts';
import type { InstallDeps } from '#shared/domain/wecom/install.ts';
import type { SecretBox, WeComEventQueue, WeComFeatureGate, WeComLifecycleEvents } from '#shared/domain/wecom/ports.ts';
import type { SuitePushDeps } from '#shared/domain/wecom/suite-push.ts';
import { WeComTokenService } from '#shared/domain/wecom/tokens.ts';
import { WeComApiClient } from '#shared/wecom/api-client.ts';
import { EnvelopeSecretBox, KmsMasterKey, LocalFileMasterKey } from '#shared/wecom/secret-box.ts';
import { eventOutbox } from '#shared/wiring/events.ts';
import { log, now } from '#shared/wiring/common.ts';

// The customer sync's (the last block):
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCustomerSyncJobs, DynamoWeComCustomers } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { DynamoCustomerDataRemoval, DynamoLinkFollowers, DynamoRateBucket, DynamoWeComLinks } from '#shared/adapters/dynamodb/wecom-links.ts';
import { CustomerChanges, customerCorpData as corpDataOf } from '#shared/domain/wecom/changes.ts';
import { CustomerConsole } from '#shared/domain/wecom/customer-console.ts';
import { CustomerSyncWorker } from '#shared/domain/wecom/customer-sync.ts';
import { ContactWithWeCom } from '#shared/domain/wecom/link-contact.ts';
import { CustomerLinker, queuedLinkRequests, type LinkRequests } from '#shared/domain/wecom/link.ts';
import type { CustomerEvents, CustomerStepQueue, WeComCorpData, WeComCustomerChanges } from '#shared/domain/wecom/ports.ts';
import { fanConsole } from '#shared/wiring/fans.ts';
import { tenantSettingsReader } from '#shared/wiring/tenants.ts';

let client: WeComApiClient | undefined;
export function wecomApiClient(): WeComApiClient {
  client ??= new WeComApiClient({ apiBase: wecomConfig().apiBase });
  return client;
}

let box: SecretBox | undefined;
/** Envelope encryption: KMS when `WECOM_KMS_KEY_ID` is set (AWS), else the local key file. */
export function secretBox(): SecretBox {
  box ??= new EnvelopeSecretBox(wecomConfig().kmsKeyId ? new KmsMasterKey(wecomConfig().kmsKeyId!) : new LocalFileMasterKey(wecomConfig().localKeyFile));
  return box;
}

const corps = () => new DynamoWeComCorps(db(), tableName());
const states = () => new DynamoWeComStates(db(), tableName());

/** The tenant's `features.wecom`, read by itself (see the header). */
export function featureGate(): WeComFeatureGate {
  const settings = tenantSettingsReader();
  return { enabled: (tenantId) => settings.featureEnabled(tenantId, 'wecom') };
}

let tokens: WeComTokenService | undefined;
export function wecomTokenService(): WeComTokenService {
  tokens ??= new WeComTokenService({
    tickets: new DynamoSuiteTickets(db(), tableName()),
    tokens: new DynamoWeComTokens(db(), tableName()),
    corps: corps(),
    secrets: secretBox(),
    lease: new DynamoLease(db(), tableName()),
    api: wecomApiClient(),
    credentials: wecomCredentials,
  });
  return tokens;
}

function lifecycleEvents(): WeComLifecycleEvents {
  const outbox = eventOutbox();
  return {
    installed: (detail) => publishAfter(outbox, wecomCorpEvent(detailTypes.wecomCorpInstalled, detail), log),
    uninstalled: (detail) => publishAfter(outbox, wecomCorpEvent(detailTypes.wecomCorpUninstalled, detail), log),
  };
}

function eventQueue(): WeComEventQueue {
  const queue = queuePublisher('wecom-events');
  return { send: (message) => queue.send([{ body: JSON.stringify(message) }]) };
}

export function suitePushDeps(): SuitePushDeps {
  return {
    tickets: new DynamoSuiteTickets(db(), tableName()),
    events: new DynamoWeComEvents(db(), tableName()),
    queue: eventQueue(),
    suiteId: async () => (await wecomCredentials()).suiteId,
    now,
    log,
  };
}

export function installDeps(): InstallDeps {
  return {
    gate: featureGate(),
    corps: corps(),
    states: states(),
    secrets: secretBox(),
    tokens: wecomTokenService(),
    api: wecomApiClient(),
    events: lifecycleEvents(),
    credentials: wecomCredentials,
    settings: { authType: wecomConfig().authType, openBase: wecomConfig().openBase, publicBaseUrl: config().publicBaseUrl },
    now,
    log,
  };
}

export function applyEventDeps(): ApplyEventDeps {
  return {
    events: new DynamoWeComEvents(db(), tableName()),
    corps: corps(),
    states: states(),
    tokens: wecomTokenService(),
    tokenStore: new DynamoWeComTokens(db(), tableName()),
    secrets: secretBox(),
    api: wecomApiClient(),
    lifecycle: lifecycleEvents(),
    customerChanges: customerChanges(),
    install: installDeps(),
    now,
    log,
  };
}

export function corpDeps(): CorpDeps {
  return {
    gate: featureGate(),
    corps: corps(),
    corpData: customerCorpData(),
    miniPrograms: new DynamoMiniProgramSecrets(db(), tableName()),
    secrets: secretBox(),
    now,
    log,
  };
}

/** Whether a ReceiveId names a corp the hub holds (data callbacks), for `wecomRoute`. */
export const isKnownCorp = async (corpId: string): Promise<boolean> => (await corps().get(corpId)) !== undefined;

// --- The customer sync, the link and the changes -------------------------------------------------

interface Table {
  client: DynamoDBDocumentClient;
  table: string;
}
const own = (): Table => ({ client: db(), table: tableName() });

function stepQueue(): CustomerStepQueue {
  const queue = queuePublisher('wecom-customer-sync');
  return {
    send: (steps, options = {}) =>
      queue.send(steps.map((step) => ({ body: JSON.stringify(step), ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) }))),
  };
}

const corpTokens = (corpId: string) => wecomTokenService().corp(corpId);

function events(): CustomerEvents {
  const outbox = eventOutbox();
  return {
    customerChanged: (event) =>
      publishAfter(outbox, { eventId: event.eventId, detailType: detailTypes.wecomCustomerChanged, at: event.at, detail: { ...event } }, log),
  };
}

export function customerSyncWorker({ client, table }: Table = own()): CustomerSyncWorker {
  const customers = new DynamoWeComCustomers(client, table);
  const linker = new CustomerLinker({
    wecom: wecomApiClient(),
    tokens: corpTokens,
    bucket: new DynamoRateBucket(client, table),
    links: new DynamoWeComLinks(client, table),
    customers,
  });
  return new CustomerSyncWorker({
    jobs: new DynamoCustomerSyncJobs(client, table),
    customers,
    followers: new DynamoLinkFollowers(client, table),
    linker,
    wecom: wecomApiClient(),
    tokens: corpTokens,
    queue: stepQueue(),
    now,
    log,
  });
}

export function customerConsole({ client, table }: Table = own()): CustomerConsole {
  return new CustomerConsole({
    gate: featureGate(),
    corps: new DynamoWeComCorps(client, table),
    jobs: new DynamoCustomerSyncJobs(client, table),
    customers: new DynamoWeComCustomers(client, table),
    queue: stepQueue(),
    now,
  });
}

export function linkRequests(): LinkRequests {
  return queuedLinkRequests(stepQueue());
}

export function customerChanges({ client, table }: Table = own()): WeComCustomerChanges {
  return new CustomerChanges({
    wecom: wecomApiClient(),
    tokens: corpTokens,
    customers: new DynamoWeComCustomers(client, table),
    followers: new DynamoLinkFollowers(client, table),
    links: linkRequests(),
    events: events(),
    now,
  });
}

export function customerCorpData({ client, table }: Table = own()): WeComCorpData {
  return corpDataOf(new DynamoCustomerDataRemoval(client, table));
}

export function contactWithWeCom({ client, table }: Table = own()) {
  return new ContactWithWeCom({
    contacts: fanConsole(),
    corps: new DynamoWeComCorps(client, table),
    links: new DynamoWeComLinks(client, table),
    customers: new DynamoWeComCustomers(client, table),
  });
}
