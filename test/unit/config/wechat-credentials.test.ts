/**
 * The component's credentials are read once per value: the same value gives the same object (so
 * what is built from it is built once), a changed value gives a new one. Secrets Manager is mocked
 * with aws-sdk-client-mock.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { resetConfigForTests } from '#shared/config/config.ts';
import { resetWechatCredentialsForTests, wechatCredentials } from '#shared/config/wechat-credentials.ts';

const names = [
  'WECHAT_SECRET_ARN',
  'WECHAT_COMPONENT_APPID',
  'WECHAT_COMPONENT_SECRET',
  'WECHAT_COMPONENT_TOKEN',
  'WECHAT_COMPONENT_AES_KEY',
  'WECHAT_COMPONENT_PREVIOUS_AES_KEY',
];
const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
const secretsManager = mockClient(SecretsManagerClient);

const credentials = {
  componentAppId: 'wx0123456789abcdef',
  componentSecret: 'component-secret',
  token: 'pushtoken',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

function setEnv(values: Record<string, string | undefined>): void {
  for (const name of names) delete process.env[name];
  for (const [name, value] of Object.entries(values)) if (value !== undefined) process.env[name] = value;
  resetConfigForTests();
}

const componentEnv = {
  WECHAT_COMPONENT_APPID: credentials.componentAppId,
  WECHAT_COMPONENT_SECRET: credentials.componentSecret,
  WECHAT_COMPONENT_TOKEN: credentials.token,
  WECHAT_COMPONENT_AES_KEY: credentials.aesKey,
};

describe('the component credentials', () => {
  beforeEach(() => {
    resetWechatCredentialsForTests();
    clearCaches();
    secretsManager.reset();
  });

  afterEach(() => {
    setEnv(saved);
    resetWechatCredentialsForTests();
  });

  afterAll(() => {
    secretsManager.restore();
  });

  it('are the same object on every read of the same variables', async () => {
    // Prepare
    setEnv(componentEnv);

    // Act
    const first = await wechatCredentials();
    const second = await wechatCredentials();

    // Assess
    expect(second).toBe(first);
  });

  it('are read again when a variable changed', async () => {
    // Prepare
    setEnv(componentEnv);
    const before = await wechatCredentials();
    setEnv({ ...componentEnv, WECHAT_COMPONENT_TOKEN: 'rotatedtoken' });

    // Act
    const after = await wechatCredentials();

    // Assess
    expect([after === before, after.token]).toEqual([false, 'rotatedtoken']);
  });

  it('are the same object on every read of the same secret value', async () => {
    // Prepare
    setEnv({ WECHAT_SECRET_ARN: 'arn:aws:secretsmanager:local:000000000000:secret:wechat' });
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(credentials) });
    const first = await wechatCredentials();
    clearCaches();

    // Act
    const second = await wechatCredentials();

    // Assess
    expect(second).toBe(first);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('are read again when the secret’s value changed', async () => {
    // Prepare
    setEnv({ WECHAT_SECRET_ARN: 'arn:aws:secretsmanager:local:000000000000:secret:wechat' });
    secretsManager.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify(credentials) });
    const before = await wechatCredentials();
    const rotated = { ...credentials, aesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut', previousAesKey: credentials.aesKey };
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(rotated) });
    clearCaches();

    // Act
    const after = await wechatCredentials();

    // Assess
    expect(after).not.toBe(before);
    expect(after).toEqual(rotated);
  });

  it('name a secret that is not JSON without echoing it', async () => {
    // Prepare
    setEnv({ WECHAT_SECRET_ARN: 'arn:aws:secretsmanager:local:000000000000:secret:wechat' });
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'not-json-secret-value' });

    // Act
    const error = (await wechatCredentials().catch((e: unknown) => e)) as Error;

    // Assess
    expect(error.message).toContain('not JSON');
    expect(error.message).not.toContain('not-json-secret-value');
  });
});
