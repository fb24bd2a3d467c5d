// One test per rule of the Raft paper, §5.1–§5.4, in the manner of etcd's raft_paper_test.go:
// each test sets up a state in the simplest way the public API allows, feeds messages or ticks,
// and checks the exact messages that come out of Ready and the resulting role, term and log.
// Our core always runs the pre-vote phase (thesis §9.6) before a real election, so the election
// tests walk through both phases. Messages leave only through Ready, and a leader counts its own
// entries only once they are persisted (advance()), so every helper drains Ready the way a host
// would: persist, send, apply, advance. These are the paper's rules, so every core here runs
// with `fidelity: 'textbook'`; where SOFAJRaft differs, nacos.test.ts has the other side.
import { describe, expect, it } from 'vitest';
import type { Raft } from './raft.ts';
import { TestNetwork, entriesFromTerms, newRaft } from './testNetwork.ts';
import type {
  AppendEntries,
  AppendEntriesResponse,
  Entry,
  HardState,
  Message,
  RaftConfig,
  RequestVote,
  RequestVoteResponse,
} from './types.ts';

const GROUP = 'g';
const TEXTBOOK: Partial<RaftConfig> = { fidelity: 'textbook' };

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

interface Drained {
  messages: Message[];
  /** Entries handed out for persistence. */
  entries: Entry[];
  /** Entries handed out for the state machine. */
  committed: Entry[];
}

/** Take every Ready the node has, as a host would (persist, send, apply, advance). */
function drain(r: Raft): Drained {
  const out: Drained = { messages: [], entries: [], committed: [] };
  while (r.hasReady()) {
    const rd = r.ready();
    out.messages.push(...rd.messages);
    out.entries.push(...rd.entries);
    out.committed.push(...rd.committed);
    r.advance();
  }
  return out;
}

function byTo<M extends Message>(msgs: M[]): M[] {
  return [...msgs].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

function node(
  id: string,
  voters: string[],
  opts: { terms?: number[]; hard?: Partial<HardState>; cfg?: Partial<RaftConfig> } = {},
): Raft {
  return newRaft(id, voters, {
    cfg: { ...TEXTBOOK, ...opts.cfg },
    boot: {
      hardState: { term: 0, votedFor: null, commit: 0, ...opts.hard },
      entries: entriesFromTerms(opts.terms ?? []),
    },
  });
}

function voteResponse(
  r: Raft,
  from: string,
  opts: { preVote: boolean; granted: boolean; term: number },
): RequestVoteResponse {
  return { type: 'RequestVoteResponse', group: GROUP, from, to: r.id, ...opts };
}

function appendEntries(
  from: string,
  to: string,
  a: { term: number; prev?: [number, number]; entries?: Entry[]; commit?: number },
): AppendEntries {
  return {
    type: 'AppendEntries',
    group: GROUP,
    from,
    to,
    term: a.term,
    prevLogIndex: a.prev?.[0] ?? 0,
    prevLogTerm: a.prev?.[1] ?? 0,
    entries: a.entries ?? [],
    leaderCommit: a.commit ?? 0,
    round: 0,
  };
}

/** Entries from `index` on with the given terms and optional data. */
function ents(index: number, terms: number[], data: unknown = null): Entry[] {
  return terms.map((term, k) => ({ index: index + k, term, type: 'normal' as const, data }));
}

/** The follower's positive answer to an AppendEntries, as the real follower would send it. */
function accept(m: AppendEntries): AppendEntriesResponse {
  return {
    type: 'AppendEntriesResponse',
    group: GROUP,
    from: m.to,
    to: m.from,
    term: m.term,
    success: true,
    index: m.prevLogIndex + m.entries.length,
    hintIndex: 0,
    hintTerm: 0,
    round: m.round,
  };
}

/**
 * Play followers that hold everything the leader sends: accept every AppendEntries (and the
 * ones it causes) until the leader is quiet. Returns the entries the leader applied meanwhile.
 */
function acceptAll(r: Raft, msgs: Message[]): Entry[] {
  const applied: Entry[] = [];
  let queue = msgs;
  for (let round = 0; queue.length > 0; round++) {
    expect(round).toBeLessThan(100);
    for (const m of queue) if (m.type === 'AppendEntries') r.step(accept(m));
    const rd = drain(r);
    applied.push(...rd.committed);
    queue = rd.messages;
  }
  return applied;
}

function peersOf(r: Raft): string[] {
  return r.conf.voters.filter((id) => id !== r.id);
}

/**
 * Win the pre-vote phase with just enough granted pre-votes: the node becomes a candidate of
 * the next term. Returns what the candidate sent (its RequestVotes).
 */
function makeCandidate(r: Raft): Drained {
  r.campaign(false);
  drain(r);
  const prospective = r.term + 1;
  for (const peer of peersOf(r)) {
    if (r.role !== 'pre-candidate') break;
    r.step(voteResponse(r, peer, { preVote: true, granted: true, term: prospective }));
  }
  expect(r.role).toBe('candidate');
  expect(r.term).toBe(prospective);
  return drain(r);
}

/** Win both phases with just enough votes. Returns what the new leader sent (its first appends). */
function makeLeader(r: Raft): Drained {
  if (peersOf(r).length === 0) {
    r.campaign(false);
    expect(r.role).toBe('leader');
    return drain(r);
  }
  makeCandidate(r);
  for (const peer of peersOf(r)) {
    if (r.role !== 'candidate') break;
    r.step(voteResponse(r, peer, { preVote: false, granted: true, term: r.term }));
  }
  expect(r.role).toBe('leader');
  return drain(r);
}

/** Elect `r` and have every follower acknowledge the leader's no-op, so it commits. */
function makeLeaderWithCommittedNoop(r: Raft): void {
  const sent = makeLeader(r);
  for (const m of sent.messages) {
    expect(m.type).toBe('AppendEntries');
    r.step(accept(m as AppendEntries));
  }
  drain(r);
  expect(r.log.committed).toBe(r.log.lastIndex());
  expect(r.log.entry(r.log.lastIndex())?.type).toBe('noop');
}

/** The terms of a node's log, index 1 first. */
function logTerms(r: Raft): number[] {
  const out: number[] = [];
  for (let i = r.log.firstIndex(); i <= r.log.lastIndex(); i++) out.push(r.log.term(i)!);
  return out;
}

// ─────────────────────────────────── §5.1 ───────────────────────────────────

describe('§5.1 terms', () => {
  it('§5.2: servers start as followers with no leader', () => {
    const r = node('n1', ids(3));
    expect(r.role).toBe('follower');
    expect(r.leader).toBeNull();
    expect(r.term).toBe(0);
    expect(drain(r).messages).toEqual([]);
  });

  it('§5.1: a follower adopts a larger term from an AppendEntries and follows its sender', () => {
    const r = node('n1', ids(3), { hard: { term: 1, votedFor: 'n3' } });
    r.step(appendEntries('n2', 'n1', { term: 2 }));
    expect(r.term).toBe(2);
    expect(r.role).toBe('follower');
    expect(r.leader).toBe('n2');
    // A new term starts with no vote cast in it.
    expect(r.votedFor).toBeNull();
  });

  it('§5.1: a pre-candidate reverts to follower on a larger term', () => {
    const r = node('n1', ids(3), { hard: { term: 1 } });
    r.campaign(false);
    expect(r.role).toBe('pre-candidate');
    r.step(appendEntries('n2', 'n1', { term: 3 }));
    expect(r.term).toBe(3);
    expect(r.role).toBe('follower');
    expect(r.leader).toBe('n2');
  });

  it('§5.1: a candidate reverts to follower on a larger term', () => {
    const r = node('n1', ids(3));
    makeCandidate(r);
    expect(r.term).toBe(1);
    r.step(appendEntries('n2', 'n1', { term: 2 }));
    expect(r.term).toBe(2);
    expect(r.role).toBe('follower');
    expect(r.leader).toBe('n2');
  });

  it('§5.1: a leader reverts to follower on a larger term in an AppendEntries', () => {
    const r = node('n1', ids(3));
    makeLeader(r);
    r.step(appendEntries('n2', 'n1', { term: 2 }));
    expect(r.term).toBe(2);
    expect(r.role).toBe('follower');
    expect(r.leader).toBe('n2');
  });

  it('§5.1: a leader reverts to follower when a response reveals a larger term', () => {
    const r = node('n1', ids(3));
    makeLeader(r);
    // A follower that moved on to term 5 refuses our append and tells us its term.
    r.step({
      type: 'AppendEntriesResponse',
      group: GROUP,
      from: 'n2',
      to: 'n1',
      term: 5,
      success: false,
      index: 0,
      hintIndex: 0,
      hintTerm: 0,
      round: 0,
    });
    expect(r.term).toBe(5);
    expect(r.role).toBe('follower');
    expect(r.leader).toBeNull();
    expect(r.propose('x')).toEqual({ ok: false, error: 'not leader' });
  });

  it('§5.1: a rejected vote from a larger term ends a candidacy', () => {
    const r = node('n1', ids(3));
    makeCandidate(r);
    r.step(voteResponse(r, 'n2', { preVote: false, granted: false, term: 4 }));
    expect(r.term).toBe(4);
    expect(r.role).toBe('follower');
  });

  it('§5.1 with pre-vote: a pre-vote request carries a larger term but never changes ours', () => {
    const r = node('n1', ids(3), { hard: { term: 2 }, terms: [1, 2] });
    r.step({
      type: 'RequestVote',
      group: GROUP,
      from: 'n2',
      to: 'n1',
      term: 3,
      preVote: true,
      lastLogIndex: 2,
      lastLogTerm: 2,
    });
    expect(r.term).toBe(2);
    expect(r.votedFor).toBeNull();
    // A granted pre-vote echoes the prospective term.
    expect(drain(r).messages).toEqual([
      {
        type: 'RequestVoteResponse',
        group: GROUP,
        from: 'n1',
        to: 'n2',
        term: 3,
        preVote: true,
        granted: true,
      },
    ]);
  });

  describe('§5.1: a request with a stale term is rejected', () => {
    it('AppendEntries from a deposed leader: refused with our term, log and timer untouched', () => {
      const r = node('n1', ids(3), { hard: { term: 2 }, terms: [1] });
      for (let i = 0; i < 3; i++) r.tick();
      r.step(
        appendEntries('n2', 'n1', { term: 1, prev: [1, 1], entries: ents(2, [1]), commit: 2 }),
      );
      expect(r.term).toBe(2);
      expect(r.leader).toBeNull();
      expect(r.log.lastIndex()).toBe(1);
      expect(r.log.committed).toBe(0);
      // A message from a stale leader does not count as hearing from the current one.
      expect(r.electionElapsed).toBe(3);
      expect(drain(r).messages).toEqual([
        {
          type: 'AppendEntriesResponse',
          group: GROUP,
          from: 'n1',
          to: 'n2',
          term: 2,
          success: false,
          index: 0,
          hintIndex: 0,
          hintTerm: 0,
          round: 0,
          reject: 'stale-term',
        },
      ]);
    });

    it('RequestVote of an old term: refused with our term, no vote recorded', () => {
      const r = node('n1', ids(3), { hard: { term: 2 } });
      r.step({
        type: 'RequestVote',
        group: GROUP,
        from: 'n2',
        to: 'n1',
        term: 1,
        preVote: false,
        lastLogIndex: 5,
        lastLogTerm: 1,
      });
      expect(r.votedFor).toBeNull();
      expect(r.term).toBe(2);
      expect(drain(r).messages).toEqual([
        {
          type: 'RequestVoteResponse',
          group: GROUP,
          from: 'n1',
          to: 'n2',
          term: 2,
          preVote: false,
          granted: false,
          reject: 'stale-term',
        },
      ]);
    });

    it('a vote granted in an old term does not count for a candidate', () => {
      const r = node('n1', ids(3), { hard: { term: 3 } });
      makeCandidate(r);
      expect(r.term).toBe(4);
      r.step(voteResponse(r, 'n2', { preVote: false, granted: true, term: 3 }));
      r.step(voteResponse(r, 'n3', { preVote: false, granted: true, term: 2 }));
      expect(r.role).toBe('candidate');
    });

    it('an acknowledgement from an old term does not count for a leader', () => {
      const r = node('n1', ids(3), { hard: { term: 3 } });
      makeLeader(r);
      expect(r.term).toBe(4);
      r.propose('x');
      drain(r);
      const stale: AppendEntriesResponse = {
        type: 'AppendEntriesResponse',
        group: GROUP,
        from: 'n2',
        to: 'n1',
        term: 3,
        success: true,
        index: 2,
        hintIndex: 0,
        hintTerm: 0,
        round: 0,
      };
      r.step(stale);
      r.step({ ...stale, from: 'n3' });
      drain(r);
      expect(r.prs.get('n2')!.match).toBe(0);
      expect(r.log.committed).toBe(0);
      expect(r.role).toBe('leader');
    });
  });
});

// ─────────────────────────────────── §5.2 ───────────────────────────────────

describe('§5.2 leader election', () => {
  it('§5.2: the leader sends empty AppendEntries heartbeats every heartbeatTicks', () => {
    const heartbeatTicks = 3;
    const r = node('n1', ids(3), { cfg: { heartbeatTicks } });
    makeLeaderWithCommittedNoop(r);
    const sentAt: number[] = [];
    for (let t = 1; t <= 9; t++) {
      r.tick();
      const msgs = drain(r).messages;
      if (msgs.length === 0) continue;
      sentAt.push(t);
      // A heartbeat carries no entries; it is anchored at the follower's match point and carries
      // the commit index up to what that follower is known to hold.
      expect(byTo(msgs)).toEqual(
        ['n2', 'n3'].map((to) => ({
          type: 'AppendEntries',
          group: GROUP,
          from: 'n1',
          to,
          term: 1,
          prevLogIndex: 1,
          prevLogTerm: 1,
          entries: [],
          leaderCommit: 1,
          round: expect.any(Number),
          heartbeat: true,
        })),
      );
    }
    expect(sentAt).toEqual([3, 6, 9]);
    expect(r.role).toBe('leader');
  });

  /** §5.2 with pre-vote: a timeout starts a pre-vote; a won pre-vote starts the real election. */
  function checkElectionOnTimeout(r: Raft, termBefore: number): void {
    const timeout = r.randomizedElectionTimeout;
    expect(timeout).toBeGreaterThanOrEqual(r.cfg.electionTicks);
    for (let t = 1; t < timeout; t++) {
      r.tick();
      expect(drain(r).messages).toEqual([]);
    }
    r.tick();
    // Pre-vote: same term, RequestVote for the prospective term to every other voter.
    expect(r.role).toBe('pre-candidate');
    expect(r.term).toBe(termBefore);
    const preVotes = byTo(drain(r).messages as RequestVote[]);
    expect(preVotes).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'RequestVote',
        group: GROUP,
        from: 'n1',
        to,
        term: termBefore + 1,
        preVote: true,
        lastLogIndex: 0,
        lastLogTerm: 0,
      })),
    );
    // One granted pre-vote makes a majority with our own: increment the term, vote for
    // ourselves, and ask every other server for its vote.
    r.step(voteResponse(r, 'n2', { preVote: true, granted: true, term: termBefore + 1 }));
    expect(r.role).toBe('candidate');
    expect(r.term).toBe(termBefore + 1);
    expect(r.votedFor).toBe('n1');
    expect(byTo(drain(r).messages)).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'RequestVote',
        group: GROUP,
        from: 'n1',
        to,
        term: termBefore + 1,
        preVote: false,
        lastLogIndex: 0,
        lastLogTerm: 0,
      })),
    );
  }

  it('§5.2: a follower that hears nothing for an election timeout starts an election', () => {
    const r = node('n1', ids(3));
    r.step(appendEntries('n2', 'n1', { term: 1 }));
    drain(r);
    expect(r.leader).toBe('n2');
    checkElectionOnTimeout(r, 1);
  });

  it('§5.2: a candidate that does not win in time starts a new election in the next term', () => {
    const r = node('n1', ids(3));
    makeCandidate(r);
    expect(r.term).toBe(1);
    checkElectionOnTimeout(r, 1);
    expect(r.term).toBe(2);
  });

  describe('§5.2: one round of RequestVote: win, lose, or wait', () => {
    // Votes of the other servers (n2, n3, …) in the real election; the pre-vote was won.
    it.each([
      // Win with a majority of votes (our own counts).
      { size: 1, votes: {}, role: 'leader' },
      { size: 3, votes: { n2: true, n3: true }, role: 'leader' },
      { size: 3, votes: { n2: true }, role: 'leader' },
      { size: 5, votes: { n2: true, n3: true, n4: true, n5: true }, role: 'leader' },
      { size: 5, votes: { n2: true, n3: true, n4: true }, role: 'leader' },
      { size: 5, votes: { n2: true, n3: true }, role: 'leader' },
      { size: 5, votes: { n2: false, n3: true, n4: false, n5: true }, role: 'leader' },
      // Back to follower when a majority refused.
      { size: 3, votes: { n2: false, n3: false }, role: 'follower' },
      { size: 5, votes: { n2: false, n3: false, n4: false, n5: false }, role: 'follower' },
      { size: 5, votes: { n2: true, n3: false, n4: false, n5: false }, role: 'follower' },
      // Still waiting while neither is decided.
      { size: 3, votes: {}, role: 'candidate' },
      { size: 3, votes: { n2: false }, role: 'candidate' },
      { size: 5, votes: { n2: true }, role: 'candidate' },
      { size: 5, votes: { n2: false, n3: false }, role: 'candidate' },
      { size: 5, votes: { n2: true, n3: false, n4: false }, role: 'candidate' },
      { size: 5, votes: {}, role: 'candidate' },
    ])('vote: $size servers, votes $votes → $role', (c) => {
      const r = node('n1', ids(c.size));
      if (c.size > 1) makeCandidate(r);
      else r.campaign(false);
      for (const [from, granted] of Object.entries(c.votes)) {
        r.step(voteResponse(r, from, { preVote: false, granted, term: 1 }));
      }
      expect(r.role).toBe(c.role);
      // The election happened in term 1 whatever its outcome.
      expect(r.term).toBe(1);
    });

    it.each([
      { size: 3, votes: { n2: true }, role: 'candidate', term: 1 },
      { size: 5, votes: { n2: true, n3: false, n4: true }, role: 'candidate', term: 1 },
      { size: 3, votes: { n2: false, n3: false }, role: 'follower', term: 0 },
      { size: 5, votes: { n2: true, n3: false, n4: false, n5: false }, role: 'follower', term: 0 },
      { size: 5, votes: { n2: true, n3: false }, role: 'pre-candidate', term: 0 },
      { size: 5, votes: {}, role: 'pre-candidate', term: 0 },
    ])('pre-vote: $size servers, votes $votes → $role in term $term', (c) => {
      const r = node('n1', ids(c.size));
      r.campaign(false);
      for (const [from, granted] of Object.entries(c.votes)) {
        // A granted pre-vote echoes the prospective term; a refusal carries the voter's term.
        r.step(voteResponse(r, from, { preVote: true, granted, term: granted ? 1 : 0 }));
      }
      expect(r.role).toBe(c.role);
      // A lost or pending pre-vote never increments the term (thesis §9.6).
      expect(r.term).toBe(c.term);
    });
  });

  describe('§5.2: each server votes for at most one candidate per term, first come first served', () => {
    it.each([
      { votedFor: null, candidate: 'n2', granted: true },
      { votedFor: null, candidate: 'n3', granted: true },
      { votedFor: 'n2', candidate: 'n2', granted: true },
      { votedFor: 'n3', candidate: 'n3', granted: true },
      { votedFor: 'n2', candidate: 'n3', granted: false },
      { votedFor: 'n3', candidate: 'n2', granted: false },
    ])('voted for $votedFor in term 1, asked by $candidate → $granted', (c) => {
      const r = node('n1', ids(3), { hard: { term: 1, votedFor: c.votedFor } });
      r.step({
        type: 'RequestVote',
        group: GROUP,
        from: c.candidate,
        to: 'n1',
        term: 1,
        preVote: false,
        lastLogIndex: 0,
        lastLogTerm: 0,
      });
      expect(drain(r).messages).toEqual([
        {
          type: 'RequestVoteResponse',
          group: GROUP,
          from: 'n1',
          to: c.candidate,
          term: 1,
          preVote: false,
          granted: c.granted,
          ...(c.granted ? {} : { reject: 'voted' }),
        },
      ]);
      expect(r.votedFor).toBe(c.votedFor ?? c.candidate);
    });

    it('the first request of a term takes the vote; a second candidate of that term is refused', () => {
      const r = node('n1', ids(3));
      const ask = (from: string): RequestVote => ({
        type: 'RequestVote',
        group: GROUP,
        from,
        to: 'n1',
        term: 1,
        preVote: false,
        lastLogIndex: 0,
        lastLogTerm: 0,
      });
      r.step(ask('n2'));
      r.step(ask('n3'));
      r.step(ask('n2'));
      const granted = drain(r).messages.map((m) => [m.to, (m as RequestVoteResponse).granted]);
      expect(granted).toEqual([
        ['n2', true],
        ['n3', false],
        ['n2', true],
      ]);
      // The vote is part of the durable state handed out for persistence.
      expect(r.hardState()).toEqual({ term: 1, votedFor: 'n2', commit: 0 });
    });
  });

  describe('§5.2: a candidate recognizes a leader of its own term or newer and steps down', () => {
    it.each([
      { phase: 'candidate', aeTerm: 1 },
      { phase: 'candidate', aeTerm: 2 },
      { phase: 'pre-candidate', aeTerm: 0 },
      { phase: 'pre-candidate', aeTerm: 1 },
    ])('$phase receiving AppendEntries of term $aeTerm', (c) => {
      const r = node('n1', ids(3));
      if (c.phase === 'candidate') {
        makeCandidate(r);
      } else {
        r.campaign(false);
        drain(r);
      }
      expect(r.role).toBe(c.phase);
      r.step(appendEntries('n2', 'n1', { term: c.aeTerm }));
      expect(r.role).toBe('follower');
      expect(r.term).toBe(c.aeTerm);
      expect(r.leader).toBe('n2');
      // And answers the leader as a follower would.
      const msgs = drain(r).messages;
      expect(msgs).toHaveLength(1);
      expect(msgs[0]).toMatchObject({ type: 'AppendEntriesResponse', to: 'n2', success: true });
    });
  });

  describe('§5.2: election timeouts are randomized', () => {
    const electionTicks = 10;
    const jitter = 10;

    /** Ticks until the node sends something (its pre-vote). */
    function ticksToCampaign(r: Raft): number {
      let t = 0;
      for (;;) {
        r.tick();
        t++;
        if (drain(r).messages.length > 0) return t;
        expect(t).toBeLessThan(1000);
      }
    }

    it('a follower times out after a random delay in [electionTicks, electionTicks + jitter)', () => {
      const r = node('n1', ids(3));
      const seen = new Set<number>();
      for (let round = 1; round <= 500; round++) {
        // Each new term resets the timer with a fresh random timeout.
        r.step(appendEntries('n2', 'n1', { term: round }));
        drain(r);
        seen.add(ticksToCampaign(r));
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(
        Array.from({ length: jitter }, (_, k) => electionTicks + k),
      );
    });

    it('a pre-candidate or candidate re-draws its timeout for each new attempt', () => {
      const r = node('n1', ids(3));
      makeCandidate(r);
      const seen = new Set<number>();
      for (let round = 0; round < 500; round++) seen.add(ticksToCampaign(r));
      expect([...seen].sort((a, b) => a - b)).toEqual(
        Array.from({ length: jitter }, (_, k) => electionTicks + k),
      );
    });

    it('different servers draw different timeouts, so usually only one times out first', () => {
      const size = 5;
      const rs = ids(size).map((id) => node(id, ids(size)));
      // Each server has its own seeded generator: the first timeouts are not all equal.
      expect(new Set(rs.map((r) => r.randomizedElectionTimeout)).size).toBeGreaterThan(1);
      let conflicts = 0;
      const rounds = 1000;
      for (let round = 1; round <= rounds; round++) {
        for (const r of rs) {
          r.step(appendEntries('nX', r.id, { term: round }));
          drain(r);
        }
        let timedOut = 0;
        while (timedOut === 0) {
          for (const r of rs) {
            r.tick();
            if (drain(r).messages.length > 0) timedOut++;
          }
        }
        if (timedOut > 1) conflicts++;
      }
      // With 5 servers and 10 possible delays the chance of a tie is about 23 %.
      expect(conflicts / rounds).toBeLessThanOrEqual(0.3);
    });
  });
});

// ─────────────────────────────────── §5.3 ───────────────────────────────────

describe('§5.3 log replication', () => {
  it('§5.3: the leader appends a proposal, persists it, and sends it with the preceding index and term', () => {
    const r = node('n1', ids(3));
    makeLeaderWithCommittedNoop(r);
    const li = r.log.lastIndex();
    expect(r.propose('some data')).toEqual({ ok: true, index: li + 1, term: 1 });
    expect(r.log.lastIndex()).toBe(li + 1);
    // Not committed before a majority stores it.
    expect(r.log.committed).toBe(li);
    const rd = drain(r);
    const wents = [{ index: li + 1, term: 1, type: 'normal', data: 'some data' }];
    expect(rd.entries).toEqual(wents);
    expect(byTo(rd.messages)).toEqual(
      ['n2', 'n3'].map((to) => ({
        type: 'AppendEntries',
        group: GROUP,
        from: 'n1',
        to,
        term: 1,
        prevLogIndex: li,
        prevLogTerm: 1,
        entries: wents,
        leaderCommit: li,
        // A new leader starts a round of its own for its term.
        round: 1,
      })),
    );
    expect(rd.committed).toEqual([]);
  });

  it('§5.3: once a majority stores the entry it is committed, applied, and its index sent on', () => {
    const r = node('n1', ids(3));
    makeLeaderWithCommittedNoop(r);
    const li = r.log.lastIndex();
    r.propose('some data');
    const sent = drain(r).messages as AppendEntries[];
    for (const m of sent) r.step(accept(m));
    const rd = drain(r);
    expect(r.log.committed).toBe(li + 1);
    expect(rd.committed).toEqual([{ index: li + 1, term: 1, type: 'normal', data: 'some data' }]);
    // The leader includes the new commit index in the AppendEntries that follow.
    const after = byTo(rd.messages);
    expect(after.map((m) => [m.type, m.to, (m as AppendEntries).leaderCommit])).toEqual([
      ['AppendEntries', 'n2', li + 1],
      ['AppendEntries', 'n3', li + 1],
    ]);
  });

  describe('§5.3: an entry is committed once the leader has replicated it on a majority', () => {
    it.each([
      { size: 1, acceptors: [], committed: true },
      { size: 3, acceptors: [], committed: false },
      { size: 3, acceptors: ['n2'], committed: true },
      { size: 3, acceptors: ['n2', 'n3'], committed: true },
      { size: 5, acceptors: [], committed: false },
      { size: 5, acceptors: ['n2'], committed: false },
      { size: 5, acceptors: ['n2', 'n3'], committed: true },
      { size: 5, acceptors: ['n2', 'n3', 'n4'], committed: true },
      { size: 5, acceptors: ['n2', 'n3', 'n4', 'n5'], committed: true },
    ])('$size servers, stored on leader + $acceptors → committed: $committed', (c) => {
      const r = node('n1', ids(c.size));
      makeLeaderWithCommittedNoop(r);
      const li = r.log.lastIndex();
      r.propose('some data');
      for (const m of drain(r).messages as AppendEntries[]) {
        if (c.acceptors.includes(m.to)) r.step(accept(m));
      }
      drain(r);
      expect(r.log.committed > li).toBe(c.committed);
    });

    it('the leader counts its own copy only once it is persisted', () => {
      const r = node('n1', ids(3));
      makeLeaderWithCommittedNoop(r);
      r.propose('x');
      const rd = r.ready();
      // One follower stores it before the leader's own disk write finished: 1 of 3.
      r.step(accept(rd.messages[0] as AppendEntries));
      expect(r.log.committed).toBe(1);
      r.advance();
      expect(r.log.committed).toBe(2);
    });
  });

  it('§5.3: committing an entry commits all preceding entries, including earlier leaders’', () => {
    for (const prior of [[], [2], [1, 2], [1]]) {
      const r = node('n1', ids(3), { hard: { term: 2 }, terms: prior });
      const sent = makeLeader(r).messages;
      expect(r.term).toBe(3);
      r.propose('some data');
      const applied = acceptAll(r, [...sent, ...drain(r).messages]);
      const li = prior.length;
      expect(applied.map((e) => [e.index, e.term, e.type])).toEqual([
        ...prior.map((t, k) => [k + 1, t, 'normal']),
        [li + 1, 3, 'noop'],
        [li + 2, 3, 'normal'],
      ]);
    }
  });

  describe('§5.3: a follower applies what the leader says is committed, in log order', () => {
    it.each([
      { n: 1, commit: 1 },
      { n: 2, commit: 2 },
      { n: 2, commit: 1 },
      // The leader's commit index may be ahead of what this message brings.
      { n: 2, commit: 5 },
    ])('$n new entries, leaderCommit $commit', (c) => {
      const r = node('n1', ids(3));
      const entries = ents(1, Array(c.n).fill(1), 'some data');
      r.step(appendEntries('n2', 'n1', { term: 1, entries, commit: c.commit }));
      const committed = Math.min(c.commit, c.n);
      expect(r.log.committed).toBe(committed);
      expect(drain(r).committed).toEqual(entries.slice(0, committed));
    });
  });

  it('§5.3: a follower commits no further than the entries it knows to match the leader', () => {
    // Indexes 2 and 3 come from an old term and may differ from the leader's entries there:
    // the leader's commit index 3 covers only what this message proved matches (index 1).
    const r = node('n1', ids(3), { hard: { term: 2 }, terms: [1, 2, 2] });
    r.step(appendEntries('n2', 'n1', { term: 3, prev: [1, 1], commit: 3 }));
    expect(r.log.committed).toBe(1);
    r.step(appendEntries('n2', 'n1', { term: 3, prev: [1, 1], entries: ents(2, [3]), commit: 3 }));
    expect(r.log.committed).toBe(2);
    expect(drain(r).committed.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 3],
    ]);
  });

  describe('§5.3: the follower refuses entries whose preceding (index, term) it does not hold', () => {
    // The follower holds terms [1, 2] with index 1 committed; it follows n2 in term 2.
    it.each([
      // Matching: acknowledged with the last index known to match.
      { prev: [0, 0], want: { success: true, index: 1, hintIndex: 0, hintTerm: 0 } },
      { prev: [1, 1], want: { success: true, index: 1, hintIndex: 0, hintTerm: 0 } },
      { prev: [2, 2], want: { success: true, index: 2, hintIndex: 0, hintTerm: 0 } },
      // Same index, other term: refused; the hint points before the conflicting term.
      {
        prev: [2, 1],
        want: { success: false, index: 2, hintIndex: 1, hintTerm: 1, reject: 'log-mismatch' },
      },
      // Beyond our log: refused; the hint is our last entry.
      {
        prev: [3, 3],
        want: { success: false, index: 3, hintIndex: 2, hintTerm: 2, reject: 'log-missing' },
      },
    ])('prev $prev → $want', (c) => {
      const r = node('n1', ids(3), { hard: { term: 2, commit: 1 }, terms: [1, 2] });
      r.step(appendEntries('n2', 'n1', { term: 2, prev: c.prev as [number, number] }));
      expect(drain(r).messages).toEqual([
        {
          type: 'AppendEntriesResponse',
          group: GROUP,
          from: 'n1',
          to: 'n2',
          term: 2,
          round: 0,
          ...c.want,
        },
      ]);
      expect(logTerms(r)).toEqual([1, 2]);
    });
  });

  describe('§5.3: the follower deletes a conflicting entry and all after it, then appends', () => {
    // The follower holds terms [1, 2], nothing committed.
    it.each([
      { prev: [2, 2], add: [3], log: [1, 2, 3], persist: [3] },
      { prev: [1, 1], add: [3, 4], log: [1, 3, 4], persist: [3, 4] },
      // Entries it already holds are not written again.
      { prev: [0, 0], add: [1], log: [1, 2], persist: [] },
      { prev: [0, 0], add: [3], log: [3], persist: [3] },
    ])('prev $prev, entries of terms $add → log $log', (c) => {
      const r = node('n1', ids(3), { hard: { term: 2 }, terms: [1, 2] });
      const [pi, pt] = c.prev;
      r.step(appendEntries('n2', 'n1', { term: 2, prev: [pi, pt], entries: ents(pi + 1, c.add) }));
      expect(logTerms(r)).toEqual(c.log);
      const rd = drain(r);
      // New entries go to stable storage before the acknowledgement is sent.
      expect(rd.entries.map((e) => e.term)).toEqual(c.persist);
      expect(rd.messages).toMatchObject([
        { type: 'AppendEntriesResponse', success: true, index: pi + c.add.length },
      ]);
    });
  });

  describe('§5.3 (Figure 7): the leader brings any follower log into agreement with its own', () => {
    const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    it.each([
      { name: 'a (missing one entry)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6] },
      { name: 'b (missing many)', terms: [1, 1, 1, 4] },
      { name: 'c (one extra uncommitted entry)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
      { name: 'd (extra entries of a later term)', terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
      { name: 'e (extra entries of an earlier term)', terms: [1, 1, 1, 4, 4, 4, 4] },
      { name: 'f (diverged since index 4)', terms: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
    ])('follower $name', (c) => {
      const voters = ['n1', 'n2', 'n3'];
      const lead = node('n1', voters, { hard: { term: 8, commit: 3 }, terms: leaderTerms });
      const follower = node('n2', voters, { hard: { term: 7 }, terms: c.terms });
      // The follower may be more up-to-date than the leader, so the leader needs a third vote.
      const third = node('n3', voters, { hard: { term: 7 } });
      const net = new TestNetwork([lead, follower, third]);
      net.campaign('n1');
      expect(lead.role).toBe('leader');
      expect(lead.term).toBe(9);
      net.propose('n1', 'some data');
      const want = [...leaderTerms, 9, 9];
      expect(logTerms(lead)).toEqual(want);
      expect(logTerms(follower)).toEqual(want);
      expect(follower.log.committed).toBe(want.length);
      expect(net.applied.get('n2')!.map((e) => e.term)).toEqual(want);
    });
  });

  describe('§5.3 fast back-off: a diverged follower converges in about one round trip per term', () => {
    function rejections(net: TestNetwork, to: string, from: string): number {
      return net.delivered.filter(
        (m) => m.type === 'AppendEntriesResponse' && m.from === from && m.to === to && !m.success,
      ).length;
    }

    function runs(terms: [number, number][]): number[] {
      return terms.flatMap(([term, count]) => Array<number>(count).fill(term));
    }

    it.each([
      {
        name: 'empty follower, 300 entries behind',
        leader: runs([
          [1, 100],
          [2, 100],
          [4, 100],
        ]),
        follower: [] as number[],
        maxRejections: 1,
      },
      {
        name: 'follower holding a prefix, 200 entries behind',
        leader: runs([
          [1, 100],
          [2, 100],
          [4, 100],
        ]),
        follower: runs([[1, 100]]),
        maxRejections: 1,
      },
      {
        name: 'follower with 300 entries of a term the leader never saw',
        leader: runs([
          [1, 5],
          [2, 100],
          [4, 100],
        ]),
        follower: runs([
          [1, 5],
          [3, 300],
        ]),
        maxRejections: 2,
      },
      {
        name: 'follower diverged over several terms',
        leader: runs([
          [1, 5],
          [2, 50],
          [5, 50],
          [6, 50],
        ]),
        follower: runs([
          [1, 5],
          [2, 20],
          [3, 80],
          [4, 80],
        ]),
        maxRejections: 3,
      },
    ])('$name', (c) => {
      const voters = ['n1', 'n2', 'n3'];
      const leaderTerm = c.leader[c.leader.length - 1];
      const lead = node('n1', voters, { hard: { term: leaderTerm }, terms: c.leader });
      const lagging = node('n2', voters, { hard: { term: leaderTerm }, terms: c.follower });
      // An up-to-date third server gives the leader its majority.
      const peer = node('n3', voters, { hard: { term: leaderTerm }, terms: c.leader });
      const net = new TestNetwork([lead, lagging, peer]);
      net.campaign('n1');
      expect(lead.role).toBe('leader');
      expect(logTerms(lagging)).toEqual(logTerms(lead));
      const n = rejections(net, 'n1', 'n2');
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(c.maxRejections);
    });
  });
});

// ─────────────────────────────────── §5.4 ───────────────────────────────────

describe('§5.4 safety', () => {
  describe('§5.4.1: RequestVote carries the index and term of the candidate’s last entry', () => {
    it.each([
      { terms: [1], wterm: 2 },
      { terms: [1, 2], wterm: 3 },
      { terms: [1, 1, 3, 3], wterm: 4 },
    ])('log of terms $terms', (c) => {
      const r = node('n1', ids(3));
      r.step(appendEntries('n2', 'n1', { term: c.wterm - 1, entries: ents(1, c.terms) }));
      drain(r);
      for (let t = 0; t < r.cfg.electionTicks + r.cfg.electionJitterTicks; t++) {
        r.tick();
        if (r.role !== 'follower') break;
      }
      const fields = (m: Message) => {
        const v = m as RequestVote;
        return [v.type, v.to, v.term, v.preVote, v.lastLogIndex, v.lastLogTerm];
      };
      const last = c.terms.length;
      const lastTerm = c.terms[last - 1];
      expect(byTo(drain(r).messages).map(fields)).toEqual([
        ['RequestVote', 'n2', c.wterm, true, last, lastTerm],
        ['RequestVote', 'n3', c.wterm, true, last, lastTerm],
      ]);
      r.step(voteResponse(r, 'n2', { preVote: true, granted: true, term: c.wterm }));
      expect(byTo(drain(r).messages).map(fields)).toEqual([
        ['RequestVote', 'n2', c.wterm, false, last, lastTerm],
        ['RequestVote', 'n3', c.wterm, false, last, lastTerm],
      ]);
    });
  });

  describe('§5.4.1: a voter denies its vote to a candidate whose log is less up-to-date', () => {
    it.each([
      // Same last term: the longer log is more up-to-date.
      { voter: [1], lastTerm: 1, lastIndex: 1, granted: true },
      { voter: [1], lastTerm: 1, lastIndex: 2, granted: true },
      { voter: [1, 1], lastTerm: 1, lastIndex: 1, granted: false },
      // The candidate's last term is higher: granted whatever the lengths.
      { voter: [1], lastTerm: 2, lastIndex: 1, granted: true },
      { voter: [1], lastTerm: 2, lastIndex: 2, granted: true },
      { voter: [1, 1], lastTerm: 2, lastIndex: 1, granted: true },
      // The voter's last term is higher: denied whatever the lengths.
      { voter: [2], lastTerm: 1, lastIndex: 1, granted: false },
      { voter: [2], lastTerm: 1, lastIndex: 2, granted: false },
      { voter: [2, 2], lastTerm: 1, lastIndex: 1, granted: false },
      { voter: [1, 1], lastTerm: 1, lastIndex: 1, granted: false },
      { voter: [1, 2], lastTerm: 1, lastIndex: 5, granted: false },
    ])('voter $voter, candidate last entry ($lastIndex, term $lastTerm) → $granted', (c) => {
      for (const preVote of [false, true]) {
        const r = node('n1', ['n1', 'n2'], { terms: c.voter, hard: { term: 2 } });
        r.step({
          type: 'RequestVote',
          group: GROUP,
          from: 'n2',
          to: 'n1',
          term: 3,
          preVote,
          lastLogIndex: c.lastIndex,
          lastLogTerm: c.lastTerm,
        });
        const msgs = drain(r).messages as RequestVoteResponse[];
        expect(msgs).toHaveLength(1);
        expect(msgs[0]).toMatchObject({
          type: 'RequestVoteResponse',
          to: 'n2',
          preVote,
          granted: c.granted,
        });
        expect(r.votedFor).toBe(c.granted && !preVote ? 'n2' : null);
      }
    });
  });

  describe('§5.4.2: only entries of the leader’s current term are committed by counting replicas', () => {
    // The leader holds terms [1, 2] from earlier leaders, is elected in term 3 (its no-op is
    // index 3) and appends a proposal at index 4. The other server acknowledges up to `acked`.
    it.each([
      { acked: 1, committed: 0 },
      { acked: 2, committed: 0 },
      { acked: 3, committed: 3 },
      { acked: 4, committed: 4 },
    ])('acknowledged up to $acked → committed $committed', (c) => {
      const r = node('n1', ['n1', 'n2'], { hard: { term: 2 }, terms: [1, 2] });
      makeLeader(r);
      expect(r.term).toBe(3);
      r.propose('some data');
      drain(r);
      r.step({
        type: 'AppendEntriesResponse',
        group: GROUP,
        from: 'n2',
        to: 'n1',
        term: 3,
        success: true,
        index: c.acked,
        hintIndex: 0,
        hintTerm: 0,
        round: 0,
      });
      drain(r);
      // Both servers store index 1 and 2 in every row: a majority of 2. Counting them alone
      // would commit them; only an entry of term 3 may carry them along.
      expect(r.prs.get('n2')!.match).toBe(c.acked);
      expect(r.log.committed).toBe(c.committed);
    });
  });
});
