// Latent bugs of the core in the simulator (issue 8, item 6): a leader removed by a
// configuration change hands over with TimeoutNow (as SOFAJRaft's NodeImpl.stepDown with
// wakeupCandidate does) instead of leaving the group leaderless for an election timeout; and
// late duplicate AppendEntries never roll a follower's configuration back.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/events.ts';
import {
  ELECTION_MS,
  G,
  confIs,
  othersThan,
  publish,
  startCluster,
  waitFor,
  writeAcked,
} from './simHelpers.ts';

type RoleEvent = TraceEvent & { type: 'role'; to: string; term: number };

function roleEvents(events: readonly TraceEvent[]): RoleEvent[] {
  return events.filter((e): e is RoleEvent => e.type === 'role');
}

describe('a removed leader hands over with TimeoutNow', () => {
  for (const [nodes, seed] of [
    [3, 31],
    [5, 32],
    [5, 33],
  ] as const) {
    it(`${nodes} nodes, seed ${seed}: the remaining voters elect a leader at once`, () => {
      const { sim, trace, leader } = startCluster(nodes, seed);
      writeAcked(sim, publish('before'));
      const rest = othersThan(sim, leader);
      sim.removeNode(leader);
      waitFor(sim, `${leader} to step down`, () => sim.status(leader, G)?.role !== 'leader');
      waitFor(sim, 'a leader among the remaining voters', () =>
        rest.some((id) => sim.status(id, G)?.role === 'leader'),
      );
      expect(confIs(sim, rest)).toBe(true);
      const roles = roleEvents(trace.events());
      const down = roles.find((e) => e.node === leader && e.from === 'leader');
      expect(down, `seed ${seed}: ${leader} stepped down`).toBeDefined();
      const up = roles.find((e) => e.seq > down!.seq && e.to === 'leader');
      expect(up, `seed ${seed}: a new leader`).toBeDefined();
      // The handover: TimeoutNow from the removed leader, and its target won without pre-vote
      // in the very next term, well within one election timeout (it would otherwise take at
      // least a full timeout: the others heard from the leader just before it stepped down).
      const handover = trace
        .events()
        .filter((e) => e.type === 'send' && e.node === leader && e.msgType === 'TimeoutNow');
      expect(handover, `seed ${seed}: TimeoutNow from ${leader}`).toHaveLength(1);
      expect(up!.node).toBe((handover[0] as { to: string }).to);
      expect(up!.term).toBe(down!.term + 1);
      expect(up!.t - down!.t).toBeLessThan(ELECTION_MS / 2);
      expect(writeAcked(sim, publish('after')).outcome).toBe('ok');
      expect(sim.violation).toBeNull();
    });
  }
});
