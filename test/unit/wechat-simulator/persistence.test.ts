/**
 * The simulator's world saved under the local stack's data directory: what the hub's stored data
 * relies on (authorizations, tokens, followers, open platform and custom accounts) survives a restart.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simulatorCredentials, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { SimClock, SimWorld } from '#infra/local/wechat-simulator/world.ts';
import { authorizeAccount, component, get, post, startSimulator } from './support.ts';

let dir: string;
let stateFile: string;
const running: WeChatSimulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oa-hub-sim-'));
  stateFile = join(dir, 'wechat-simulator.json');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<WeChatSimulator> {
  const sim = await startSimulator({ stateFile, seedAccounts: false });
  running.push(sim);
  return sim;
}

async function restart(sim: WeChatSimulator): Promise<WeChatSimulator> {
  await sim.stop();
  running.splice(running.indexOf(sim), 1);
  return start();
}

const options = { credentials: simulatorCredentials, tokenLifetimeSeconds: 7200 };

describe('the simulated world as JSON', () => {
  it('restores to the same snapshot it was saved from', () => {
    // Prepare
    const world = new SimWorld({ clock: new SimClock(), ...options });
    const account = world.addAccount({ nickname: 'Round trip', serviceType: 'service', verified: true, followers: 50, unionidRatio: 0.5 });
    world.issueTicket();
    const { authCode } = world.authorize(account.appid, [1, 2, 24]);
    world.queryAuth(simulatorCredentials.componentAppId, authCode);
    account.followers.unfollow(3);
    account.followers.follow(2, world.clock.seconds());
    world.addOpenAccount({ principalName: 'Elsewhere Ltd', verified: true });
    world.clock.advance(90_000);
    const saved = JSON.parse(JSON.stringify(world.snapshot()));

    // Act
    const restored = SimWorld.restore(saved, options);

    // Assess
    expect(JSON.parse(JSON.stringify(restored.snapshot()))).toEqual(saved);
  });

  it('refuses a snapshot of another version', () => {
    // Act
    const restoring = () => SimWorld.restore({ version: 99 } as never, options);

    // Assess
    expect(restoring).toThrow(/version 99/);
  });
});

describe('a simulator with a state file', () => {
  it('accepts after a restart the authorizer token it issued before', async () => {
    // Prepare
    const before = await start();
    const appid = before.addAccount({ nickname: 'Kept', serviceType: 'service', verified: true, followers: 30 }).appid;
    const { accessToken } = await authorizeAccount(before, appid);

    // Act
    const after = await restart(before);
    const answer = await get(after, `/cgi-bin/user/get?access_token=${accessToken}`);

    // Assess
    expect(answer).toMatchObject({ total: 30, count: 30 });
  });

  it('renews after a restart with the refresh token it issued before', async () => {
    // Prepare
    const before = await start();
    const appid = before.addAccount({ nickname: 'Renewed', serviceType: 'service', verified: true }).appid;
    const { componentToken, refreshToken } = await authorizeAccount(before, appid);

    // Act
    const after = await restart(before);
    const answer = await post(after, `/cgi-bin/component/api_authorizer_token?component_access_token=${componentToken}`, {
      component_appid: component.componentAppId,
      authorizer_appid: appid,
      authorizer_refresh_token: refreshToken,
    });

    // Assess
    expect(answer).toMatchObject({ authorizer_access_token: expect.any(String), authorizer_refresh_token: refreshToken });
  });

  it('keeps followers who left and joined, and the open platform binding', async () => {
    // Prepare
    const before = await start();
    const appid = before.addAccount({ nickname: 'Followed', serviceType: 'service', verified: true, followers: 100, unionidRatio: 1 }).appid;
    const left = before.unfollow(appid, 10);
    before.follow(appid, 4);
    const openAppid = before.account(appid)!.openAppid;

    // Act
    const after = await restart(before);

    // Assess
    expect(after.account(appid)).toMatchObject({ followerCount: 94, openAppid });
    expect(openAppid).toMatch(/^wx/);
    expect(left).toHaveLength(10);
  });

  it('saves a change shortly after it, without waiting for a stop', async () => {
    // Prepare
    const sim = await start();

    // Act
    const appid = sim.addAccount({ nickname: 'Saved soon', serviceType: 'subscription', verified: false }).appid;
    while (!readFileSync(stateFile, 'utf8').includes(appid)) await new Promise((resolve) => setTimeout(resolve, 50));
    const crashed = await startSimulator({ stateFile, seedAccounts: false });
    running.push(crashed);

    // Assess
    expect(crashed.account(appid)).toMatchObject({ nickname: 'Saved soon' });
  });

  it('writes the file readable by its owner only', async () => {
    // Act
    await start();

    // Assess
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  });

  it('seeds a new world when the file does not exist yet, and keeps it from then on', async () => {
    // Prepare
    const seeded = await startSimulator({ stateFile });
    running.push(seeded);
    const demo = seeded.accounts().find((account) => account.nickname.includes('Demo Service'))!;

    // Act
    const after = await restart(seeded);

    // Assess
    expect(existsSync(stateFile)).toBe(true);
    expect(after.account(demo.appid)).toEqual(demo);
  });

  it('refuses to start on a file it cannot read, naming it', async () => {
    // Prepare
    writeFileSync(stateFile, '{"version": 1, "tickets": [');

    // Act
    const starting = startSimulator({ stateFile });

    // Assess
    await expect(starting).rejects.toThrow(stateFile);
  });
});
