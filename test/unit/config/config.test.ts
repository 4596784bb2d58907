import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '#shared/config/config.ts';

describe('configuration from the environment', () => {
  it('uses the documented defaults when nothing is set', () => {
    // Act
    const config = parseConfig({});

    // Assess
    expect(config).toMatchObject({
      tableName: 'oa-hub',
      wechatApiBase: 'https://api.weixin.qq.com',
      wechatMpBase: 'https://mp.weixin.qq.com',
      maxClockSkewSeconds: 300,
      publicBaseUrl: 'http://127.0.0.1:3000',
      consoleUrl: 'http://127.0.0.1:3000/console',
      bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3] },
      defaultAccountQuota: 5,
      port: 3000,
      claims: { tenant: 'tenant_id', roles: 'roles', departments: 'departments' },
    });
  });

  it('derives the local public URL and console URL from PORT', () => {
    // Act
    const config = parseConfig({ PORT: '4100' });

    // Assess
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:4100');
    expect(config.consoleUrl).toBe('http://127.0.0.1:4100/console');
  });

  it('reads the binding policy flags and permission-set ids', () => {
    // Act
    const config = parseConfig({ BIND_REQUIRE_SERVICE_ACCOUNT: 'false', BIND_REQUIRE_VERIFIED: '0', BIND_REQUIRED_FUNC_IDS: ' 1, 2 ,24,2' });

    // Assess
    expect(config.bindingPolicy).toEqual({ requireServiceAccount: false, requireVerified: false, requiredFuncIds: [1, 2, 24] });
  });

  it('drops a trailing slash from configured origins', () => {
    // Act
    const config = parseConfig({ PUBLIC_BASE_URL: 'https://hub.example.com/', WECHAT_API_BASE: 'http://127.0.0.1:9000/' });

    // Assess
    expect(config.publicBaseUrl).toBe('https://hub.example.com');
    expect(config.wechatApiBase).toBe('http://127.0.0.1:9000');
  });

  it('treats an empty variable as unset', () => {
    // Act
    const config = parseConfig({ TABLE_NAME: '', PORT: '' });

    // Assess
    expect(config.tableName).toBe('oa-hub');
    expect(config.port).toBe(3000);
  });

  it('bounds the scheduled token refresh at 32 refreshes in flight unless TOKEN_REFRESH_CONCURRENCY says otherwise', () => {
    // Act
    const defaults = parseConfig({});
    const configured = parseConfig({ TOKEN_REFRESH_CONCURRENCY: '8' });

    // Assess
    expect([defaults.tokenRefreshConcurrency, configured.tokenRefreshConcurrency]).toEqual([32, 8]);
  });

  it.each([
    ['PORT', 'eighty', 'PORT'],
    ['PORT', '70000', 'PORT'],
    ['WECHAT_MAX_CLOCK_SKEW_SECONDS', '-5', 'WECHAT_MAX_CLOCK_SKEW_SECONDS'],
    ['BIND_REQUIRE_VERIFIED', 'yes', 'BIND_REQUIRE_VERIFIED'],
    ['BIND_REQUIRED_FUNC_IDS', '1,,2', 'BIND_REQUIRED_FUNC_IDS'],
    ['PUBLIC_BASE_URL', 'not a url', 'PUBLIC_BASE_URL'],
    ['TOKEN_REFRESH_CONCURRENCY', '0', 'TOKEN_REFRESH_CONCURRENCY'],
    ['TOKEN_REFRESH_CONCURRENCY', '2.5', 'TOKEN_REFRESH_CONCURRENCY'],
    ['TOKEN_REFRESH_CONCURRENCY', '513', 'TOKEN_REFRESH_CONCURRENCY'],
  ])('fails fast naming %s when it is %j', (name, value, named) => {
    // Act
    const parse = () => parseConfig({ [name]: value });

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(named);
  });
});
