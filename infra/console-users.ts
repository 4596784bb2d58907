/**
 * The default issuer of console tokens: a Cognito user pool and an app client, for tenants that do not
 * bring their own identity provider (context `oa-hub:jwtIssuer` replaces it). A user's tenant is the
 * immutable `custom:tenant_id` attribute, roles are groups (`admin`, `operator`) and departments a
 * comma-separated `custom:departments`, all set by an administrator, never by the user: the app client
 * may not write them. The console sends the ID token, whose `aud` is the app client.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { acknowledgeConsoleUserPool } from '#infra/nag-suppressions.ts';

/** The claim names the functions read from Cognito's ID tokens (JWT_*_CLAIM). */
export const cognitoClaims = {
  JWT_TENANT_CLAIM: 'custom:tenant_id',
  JWT_ROLES_CLAIM: 'cognito:groups',
  JWT_DEPARTMENTS_CLAIM: 'custom:departments',
} as const;

export const ADMIN_GROUP = 'admin';
/** The SaaS's own platform staff (API.md §3 ⁺ operator routes): no tenant data. */
export const OPERATOR_GROUP = 'operator';

export class ConsoleUsers extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      customAttributes: {
        tenant_id: new cognito.StringAttribute({ minLen: 1, maxLen: 128, mutable: false }),
        departments: new cognito.StringAttribute({ maxLen: 2048, mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeConsoleUserPool(this.userPool);
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'Tenant administrators: bind, unbind, share and every other console action',
    });
    new cognito.CfnUserPoolGroup(this, 'OperatorGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: OPERATOR_GROUP,
      description: 'Platform operators: tenant settings through the operator routes, no tenant data',
    });
    this.client = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('tenant_id', 'departments'),
      // Users may edit their name only: tenant and departments decide what they may see.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
  }

  /** The `iss` of the pool's tokens (the pool's ProviderURL attribute lacks the scheme). */
  get issuer(): string {
    const stack = Stack.of(this);
    return `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
  }
}
