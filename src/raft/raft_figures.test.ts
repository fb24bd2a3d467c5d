// The Raft paper's Figures 7 and 8 replayed on the in-memory TestNetwork, each server booted
// from the durable state the figure shows. Figure 7 (§5.3): a new leader forces every follower
// log, however it diverged, to agree with its own. Figure 8 (§5.4.2): an entry of an earlier
// term stored on a majority is still not committed by counting replicas; it becomes committed
// only with an entry of the leader's own term, and until then a later leader may overwrite it.
// Crashes are modelled by cutting every link of a server; a restart rebuilds the server from
// exactly what it persisted (the TestNetwork persists every Ready at once). The figures are the
// paper's, so every core runs with `fidelity: 'textbook'` (a no-op as a new leader's first entry).
import { describe, expect, it } from 'vitest';
import type { Raft } from './raft.ts';
import { TestNetwork, entriesFromTerms, newRaft } from './testNetwork.ts';
import type { AppendEntries, Message, NodeId, RaftConfig } from './types.ts';

interface Boot {
  term: number;
  votedFor?: NodeId | null;
  commit?: number;
  log: number[];
}

function boot(id: NodeId, voters: NodeId[], b: Boot, cfg: Partial<RaftConfig> = {}): Raft {
  return newRaft(id, voters, {
    cfg: { fidelity: 'textbook', ...cfg },
    boot: {
      hardState: { term: b.term, votedFor: b.votedFor ?? null, commit: b.commit ?? 0 },
      entries: entriesFromTerms(b.log),
    },
  });
}

/** The terms of a node's log, index 1 first. */
function logTerms(r: Raft): number[] {
  const out: number[] = [];
  for (let i = r.log.firstIndex(); i <= r.log.lastIndex(); i++) out.push(r.log.term(i)!);
  return out;
}

/** (index, term) of every entry a node handed to its state machine, in order. */
function appliedIds(net: TestNetwork, id: NodeId): [number, number][] {
  return (net.applied.get(id) ?? []).map((e) => [e.index, e.term]);
}

/** Campaign until the node wins (a first attempt may only teach it a newer term). */
function elect(net: TestNetwork, id: NodeId, attempts = 3): void {
  for (let i = 0; i < attempts && net.get(id).role !== 'leader'; i++) net.campaign(id);
  expect(net.get(id).role).toBe('leader');
}

// ─────────────────────────────────── Figure 7 ───────────────────────────────────

describe('Figure 7 (§5.3): a term-8 leader brings followers a–f into agreement', () => {
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  // The figure's followers. Each one's current term is at least its last entry's term; d saw
  // term 7, so the leader's election is the first of term 8.
  const followers: Record<NodeId, Boot> = {
    a: { term: 6, log: [1, 1, 1, 4, 4, 5, 5, 6, 6] },
    b: { term: 4, log: [1, 1, 1, 4] },
    c: { term: 6, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
    d: { term: 7, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
    e: { term: 4, log: [1, 1, 1, 4, 4, 4, 4] },
    f: { term: 3, log: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
  };
  const all = ['leader', ...Object.keys(followers)];

  function figure7(): TestNetwork {
    // The leader was a follower in term 7; its pre-vote and election are for term 8.
    const rafts = [boot('leader', all, { term: 7, log: leaderLog })];
    for (const [id, b] of Object.entries(followers)) rafts.push(boot(id, all, b));
    return new TestNetwork(rafts);
  }

  it('the leader wins term 8 with the votes of a, b, e and f (c and d hold newer logs)', () => {
    const net = figure7();
    elect(net, 'leader', 1);
    const leader = net.get('leader');
    expect(leader.term).toBe(8);
    const votes = net.delivered.filter(
      (m) => m.type === 'RequestVoteResponse' && !m.preVote && m.to === 'leader',
    );
    const granted = votes.filter((m) => m.type === 'RequestVoteResponse' && m.granted);
    // §5.4.1: c's log is longer with the same last term, d's last term is newer.
    expect(granted.map((m) => m.from).sort()).toEqual(['a', 'b', 'e', 'f']);
    // A new leader starts with an entry of its own term: the no-op at index 11.
    expect(logTerms(leader)).toEqual([...leaderLog, 8]);
    expect(leader.log.entry(11)?.type).toBe('noop');
  });

  it('after settling every follower log equals the leader’s, and commits agree', () => {
    const net = figure7();
    elect(net, 'leader', 1);
    const leader = net.get('leader');
    net.propose('leader', 'x');
    const want = [...leaderLog, 8, 8];
    expect(logTerms(leader)).toEqual(want);
    for (const id of all) {
      const r = net.get(id);
      expect({ id, terms: logTerms(r) }).toEqual({ id, terms: want });
      expect({ id, committed: r.log.committed }).toEqual({ id, committed: want.length });
      // The same entries were applied everywhere, in the same order.
      expect({ id, applied: appliedIds(net, id) }).toEqual({
        id,
        applied: want.map((t, k) => [k + 1, t]),
      });
    }
    // Conflicting suffixes were deleted: c's extra term-6 entry and d's term-7 entries are gone.
    expect(net.get('c').log.term(11)).toBe(8);
    expect(net.get('d').log.lastIndex()).toBe(12);
    expect(net.get('d').log.term(12)).toBe(8);
  });

  it('the leader finds each follower’s match point in about one round trip per term', () => {
    const net = figure7();
    elect(net, 'leader', 1);
    const rejections = (id: NodeId) =>
      net.delivered.filter((m) => m.type === 'AppendEntriesResponse' && m.from === id && !m.success)
        .length;
    // a, b, e and f lack index 10 (term 6) and each refuses once: the hint names the term of
    // their conflicting entry, and the leader skips straight past it (f: from index 10 to 3).
    // c and d hold index 10 and refuse nothing.
    expect(Object.fromEntries(Object.keys(followers).map((id) => [id, rejections(id)]))).toEqual({
      a: 1,
      b: 1,
      c: 0,
      d: 0,
      e: 1,
      f: 1,
    });
  });
});

// ─────────────────────────────────── Figure 8 ───────────────────────────────────

describe('Figure 8 (§5.4.2): an old-term entry on a majority is not committed by counting', () => {
  const servers = ['s1', 's2', 's3', 's4', 's5'];
  // One entry per AppendEntries, so index 2 can travel without index 3 (the figure's step c).
  const cfg: Partial<RaftConfig> = { maxEntriesPerMsg: 1, fidelity: 'textbook' };

  /**
   * The cluster at the end of the figure's step (b): S1 led term 2 and stored index 2 on itself
   * and S2, then crashed; S5 won term 3 with S3's and S4's votes, appended index 2 of term 3 and
   * crashed before sending it. S1 has just restarted; S5 is down.
   */
  function afterStepB(): TestNetwork {
    const net = new TestNetwork([
      boot('s1', servers, { term: 2, votedFor: 's1', commit: 1, log: [1, 2] }, cfg),
      boot('s2', servers, { term: 2, votedFor: 's1', commit: 1, log: [1, 2] }, cfg),
      boot('s3', servers, { term: 3, votedFor: 's5', commit: 1, log: [1] }, cfg),
      boot('s4', servers, { term: 3, votedFor: 's5', commit: 1, log: [1] }, cfg),
      boot('s5', servers, { term: 3, votedFor: 's5', commit: 1, log: [1, 3] }, cfg),
    ]);
    net.isolate('s5');
    return net;
  }

  /** Servers still allowed to receive S1's term-4 entry; see keepTerm4EntryFrom. */
  interface Step4 {
    net: TestNetwork;
    term4ReachableBy: Set<NodeId>;
  }

  /**
   * Lose every AppendEntries from S1 that would place an entry of term 4 on a server not in
   * `reach`. Messages such a server would reject anyway still arrive, so S1 can back off and
   * deliver index 2 on its own.
   */
  function keepTerm4EntryFrom(net: TestNetwork, reach: Set<NodeId>): void {
    net.filter = (m: Message) =>
      m.type === 'AppendEntries' &&
      m.from === 's1' &&
      !reach.has(m.to) &&
      m.entries.some((e) => e.term === 4) &&
      net.get(m.to).log.matchTerm(m.prevLogIndex, m.prevLogTerm);
  }

  /**
   * Step (c): S1 wins term 4 (S2, S3, S4 vote), appends its no-op at index 3 (term 4) and
   * replicates index 2, but index 3 reaches no other server.
   */
  function stepC(): Step4 {
    const net = afterStepB();
    const term4ReachableBy = new Set<NodeId>();
    keepTerm4EntryFrom(net, term4ReachableBy);
    // S1's first pre-vote (for term 3) meets S3 and S4, which voted in term 3: it learns term 3.
    net.campaign('s1');
    expect(net.get('s1').term).toBe(3);
    expect(net.get('s1').role).toBe('follower');
    elect(net, 's1');
    const s1 = net.get('s1');
    expect(s1.term).toBe(4);
    expect(logTerms(s1)).toEqual([1, 2, 4]);
    return { net, term4ReachableBy };
  }

  /** Crash: cut every link. The server neither ticks nor receives until restarted. */
  function crash(net: TestNetwork, id: NodeId): void {
    net.isolate(id);
  }

  /** Restart `id` from what it persisted, and reconnect it; `down` stay disconnected. */
  function restart(net: TestNetwork, id: NodeId, down: NodeId[]): void {
    const old = net.get(id);
    expect(old.log.stableIndex).toBe(old.log.lastIndex());
    const fresh = newRaft(id, servers, {
      cfg,
      seed: 1000 + servers.indexOf(id),
      boot: { hardState: old.hardState(), entries: old.log.entries.slice() },
    });
    net.nodes.set(id, fresh);
    net.heal();
    for (const d of down) net.isolate(d);
  }

  /**
   * The followers' election timers run out while they hear from nobody (their leader crashed
   * and their own pre-votes, if any, are lost), so none of them still trusts the old leader's
   * lease when the next candidate asks. `down` stay disconnected afterwards.
   */
  function timersLapse(net: TestNetwork, ids: NodeId[], down: NodeId[]): void {
    for (const id of ids) net.isolate(id);
    for (const id of ids) {
      const r = net.get(id);
      for (let t = 0; t < r.cfg.electionTicks; t++) {
        r.tick();
        net.send();
      }
      expect(r.role).not.toBe('leader');
    }
    net.heal();
    for (const d of down) net.isolate(d);
  }

  /** Tick the running servers (not the crashed ones) together. */
  function tickRunning(net: TestNetwork, running: NodeId[], ticks: number): void {
    for (let t = 0; t < ticks; t++) {
      for (const id of running) net.get(id).tick();
      net.send();
    }
  }

  it('(c) index 2 of term 2 is on a majority, the leader knows it, and it is not committed', () => {
    const { net } = stepC();
    const s1 = net.get('s1');
    expect(logTerms(net.get('s2'))).toEqual([1, 2]);
    expect(logTerms(net.get('s3'))).toEqual([1, 2]);
    expect(logTerms(net.get('s4'))).toEqual([1, 2]);
    expect(logTerms(net.get('s5'))).toEqual([1, 3]);
    // S1 has heard S3 and S4 acknowledge index 2: with itself, three of five servers.
    expect(s1.prs.get('s3')!.match).toBe(2);
    expect(s1.prs.get('s4')!.match).toBe(2);
    // §5.4.2: counting replicas never commits an entry of an earlier term.
    expect(s1.log.committed).toBe(1);
    for (const id of servers) expect(net.get(id).log.committed).toBe(1);
  });

  it('(d) if S1 crashes now, S5 is elected and overwrites index 2', () => {
    const { net } = stepC();
    net.filter = null;
    crash(net, 's1');
    restart(net, 's5', ['s1']);
    timersLapse(net, ['s2', 's3', 's4'], ['s1']);
    // S5's last entry (term 3) is newer than the others' (term 2), so S2, S3 and S4 vote for it.
    elect(net, 's5');
    const s5 = net.get('s5');
    expect(s5.term).toBeGreaterThanOrEqual(5);
    const want = [1, 3, s5.term];
    for (const id of ['s2', 's3', 's4', 's5']) {
      expect({ id, terms: logTerms(net.get(id)) }).toEqual({ id, terms: want });
      expect({ id, committed: net.get(id).log.committed }).toEqual({ id, committed: 3 });
    }
    // The overwritten entry had never been applied anywhere: nothing was lost.
    for (const id of servers) {
      expect(appliedIds(net, id).filter(([i]) => i === 2)).not.toContainEqual([2, 2]);
    }
    // (Index 1 was committed before the run; each incarnation of S5 applied it once.)
    expect(appliedIds(net, 's5').filter(([i]) => i >= 2)).toEqual([
      [2, 3],
      [3, s5.term],
    ]);
  });

  it('(e) S1 commits index 2 only once its term-4 entry (index 3) is on a majority', () => {
    const { net, term4ReachableBy } = stepC();
    const s1 = net.get('s1');

    // Index 3 reaches S2 only: two of five. Index 2 is now on four servers, still uncommitted.
    term4ReachableBy.add('s2');
    s1.tick();
    net.send();
    expect(logTerms(net.get('s2'))).toEqual([1, 2, 4]);
    expect(s1.prs.get('s2')!.match).toBe(3);
    expect(s1.log.committed).toBe(1);

    // Index 3 reaches S3: a majority holds an entry of the leader's term, which commits it and
    // every entry before it.
    term4ReachableBy.add('s3');
    s1.tick();
    net.send();
    expect(logTerms(net.get('s3'))).toEqual([1, 2, 4]);
    expect(s1.log.committed).toBe(3);
    expect(appliedIds(net, 's1')).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);

    // Now S1 crashes. S5 can no longer win: S2 and S3 hold a newer last term (4) than S5 (3).
    net.filter = null;
    crash(net, 's1');
    restart(net, 's5', ['s1']);
    timersLapse(net, ['s2', 's3', 's4'], ['s1']);
    for (let i = 0; i < 3; i++) net.campaign('s5');
    expect(net.get('s5').role).not.toBe('leader');

    // Whoever wins instead keeps index 2 of term 2, and S5's conflicting entry is replaced.
    const running = ['s2', 's3', 's4', 's5'];
    tickRunning(net, running, 100);
    const leaders = running.filter((id) => net.get(id).role === 'leader');
    expect(leaders).toHaveLength(1);
    expect(['s2', 's3']).toContain(leaders[0]);
    for (const id of running) {
      const r = net.get(id);
      expect({ id, prefix: logTerms(r).slice(0, 3) }).toEqual({ id, prefix: [1, 2, 4] });
      expect(r.log.committed).toBeGreaterThanOrEqual(3);
      expect(appliedIds(net, id).find(([i]) => i === 2)).toEqual([2, 2]);
    }
  });

  it('(e) without the §5.4.2 rule the same history would lose a committed entry', () => {
    // The counterfactual, stated as data: had S1 counted replicas of index 2 in step (c), its
    // commit index would have been 2 while S5 could still be elected and overwrite it, as (d)
    // shows. So in step (c) S1's commit index must stay below 2, and S5's win in (d) then
    // overwrites only an uncommitted entry.
    const { net } = stepC();
    const s1 = net.get('s1');
    const acked = servers.filter((id) => id === 's1' || s1.prs.get(id)!.match >= 2);
    expect(acked.length).toBeGreaterThan(servers.length / 2);
    expect(s1.log.committed).toBeLessThan(2);
    const sentCommit = net.delivered
      .filter((m): m is AppendEntries => m.type === 'AppendEntries' && m.from === 's1')
      .map((m) => m.leaderCommit);
    expect(Math.max(...sentCommit)).toBe(1);
  });
});
