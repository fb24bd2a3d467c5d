// Tests of the core beyond the paper's §5: ReadIndex (thesis §6.4), leadership transfer
// (thesis §3.10), learners and joint-consensus membership (§6), snapshots and log compaction
// (§7), the state-machine error state, and pre-vote against a disruptive follower (thesis §9.6).
import { describe, expect, it } from 'vitest';
import type { Raft } from './raft.ts';
import { newRaft, TestNetwork } from './testNetwork.ts';
import type { Message, ReadState } from './types.ts';

const ids3 = ['a', 'b', 'c'];

function elect(net: TestNetwork, id: string): Raft {
  net.campaign(id);
  const r = net.get(id);
  expect(r.role).toBe('leader');
  return r;
}

/** Run a read and collect ReadStates that come out of every node's Ready. */
function readStatesOf(net: TestNetwork, id: string): ReadState[] {
  return net.readStates.get(id) ?? [];
}

describe('ReadIndex (thesis §6.4)', () => {
  it('leader: read index equals the commit index at request time, after a heartbeat round', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.propose('a', 'x');
    const committed = a.log.committed;
    expect(committed).toBe(2);
    a.readIndex('r1');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([{ ctx: 'r1', index: committed }]);
  });

  it('leader in safe mode does not answer without a majority acknowledging its heartbeat', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.isolate('a');
    a.readIndex('r1');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([]);
    net.heal();
    net.tickAll(1); // the next heartbeat round confirms leadership
    expect(readStatesOf(net, 'a')).toEqual([{ ctx: 'r1', index: a.log.committed }]);
  });

  it('follower: asks the leader and gets the leader commit index at request time', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.propose('a', 'x');
    net.propose('a', 'y');
    net.get('c').readIndex('f1');
    net.send();
    expect(readStatesOf(net, 'c')).toEqual([{ ctx: 'f1', index: a.log.committed }]);
  });

  it('a fresh leader refuses until it has committed an entry of its term', () => {
    const net = TestNetwork.of(ids3);
    // Drop append responses so the new leader's no-op cannot commit.
    net.filter = (m: Message) => m.type === 'AppendEntriesResponse';
    const a = elect(net, 'a');
    expect(a.log.term(a.log.committed)).not.toBe(a.term);
    a.readIndex('early');
    net.send();
    const rs = readStatesOf(net, 'a');
    expect(rs).toHaveLength(1);
    expect(rs[0].index).toBe(-1);
    expect(rs[0].error).toMatch(/not committed/);
  });

  it('a follower with no leader refuses at once', () => {
    const net = TestNetwork.of(ids3);
    net.get('b').readIndex('x');
    net.send();
    expect(readStatesOf(net, 'b')[0].index).toBe(-1);
  });

  it('lease mode answers from the lease without a new heartbeat round', () => {
    const net = TestNetwork.of(ids3, { readOnly: 'lease' });
    const a = elect(net, 'a');
    net.propose('a', 'x');
    net.tickAll(1); // heartbeats acknowledged: lease is fresh
    net.isolate('a');
    a.readIndex('l1');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([{ ctx: 'l1', index: a.log.committed }]);
  });

  it('lease mode falls back to a heartbeat round when the lease expired', () => {
    const net = TestNetwork.of(ids3, { readOnly: 'lease', electionTicks: 10 });
    const a = elect(net, 'a');
    net.propose('a', 'x');
    net.isolate('a');
    for (let i = 0; i < 9; i++) a.tick(); // lease is 90 % of 10 ticks
    net.send();
    a.readIndex('l2');
    net.send();
    expect(readStatesOf(net, 'a')).toEqual([]);
  });
});

describe('leadership transfer (thesis §3.10)', () => {
  it('to an up-to-date follower: it wins the next term without pre-vote', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.propose('a', 'x');
    const term = a.term;
    a.transferLeader('b');
    net.send();
    expect(net.get('b').role).toBe('leader');
    expect(net.get('b').term).toBe(term + 1);
    expect(a.role).toBe('follower');
    const outcomes = net.coreEvents
      .get('a')!
      .filter((e) => e.type === 'transfer')
      .map((e) => (e as { outcome: string }).outcome);
    expect(outcomes).toEqual(['start', 'done']);
    const timeoutNows = net.delivered.filter((m) => m.type === 'TimeoutNow');
    expect(timeoutNows.map((m) => m.to)).toEqual(['b']);
    const preVotes = net.delivered.filter(
      (m) => m.type === 'RequestVote' && m.from === 'b' && m.preVote,
    );
    expect(preVotes).toEqual([]);
  });

  it('to a slow follower: the leader catches it up first, refusing proposals meanwhile', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.propose('a', `v${i}`);
    expect(net.get('c').log.lastIndex()).toBeLessThan(a.log.lastIndex());
    a.transferLeader('c');
    net.send();
    expect(a.propose('busy')).toEqual({ ok: false, error: expect.stringMatching(/transfer/) });
    net.heal();
    net.tickAll(1);
    expect(net.get('c').role).toBe('leader');
    expect(net.get('c').log.lastIndex()).toBeGreaterThanOrEqual(7);
  });

  it('to an isolated node: abandoned after an election timeout, the old leader carries on', () => {
    const net = TestNetwork.of(ids3, { electionTicks: 10 });
    const a = elect(net, 'a');
    net.isolate('c');
    a.transferLeader('c');
    expect(a.propose('x').ok).toBe(false);
    for (let i = 0; i < 10; i++) {
      a.tick();
      net.send();
    }
    expect(a.leadTransferee).toBeNull();
    expect(a.role).toBe('leader');
    expect(a.propose('after').ok).toBe(true);
  });

  it.each(['textbook', 'nacos'] as const)(
    'to itself or to a non-member does nothing (%s)',
    (fidelity) => {
      const net = TestNetwork.of(ids3, { fidelity });
      const a = elect(net, 'a');
      // SOFAJRaft answers a transfer to itself with Status.OK and does nothing
      // (NodeImpl#transferLeadershipTo); etcd ignores it.
      expect(a.transferLeader('a').ok).toBe(fidelity === 'nacos');
      expect(a.transferLeadershipTo('zz')).toEqual({
        ok: false,
        error: 'Not in current configuration',
      });
      expect(a.leadTransferee).toBeNull();
      expect(a.propose('x').ok).toBe(true);
    },
  );
});

describe('a refused transfer is traced with its reason', () => {
  it('by a follower, and by a leader asked for a non-member (nacos)', () => {
    const net = TestNetwork.of(ids3, { fidelity: 'nacos' });
    const a = elect(net, 'a');
    const b = net.get('b');
    expect(b.transferLeader('c')).toEqual({ ok: false, error: 'Not a leader' });
    expect(a.transferLeader('zz')).toEqual({ ok: false, error: 'Not in current configuration' });
    net.send();
    const refusals = (id: string) =>
      net.coreEvents.get(id)!.filter((e) => e.type === 'transfer' && e.outcome === 'refused');
    expect(refusals('b')).toEqual([
      { type: 'transfer', target: 'c', outcome: 'refused', reason: 'Not a leader' },
    ]);
    expect(refusals('a')).toEqual([
      {
        type: 'transfer',
        target: 'zz',
        outcome: 'refused',
        reason: 'Not in current configuration',
      },
    ]);
    // A transfer that starts is not a refusal.
    expect(a.transferLeader('b').ok).toBe(true);
    net.send();
    expect(refusals('a')).toHaveLength(1);
  });
});

describe('learners and membership (§6)', () => {
  it('a learner replicates and applies but never campaigns, and can be promoted', () => {
    const voters = ['a', 'b', 'c'];
    const conf = { voters, outgoing: [], learners: ['l'] };
    const rafts = [...voters, 'l'].map((id) => newRaft(id, voters, { boot: { conf } }));
    const net = new TestNetwork(rafts);
    elect(net, 'a');
    net.propose('a', 'x');
    // The commit index reaches followers and learners with the next heartbeat (SOFAJRaft sends
    // no AppendEntries just to announce a commit).
    net.tickAll(3);
    const l = net.get('l');
    expect(l.log.committed).toBe(2);
    expect(net.applied.get('l')!.map((e) => e.index)).toEqual([1, 2]);
    // Cut the learner off: it must never start an election.
    net.isolate('l');
    for (let i = 0; i < 100; i++) {
      l.tick();
      net.send();
    }
    expect(l.role).toBe('follower');
    expect(net.delivered.some((m) => m.type === 'RequestVote' && m.from === 'l')).toBe(false);
    net.heal();
    // Promote it: a joint change, then the stable configuration.
    expect(net.get('a').changePeers({ voters: ['a', 'b', 'c', 'l'], learners: [] }).ok).toBe(true);
    net.tickAll(3);
    expect(net.get('a').conf).toEqual({ voters: ['a', 'b', 'c', 'l'], outgoing: [], learners: [] });
    expect(l.promotable()).toBe(true);
  });

  it('a learner never counts toward a vote', () => {
    const voters = ['a', 'b', 'c'];
    const conf = { voters, outgoing: [], learners: ['l'] };
    const rafts = [...voters, 'l'].map((id) => newRaft(id, voters, { boot: { conf } }));
    const net = new TestNetwork(rafts);
    net.isolate('b');
    net.isolate('c');
    net.campaign('a'); // a + learner l are not a majority of {a,b,c}
    expect(net.get('a').role).not.toBe('leader');
  });

  it('adding a peer: catch-up, then joint, then stable; the new node gets the whole log', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    for (let i = 0; i < 3; i++) net.propose('a', `v${i}`);
    const d = newRaft('d', ids3); // joins knowing the current members
    net.nodes.set('d', d);
    net.applied.set('d', []);
    expect(a.changePeers({ voters: [...ids3, 'd'], learners: [] }).ok).toBe(true);
    // One change at a time.
    expect(a.changePeers({ voters: ids3, learners: [] })).toEqual({
      ok: false,
      error: expect.stringMatching(/already in progress/),
    });
    net.send();
    net.tickAll(3);
    const phases = net.coreEvents
      .get('a')!
      .filter((e) => e.type === 'conf-change')
      .map((e) => (e as { phase: string }).phase);
    // Under 'nacos' the leader's first entry restated the configuration ('leader', then its
    // commit 'done') before the change began.
    expect(phases).toEqual(['leader', 'done', 'catching-up', 'joint', 'stable', 'done']);
    expect(a.conf.voters).toEqual(['a', 'b', 'c', 'd']);
    expect(d.log.lastIndex()).toBe(a.log.lastIndex());
    expect(d.promotable()).toBe(true);
  });

  it('joint quorum: during C(old,new) a majority of each configuration is needed', () => {
    const net = TestNetwork.of(['a', 'b', 'c']);
    const a = elect(net, 'a');
    // Replace b, c by d, e: joint {a,d,e} + {a,b,c}.
    for (const id of ['d', 'e']) {
      net.nodes.set(id, newRaft(id, ids3));
      net.applied.set(id, []);
    }
    a.changePeers({ voters: ['a', 'd', 'e'], learners: [] });
    net.send();
    net.tickAll(3);
    expect(a.conf).toEqual({ voters: ['a', 'd', 'e'], outgoing: [], learners: [] });
    // Now only {a,d,e} matter: b and c down does not stop commits.
    net.isolate('b');
    net.isolate('c');
    const before = a.log.committed;
    net.propose('a', 'z');
    expect(a.log.committed).toBe(before + 1);
  });

  it('joint quorum blocks commit without a majority of the old configuration', () => {
    const net = TestNetwork.of(['a', 'b', 'c']);
    const a = elect(net, 'a');
    for (const id of ['d', 'e']) {
      net.nodes.set(id, newRaft(id, ids3));
      net.applied.set(id, []);
    }
    // Let d and e catch up, then cut b and c before the joint entry can commit.
    a.changePeers({ voters: ['a', 'd', 'e'], learners: [] });
    net.filter = (m) => m.type === 'AppendEntries' && (m.to === 'b' || m.to === 'c');
    net.send();
    expect(a.conf.outgoing).toEqual(['a', 'b', 'c']);
    const jointIndex = a.confIndex;
    expect(a.log.committed).toBeLessThan(jointIndex);
  });

  it('removing the leader: it steps down once C(new) commits, the rest elect a new one', () => {
    const net = TestNetwork.of(['a', 'b', 'c']);
    const a = elect(net, 'a');
    a.changePeers({ voters: ['b', 'c'], learners: [] });
    net.send();
    net.tickAll(2);
    expect(a.role).toBe('follower');
    expect(a.promotable()).toBe(false);
    for (let i = 0; i < 40 && ![net.get('b'), net.get('c')].some((r) => r.role === 'leader'); i++) {
      net.tickAll(1);
    }
    const leaders = ['b', 'c'].filter((id) => net.get(id).role === 'leader');
    expect(leaders).toHaveLength(1);
  });

  it('removing a follower during a partition of another follower still commits (2 of 3 old, 2 of 2 new)', () => {
    const net = TestNetwork.of(['a', 'b', 'c']);
    const a = elect(net, 'a');
    net.isolate('c');
    a.changePeers({ voters: ['a', 'b'], learners: [] });
    net.send();
    net.tickAll(2);
    expect(a.conf).toEqual({ voters: ['a', 'b'], outgoing: [], learners: [] });
    expect(a.role).toBe('leader');
  });
});

describe('snapshots and compaction (§7)', () => {
  it('a follower partitioned through compaction gets InstallSnapshot, then normal replication', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.isolate('c');
    for (let i = 0; i < 10; i++) net.propose('a', `v${i}`);
    const snapIndex = a.log.applied;
    a.compact({
      meta: { index: snapIndex, term: a.log.term(snapIndex)!, conf: a.confAt(snapIndex) },
      data: { upTo: snapIndex },
    });
    expect(a.log.firstIndex()).toBe(snapIndex + 1);
    net.heal();
    net.tickAll(2);
    const c = net.get('c');
    expect(net.delivered.some((m) => m.type === 'InstallSnapshot' && m.to === 'c')).toBe(true);
    expect(net.snapshots.get('c')).toEqual([{ upTo: snapIndex }]);
    expect(c.log.snapshotIndex).toBe(snapIndex);
    net.propose('a', 'after');
    net.tickAll(1); // the next heartbeat carries the commit index
    expect(c.log.lastIndex()).toBe(a.log.lastIndex());
    expect(c.log.committed).toBe(a.log.committed);
  });

  it('an installed snapshot older than a kept conf entry does not roll the configuration back', () => {
    // Seed 611 of the random simulator: joint C(old,new) at 2, C(new) at 4, then a snapshot at 3
    // (whose configuration is still the joint one) arrives while entry 4 is kept.
    const old = { voters: ['a', 'b', 'c'], outgoing: [], learners: [] };
    const joint = { voters: ['a', 'b'], outgoing: ['a', 'b', 'c'], learners: [] };
    const stable = { voters: ['a', 'b'], outgoing: [], learners: [] };
    const entries = [
      { index: 1, term: 1, type: 'noop' as const },
      { index: 2, term: 1, type: 'conf' as const, data: { phase: 'joint', conf: joint } },
      { index: 3, term: 1, type: 'normal' as const, data: 'x' },
      { index: 4, term: 1, type: 'conf' as const, data: { phase: 'stable', conf: stable } },
    ];
    const b = newRaft('b', ['a', 'b', 'c'], {
      boot: { hardState: { term: 1, votedFor: 'a', commit: 2 }, entries, conf: old },
    });
    expect(b.conf).toEqual(stable);
    b.step({
      type: 'InstallSnapshot',
      group: 'g',
      from: 'a',
      to: 'b',
      term: 1,
      meta: { index: 3, term: 1, conf: joint },
      chunk: 0,
      chunks: 1,
      data: {},
      round: 1,
    });
    expect(b.log.snapshotIndex).toBe(3);
    expect(b.log.lastIndex()).toBe(4);
    expect(b.conf).toEqual(stable);
    expect(b.confIndex).toBe(4);
  });

  it('restart from snapshot plus the remaining log', () => {
    const entries = [
      { index: 6, term: 2, type: 'normal' as const, data: 'x' },
      { index: 7, term: 2, type: 'normal' as const, data: 'y' },
    ];
    const r = newRaft('a', ids3, {
      boot: {
        hardState: { term: 2, votedFor: 'a', commit: 7 },
        entries,
        snapshot: {
          meta: { index: 5, term: 1, conf: { voters: ids3, outgoing: [], learners: [] } },
          data: {},
        },
      },
    });
    expect(r.log.firstIndex()).toBe(6);
    expect(r.log.lastIndex()).toBe(7);
    expect(r.log.applied).toBe(5);
    const rd = r.ready();
    expect(rd.committed.map((e) => e.index)).toEqual([6, 7]);
  });
});

describe('state-machine error', () => {
  it('a leader in error steps down, hands off by TimeoutNow, refuses messages and never campaigns', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    net.propose('a', 'x');
    a.setError('boom');
    net.send();
    expect(a.role).toBe('follower');
    expect(net.delivered.some((m) => m.type === 'TimeoutNow' && m.from === 'a')).toBe(true);
    const newLeader = ['b', 'c'].find((id) => net.get(id).role === 'leader');
    expect(newLeader).toBeDefined();
    // NodeImpl#executeApplyingTasks: a node in STATE_ERROR is not leader.
    expect(a.propose('y')).toEqual({ ok: false, error: 'Is not leader.' });
    const termBefore = a.term;
    net.tickAll(50);
    expect(a.term).toBe(termBefore); // refuses Raft messages: never learns the new term
    expect(a.role).toBe('follower');
    a.readIndex('q');
    net.send();
    expect(readStatesOf(net, 'a')[0].error).toBe('Invalid state for readIndex: STATE_ERROR.');
  });
});

describe('pre-vote (thesis §9.6)', () => {
  it('a disruptive follower that was partitioned does not depose a healthy leader', () => {
    const net = TestNetwork.of(ids3);
    const a = elect(net, 'a');
    const term = a.term;
    net.isolate('c');
    for (let i = 0; i < 100; i++) {
      net.get('c').tick();
      a.tick();
      net.get('b').tick();
      net.send();
    }
    expect(net.get('c').term).toBe(term); // pre-vote never wins, the term never grows
    net.heal();
    net.tickAll(5);
    expect(a.role).toBe('leader');
    expect(a.term).toBe(term);
  });

  it('a voter that heard from a live leader refuses a pre-vote', () => {
    const net = TestNetwork.of(ids3);
    elect(net, 'a');
    const b = net.get('b');
    b.step({
      type: 'RequestVote',
      group: 'g',
      from: 'c',
      to: 'b',
      term: b.term + 1,
      preVote: true,
      lastLogIndex: 100,
      lastLogTerm: 100,
    });
    net.send();
    const resp = net.delivered.filter((m) => m.type === 'RequestVoteResponse' && m.from === 'b');
    expect(resp.at(-1)).toMatchObject({ granted: false, preVote: true });
  });
});
