/**
 * The hub's work queues, as both sides of them read the contract: the functions that send
 * (`queuePublisher`, through `<NAME>_QUEUE_URL`) and consume (`queueWorker`, whose last receive is
 * `maxReceiveCount`), and `infra/` that builds them (`infra/catalogue.ts` re-exports this list: the CDK
 * stack and the local stack create each queue from it). A queue is SQS with a dead-letter queue in
 * AWS, an in-process queue with the same semantics locally (`infra/local/queues.ts`); the consumer is
 * wired as an event source with partial batch failures.
 */
export interface HubQueue {
  readonly name: string;
  readonly description: string;
  /** The function that consumes it (must be in `hubFunctions` of `infra/catalogue.ts`). */
  readonly consumer: string;
  readonly batchSize: number;
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Upper bound of concurrent consumer invocations (respects WeChat's per-account limits). */
  readonly maxConcurrency: number;
}

const queues = [
  {
    name: 'fan-sync',
    description: 'Follower sync steps: list pages, info chunks of 100 openids, finish',
    consumer: 'fan-sync-worker',
    batchSize: 5,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    maxConcurrency: 4,
  },
  {
    name: 'account-unbinding',
    description:
      'Continuations of owners unbindings, delayed past the starting request: the rest of the cascade and the final transaction when that request died',
    consumer: 'unbinding-worker',
    batchSize: 1,
    visibilityTimeoutSeconds: 120,
    maxReceiveCount: 5,
    maxConcurrency: 2,
  },
  {
    name: 'release-test',
    description: 'The asynchronous half of the full-network release test (api_query_auth + customer-service message)',
    consumer: 'release-test-worker',
    batchSize: 1,
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 3,
    maxConcurrency: 2,
  },
  {
    name: 'token-recovery',
    description: 'Recoveries of refresh tokens WeChat refused (61023): pages api_get_authorizer_list in the background from a checkpoint, off the request path',
    consumer: 'recover-authorizer-token',
    batchSize: 1,
    // Longer than the consumer's timeout (60 s), so a running job is never delivered twice.
    visibilityTimeoutSeconds: 90,
    maxReceiveCount: 5,
    // api_get_authorizer_list is a component-wide call: a few recoveries at a time.
    maxConcurrency: 2,
  },
  {
    name: 'authorization-push',
    description:
      'Stored authorized/updateauthorized pushes waiting to be applied (api_get_authorizer_info, maybe api_query_auth) after the hub answered WeChat',
    consumer: 'authorization-push-worker',
    batchSize: 1,
    // Longer than the worker's timeout (infra/catalogue.ts): a running delivery is never handed out again.
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 5,
    maxConcurrency: 2,
  },
  {
    name: 'wecom-events',
    description:
      'Stored WeCom callback events (create_auth, change_auth, cancel_auth, change_external_contact, change_contact, register_corp) waiting to be applied after the hub answered WeCom',
    consumer: 'wecom-events-worker',
    batchSize: 1,
    // Longer than the worker's timeout (30 s, infra/catalogue.ts): a running delivery is never handed out again.
    visibilityTimeoutSeconds: 45,
    maxReceiveCount: 5,
    maxConcurrency: 2,
  },
  {
    name: 'wecom-customer-sync',
    description:
      'WeCom customer sync steps (get_follow_user_list, batch/get_by_user pages of ≤ 100 members, followers to link, unionid_to_external_userid chunks, finish) and links of new followers and customers',
    consumer: 'wecom-customer-sync-worker',
    batchSize: 5,
    // Longer than the worker's timeout (60 s): a running delivery is never handed out again.
    visibilityTimeoutSeconds: 90,
    maxReceiveCount: 5,
    // WeCom: ≤ 10 000 calls a minute per corp and API, 45033 under a few hundred concurrent calls (WECOM.md §4.2).
    maxConcurrency: 4,
  },
] as const satisfies readonly HubQueue[];

export const hubQueues: readonly HubQueue[] = queues;

/** The name of one of the hub's queues. */
export type HubQueueName = (typeof queues)[number]['name'];

/** The queue of that name. */
export function hubQueue(name: HubQueueName): HubQueue {
  return hubQueues.find((queue) => queue.name === name)!;
}

/** The environment variable that carries a queue's URL into the functions that send to it. */
export const queueUrlVariable = (queueName: string): string => `${queueName.toUpperCase().replace(/-/g, '_')}_QUEUE_URL`;
