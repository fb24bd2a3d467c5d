// Snapshots and log compaction in the simulator (§7 of the Raft paper): a follower partitioned
// through compaction catches up by InstallSnapshot, nodes restart from their snapshot plus the
// log after it, and the invariant checker's memory stays bounded as logs are compacted.
import { describe, expect, it } from 'vitest';
import {
  G,
  eventsOf,
  othersThan,
  publish,
  startCluster,
  waitFor,
  writeAcked,
} from './simHelpers.ts';
import { NACOS_TIMING } from '../../src/node/node.ts';
import { Simulator } from '../../src/sim/cluster.ts';

describe('snapshots', () => {
  it('a follower partitioned through compaction catches up by InstallSnapshot', () => {
    const { sim, trace, leader } = startCluster(3, 31, { snapshotIntervalEntries: 10 });
    const [lagger, other] = othersThan(sim, leader);
    sim.partition([[lagger], [leader, other]]);
    for (let k = 0; k < 30; k++) writeAcked(sim, publish(`v${k}`, `key-${k % 4}`));
    const leaderLog = sim.node(leader)!.log(G);
    expect(leaderLog.firstIndex).toBeGreaterThan(sim.status(lagger, G)!.lastIndex + 1);
    sim.heal();
    const target = sim.status(leader, G)!.commit;
    waitFor(sim, `${lagger} to catch up`, () => sim.status(lagger, G)!.applied >= target);
    // It did not replay the compacted entries: its log starts after an installed snapshot.
    expect(sim.node(lagger)!.log(G).firstIndex).toBeGreaterThan(1);
    const stages = eventsOf(trace, 'snapshot', lagger).map((e) => (e as { stage: string }).stage);
    expect(stages).toContain('chunk');
    expect(stages).toContain('load');
    expect(sim.stats.installSnapshots).toBeGreaterThan(0);
    expect(sim.node(lagger)!.appliedState(G)).toEqual(sim.node(leader)!.appliedState(G));
    writeAcked(sim, publish('after'));
    expect(sim.violation).toBeNull();
  });

  it('the snapshot action compacts on demand; a node restarts from its snapshot plus its log', () => {
    const { sim, leader } = startCluster(3, 32);
    for (let k = 0; k < 8; k++) writeAcked(sim, publish(`v${k}`, `key-${k}`));
    const [f] = othersThan(sim, leader);
    waitFor(
      sim,
      'followers to apply',
      () => sim.status(f, G)!.applied === sim.status(leader, G)!.applied,
    );
    sim.snapshot(f, G);
    const snapIndex = sim.node(f)!.log(G).firstIndex - 1;
    expect(snapIndex).toBe(sim.status(f, G)!.applied);
    for (let k = 8; k < 12; k++) writeAcked(sim, publish(`v${k}`, `key-${k}`));
    waitFor(sim, 'the snapshot and the later entries to be durable', () => {
      const d = sim.disk(f).durable[G];
      return d.snapshot?.meta.index === snapIndex && sim.disk(f).inFlight === 0;
    });
    const state = sim.node(f)!.appliedState(G);
    sim.crash(f);
    sim.restart(f);
    // Right after the restart the state machine holds the snapshot, and the log starts after it.
    const st = sim.status(f, G)!;
    expect(st.firstIndex).toBe(snapIndex + 1);
    expect(st.applied).toBeGreaterThanOrEqual(snapIndex);
    waitFor(sim, `${f} to apply again`, () => sim.status(f, G)!.applied >= st.commit);
    expect(sim.node(f)!.appliedState(G)).toEqual(state);
    // The leader restarts from its snapshot as well.
    sim.snapshot(leader, G);
    sim.runFor(200);
    sim.crash(leader);
    sim.restart(leader);
    expect(sim.status(leader, G)!.firstIndex).toBeGreaterThan(1);
    writeAcked(sim, publish('after restarts'));
    waitFor(sim, 'every node to apply the same state', () => {
      const want = JSON.stringify(sim.node(sim.leaderOf(G)!)!.appliedState(G));
      return sim.nodeIds.every((id) => JSON.stringify(sim.node(id)!.appliedState(G)) === want);
    });
    expect(sim.violation).toBeNull();
  });

  it('a node added after compaction starts from the leader snapshot', () => {
    const { sim, trace } = startCluster(3, 33, { snapshotIntervalEntries: 5 });
    for (let k = 0; k < 12; k++) writeAcked(sim, publish(`v${k}`, `key-${k % 3}`));
    sim.addNode('n4');
    waitFor(sim, 'n4 to join', () => sim.confOf(G)?.voters.includes('n4') === true);
    expect(sim.node('n4')!.log(G).firstIndex).toBeGreaterThan(1);
    expect(eventsOf(trace, 'snapshot', 'n4').length).toBeGreaterThan(0);
    expect(sim.violation).toBeNull();
  });

  it('the invariant checker forgets what every log has compacted away', () => {
    const sim = new Simulator({
      seed: 34,
      nodes: ['n1', 'n2', 'n3'],
      groups: [G],
      timing: NACOS_TIMING,
      network: { delayMsMin: 1, delayMsMax: 5 },
      recentEvents: 0,
      snapshotIntervalEntries: 500,
      pruneEveryEvents: 512,
    });
    sim.start();
    waitFor(sim, 'a leader', () => sim.leaderOf(G) !== null, 60_000);
    const leader = sim.leaderOf(G)!;
    let done = 0;
    let issued = 0;
    const writes = 10_000;
    let maxRecords = 0;
    const issue = (): void => {
      const h = sim.write(leader, G, publish(`v${issued}`, `key-${issued++ % 50}`));
      h.onSettle = () => {
        done++;
        maxRecords = Math.max(maxRecords, sim.checker!.recordCount(G));
        if (issued < writes) issue();
      };
    };
    for (let i = 0; i < 64; i++) issue();
    waitFor(sim, 'all writes', () => done === writes, 600_000);
    // Two records per index (seen, committed); unpruned they would number over 2 × 10,000.
    expect(maxRecords).toBeLessThan(2 * (2 * 500 + 2048));
    expect(sim.violation).toBeNull();
  });
});
