// Membership changes by joint consensus in the simulator (§6 of the Raft paper, thesis §4):
// nodes added and removed while the network is partitioned, a removed leader, and a removed
// node that keeps running without disturbing the cluster. Every run checks all invariants
// after every event, including one change at a time and joint quorums.
import { describe, expect, it } from 'vitest';
import {
  ELECTION_MS,
  G,
  confIs,
  eventsOf,
  othersThan,
  publish,
  startCluster,
  voters,
  waitFor,
  writeAcked,
  writeAndWait,
} from './simHelpers.ts';

describe('add-node', () => {
  it('a node added while a minority is cut off joins through the majority side', () => {
    const { sim, trace, leader } = startCluster(5, 21);
    const [f1, f2, f3, f4] = othersThan(sim, leader);
    writeAcked(sim, publish('before'));
    sim.addNode('n6');
    sim.partition([
      [f1, f2],
      [leader, f3, f4, 'n6'],
    ]);
    // Joint C(old,new) needs 3 of the old five and 4 of the new six: leader, f3, f4 and n6.
    waitFor(sim, 'n6 to become a voter', () => confIs(sim, [...sim.memberIds]), 15_000);
    expect(sim.status(f1, G)!.conf.voters).not.toContain('n6');
    const w = writeAcked(sim, publish('during'));
    expect(w.outcome).toBe('ok');
    // The new node holds what was written before it joined, by replication from the leader.
    expect(sim.node('n6')!.log(G).entry(2)).toBeDefined();
    const phases = eventsOf(trace, 'conf-change', leader).map(
      (e) => (e as { phase: string }).phase,
    );
    expect(phases).toEqual(expect.arrayContaining(['catching-up', 'joint', 'stable', 'done']));
    sim.heal();
    waitFor(sim, 'the minority to learn C(new)', () =>
      [f1, f2].every((id) => sim.status(id, G)!.conf.voters.includes('n6')),
    );
    expect(sim.violation).toBeNull();
  });

  it('a node added while the leader is cut off joins under the leader the majority elects', () => {
    const { sim, leader } = startCluster(5, 22);
    const [f1, f2, f3, f4] = othersThan(sim, leader);
    sim.addNode('n6');
    sim.partition([
      [leader, f1],
      [f2, f3, f4, 'n6'],
    ]);
    waitFor(sim, 'a leader on the majority side', () =>
      [f2, f3, f4].includes(sim.leaderOf(G) ?? ''),
    );
    waitFor(sim, 'n6 to become a voter', () => {
      const l = sim.leaderOf(G);
      return l !== null && l !== leader && confIs(sim, sim.memberIds);
    });
    sim.heal();
    waitFor(sim, 'the old leader to step down and learn C(new)', () => {
      const st = sim.status(leader, G)!;
      return st.role === 'follower' && st.conf.voters.includes('n6');
    });
    writeAcked(sim, publish('after'));
  });
});

describe('remove-node', () => {
  it('a node removed while cut off is dropped by the majority and cannot disrupt it after', () => {
    const { sim, leader } = startCluster(5, 23);
    const [gone] = othersThan(sim, leader);
    sim.partition([[gone], othersThan(sim, gone)]);
    sim.removeNode(gone);
    waitFor(sim, `${gone} to leave the configuration`, () =>
      confIs(
        sim,
        sim.nodeIds.filter((id) => id !== gone),
      ),
    );
    // The removed node never heard of it and still counts itself a voter.
    expect(sim.status(gone, G)!.conf.voters).toContain(gone);
    const term = sim.status(leader, G)!.term;
    sim.heal();
    // No longer replicated to, it times out and tries to campaign; pre-vote and the others'
    // leader lease keep the term where it is (thesis §4.2.3).
    sim.runFor(8 * ELECTION_MS);
    expect(sim.violation).toBeNull();
    expect(sim.leaderOf(G)).toBe(leader);
    expect(sim.status(leader, G)!.term).toBe(term);
    expect(writeAcked(sim, publish('after')).outcome).toBe('ok');
  });

  it('a removal that needs the cut-off side waits in the joint configuration, then completes', () => {
    const { sim, leader } = startCluster(5, 24);
    const [f1, f2, f3, f4] = othersThan(sim, leader);
    sim.partition([
      [f1, f2],
      [leader, f3, f4],
    ]);
    sim.removeNode(f3);
    // C(old) = all five: leader, f3, f4 are a majority. C(new) = leader, f1, f2, f4: the leader
    // and f4 are only two of four. The joint entry cannot commit, nor can anything after it.
    waitFor(sim, 'the joint configuration', () => (sim.confOf(G)?.outgoing.length ?? 0) > 0);
    const commit = sim.status(leader, G)!.commit;
    const stuck = sim.write(leader, G, publish('stuck'));
    sim.runFor(3 * ELECTION_MS);
    expect(sim.violation).toBeNull();
    expect(sim.status(leader, G)!.commit).toBe(commit);
    expect(stuck.outcome).toBe('pending');
    sim.heal();
    waitFor(sim, 'C(new) without f3', () => confIs(sim, [leader, f1, f2, f4]));
    waitFor(sim, 'the stuck write', () => stuck.outcome !== 'pending');
  });

  it('removing the leader: it leads its own removal, steps down, and the rest elect a leader', () => {
    const { sim, trace, leader } = startCluster(5, 25);
    writeAcked(sim, publish('v1'));
    const term = sim.status(leader, G)!.term;
    sim.removeNode(leader);
    waitFor(sim, 'a new leader among the remaining four', () => {
      const l = sim.leaderOf(G);
      return l !== null && l !== leader;
    });
    expect(sim.status(leader, G)!.role).toBe('follower');
    expect(sim.status(leader, G)!.conf.voters).not.toContain(leader);
    expect(sim.status(sim.leaderOf(G)!, G)!.term).toBeGreaterThan(term);
    const steps = eventsOf(trace, 'step-down', leader).map(
      (e) => e as { group: string; reason: string },
    );
    expect(steps).toContainEqual(
      expect.objectContaining({ group: G, reason: 'removed from the configuration' }),
    );
    waitFor(sim, 'C(new) of four', () => confIs(sim, othersThan(sim, leader)));
    writeAcked(sim, publish('v2'));
    // The removed node no longer receives entries and never campaigns again.
    const before = sim.status(leader, G)!;
    sim.runFor(8 * ELECTION_MS);
    const after = sim.status(leader, G)!;
    expect(after.role).toBe('follower');
    expect(after.term).toBe(before.term);
    expect(sim.violation).toBeNull();
  });

  it('a removed node that restarts does not add itself back', () => {
    const { sim, leader } = startCluster(3, 26);
    sim.addNode('n4');
    waitFor(sim, 'n4 to join', () => confIs(sim, ['n1', 'n2', 'n3', 'n4']));
    waitFor(sim, 'n4 to finish joining', () => !sim.isJoining('n4'));
    sim.removeNode('n4');
    waitFor(sim, 'n4 to leave', () => confIs(sim, ['n1', 'n2', 'n3']));
    sim.crash('n4');
    sim.restart('n4');
    sim.runFor(5_000);
    expect(confIs(sim, ['n1', 'n2', 'n3'])).toBe(true);
    expect(sim.leaderOf(G)).toBe(leader);
    expect(sim.violation).toBeNull();
  });

  it('never leaves a node that is still joining to be removed (its own retries would re-add it)', () => {
    const { sim } = startCluster(3, 27);
    sim.addNode('n4');
    expect(() => sim.removeNode('n4')).toThrow(/still joining/);
    expect(voters(sim)).not.toBeNull();
    const h = writeAndWait(sim, sim.leaderOf(G)!, publish('x'));
    expect(h.outcome).toBe('ok');
  });
});
