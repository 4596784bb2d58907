/**
 * The hub's one DynamoDB table, built from the shared description in `infra/table.ts` (the local
 * stack builds its table from the same description, so the two cannot drift).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { globalIndexes, tableKeys } from '#infra/table.ts';

export class HubTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const text = dynamodb.AttributeType.STRING;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: tableKeys.partitionKey, type: text },
      sortKey: { name: tableKeys.sortKey, type: text },
      timeToLiveAttribute: tableKeys.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Tenants' bindings, shares and followers cannot be rebuilt from anywhere else.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      // New images feed the event bus's publisher (`infra/event-bus.ts`: only new OUTBOX# items pass its filter).
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    for (const index of globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: text },
        sortKey: { name: index.sortKey, type: text },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
