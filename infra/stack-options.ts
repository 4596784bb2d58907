/**
 * The deploy-time choices of an oa-hub stack, read from CDK context (`cdk.json` or `-c key=value`).
 * Everything is optional: with no context the stack deploys with a Cognito user pool, fixed NAT
 * egress, the API's own execute-api URL and an alarm topic nobody is subscribed to.
 */
import type { Node } from 'constructs';

export interface HubStackOptions {
  /** An external OIDC issuer for console tokens; no Cognito user pool then. */
  readonly jwt?: { readonly issuer: string; readonly audience: string[] };
  /** `false` on development accounts: no VPC, no NAT (WeChat's IP whitelist cannot be satisfied). */
  readonly natEgress: boolean;
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  /** The console's origin, allowed by CORS. */
  readonly consoleOrigin?: string;
  readonly consoleUrl?: string;
  /** Subscribed by e-mail to the alarm topic. */
  readonly alarmEmail?: string;
  /** Extra function environment: binding policy, quota, claim names. */
  readonly environment: Record<string, string>;
}

/** Context keys that become a function environment variable when set. */
export const environmentContext: Readonly<Record<string, string>> = {
  'oa-hub:bindRequireServiceAccount': 'BIND_REQUIRE_SERVICE_ACCOUNT',
  'oa-hub:bindRequireVerified': 'BIND_REQUIRE_VERIFIED',
  'oa-hub:bindRequiredFuncIds': 'BIND_REQUIRED_FUNC_IDS',
  'oa-hub:tenantDefaultAccountQuota': 'TENANT_DEFAULT_ACCOUNT_QUOTA',
  'oa-hub:wechatMaxClockSkewSeconds': 'WECHAT_MAX_CLOCK_SKEW_SECONDS',
  'oa-hub:jwtTenantClaim': 'JWT_TENANT_CLAIM',
  'oa-hub:jwtRolesClaim': 'JWT_ROLES_CLAIM',
  'oa-hub:jwtDepartmentsClaim': 'JWT_DEPARTMENTS_CLAIM',
  // `test` while the WeCom app is unreleased (set_session_info auth_type 1), `live` (the default) after.
  'oa-hub:wecomAuthType': 'WECOM_AUTH_TYPE',
};

/** One address: a local part, `@`, a dotted domain; no spaces, commas or second `@` (SNS takes one endpoint). */
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;

function text(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** `-c key=false` arrives as the string "false", cdk.json gives a real boolean: accept both. */
export function contextFlag(node: Node, key: string, fallback: boolean): boolean {
  const value = text(node, key);
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, not "${value}"`);
}

export function hubStackOptions(node: Node): HubStackOptions {
  const issuer = text(node, 'oa-hub:jwtIssuer');
  const audience = (text(node, 'oa-hub:jwtAudience') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (issuer && audience.length === 0) throw new Error('Context oa-hub:jwtIssuer needs oa-hub:jwtAudience (comma-separated)');
  if (!issuer && audience.length > 0) throw new Error('Context oa-hub:jwtAudience needs oa-hub:jwtIssuer');
  if (issuer && !issuer.startsWith('https://')) throw new Error('Context oa-hub:jwtIssuer must be an https:// URL');

  const domainName = text(node, 'oa-hub:domainName');
  const certificateArn = text(node, 'oa-hub:certificateArn');
  if (Boolean(domainName) !== Boolean(certificateArn)) {
    throw new Error('Contexts oa-hub:domainName and oa-hub:certificateArn go together');
  }

  const alarmEmail = text(node, 'oa-hub:alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new Error(`Context oa-hub:alarmEmail must be one e-mail address such as ops@example.com, not "${alarmEmail}"`);
  }

  const wecomAuthType = text(node, 'oa-hub:wecomAuthType');
  if (wecomAuthType !== undefined && wecomAuthType !== 'test' && wecomAuthType !== 'live') {
    throw new Error(`Context oa-hub:wecomAuthType must be test or live, not "${wecomAuthType}"`);
  }

  const consoleOrigin = text(node, 'oa-hub:consoleOrigin');
  const consoleUrl = text(node, 'oa-hub:consoleUrl');
  const environment: Record<string, string> = {};
  for (const [key, variable] of Object.entries(environmentContext)) {
    const value = text(node, key);
    if (value !== undefined) environment[variable] = value;
  }

  return {
    ...(issuer ? { jwt: { issuer, audience } } : {}),
    natEgress: contextFlag(node, 'oa-hub:natEgress', true),
    ...(domainName && certificateArn ? { customDomain: { domainName, certificateArn } } : {}),
    ...(consoleOrigin ? { consoleOrigin } : {}),
    ...(consoleUrl ? { consoleUrl } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    environment,
  };
}
