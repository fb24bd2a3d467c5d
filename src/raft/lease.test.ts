// The leader lease (thesis §6.4.1, issue 8 item 1): its length and drift bound (lease.ts), and
// the core counting it from the SEND time of the messages a majority answered, as SOFAJRaft's
// Replicator.lastRpcSendTimestamp does, rather than from when the answers arrived.
import { describe, expect, it } from 'vitest';
import { LEASE_MAX_CLOCK_DRIFT, isClockRateWithinLeaseBound, leaseTicks } from './lease.ts';
import type { Raft } from './raft.ts';
import { newRaft, TestNetwork } from './testNetwork.ts';
import type { Message, ReadState, RequestVote } from './types.ts';

const ids3 = ['a', 'b', 'c'];
const E = 20;

describe('lease length and drift bound', () => {
  it('tolerates a clock-rate deviation of ρ and no more', () => {
    const rho = LEASE_MAX_CLOCK_DRIFT;
    expect(rho).toBeGreaterThan(0);
    expect(rho).toBeLessThan(0.5);
    expect(isClockRateWithinLeaseBound(1)).toBe(true);
    expect(isClockRateWithinLeaseBound(1 + rho)).toBe(true);
    expect(isClockRateWithinLeaseBound(1 - rho)).toBe(true);
    expect(isClockRateWithinLeaseBound(1 + rho + 0.01)).toBe(false);
    expect(isClockRateWithinLeaseBound(1 - rho - 0.01)).toBe(false);
    expect(isClockRateWithinLeaseBound(2)).toBe(false);
    for (const bad of [0, -1, NaN, Infinity]) expect(isClockRateWithinLeaseBound(bad)).toBe(false);
  });

  it('is short enough that no follower can vote for another leader before it ends', () => {
    const rho = LEASE_MAX_CLOCK_DRIFT;
    for (let e = 1; e <= 400; e++) {
      const l = leaseTicks(e);
      expect(Number.isInteger(l)).toBe(true);
      expect(l).toBeGreaterThanOrEqual(0);
      // The lease's longest real duration (leader clock slow) ends no later than the shortest
      // real time a follower refuses votes after hearing that heartbeat (its clock fast).
      expect(l / (1 - rho)).toBeLessThanOrEqual((e - 1) / (1 + rho) + 1e-9);
      // And it is not needlessly short: one tick more would break the bound.
      expect((l + 1) / (1 - rho)).toBeGreaterThan((e - 1) / (1 + rho));
    }
    // The lesson timing: a 1.5 s timeout at 50 ms ticks leaves a lease of 23 ticks (1.15 s).
    expect(leaseTicks(30)).toBe(23);
  });

  it('refuses an election timeout that is not a positive integer, naming it', () => {
    for (const bad of [0, -3, 2.5, NaN]) {
      expect(() => leaseTicks(bad)).toThrow(/electionTicks must be a positive integer/);
    }
  });
});

function elect(net: TestNetwork, id: string): Raft {
  net.campaign(id);
  const r = net.get(id);
  expect(r.role).toBe('leader');
  return r;
}

function readStatesOf(net: TestNetwork, id: string): ReadState[] {
  return net.readStates.get(id) ?? [];
}

interface HeldSetup {
  net: TestNetwork;
  a: Raft;
  /** The followers' answers to `a`, with the leader tick on which they were sent. */
  held: { tick: number; m: Message }[];
  /** Tick the leader `n` times, settling the network after each. */
  advance: (n: number) => void;
}

/** A leader `a` of three whose followers' answers are held back instead of delivered. */
function leaderWithHeldAnswers(): HeldSetup {
  const net = TestNetwork.of(ids3, { readOnly: 'lease', electionTicks: E });
  const a = elect(net, 'a');
  net.propose('a', 'x');
  expect(a.log.term(a.log.committed)).toBe(a.term);
  const held: { tick: number; m: Message }[] = [];
  let tick = 0;
  net.filter = (m) => {
    if (m.to === 'a' && m.type === 'AppendEntriesResponse') {
      held.push({ tick, m });
      return true;
    }
    return false;
  };
  // Tick the leader alone (followers' timers would otherwise matter); heartbeats every tick.
  const advance = (n: number): void => {
    for (let i = 0; i < n; i++) {
      tick++;
      a.tick();
      net.send();
    }
  };
  return { net, a, held, advance };
}

describe('the lease counts from the send time of what a majority answered', () => {
  it('an answer that arrives late earns no lease beyond its send time plus the lease', () => {
    const { net, a, held, advance } = leaderWithHeldAnswers();
    advance(1); // heartbeat round at tick 1, answers held
    const firstRound = held.filter((h) => h.tick === 1).map((h) => h.m);
    expect(firstRound.map((m) => m.from).sort()).toEqual(['b', 'c']);
    advance(leaseTicks(E)); // the lease of a round sent at tick 1 has now run out
    expect(a.role).toBe('leader');
    net.filter = null;
    net.isolate('a');
    // The answers to the tick-1 round arrive only now. Counting from their arrival would give a
    // fresh lease; counting from their send time gives none.
    for (const m of firstRound) a.step(m);
    a.readIndex('late');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([]);
  });

  it('an answer to a round sent within the lease still serves reads from the lease', () => {
    const { net, a, held, advance } = leaderWithHeldAnswers();
    advance(5);
    const round5 = held.filter((h) => h.tick === 5).map((h) => h.m);
    expect(round5).toHaveLength(2);
    advance(leaseTicks(E) - 2); // 5 + lease − 2: the tick-5 round is still inside the lease
    net.filter = null;
    net.isolate('a');
    for (const m of round5) a.step(m);
    a.readIndex('fresh');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([{ ctx: 'fresh', index: a.log.committed }]);
  });

  it('check-quorum steps down a leader whose answers all come back after an election timeout', () => {
    const { net, a, held, advance } = leaderWithHeldAnswers();
    // The return path slows down steadily: the answer to a message sent on tick s arrives on
    // tick 1.5·s. Answers keep arriving every tick or two, so counting arrivals would keep the
    // leader in office for ever; once the delay exceeds an election timeout, no majority is
    // proven to have heard from it within the last timeout, and it must step down.
    let delivered = 0;
    let lastTick = 0;
    for (let t = 1; t <= 6 * E && a.role === 'leader'; t++) {
      advance(1);
      lastTick = t;
      const due = held.filter((h) => h.tick * 1.5 <= t);
      for (const h of due.slice(delivered)) a.step(h.m);
      delivered = due.length;
      net.send();
    }
    // The delay t/3 passes E at t = 3E; check-quorum runs every E/2 ticks.
    expect(lastTick).toBeGreaterThanOrEqual(3 * E);
    expect(lastTick).toBeLessThanOrEqual(3 * E + E);
    expect(a.role).toBe('follower');
  });

  it.each(['textbook', 'nacos'] as const)(
    'a TimeoutNow voids the lease for the rest of the term (%s)',
    (fidelity) => {
      const net = TestNetwork.of(ids3, { readOnly: 'lease', electionTicks: E, fidelity });
      const a = elect(net, 'a');
      net.propose('a', 'x');
      net.tickAll(1);
      // The transfer target never gets the TimeoutNow here, but it might have: its campaign
      // skips the voters' lease check, so our lease proves nothing any more.
      net.filter = (m) => m.type === 'TimeoutNow';
      expect(a.transferLeader('b')).toEqual({ ok: true });
      net.send();
      net.isolate('a');
      a.readIndex('during-transfer');
      net.send();
      // Textbook: the read waits for a heartbeat round that cannot come. SOFAJRaft refuses it
      // at once while transferring (NodeImpl#handleReadIndexRequest); neither serves it.
      expect(readStatesOf(net, 'a')).toEqual(
        fidelity === 'textbook'
          ? []
          : [{ ctx: 'during-transfer', index: -1, error: 'Is transferring leadership.' }],
      );
    },
  );
});

describe('a restarted node in lease mode waits an election timeout before voting', () => {
  const vote = (term: number): RequestVote => ({
    type: 'RequestVote',
    group: 'g',
    from: 'c',
    to: 'a',
    term,
    preVote: false,
    lastLogIndex: 5,
    lastLogTerm: 3,
  });

  it('refuses a vote of a higher term until its first election timeout passed', () => {
    const boot = { hardState: { term: 3, votedFor: 'b', commit: 0 } };
    const a = newRaft('a', ids3, { cfg: { readOnly: 'lease', electionTicks: E }, boot });
    a.step(vote(4));
    let rd = a.ready();
    a.advance();
    expect(rd.messages).toMatchObject([{ type: 'RequestVoteResponse', granted: false }]);
    expect(a.term).toBe(3);
    for (let i = 0; i < E; i++) a.tick();
    a.step(vote(4));
    rd = a.ready();
    a.advance();
    expect(rd.messages.filter((m) => m.type === 'RequestVoteResponse')).toMatchObject([
      { granted: true, term: 4 },
    ]);
  });

  it('a fresh node (term 0), or one in safe mode, votes at once', () => {
    const fresh = newRaft('a', ids3, { cfg: { readOnly: 'lease', electionTicks: E } });
    fresh.step(vote(1));
    expect(fresh.ready().messages).toMatchObject([{ granted: true }]);
    const safe = newRaft('a', ids3, {
      cfg: { readOnly: 'safe', electionTicks: E },
      boot: { hardState: { term: 3, votedFor: 'b', commit: 0 } },
    });
    safe.step(vote(4));
    expect(safe.ready().messages).toMatchObject([{ granted: true }]);
  });
});
