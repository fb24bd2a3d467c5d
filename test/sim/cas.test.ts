// CAS publish end to end under nacos fidelity, as Nacos 2.2.4's ConfigPublishRequestHandler and
// insertOrUpdateCas answer it: a non-blank casMd5 inserts an absent item whatever md5 it
// expects, a blank one publishes unconditionally, and a stale md5 on a present item fails with
// "Cas publish fail,server md5 may have changed." (success=false at the leader; forwarded from a
// follower, an error with code 500).
import { describe, expect, it } from 'vitest';
import { Simulator, type ClientHandle } from '../../src/sim/cluster.ts';
import { LESSON_TIMING } from '../../src/node/node.ts';
import { md5Hex } from '../../src/cp/configStore.ts';

const CONFIG = 'nacos_config';

function cluster(seed: number): Simulator {
  const sim = new Simulator({
    seed,
    nodes: ['n1', 'n2', 'n3'],
    groups: [CONFIG],
    timing: LESSON_TIMING,
    network: { delayMsMin: 1, delayMsMax: 5 },
    fidelity: 'nacos',
  });
  sim.start();
  expect(sim.runUntilTrue(() => sim.leaderOf(CONFIG) !== null, 30_000)).toBe(true);
  sim.runFor(500);
  return sim;
}

function settle(sim: Simulator, h: ClientHandle): ClientHandle {
  sim.runUntilTrue(() => h.outcome !== 'pending', sim.nowMs + 20_000);
  return h;
}

const publish = (dataId: string, content: string, casMd5: string) => ({
  type: 'publish',
  dataId,
  group: 'DEFAULT_GROUP',
  content,
  casMd5,
});

function read(sim: Simulator, dataId: string): unknown {
  const h = settle(sim, sim.read(sim.leaderOf(CONFIG)!, CONFIG, { type: 'get', dataId }));
  return (h.reply as { value: { data: unknown } }).value.data;
}

describe('CAS publish under nacos (insertOrUpdateCas)', () => {
  it('inserts an absent item whatever md5 it expects; a blank md5 publishes over any', () => {
    const sim = cluster(11);
    const leader = sim.leaderOf(CONFIG)!;
    const inserted = settle(sim, sim.write(leader, CONFIG, publish('x', 'v1', md5Hex('other'))));
    expect(inserted.reply).toEqual({ ok: true, value: { success: true, data: md5Hex('v1') } });
    expect(read(sim, 'x')).toEqual({ found: true, content: 'v1', md5: md5Hex('v1') });
    const blank = settle(sim, sim.write(leader, CONFIG, publish('x', 'v2', '')));
    expect(blank.reply).toEqual({ ok: true, value: { success: true, data: md5Hex('v2') } });
    expect(read(sim, 'x')).toMatchObject({ content: 'v2' });
  });

  it("fails a stale md5 with Nacos's text: at the leader, and forwarded with code 500", () => {
    const sim = cluster(12);
    const leader = sim.leaderOf(CONFIG)!;
    settle(sim, sim.write(leader, CONFIG, publish('y', 'v1', '')));
    const stale = md5Hex('v0');
    const atLeader = settle(sim, sim.write(leader, CONFIG, publish('y', 'v2', stale)));
    expect(atLeader.reply).toEqual({
      ok: true,
      value: { success: false, errMsg: 'Cas publish fail,server md5 may have changed.' },
    });
    // Nacos forwards along its route table, refreshed on a timer (a few seconds at most).
    sim.runFor(20_000);
    expect(sim.leaderOf(CONFIG)).toBe(leader);
    const follower = sim.followersOf(CONFIG)[0];
    const forwarded = settle(sim, sim.write(follower, CONFIG, publish('y', 'v3', stale)));
    expect(forwarded.reply).toEqual({
      ok: false,
      error: 'Cas publish fail,server md5 may have changed.',
      code: 500,
    });
    expect(read(sim, 'y')).toMatchObject({ content: 'v1' });
  });
});
