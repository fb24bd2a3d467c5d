// Leadership transfer in the simulator (thesis §3.10): to an up-to-date follower, to a slow one
// that the leader first catches up, and to an isolated one (abandoned after an election
// timeout); proposals are refused while a transfer is pending; a transfer to the leader itself
// or to a node outside the configuration does nothing.
import { describe, expect, it } from 'vitest';
import { JRAFT_TRANSFER_NOT_IN_CONF, TRANSFERRING } from '../../src/raft/raft.ts';
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

/** Transfer outcomes the leader traced ('start', 'abandoned', …) for `target`. */
function transferEvents(trace: Parameters<typeof eventsOf>[0], target: string): string[] {
  return eventsOf(trace, 'transfer')
    .map((e) => e as { outcome: string; target: string })
    .filter((e) => e.target === target)
    .map((e) => `transfer-${e.outcome}`);
}

describe('transfer-leader', () => {
  it('to an up-to-date follower: it wins the next term well within an election timeout', () => {
    const { sim, trace, leader } = startCluster(3, 41);
    writeAcked(sim, publish('v1'));
    const [target] = othersThan(sim, leader);
    const term = sim.status(leader, G)!.term;
    const startMs = sim.nowMs;
    sim.transferLeader(G, target);
    waitFor(sim, `${target} to lead`, () => sim.leaderOf(G) === target, ELECTION_MS);
    expect(sim.nowMs - startMs).toBeLessThan(ELECTION_MS / 2);
    expect(sim.status(target, G)!.term).toBe(term + 1);
    expect(sim.status(leader, G)!.role).toBe('follower');
    expect(transferEvents(trace, target)).toEqual(['transfer-start', 'transfer-done']);
    writeAcked(sim, publish('v2'));
    expect(sim.violation).toBeNull();
  });

  it('to a slow follower: the leader refuses writes, catches it up, then hands over', () => {
    const { sim, leader } = startCluster(3, 42);
    const [target] = othersThan(sim, leader);
    sim.cut(leader, target);
    for (let k = 0; k < 10; k++) writeAcked(sim, publish(`v${k}`, `key-${k}`));
    const lastIndex = sim.status(leader, G)!.lastIndex;
    expect(sim.status(target, G)!.lastIndex).toBeLessThan(lastIndex);
    sim.link(leader, target);
    // The link back is slow: the catch-up takes a few round trips.
    sim.setNetwork({ delayMsMin: 100, delayMsMax: 150 }, leader, target);
    sim.setNetwork({ delayMsMin: 100, delayMsMax: 150 }, target, leader);
    sim.transferLeader(G, target);
    const refused = sim.write(leader, G, publish('while transferring'));
    expect(refused.outcome).toBe('fail');
    expect(refused.reply).toEqual({ ok: false, error: TRANSFERRING });
    waitFor(sim, `${target} to lead`, () => sim.leaderOf(G) === target, 2 * ELECTION_MS);
    // It could only win with a log as up to date as the old leader's (§5.4.1).
    expect(sim.status(target, G)!.lastIndex).toBeGreaterThan(lastIndex);
    writeAcked(sim, publish('after'));
    expect(sim.violation).toBeNull();
  });

  it('to an isolated node: abandoned after an election timeout, the leader carries on', () => {
    const { sim, trace, leader } = startCluster(3, 43);
    const [target] = othersThan(sim, leader);
    const term = sim.status(leader, G)!.term;
    sim.partition([[target], othersThan(sim, target)]);
    sim.transferLeader(G, target);
    const refused = writeAndWait(sim, leader, publish('refused'));
    expect(refused.reply).toEqual({ ok: false, error: TRANSFERRING });
    sim.runFor(ELECTION_MS + 200);
    expect(transferEvents(trace, target)).toEqual(['transfer-start', 'transfer-abandoned']);
    expect(sim.leaderOf(G)).toBe(leader);
    expect(sim.status(leader, G)!.term).toBe(term);
    const ok = writeAndWait(sim, leader, publish('accepted'));
    expect(ok.outcome).toBe('ok');
    sim.heal();
    sim.runFor(3 * ELECTION_MS);
    expect(sim.leaderOf(G)).toBe(leader);
    expect(sim.status(leader, G)!.term).toBe(term);
    expect(sim.violation).toBeNull();
  });

  it('to itself or to a node outside the configuration: refused, and traced with the reason', () => {
    const { sim, trace, leader } = startCluster(3, 44);
    sim.addNode('n4');
    sim.partition([['n4'], ['n1', 'n2', 'n3']]); // n4 cannot join: not a member
    sim.runFor(500);
    expect(sim.transferLeader(G, leader)).toMatch(/refused: cannot transfer leadership to itself$/);
    expect(sim.transferLeader(G, 'n4')).toBe(
      `transfer-leader: ${leader} refused: ${JRAFT_TRANSFER_NOT_IN_CONF}`,
    );
    expect(transferEvents(trace, leader)).toEqual(['transfer-refused']);
    expect(transferEvents(trace, 'n4')).toEqual(['transfer-refused']);
    const refusal = eventsOf(trace, 'transfer').find((e) => 'target' in e && e.target === 'n4');
    expect(refusal).toMatchObject({ outcome: 'refused', reason: JRAFT_TRANSFER_NOT_IN_CONF });
    expect(writeAndWait(sim, leader, publish('v')).outcome).toBe('ok');
    expect(sim.leaderOf(G)).toBe(leader);
  });

  it('a second transfer while one is under way is refused as SOFAJRaft does ("Not a leader")', () => {
    const { sim, trace, leader } = startCluster(3, 45, { fidelity: 'nacos' });
    const [a, b] = othersThan(sim, leader);
    sim.partition([[a], othersThan(sim, a)]); // the first transfer cannot finish
    sim.transferLeader(G, a);
    expect(sim.transferLeader(G, b)).toMatch(/refused: Not a leader$/);
    expect(sim.transferLeader(G, leader)).toMatch(/refused: Not a leader$/);
    sim.runFor(ELECTION_MS + 200); // the first is abandoned: the leader carries on
    expect(transferEvents(trace, a)).toEqual(['transfer-start', 'transfer-abandoned']);
    expect(transferEvents(trace, b)).toEqual(['transfer-refused']);
    expect(sim.leaderOf(G)).toBe(leader);
    expect(sim.violation).toBeNull();
  });
});
