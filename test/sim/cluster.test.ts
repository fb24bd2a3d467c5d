// The simulator's host behaviour: crashes lose what was not durable, paused nodes hold their
// inputs, clients time out in simulated time, and the clock of each node is its own.
import { describe, expect, it } from 'vitest';
import { LESSON_TIMING } from '../../src/node/node.ts';
import { Simulator } from '../../src/sim/cluster.ts';
import type { SimOptions } from '../../src/sim/cluster.ts';

const G = 'nacos_config';
const publish = (content: string) => ({
  type: 'publish',
  dataId: 'k',
  group: 'DEFAULT_GROUP',
  content,
});

function started(extra: Partial<SimOptions> = {}): { sim: Simulator; leader: string } {
  const sim = new Simulator({
    seed: 11,
    nodes: ['n1', 'n2', 'n3'],
    groups: [G],
    timing: LESSON_TIMING,
    ...extra,
  });
  sim.start();
  expect(sim.runUntilTrue(() => sim.leaderOf(G) !== null, 10_000)).toBe(true);
  sim.runFor(500);
  return { sim, leader: sim.leaderOf(G)! };
}

describe('Simulator', () => {
  it('a crash loses the writes the disk had not completed', () => {
    const { sim, leader } = started({ disk: { writeMsMin: 50, writeMsMax: 50 } });
    const durableBefore = sim.disk(leader).durable[G].entries.length;
    const h = sim.write(leader, G, publish('v1'));
    // The leader appended the entry and started writing it; crash before the disk is done.
    expect(sim.node(leader)!.log(G).lastIndex).toBe(durableBefore + 1);
    expect(sim.disk(leader).inFlight).toBeGreaterThan(0);
    sim.runFor(10);
    sim.crash(leader);
    expect(h.outcome).toBe('lost');
    expect(sim.disk(leader).durable[G].entries.length).toBe(durableBefore);
    sim.restart(leader);
    expect(sim.node(leader)!.log(G).lastIndex).toBeLessThanOrEqual(durableBefore + 1);
    expect(sim.runFor(10_000)).toBeNull();
  });

  it('what the disk completed survives a crash and restart', () => {
    const { sim, leader } = started();
    const h = sim.write(leader, G, publish('v1'));
    sim.runFor(1000);
    expect(h.outcome).toBe('ok');
    const follower = sim.nodeIds.find((id) => id !== leader)!;
    const commit = sim.status(follower, G)!.commit;
    sim.crash(follower);
    sim.restart(follower);
    expect(sim.node(follower)!.log(G).lastIndex).toBeGreaterThanOrEqual(commit);
    sim.runFor(2000);
    expect(sim.status(follower, G)!.applied).toBeGreaterThanOrEqual(commit);
    expect(sim.violation).toBeNull();
  });

  it('a paused node gets no ticks and no deliveries until it resumes', () => {
    const { sim, leader } = started();
    const follower = sim.nodeIds.find((id) => id !== leader)!;
    sim.pause(follower);
    const clock = sim.node(follower)!.nowMs;
    const last = sim.status(follower, G)!.lastIndex;
    const h = sim.write(leader, G, publish('v1'));
    sim.runFor(3000);
    expect(h.outcome).toBe('ok'); // the other two are a majority
    expect(sim.node(follower)!.nowMs).toBe(clock);
    expect(sim.status(follower, G)!.lastIndex).toBe(last);
    sim.resume(follower);
    expect(sim.status(follower, G)!.lastIndex).toBe(last + 1); // held AppendEntries replayed
    sim.runFor(1000);
    expect(sim.node(follower)!.nowMs).toBeGreaterThan(clock);
  });

  it('a write to a crashed node fails at once; a request to a paused one waits', () => {
    const { sim, leader } = started();
    const other = sim.nodeIds.find((id) => id !== leader)!;
    sim.crash(other);
    const h = sim.write(other, G, publish('v1'));
    expect(h.outcome).toBe('fail');
    expect(h.reply).toEqual({ ok: false, error: `node ${other} is down` });
    sim.pause(leader);
    const w = sim.write(leader, G, publish('v2'), 2000);
    sim.runFor(1999);
    expect(w.outcome).toBe('pending');
    sim.runFor(1);
    expect(w.outcome).toBe('timeout');
    expect(w.settledMs - w.invokedMs).toBe(2000);
  });

  it('a leader cut off from everyone cannot commit; its client times out or fails', () => {
    const { sim, leader } = started();
    sim.partition([[leader]]);
    const h = sim.write(leader, G, publish('v1'));
    let settled = -1;
    h.onSettle = (x) => (settled = x.settledMs);
    sim.runFor(15_000);
    expect(['fail', 'timeout']).toContain(h.outcome);
    expect(settled - h.invokedMs).toBeLessThanOrEqual(12_000);
    expect(sim.violation).toBeNull();
  });

  it('runs are deterministic: the same seed gives the same event sequence', () => {
    const fingerprint = (seed: number): string => {
      const sim = new Simulator({
        seed,
        nodes: ['n1', 'n2', 'n3'],
        groups: [G],
        timing: LESSON_TIMING,
      });
      sim.start();
      sim.runUntil(5000);
      return JSON.stringify([
        sim.stats,
        sim.leaderOf(G),
        sim.nodeIds.map((id) => sim.status(id, G)),
      ]);
    };
    expect(fingerprint(3)).toBe(fingerprint(3));
    expect(fingerprint(3)).not.toBe(fingerprint(4));
  });
});
