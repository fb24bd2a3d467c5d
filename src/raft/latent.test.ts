// Latent bugs of the core (issue 8, item 6), each pinned by a test that failed before its fix:
// (a) a late duplicate AppendEntries rolled a follower's configuration back; (b) learners
// answered vote requests as voters; (c) a leader removed by a configuration change stepped
// down without TimeoutNow, leaving the group leaderless for an election timeout.
import { describe, expect, it } from 'vitest';
import { newRaft, TestNetwork } from './testNetwork.ts';
import type { AppendEntries, ConfChange, CoreEvent, Entry, Message, RequestVote } from './types.ts';

const ids3 = ['a', 'b', 'c'];

function confEntry(index: number, term: number, learners: string[]): Entry {
  const cc: ConfChange = { phase: 'simple', conf: { voters: ids3, outgoing: [], learners } };
  return { index, term, type: 'conf', data: cc };
}

function append(prev: [number, number], entries: Entry[], commit = 0): AppendEntries {
  return {
    type: 'AppendEntries',
    group: 'g',
    from: 'a',
    to: 'b',
    term: 1,
    prevLogIndex: prev[0],
    prevLogTerm: prev[1],
    entries,
    leaderCommit: commit,
    round: 1,
  };
}

describe('(a) the configuration is the latest conf entry of the whole log', () => {
  it('a late duplicate AppendEntries does not roll the configuration back', () => {
    const b = newRaft('b', ids3);
    const first = append([0, 0], [{ index: 1, term: 1, type: 'noop' }, confEntry(2, 1, ['l1'])]);
    b.step(first);
    b.step(append([2, 1], [confEntry(3, 1, ['l1', 'l2'])]));
    expect(b.conf.learners).toEqual(['l1', 'l2']);
    expect(b.confIndex).toBe(3);
    const eventsBefore = b.ready().events.filter((e) => e.type === 'conf-change');
    b.advance();
    expect(eventsBefore).toHaveLength(2);
    // The network delivers the first message again, late. Its entries are already in the log,
    // followed by a newer conf entry: nothing about the configuration may change.
    b.step(first);
    expect(b.conf.learners).toEqual(['l1', 'l2']);
    expect(b.confIndex).toBe(3);
    expect(b.log.lastIndex()).toBe(3);
    expect(b.ready().events.filter((e) => e.type === 'conf-change')).toEqual([]);
    b.advance();
  });

  it('a conflicting AppendEntries that replaces the last conf entry falls back to the one before', () => {
    const b = newRaft('b', ids3);
    b.step(append([0, 0], [confEntry(1, 1, ['l1']), confEntry(2, 1, ['l1', 'l2'])]));
    expect(b.conf.learners).toEqual(['l1', 'l2']);
    // A leader of term 2 replaces index 2 by a normal entry: the conf entry at 1 rules again.
    b.step({ ...append([1, 1], [{ index: 2, term: 2, type: 'normal', data: 'x' }]), term: 2 });
    expect(b.conf.learners).toEqual(['l1']);
    expect(b.confIndex).toBe(1);
  });
});

describe('(b) learners do not vote', () => {
  const conf = { voters: ids3, outgoing: [], learners: ['l'] };
  const request = (preVote: boolean): RequestVote => ({
    type: 'RequestVote',
    group: 'g',
    from: 'b',
    to: 'l',
    term: 2,
    preVote,
    lastLogIndex: 5,
    lastLogTerm: 1,
  });

  for (const preVote of [false, true]) {
    it(`a learner refuses a ${preVote ? 'pre-vote' : 'vote'} and keeps its term`, () => {
      const l = newRaft('l', ids3, {
        boot: { conf, hardState: { term: 1, votedFor: null, commit: 0 } },
      });
      l.step(request(preVote));
      const rd = l.ready();
      l.advance();
      const answers = rd.messages.filter((m) => m.type === 'RequestVoteResponse');
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ granted: false, term: 1 });
      expect(l.term).toBe(1);
      expect(l.votedFor).toBeNull();
      const votes = rd.events.filter(
        (e): e is Extract<CoreEvent, { type: 'vote' }> => e.type === 'vote',
      );
      expect(votes.map((v) => v.granted)).toEqual([false]);
    });
  }

  it('a candidate whose stale configuration counts the learner as a voter cannot win by it', () => {
    // b still has the configuration where l was a voter; l has since become a learner.
    const net = TestNetwork.of([...ids3, 'l']);
    const l = net.get('l');
    l.conf = { voters: ids3, outgoing: [], learners: ['l'] };
    net.isolate('a');
    net.isolate('c');
    net.campaign('b'); // b + l would be 2 of 4 in b's view: not enough anyway, but l refuses
    const granted = net.delivered.filter(
      (m: Message) => m.type === 'RequestVoteResponse' && m.from === 'l' && m.granted,
    );
    expect(granted).toEqual([]);
  });
});

describe('(c) a leader removed by a configuration change hands over with TimeoutNow', () => {
  it('sends TimeoutNow to the most up-to-date voter of the new configuration', () => {
    const ids5 = ['a', 'b', 'c', 'd', 'e'];
    const net = TestNetwork.of(ids5);
    net.campaign('a');
    const a = net.get('a');
    expect(a.role).toBe('leader');
    net.propose('a', 'x');
    // e stops hearing from a: it lags while the others (b, c, d) keep up.
    net.cutLink('a', 'e');
    net.propose('a', 'y');
    const termBefore = a.term;
    expect(a.changePeers({ voters: ['b', 'c', 'd', 'e'], learners: [] }).ok).toBe(true);
    net.send();
    expect(a.role).toBe('follower');
    const handover = net.delivered.filter((m) => m.type === 'TimeoutNow');
    expect(handover).toHaveLength(1);
    expect(handover[0].from).toBe('a');
    expect(['b', 'c', 'd']).toContain(handover[0].to);
    // Without waiting for any election timeout, the target wins the next term.
    const leaders = ['b', 'c', 'd', 'e'].filter((id) => net.get(id).role === 'leader');
    expect(leaders).toEqual([handover[0].to]);
    expect(net.get(handover[0].to).term).toBe(termBefore + 1);
    // The removed node learned the commit of C(new) before it stepped down.
    expect(a.log.committed).toBe(a.confIndex);
  });

  it('the removed leader sends nothing but TimeoutNow once its removal commits', () => {
    const net = TestNetwork.of(ids3);
    net.campaign('a');
    const a = net.get('a');
    net.propose('a', 'x');
    expect(a.changePeers({ voters: ['b', 'c'], learners: [] }).ok).toBe(true);
    net.send();
    expect(a.role).toBe('follower');
    expect(a.log.committed).toBe(a.confIndex);
    // Once a knows C(new) committed it is no leader: no AppendEntries of its old term (a late
    // one would reach the new leader and only drag a into the new term), just the handover.
    const fromA = net.delivered.filter((m) => m.from === 'a');
    const afterRemoval = fromA.filter(
      (m) =>
        m.type === 'TimeoutNow' || (m.type === 'AppendEntries' && m.leaderCommit >= a.confIndex),
    );
    expect(afterRemoval.map((m) => m.type)).toEqual(['TimeoutNow']);
    expect(a.term).toBe(1);
    expect(['b', 'c'].filter((id) => net.get(id).role === 'leader')).toHaveLength(1);
  });
});
