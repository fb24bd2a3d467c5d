// The core's trace-only events and reasons: the randomized election timeout at each reset, an
// explicit truncation when a conflict removes a suffix, a leader's progress per peer reported
// once per Ready when it changed, and the reason of every refused vote and rejected append.
// With cfg.trace false the core builds none of the trace-only events.
import { describe, expect, it } from 'vitest';
import type { Raft } from './raft.ts';
import { TestNetwork, entriesFromTerms, newRaft } from './testNetwork.ts';
import type { CoreEvent, Entry, Message, RaftConfig } from './types.ts';

const G = 'g';
const voters = ['n1', 'n2', 'n3'];

function drainEvents(r: Raft): { events: CoreEvent[]; messages: Message[] } {
  const out = { events: [] as CoreEvent[], messages: [] as Message[] };
  while (r.hasReady()) {
    const rd = r.ready();
    out.events.push(...rd.events);
    out.messages.push(...rd.messages);
    r.advance();
  }
  return out;
}

function follower(terms: number[], term: number, cfg: Partial<RaftConfig> = {}): Raft {
  const r = newRaft('n1', voters, {
    cfg,
    boot: { hardState: { term, votedFor: null, commit: 0 }, entries: entriesFromTerms(terms) },
  });
  drainEvents(r);
  return r;
}

function append(term: number, prev: [number, number], entries: Entry[] = []): Message {
  return {
    type: 'AppendEntries',
    group: G,
    from: 'n2',
    to: 'n1',
    term,
    prevLogIndex: prev[0],
    prevLogTerm: prev[1],
    entries,
    leaderCommit: 0,
    round: 0,
  };
}

function vote(term: number, last: [number, number], preVote = false): Message {
  return {
    type: 'RequestVote',
    group: G,
    from: 'n3',
    to: 'n1',
    term,
    preVote,
    lastLogIndex: last[0],
    lastLogTerm: last[1],
  };
}

describe('core trace events', () => {
  it('reports the randomized timeout at every reset, within [base, base + jitter)', () => {
    const r = follower([], 0);
    // Textbook: each campaign re-draws it; under 'nacos' each firing of the repeating timer does.
    r.campaign(false);
    for (let i = 0; i < 40; i++) r.tick();
    const timers = drainEvents(r).events.filter((e) => e.type === 'timer');
    expect(timers.length).toBeGreaterThan(0);
    for (const t of timers) {
      expect(t.type === 'timer' && t.ticks).toBeGreaterThanOrEqual(10);
      expect(t.type === 'timer' && t.ticks).toBeLessThan(20);
    }
    expect(timers.at(-1)).toEqual({
      type: 'timer',
      ticks: r.randomizedElectionTimeout,
      repeating: true,
    });
  });

  it('reports a truncation from the first conflicting index (§5.3)', () => {
    const r = follower([1, 1, 2, 2], 3);
    r.step(append(3, [2, 1], [{ index: 3, term: 3, type: 'normal', data: null }]));
    const { events } = drainEvents(r);
    expect(events).toContainEqual({ type: 'truncate', from: 3 });
  });

  it('gives the reason of every rejected append', () => {
    const r = follower([1, 2], 2);
    r.step(append(2, [2, 1]));
    r.step(append(2, [5, 2]));
    r.step(append(1, [0, 0]));
    const rejects = drainEvents(r).messages.map((m) =>
      m.type === 'AppendEntriesResponse' ? m.reject : 'other',
    );
    expect(rejects).toEqual(['log-mismatch', 'log-missing', 'stale-term']);
  });

  it('gives the reason of every refused vote, in the message and in the vote event', () => {
    const r = follower([1, 2], 2);
    r.step(vote(3, [1, 1])); // a newer term with a shorter, older log
    r.step(vote(1, [9, 9])); // an older term
    const { events, messages } = drainEvents(r);
    const refusals = messages.map((m) => (m.type === 'RequestVoteResponse' ? m.reject : 'other'));
    expect(refusals).toEqual(['log-behind', 'stale-term']);
    const votes = events.filter((e) => e.type === 'vote');
    expect(votes.map((v) => v.type === 'vote' && v.reject)).toEqual(['log-behind', 'stale-term']);
  });

  it('refuses a second candidate in the same term as already voted', () => {
    const r = follower([], 1);
    r.step({ ...vote(2, [0, 0]), from: 'n2' });
    r.step(vote(2, [0, 0]));
    const refusals = drainEvents(r).messages.map((m) =>
      m.type === 'RequestVoteResponse' ? (m.reject ?? 'granted') : 'other',
    );
    expect(refusals).toEqual(['granted', 'voted']);
  });

  it("reports a leader's progress per peer once per Ready, only when it changed", () => {
    const net = TestNetwork.of(voters);
    net.campaign('n1');
    const leader = net.get('n1');
    // A progress change makes no Ready of its own (tracing never changes what a node does):
    // the next heartbeat's Ready reports what changed since.
    net.tickAll(1);
    expect(leader.role).toBe('leader');
    const seen = net.coreEvents.get('n1')!.filter((e) => e.type === 'progress');
    expect(new Set(seen.map((e) => e.type === 'progress' && e.peer))).toEqual(
      new Set(['n2', 'n3']),
    );
    const last = (peer: string) =>
      seen.filter((e) => e.type === 'progress' && e.peer === peer).at(-1);
    const pr = leader.prs.get('n2')!;
    expect(last('n2')).toEqual({
      type: 'progress',
      peer: 'n2',
      next: pr.next,
      match: pr.match,
      state: pr.state,
      inflight: pr.inflights.count(),
    });
    // Nothing changed: a Ready of the leader (here answering a stale vote request) carries no
    // progress event.
    leader.step({ ...vote(0, [0, 0]), to: 'n1' });
    const rd = leader.ready();
    expect(rd.messages).toHaveLength(1);
    expect(rd.events.filter((e) => e.type === 'progress')).toEqual([]);
    leader.advance();
  });

  it('builds no trace-only events with cfg.trace false', () => {
    const r = follower([1, 1, 2, 2], 3, { trace: false });
    r.campaign(false);
    r.step(append(4, [2, 1], [{ index: 3, term: 4, type: 'normal', data: null }]));
    const kinds = drainEvents(r).events.map((e) => e.type);
    expect(kinds).not.toContain('timer');
    expect(kinds).not.toContain('progress');
  });
});
