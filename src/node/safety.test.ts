// Safety of the node against orderings that a real network and disk produce: a snapshot installed
// while a disk write is in flight, a snapshot that does not match the log, a ReadIndex answer
// from before a crash, and a duplicated Forward. Each test drives one node by hand (messages in,
// persist completions in the order chosen) so the dangerous interleaving happens every time.
import { describe, expect, it } from 'vitest';
import { createProcessor } from '../cp/processors.ts';
import type { AppendEntries, Entry, Message } from '../raft/types.ts';
import { applyPersistBatch, cloneDurableState, emptyDurableState } from './storage.ts';
import { LESSON_TIMING, RaftNode, errNotLeaderReceiver, writeCommand } from './node.ts';
import type { ClientReply, DurableState, Effect, WireMessage } from './types.ts';

const G = 'nacos_config';
const VOTERS = { voters: ['n1', 'n2', 'n3'], outgoing: [], learners: [] };

const publish = (content: string, dataId = 'k') => ({
  type: 'publish',
  dataId,
  group: 'DEFAULT_GROUP',
  content,
});
const get = (dataId = 'k') => ({ type: 'get', dataId, group: 'DEFAULT_GROUP' });

function write(index: number, term: number, content: string, dataId = 'k'): Entry {
  return { index, term, type: 'normal', data: writeCommand(publish(content, dataId)) };
}

/** A node with a disk that the test completes by hand, in the order it chooses. */
class Harness {
  node: RaftNode;
  disk: DurableState;
  effects: Effect[] = [];
  /** Persist tokens issued and not yet completed, oldest first. */
  inFlight: { token: number; effect: Extract<Effect, { type: 'persist' }> }[] = [];

  constructor(
    readonly id = 'n1',
    disk: DurableState = emptyDurableState([G]),
  ) {
    this.disk = disk;
    this.node = this.boot();
  }

  private boot(): RaftNode {
    const n = new RaftNode(
      { id: this.id, members: ['n1', 'n2', 'n3'], groups: [G], timing: LESSON_TIMING, seed: 7 },
      cloneDurableState(this.disk),
    );
    this.take(n.start());
    return n;
  }

  take(effects: Effect[]): Effect[] {
    for (const e of effects)
      if (e.type === 'persist') this.inFlight.push({ token: e.token, effect: e });
    this.effects.push(...effects);
    return effects;
  }

  /** Complete the oldest write: it becomes durable, then the node hears of it. */
  completeOne(): Effect[] {
    const w = this.inFlight.shift();
    if (!w) throw new Error('no write in flight');
    applyPersistBatch(this.disk, w.effect.batch);
    return this.take(this.node.persisted(w.token));
  }

  /** Complete every write, including those the completions cause. */
  settle(): void {
    while (this.inFlight.length > 0) this.completeOne();
  }

  receive(m: WireMessage): Effect[] {
    return this.take(this.node.receive(m));
  }

  /** The process dies: writes in flight are lost; it starts again from its disk. */
  crashAndRestart(): void {
    this.inFlight = [];
    this.effects = [];
    this.node = this.boot();
  }

  sent<T extends WireMessage['type']>(type: T): Extract<WireMessage, { type: T }>[] {
    const out: Extract<WireMessage, { type: T }>[] = [];
    for (const e of this.effects) {
      if (e.type === 'send' && e.msg.type === type)
        out.push(e.msg as Extract<WireMessage, { type: T }>);
    }
    return out;
  }

  replies(requestId: string): ClientReply[] {
    const out: ClientReply[] = [];
    for (const e of this.effects)
      if (e.type === 'reply' && e.requestId === requestId) out.push(e.reply);
    return out;
  }
}

function append(
  to: string,
  term: number,
  prev: number,
  prevTerm: number,
  entries: Entry[],
  commit: number,
): AppendEntries {
  return {
    type: 'AppendEntries',
    group: G,
    from: 'n2',
    to,
    term,
    prevLogIndex: prev,
    prevLogTerm: prevTerm,
    entries,
    leaderCommit: commit,
    round: 1,
  };
}

function installSnapshot(
  to: string,
  term: number,
  index: number,
  snapTerm: number,
  data: unknown,
): Message {
  return {
    type: 'InstallSnapshot',
    group: G,
    from: 'n2',
    to,
    term,
    meta: { index, term: snapTerm, conf: VOTERS },
    chunk: 0,
    chunks: 1,
    data,
    round: 2,
  };
}

/** The config store's snapshot data after these publishes. */
function configData(...contents: [string, string][]): unknown {
  const sm = createProcessor(G);
  for (const [dataId, content] of contents) sm.apply(publish(content, dataId));
  return sm.snapshot();
}

function readIndexAnswer(to: string, term: number, ctx: string, index: number): Message {
  return { type: 'ReadIndexResponse', group: G, from: 'n2', to, term, ctx, index };
}

describe('a follower serving ReadIndex reads during a snapshot install', () => {
  it('does not answer from the old state machine while the snapshot waits for the disk', () => {
    const h = new Harness();
    h.settle();
    // n1 follows n2 in term 2 and has applied k=v1 at index 1.
    h.receive(append('n1', 2, 0, 0, [write(1, 2, 'v1')], 1));
    h.settle();
    expect(h.node.status(G).applied).toBe(1);
    // A read at n1: its ReadIndex goes to the leader, which answers with read index 5.
    h.take(h.node.request({ kind: 'read', id: 'r1', group: G, query: get() }));
    const [ri] = h.sent('ReadIndex');
    expect(ri).toBeDefined();
    h.receive(readIndexAnswer('n1', 2, ri.ctx, 5));
    expect(h.replies('r1')).toEqual([]);
    // A write is in flight on n1's disk (entry 2) when the leader installs a snapshot at 5
    // (it had compacted its log), holding k=v5.
    h.receive(append('n1', 2, 1, 2, [write(2, 2, 'x', 'other')], 1));
    expect(h.inFlight).toHaveLength(1);
    h.receive(installSnapshot('n1', 2, 5, 2, configData(['k', 'v5'])));
    // The write in flight completes first: the state machine still holds v1, so the read
    // (index 5) must not be served now.
    h.completeOne();
    expect(h.replies('r1')).toEqual([]);
    // Once the snapshot is durable and loaded, the read sees v5.
    h.settle();
    const [reply] = h.replies('r1');
    expect(reply).toMatchObject({ ok: true, value: { data: { found: true, content: 'v5' } } });
  });
});

describe('an InstallSnapshot that does not match the log', () => {
  it('discards the stored entries after it in the same write, so a restart does not revive them', () => {
    const h = new Harness();
    h.settle();
    // n1 holds entries 1..3 of term 2 (3 is a configuration entry), only 1 committed.
    const conf: Entry = {
      index: 3,
      term: 2,
      type: 'conf',
      data: { phase: 'simple', conf: { voters: ['n1', 'n2'], outgoing: [], learners: [] } },
    };
    h.receive(append('n1', 2, 0, 0, [write(1, 2, 'v1'), write(2, 2, 'v2'), conf], 1));
    h.settle();
    expect(h.disk[G].entries.map((e) => e.index)).toEqual([1, 2, 3]);
    // The leader of term 3 installs a snapshot at 2 whose term (3) differs from ours: the
    // entries after it are not the leader's (Raft §7: the follower discards its entire log).
    h.receive(installSnapshot('n1', 3, 2, 3, configData(['k', 'w2'])));
    h.settle();
    expect(h.node.status(G).lastIndex).toBe(2);
    expect(h.disk[G].snapshot?.meta.index).toBe(2);
    expect(h.disk[G].entries).toEqual([]);
    h.crashAndRestart();
    h.settle();
    const st = h.node.status(G);
    expect(st.lastIndex).toBe(2);
    expect(st.conf.voters).toEqual(['n1', 'n2', 'n3']);
  });

  it('keeps the stored entries after a snapshot that matches the log', () => {
    const h = new Harness();
    h.settle();
    h.receive(append('n1', 2, 0, 0, [write(1, 2, 'v1'), write(2, 2, 'v2'), write(3, 2, 'v3')], 1));
    h.settle();
    h.receive(installSnapshot('n1', 2, 2, 2, configData(['k', 'v2'])));
    h.settle();
    expect(h.disk[G].entries.map((e) => e.index)).toEqual([3]);
    h.crashAndRestart();
    h.settle();
    expect(h.node.status(G).lastIndex).toBe(3);
  });
});

describe('ReadIndex contexts across a restart', () => {
  it('an answer to a read sent before a crash is not taken for a read after it', () => {
    const h = new Harness();
    h.settle();
    h.receive(append('n1', 2, 0, 0, [write(1, 2, 'v1')], 1));
    h.settle();
    // A read at follower n1 is in flight when n1 crashes.
    h.take(h.node.request({ kind: 'read', id: 'r1', group: G, query: get() }));
    const [lost] = h.sent('ReadIndex');
    expect(lost).toBeDefined();
    h.crashAndRestart();
    h.settle();
    // n1 is back and follows n2 again; meanwhile the leader committed v2 at index 2 (a write
    // acknowledged by the others), which n1 has not heard of yet.
    h.receive({ ...append('n1', 2, 1, 2, [], 1), heartbeat: true });
    h.settle();
    h.take(h.node.request({ kind: 'read', id: 'r2', group: G, query: get() }));
    h.settle();
    const [fresh] = h.sent('ReadIndex');
    expect(fresh).toBeDefined();
    expect(fresh.ctx).not.toBe(lost.ctx);
    // The leader's late answer to the lost read (read index 1, from before v2) arrives now.
    h.receive(readIndexAnswer('n1', 2, lost.ctx, 1));
    h.settle();
    expect(h.replies('r2')).toEqual([]);
    // The answer to the new read carries index 2: n1 serves it once it has applied v2.
    h.receive(readIndexAnswer('n1', 2, fresh.ctx, 2));
    h.receive(append('n1', 2, 1, 2, [write(2, 2, 'v2')], 2));
    h.settle();
    expect(h.replies('r2')).toMatchObject([
      { ok: true, value: { data: { found: true, content: 'v2' } } },
    ]);
  });

  it('the boot number is durable before any ReadIndex leaves, and grows with every start', () => {
    const h = new Harness();
    // The first write of a node records its boot number; nothing was sent before it.
    expect(h.inFlight).toHaveLength(1);
    expect(h.inFlight[0].effect.batch.groups[0].incarnation).toBe(1);
    h.settle();
    expect(h.disk[G].incarnation).toBe(1);
    // A crash before the boot write completes reuses the number: no read of that life left.
    h.crashAndRestart();
    expect(h.inFlight[0].effect.batch.groups[0].incarnation).toBe(2);
    h.crashAndRestart();
    expect(h.inFlight[0].effect.batch.groups[0].incarnation).toBe(2);
    h.settle();
    h.crashAndRestart();
    h.settle();
    expect(h.disk[G].incarnation).toBe(3);
  });
});

/** Make n1 the leader of term 1 by hand: tick until it campaigns, grant its (pre-)votes. */
function electN1(h: Harness): void {
  h.settle();
  for (let i = 0; i < 200 && h.node.status(G).role !== 'leader'; i++) {
    h.effects = [];
    h.take(h.node.tick());
    h.settle();
    const answered = new Set<unknown>();
    for (let rv = h.sent('RequestVote').find((m) => !answered.has(m)); rv;) {
      answered.add(rv);
      h.receive({
        type: 'RequestVoteResponse',
        group: G,
        from: rv.to,
        to: 'n1',
        term: rv.term,
        preVote: rv.preVote,
        granted: true,
      });
      h.settle();
      rv = h.sent('RequestVote').find((m) => !answered.has(m));
    }
  }
  expect(h.node.status(G).role).toBe('leader');
  // Commit the leader's no-op with n2's acknowledgement.
  const last = h.node.status(G).lastIndex;
  h.receive({
    type: 'AppendEntriesResponse',
    group: G,
    from: 'n2',
    to: 'n1',
    term: h.node.status(G).term,
    success: true,
    index: last,
    hintIndex: 0,
    hintTerm: 0,
    round: 1,
  });
  h.settle();
  expect(h.node.status(G).commit).toBe(last);
}

describe('a duplicated Forward', () => {
  it('is answered "outcome unknown" by a node that is no longer leader, since a copy may be in its log', () => {
    const h = new Harness();
    electN1(h);
    const term = h.node.status(G).term;
    const forward: WireMessage = {
      type: 'Forward',
      group: G,
      from: 'n3',
      to: 'n1',
      term,
      requestId: 'c1',
      kind: 'write',
      payload: publish('w'),
    };
    // The first copy reaches the leader and is proposed (and written to its disk).
    h.receive(forward);
    h.settle();
    const index = h.node.status(G).lastIndex;
    expect(h.node.log(G).entry(index)?.data).toEqual({ ...writeCommand(publish('w')), rid: 'c1' });
    // The leader crashes and restarts as a follower; the network's second copy arrives now.
    h.crashAndRestart();
    h.settle();
    expect(h.node.status(G).role).not.toBe('leader');
    h.receive(forward);
    const answers = h.sent('ForwardResponse').filter((m) => m.requestId === 'c1');
    expect(answers).toHaveLength(1);
    // The write is in the log and may still commit: the refusal must not be a definite failure.
    expect(answers[0].reply).toEqual({
      ok: false,
      error: errNotLeaderReceiver(G),
      indeterminate: true,
      code: 500, // Nacos's server error code beside the text (nacos fidelity, the default)
    });
  });

  it('a copy for an earlier term is not proposed by a later leader (it may have been already)', () => {
    const h = new Harness();
    electN1(h);
    const term = h.node.status(G).term;
    const before = h.node.status(G).lastIndex;
    h.receive({
      type: 'Forward',
      group: G,
      from: 'n3',
      to: 'n1',
      term: term - 1,
      requestId: 'c2',
      kind: 'write',
      payload: publish('w'),
    });
    h.settle();
    expect(h.node.status(G).lastIndex).toBe(before);
    const [answer] = h.sent('ForwardResponse').filter((m) => m.requestId === 'c2');
    expect(answer.reply).toMatchObject({ ok: false, indeterminate: true });
  });
});
