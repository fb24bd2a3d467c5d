// Unit tests of the sans-IO node against hostile input and its persistence contract: a message
// that is well-formed JSON but nonsense must never crash the host; a commit-only change of the
// hard state is not worth a transaction of its own (JRaft does not persist the commit index).
import { describe, expect, it } from 'vitest';
import { LESSON_TIMING, RaftNode } from './node.ts';
import type { Effect } from './types.ts';

function freshNode(): RaftNode {
  const n = new RaftNode(
    {
      id: 'n1',
      members: ['n1', 'n2', 'n3'],
      groups: ['nacos_config'],
      timing: LESSON_TIMING,
      seed: 1,
    },
    null,
  );
  // The first transaction records the node's boot number; let it complete.
  settle(n, n.start());
  return n;
}

/** Acknowledge every persist effect at once, as an instant disk would, until none is left. */
function settle(n: RaftNode, effects: Effect[]): Effect[] {
  const all = [...effects];
  let pending = effects.filter((e) => e.type === 'persist');
  while (pending.length > 0) {
    const more: Effect[] = [];
    for (const p of pending) if (p.type === 'persist') more.push(...n.persisted(p.token));
    all.push(...more);
    pending = more.filter((e) => e.type === 'persist');
  }
  return all;
}

describe('RaftNode against malformed input', () => {
  it('an InstallSnapshot whose data the state machine cannot load puts the group in ERROR', () => {
    const n = freshNode();
    const effects = n.receive({
      type: 'InstallSnapshot',
      group: 'nacos_config',
      from: 'n2',
      to: 'n1',
      term: 10,
      meta: { index: 7, term: 3, conf: { voters: ['n1', 'n2', 'n3'], outgoing: [], learners: [] } },
      chunk: 0,
      chunks: 1,
      data: null,
      round: 5,
    });
    expect(() => settle(n, effects)).not.toThrow();
    const st = n.status('nacos_config');
    expect(st.errored).toBe(true);
    expect(st.errMsg).toBe('StateMachine onSnapshotLoad failed'); // SOFAJRaft FSMCallerImpl#doSnapshotLoad
  });

  it('an AppendEntries whose entries do not follow prevLogIndex is dropped and reported', () => {
    const n = freshNode();
    const effects = settle(
      n,
      n.receive({
        type: 'AppendEntries',
        group: 'nacos_config',
        from: 'n2',
        to: 'n1',
        term: 9,
        prevLogIndex: 0,
        prevLogTerm: 0,
        leaderCommit: 0,
        round: 8,
        entries: [{ index: 4, term: 9, type: 'normal' }],
      }),
    );
    expect(n.status('nacos_config').lastIndex).toBe(0);
    const malformed = effects.filter((e) => e.type === 'trace' && e.event.type === 'malformed');
    expect(malformed).toMatchObject([{ event: { type: 'malformed', from: 'n2' } }]);
    // Nothing was acknowledged.
    const acks = effects.filter(
      (e) => e.type === 'send' && e.msg.type === 'AppendEntriesResponse' && e.msg.success,
    );
    expect(acks).toEqual([]);
  });

  it('a commit-only change of the hard state needs no transaction; it rides with the next one', () => {
    const n = freshNode();
    // Become a follower of n2 at term 2 with two entries (one transaction: term + entries).
    const entries = [
      { index: 1, term: 2, type: 'noop' as const },
      { index: 2, term: 2, type: 'normal' as const, data: null },
    ];
    const append = (leaderCommit: number, ents = entries, prev = 0) =>
      n.receive({
        type: 'AppendEntries',
        group: 'nacos_config',
        from: 'n2',
        to: 'n1',
        term: 2,
        prevLogIndex: prev,
        prevLogTerm: prev === 0 ? 0 : 2,
        leaderCommit,
        round: 1,
        entries: ents,
      });
    const first = append(0);
    expect(first.filter((e) => e.type === 'persist')).toHaveLength(1);
    settle(n, first);
    // The leader now says index 2 is committed: apply without writing anything.
    const commitOnly = append(2, [], 2);
    expect(commitOnly.filter((e) => e.type === 'persist')).toEqual([]);
    expect(n.status('nacos_config').commit).toBe(2);
    expect(n.status('nacos_config').applied).toBe(2);
    // The next durable write carries the commit index along.
    const next = append(2, [{ index: 3, term: 2, type: 'normal' as const, data: null }], 2);
    const persist = next.find((e) => e.type === 'persist');
    expect(persist).toMatchObject({
      batch: { groups: [{ hardState: { term: 2, commit: 2 }, entries: [{ index: 3 }] }] },
    });
  });
});

describe('a Forward for a group the node does not run (NACOS-DIFFERENCES, Nacos layer row 7)', () => {
  function answerTo(fidelity: 'nacos' | 'textbook'): unknown {
    const n = new RaftNode(
      {
        id: 'n1',
        members: ['n1', 'n2', 'n3'],
        groups: ['nacos_config'],
        timing: LESSON_TIMING,
        seed: 1,
        fidelity,
      },
      null,
    );
    settle(n, n.start());
    const effects = settle(
      n,
      n.receive({
        type: 'Forward',
        group: 'naming_persistent_service_v2',
        from: 'n2',
        to: 'n1',
        term: 1,
        requestId: 'n2-r1',
        kind: 'write',
        payload: { type: 'noop' },
      }),
    );
    const sent = effects.flatMap((e) =>
      e.type === 'send' && e.msg.type === 'ForwardResponse' ? [e.msg.reply] : [],
    );
    expect(sent).toHaveLength(1);
    return sent[0];
  }

  it("under nacos is answered with AbstractProcessor's text and code 500", () => {
    expect(answerTo('nacos')).toEqual({
      ok: false,
      error: 'Could not find the corresponding Raft Group : naming_persistent_service_v2',
      code: 500,
    });
  });

  it("under textbook with JRaftServer's text for a local request, without a code", () => {
    expect(answerTo('textbook')).toEqual({
      ok: false,
      error: 'No corresponding Raft Group found : naming_persistent_service_v2',
    });
  });
});
