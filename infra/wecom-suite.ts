/**
 * What the WeCom third-party app (企业微信关联, API.md §7) needs in AWS besides its functions, routes
 * and queue (those come from the catalogue and the queue contract like every other):
 *
 * - the secret holding the suite's credentials (`WECOM_SECRET_ARN`, API.md §4), created empty like the
 *   WeChat one: the operator fills it from WeCom's 服务商管理后台 after deploy;
 * - the KMS key that seals the `permanent_code`s and the mini programs' secrets at rest
 *   (`WECOM_KMS_KEY_ID`, envelope encryption in `shared/wecom/secret-box.ts`), yearly rotation on,
 *   kept when the stack goes (sealed codes would not open without it).
 *
 * The functions that call WeCom egress through the same NAT gateways as the WeChat calls: WeCom checks
 * the caller's IP too (errcode 60020), so the `WhitelistIps` go into its 服务商 IP whitelist as well.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeWeComSecretRotation } from '#infra/nag-suppressions.ts';

/** The required fields, empty: an unfilled secret fails validation at cold start (`shared/config/wecom.ts`). */
const secretTemplate = { suiteId: '', suiteSecret: '', token: '', aesKey: '', providerCorpId: '' };

/** The `purpose` encryption context of every sealed WeCom secret: the only ones the key's grants allow. */
export const SEALED_PURPOSES = ['permanent_code', 'miniprogram_secret'] as const;

export class WeComSuite extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'SuiteSecret', {
      description:
        'oa-hub WeCom suite credentials. Replace the value with JSON ' +
        '{"suiteId":"ww…","suiteSecret":"…","token":"…","aesKey":"<43 chars>","providerCorpId":"ww…","providerSecret":"<optional>",' +
        '"systemToken":"<optional>","systemAesKey":"<optional, 43 chars>","registerTemplateId":"<optional>"} ' +
        'from WeCom’s 服务商管理后台 (the app’s 回调配置 and the provider’s 通用开发参数).',
      generateSecretString: {
        secretStringTemplate: JSON.stringify(secretTemplate),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
    });
    acknowledgeWeComSecretRotation(this.secret);

    this.key = new kms.Key(this, 'SecretsKey', {
      description: 'oa-hub: seals WeCom permanent codes and mini-program secrets (envelope encryption)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * `GenerateDataKey` and `Decrypt` on this key only, and only for a sealed WeCom secret (the
   * `purpose` encryption context the code always sends): nothing else, no `Encrypt`, no key admin.
   */
  grantSealing(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:purpose': [...SEALED_PURPOSES] } },
      }),
    );
  }
}
