/**
 * The simulated WeCom's world saved under the local stack's data directory: what the hub's stored
 * data relies on (the install and its permanent code, tokens, the corp's changes) survives a restart.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { get, installCorp, post, smallCorp, startSimulator } from './support.ts';

let dir: string;
let stateFile: string;
const running: WeComSimulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oa-hub-wecom-sim-'));
  stateFile = join(dir, 'wecom-simulator.json');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<WeComSimulator> {
  const sim = await startSimulator({ stateFile, seedCorp: smallCorp });
  running.push(sim);
  return sim;
}

async function restart(sim: WeComSimulator): Promise<WeComSimulator> {
  await sim.stop();
  running.splice(running.indexOf(sim), 1);
  return start();
}

describe('the simulated WeCom across a restart', () => {
  it('keeps the install: the permanent code and the corp token still work', async () => {
    // Prepare
    const sim = await start();
    const corpId = sim.corps()[0]!.corpId;
    const installed = await installCorp(sim, corpId);

    // Act
    const again = await restart(sim);
    const token = await post(again, `/cgi-bin/service/get_corp_token?suite_access_token=${installed.suiteToken}`, {
      auth_corpid: corpId,
      permanent_code: installed.permanentCode,
    });
    const follow = await get(again, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);

    // Assess
    expect(token.access_token).toBe(installed.corpToken);
    expect(follow.follow_user).toHaveLength(6);
  });

  it('keeps the corp’s changes: a new customer, a removed follow, a new member', async () => {
    // Prepare
    const sim = await start();
    const corpId = sim.corps()[0]!.corpId;
    await sim.installFromMarketplace(corpId, { departments: [1], users: [], tags: [] });
    const [a, b] = sim.members(corpId);
    const { externalUserid } = await sim.addCustomer(corpId, { name: '保存', followers: [a!.userid, b!.userid] });
    await sim.removeFollow(corpId, externalUserid, { userid: b!.userid, by: 'customer' });
    await sim.addMember(corpId, { name: '新人' });

    // Act
    const again = await restart(sim);

    // Assess
    expect(again.customer(corpId, externalUserid)!.followUsers.map((f) => f.userid)).toEqual([a!.userid]);
    expect(again.members(corpId).map((m) => m.name)).toContain('新人');
    expect(again.corp(corpId)!.customers).toBe(41);
  });

  it('keeps the clock moved forward, so tokens stay expired', async () => {
    // Prepare
    const sim = await start();
    const installed = await installCorp(sim, sim.corps()[0]!.corpId);
    sim.advanceClock(7_200_000);

    // Act
    const again = await restart(sim);
    const answer = await get(again, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);

    // Assess
    expect(answer.errcode).toBe(42001);
  });

  it('writes the file readable by its owner only, with no temporary file left beside it', async () => {
    // Prepare
    const sim = await start();
    await installCorp(sim, sim.corps()[0]!.corpId);

    // Act
    await sim.stop();
    running.splice(0);

    // Assess
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['wecom-simulator.json']);
  });

  it('refuses to start on a file it cannot read rather than start empty', async () => {
    // Prepare
    writeFileSync(stateFile, '{ not json');

    // Act
    const starting = start();

    // Assess
    await expect(starting).rejects.toThrow(/cannot be read.*--fresh/);
    expect(existsSync(stateFile)).toBe(true);
  });
});
