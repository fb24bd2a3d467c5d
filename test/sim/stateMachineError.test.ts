// A state machine that throws while applying puts its group on that node into ERROR (SOFAJRaft's
// STATE_ERROR): no more applies, it steps down (handing off with TimeoutNow when leader), refuses
// Raft messages and never campaigns; writes fail with "Is not leader." and reads with "Invalid
// state for readIndex: STATE_ERROR."; only a restart recovers it.
import { describe, expect, it } from 'vitest';
import { ERR_IS_NOT_LEADER, ERR_READ_STATE_ERROR } from '../../src/node/node.ts';
import {
  ELECTION_MS,
  G,
  eventsOf,
  othersThan,
  publish,
  startCluster,
  waitFor,
  writeAcked,
  writeAndWait,
} from './simHelpers.ts';

describe('fail-apply', () => {
  it('a follower in error refuses clients, never campaigns, and recovers only by restarting', () => {
    const { sim, leader } = startCluster(3, 51);
    const [bad, good] = othersThan(sim, leader);
    sim.failApply(bad, G);
    writeAcked(sim, publish('v1'));
    waitFor(sim, `${bad} to enter error`, () => sim.status(bad, G)!.errored);
    const applied = sim.status(bad, G)!.applied;
    const w = writeAndWait(sim, bad, publish('at the bad node'));
    expect(w.reply).toMatchObject({ ok: false, error: ERR_IS_NOT_LEADER });
    const r = sim.read(bad, G, { type: 'get', dataId: 'app.yaml', group: 'DEFAULT_GROUP' });
    waitFor(sim, 'the read to settle', () => r.outcome !== 'pending');
    expect(r.reply).toEqual({ ok: false, error: ERR_READ_STATE_ERROR });
    writeAcked(sim, publish('v2'));
    expect(sim.status(bad, G)!.applied).toBe(applied);
    // Cut the leader off: the good follower cannot win alone, and the bad one never campaigns.
    const badTerm = sim.status(bad, G)!.term;
    sim.partition([[leader], [bad, good]]);
    sim.runFor(5 * ELECTION_MS);
    expect(sim.status(bad, G)!.role).toBe('follower');
    expect(sim.status(bad, G)!.term).toBe(badTerm);
    // The cut-off leader stepped down (check-quorum) and good cannot win without bad's vote.
    expect(sim.leaderOf(G)).toBeNull();
    sim.heal();
    sim.crash(bad);
    sim.restart(bad);
    expect(sim.status(bad, G)!.errored).toBe(false);
    writeAcked(sim, publish('v3'));
    waitFor(sim, `${bad} to catch up`, () => {
      const l = sim.leaderOf(G);
      return l !== null && sim.status(bad, G)!.applied === sim.status(l, G)!.applied;
    });
    expect(sim.node(bad)!.appliedState(G)).toEqual(sim.node(sim.leaderOf(G)!)!.appliedState(G));
    expect(sim.violation).toBeNull();
  });

  it('a leader in error hands over with TimeoutNow and steps down', () => {
    const { sim, trace, leader } = startCluster(3, 52);
    writeAcked(sim, publish('v1'));
    const term = sim.status(leader, G)!.term;
    sim.failApply(leader, G);
    const w = sim.write(leader, G, publish('v2'));
    waitFor(sim, 'the leader to enter error', () => sim.status(leader, G)!.errored);
    const erredMs = sim.nowMs;
    waitFor(sim, 'another leader', () => {
      const l = sim.leaderOf(G);
      return l !== null && l !== leader;
    });
    // Faster than an election timeout: the handoff does not wait for a follower to time out.
    expect(sim.nowMs - erredMs).toBeLessThan(ELECTION_MS);
    expect(sim.status(sim.leaderOf(G)!, G)!.term).toBe(term + 1);
    expect(w.outcome === 'fail' || w.outcome === 'pending').toBe(true);
    const reasons = eventsOf(trace, 'step-down', leader)
      .map((e) => (e as { reason?: string }).reason ?? '')
      .filter((r) => r.startsWith('state machine error'));
    expect(reasons).toHaveLength(1);
    // The entry it failed on is committed and applied everywhere else.
    writeAcked(sim, publish('v3'));
    expect(sim.status(leader, G)!.role).toBe('follower');
    expect(sim.status(leader, G)!.term).toBe(term);
    expect(sim.violation).toBeNull();
  });
});
