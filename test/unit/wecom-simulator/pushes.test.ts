/**
 * What the simulated WeCom pushes to the hub's 指令回调URL (WECOM.md §1.5, §2, §5): signed and
 * encrypted as §1.1 says (checked by the stand-in with its own decryption), with the ReceiveId of
 * §1.3, tried 3 times; the install and registration pages; every ChangeType of §2.7.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { post, preAuthCode, smallCorp, startHubStandIn, startSimulator, suite, suiteToken, type HubStandIn } from './support.ts';

let hub: HubStandIn;
let sim: WeComSimulator;
let corpId: string;

beforeAll(async () => {
  hub = await startHubStandIn();
  sim = await startSimulator({ seedCorp: smallCorp, hubBaseUrl: hub.baseUrl, installCallbackOrigin: hub.baseUrl });
  corpId = sim.corps()[0]!.corpId;
});
afterAll(async () => {
  await sim.stop();
  await hub.stop();
});
beforeEach(() => {
  hub.pushes.length = 0;
});

async function installThroughThePage(range: { departments: string[]; users?: string[] }): Promise<Response> {
  const token = await suiteToken(sim);
  const query = new URLSearchParams({
    suite_id: suite.suiteId,
    pre_auth_code: await preAuthCode(sim, token),
    redirect_uri: `${hub.baseUrl}/v1/wecom/installed`,
    state: 'tenant1nonce',
  });
  const page = await (await fetch(`${sim.baseUrl}/3rdapp/install?${query}`)).text();
  const form = new URLSearchParams(query);
  form.set('corpid', corpId);
  for (const d of range.departments) form.append('department', d);
  for (const u of range.users ?? []) form.append('user', u);
  form.set('action', 'install');
  expect(page).toContain('name="department"');
  return fetch(`${sim.baseUrl}/3rdapp/install`, { method: 'POST', body: form, redirect: 'manual' });
}

describe('the suite ticket', () => {
  it('arrives signed, encrypted with ReceiveId = suite id, in the 指令回调 envelope', async () => {
    // Act
    const outcome = await sim.pushTicket();

    // Assess
    const [push] = hub.pushes;
    expect(outcome).toMatchObject({ delivered: true, tries: 1 });
    expect(push!.path).toBe('/v1/wecom/suite');
    expect([...push!.query.keys()].sort()).toEqual(['msg_signature', 'nonce', 'timestamp']);
    expect(push!.envelope).toMatchObject({ ToUserName: suite.suiteId, AgentID: '' });
    expect(push!.receiveId).toBe(suite.suiteId);
    expect(push!.message).toMatchObject({ SuiteId: suite.suiteId, InfoType: 'suite_ticket', SuiteTicket: sim.currentTicket() });
  });

  it('is tried again when the hub fails, 3 tries in all', async () => {
    // Prepare
    hub.failNext(2);

    // Act
    const outcome = await sim.pushTicket();

    // Assess
    expect(outcome).toMatchObject({ delivered: true, tries: 3 });
    expect(hub.pushes).toHaveLength(1);
  });

  it('gives up after 3 failed tries', async () => {
    // Prepare
    hub.failNext(3);

    // Act
    const outcome = await sim.pushTicket();

    // Assess
    expect(outcome).toMatchObject({ delivered: false, tries: 3, status: 500 });
  });
});

describe('install and uninstall', () => {
  it('redirects the admin to redirect_uri with auth_code, expires_in and state, after a create_auth push of the same code', async () => {
    // Act
    const response = await installThroughThePage({ departments: ['2'] });

    // Assess
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.pathname).toBe('/v1/wecom/installed');
    expect(location.searchParams.get('state')).toBe('tenant1nonce');
    expect(location.searchParams.get('expires_in')).toBe('600');
    expect(location.searchParams.get('auth_code')!.length).toBeGreaterThanOrEqual(64);
    const [push] = hub.received('create_auth');
    expect(push!.message).toMatchObject({ AuthCode: location.searchParams.get('auth_code'), State: 'tenant1nonce', SuiteId: suite.suiteId });
  });

  it('shows an error page for a redirect_uri off the install-callback domain', async () => {
    // Prepare
    const token = await suiteToken(sim);
    const query = new URLSearchParams({
      suite_id: suite.suiteId,
      pre_auth_code: await preAuthCode(sim, token),
      redirect_uri: 'http://elsewhere.example/x',
      state: 's',
    });

    // Act
    const page = await (await fetch(`${sim.baseUrl}/3rdapp/install?${query}`)).text();

    // Assess
    expect(page).toContain('授权完成回调域名');
  });

  it('pushes change_auth when the admin changes the range, and cancel_auth when the admin uninstalls', async () => {
    // Prepare
    await installThroughThePage({ departments: ['1'] });

    // Act
    await sim.changeVisibleRange(corpId, { departments: [3], users: [], tags: [] });
    await sim.uninstall(corpId);

    // Assess
    expect(hub.received('change_auth')[0]!.message).toMatchObject({ AuthCorpId: corpId });
    expect(hub.received('cancel_auth')[0]!.message).toMatchObject({ AuthCorpId: corpId });
  });
});

describe('changes in an installed corp', () => {
  beforeAll(async () => {
    if (!sim.corp(corpId)!.installed) await sim.installFromMarketplace(corpId, { departments: [1], users: [], tags: [] });
  });

  it('pushes one add_external_contact per member of a new customer, with State and WelcomeCode', async () => {
    // Prepare
    const [a, b] = sim.members(corpId);

    // Act
    const { externalUserid } = await sim.addCustomer(corpId, { name: '新客户', followers: [a!.userid, b!.userid], state: 'channel1' });

    // Assess
    const pushes = hub.received('change_external_contact', 'add_external_contact');
    expect(pushes.map((p) => p.message.UserID)).toEqual([a!.userid, b!.userid]);
    expect(pushes[0]!.message).toMatchObject({ AuthCorpId: corpId, ExternalUserID: externalUserid, State: 'channel1' });
    expect(pushes[0]!.message.WelcomeCode).toEqual(expect.any(String));
  });

  it('pushes every ChangeType of a customer’s life: edit, add_half, del_follow_user, del_external_contact, transfer_fail', async () => {
    // Prepare
    const [a, b, c] = sim.members(corpId);
    const { externalUserid } = await sim.addCustomer(corpId, { name: '客户', followers: [a!.userid] });

    // Act
    await sim.editCustomer(corpId, externalUserid, { userid: a!.userid, remark: '老客户' });
    await sim.addFollow(corpId, externalUserid, { userid: b!.userid, half: true });
    await sim.removeFollow(corpId, externalUserid, { userid: b!.userid, by: 'customer' });
    await sim.transferFail(corpId, externalUserid, { userid: c!.userid, failReason: 'customer_refused' });
    await sim.removeFollow(corpId, externalUserid, { userid: a!.userid, by: 'member', source: 'DELETE_BY_TRANSFER' });

    // Assess
    expect(hub.pushes.filter((p) => p.message.ExternalUserID === externalUserid).map((p) => p.message.ChangeType)).toEqual([
      'add_external_contact',
      'edit_external_contact',
      'add_half_external_contact',
      'del_follow_user',
      'transfer_fail',
      'del_external_contact',
    ]);
    expect(hub.received('change_external_contact', 'transfer_fail')[0]!.message.FailReason).toBe('customer_refused');
    expect(hub.received('change_external_contact', 'del_external_contact')[0]!.message.Source).toBe('DELETE_BY_TRANSFER');
    expect(sim.customer(corpId, externalUserid)!.followUsers).toEqual([]);
  });

  it('shows a customer’s edit to the customer APIs', async () => {
    // Prepare
    const [a] = sim.members(corpId);
    const { externalUserid } = await sim.addCustomer(corpId, { name: '改名前', followers: [a!.userid] });

    // Act
    await sim.editCustomer(corpId, externalUserid, { userid: a!.userid, name: '改名后', remark: '备注' });

    // Assess
    const found = sim.customer(corpId, externalUserid)!;
    expect(found.customer.name).toBe('改名后');
    expect(found.followUsers[0]!.remark).toBe('备注');
  });

  it('pushes change_contact for a member who joins, changes and leaves', async () => {
    // Act
    const { member } = await sim.addMember(corpId, { name: '新成员', department: [2] });
    await sim.updateMember(corpId, member.userid, { name: '改名成员' });
    await sim.deleteMember(corpId, member.userid);

    // Assess
    const pushes = hub.received('change_contact');
    expect(pushes.map((p) => p.message.ChangeType)).toEqual(['create_user', 'update_user', 'delete_user']);
    expect(pushes[0]!.message).toMatchObject({ AuthCorpId: corpId, UserID: member.userid, Name: '新成员', Department: '2' });
    expect(pushes[1]!.message.Name).toBe('改名成员');
  });
});

describe('registration', () => {
  it('creates the corp from the registration page, pushes register_corp with ReceiveId = provider corpid, then create_auth', async () => {
    // Prepare
    const provider = await post(sim, '/cgi-bin/service/get_provider_token', { corpid: suite.providerCorpId, provider_secret: suite.providerSecret });
    const { register_code: code } = await post(sim, `/cgi-bin/service/get_register_code?provider_access_token=${provider.provider_access_token}`, {
      template_id: 'tplSimRegister0001',
      state: 'reg42',
    });
    const page = await (await fetch(`${sim.baseUrl}/3rdservice/wework/register?register_code=${code}`)).text();

    // Act
    const done = await fetch(`${sim.baseUrl}/3rdservice/wework/register`, {
      method: 'POST',
      body: new URLSearchParams({ register_code: code, corp_name: '新企业', admin_name: '张三' }),
    });

    // Assess
    expect(page).toContain('name="corp_name"');
    expect(await done.text()).toContain('id="registered"');
    const [registered] = hub.received('register_corp');
    expect(registered!.receiveId).toBe(suite.providerCorpId);
    expect(registered!.message).toMatchObject({ ServiceCorpId: suite.providerCorpId, RegisterCode: code, State: 'reg42', TemplateId: 'tplSimRegister0001' });
    expect(registered!.plaintext).toContain('<AuthUserInfo><UserId>');
    const [created] = hub.received('create_auth');
    expect(created!.message.State).toBe('reg42');
    const info = await post(sim, `/cgi-bin/service/get_register_info?provider_access_token=${provider.provider_access_token}`, { register_code: code });
    expect(info).toMatchObject({ errcode: 0, corpid: registered!.message.AuthCorpId, state: 'reg42' });
    const permanent = await post(sim, `/cgi-bin/service/v2/get_permanent_code?suite_access_token=${await suiteToken(sim)}`, {
      auth_code: created!.message.AuthCode,
    });
    expect(permanent).toMatchObject({
      auth_corp_info: { corpid: registered!.message.AuthCorpId, corp_name: '新企业' },
      register_code_info: { register_code: code },
    });
  });

  it('refuses a register code a second time', async () => {
    // Prepare
    const provider = await post(sim, '/cgi-bin/service/get_provider_token', { corpid: suite.providerCorpId, provider_secret: suite.providerSecret });
    const { register_code: code } = await post(sim, `/cgi-bin/service/get_register_code?provider_access_token=${provider.provider_access_token}`, {
      template_id: 'tplSimRegister0001',
    });
    await sim.register({ registerCode: code, corpName: '一次', adminName: '李四' });

    // Act
    const again = await fetch(`${sim.baseUrl}/3rdservice/wework/register?register_code=${code}`);

    // Assess
    expect(await again.text()).toContain('注册码已使用');
  });
});
