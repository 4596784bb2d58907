import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentTokenService } from '#shared/wiring/tokens.ts';
import { resetConfigForTests } from '#shared/config/config.ts';
import { freshTable } from '#test/integration/support/table.ts';
import { startFakeWeChat, type FakeWeChat } from '#test/unit/wechat-client/fake-wechat.ts';

describe('the process-wide component token service', () => {
  let wechat: FakeWeChat;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    const table = await freshTable('component-token-wiring');
    wechat = await startFakeWeChat();
    wechat.answer = () => ({ body: { component_access_token: 'wired-component-token', expires_in: 7200 } });
    Object.assign(process.env, {
      TABLE_NAME: table.name,
      DYNAMODB_ENDPOINT: table.endpoint,
      WECHAT_API_BASE: wechat.base,
      WECHAT_COMPONENT_APPID: 'wx0123456789abcdef',
      WECHAT_COMPONENT_SECRET: 'component-secret',
      WECHAT_COMPONENT_TOKEN: 'pushtoken',
      WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    });
    resetConfigForTests();
  });

  afterAll(async () => {
    await wechat.close();
    // Worker processes can be reused by other test files.
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    resetConfigForTests();
  });

  it('stores tickets in the configured table and mints tokens from the configured WeChat with the component’s credentials', async () => {
    // Prepare
    await componentTokenService().saveTicket({ ticket: 'ticket@@@wired', createTime: Math.floor(Date.now() / 1000) });

    // Act
    const token = await componentTokenService().current();

    // Assess
    expect(token).toBe('wired-component-token');
    expect(wechat.requests[0]?.body).toMatchObject({ component_appid: 'wx0123456789abcdef', component_verify_ticket: 'ticket@@@wired' });
  });
});
