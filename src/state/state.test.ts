// Tests of the view model's machinery: the persistent list, lazy state-machine contents,
// structural sharing of reduce, a restart taken from what the node loaded, checkpoints (stateAt equals a fold from the start), and the
// store's per-frame batching with an injected scheduler.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LESSON_TIMING } from '../node/node.ts';
import { Simulator } from '../sim/cluster.ts';
import { runRandom } from '../sim/random.ts';
import { nodeIds } from '../scenario/format.ts';
import type { TraceEvent } from '../trace/events.ts';
import { importTrace } from '../trace/jsonl.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { emptyState, type ViewState } from './model.ts';
import {
  plDrop,
  plEmpty,
  plFrom,
  plGet,
  plPush,
  plSet,
  plTake,
  plToArray,
  type PList,
} from './plist.ts';
import { reduce } from './reduce.ts';
import { smApply, smContents, smEmpty, type SmRef } from './sm.ts';
import { statusText } from './statusText.ts';
import { createViewStore, FOLD_CATCH_UP, type FrameScheduler } from './store.ts';
import { Timeline } from './timeline.ts';

const G = 'nacos_config';

/** The state as JSON (Maps as entry lists; the shared memo left out), for equality checks. */
function stateJson(s: ViewState): string {
  // A state machine ref by what it means (its chain is an internal cache, cut when computed).
  return JSON.stringify({ ...s, memo: null }, (k, v: unknown) =>
    v instanceof Map
      ? [...(v as Map<unknown, unknown>).entries()]
      : k === 'sm'
        ? { index: (v as SmRef).index, known: (v as SmRef).known }
        : isPList(v)
          ? plToArray(v)
          : v,
  );
}

/** A persistent list, compared by its items (its chunking may differ between equal lists). */
function isPList(v: unknown): v is PList<unknown> {
  return typeof v === 'object' && v !== null && 'chunks' in v && 'start' in v && 'length' in v;
}

function fold(events: readonly TraceEvent[], from: ViewState = emptyState([G])): ViewState {
  let s = from;
  for (const e of events) s = reduce(s, e);
  return s;
}

/** A short simulated run with writes, a crash and a restart: a real trace to fold. */
function simTrace(seed = 7): { events: readonly TraceEvent[]; sim: Simulator } {
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: nodeIds(3),
    groups: [G],
    timing: LESSON_TIMING,
    network: { delayMsMin: 5, delayMsMax: 20 },
    trace,
  });
  sim.start();
  sim.runUntilTrue(() => sim.leaderOf(G) !== null, 10_000);
  for (let i = 0; i < 20; i++) {
    sim.write(sim.leaderOf(G) ?? 'n1', G, {
      type: 'publish',
      dataId: `k${i % 4}`,
      content: `v${i}`,
    });
    sim.runFor(100);
  }
  const victim = sim.followersOf(G)[0];
  sim.crash(victim);
  sim.runFor(1000);
  sim.restart(victim);
  sim.runFor(3000);
  return { events: trace.events(), sim };
}

describe('PList', () => {
  it('pushes, reads, sets, takes and drops across chunk boundaries without changing old versions', () => {
    let l = plEmpty<number>();
    const versions = [l];
    for (let i = 0; i < 300; i++) versions.push((l = plPush(l, i)));
    expect(l.length).toBe(300);
    expect(plGet(l, 0)).toBe(0);
    expect(plGet(l, 299)).toBe(299);
    expect(plGet(l, 300)).toBeUndefined();
    expect(versions[129].length).toBe(129);
    expect(plToArray(versions[129])).toEqual([...Array(129).keys()]);
    const t = plTake(l, 130);
    expect(plToArray(t)).toEqual([...Array(130).keys()]);
    // Pushing onto a taken list does not disturb the longer one it came from.
    const t2 = plPush(t, -1);
    expect(plGet(t2, 130)).toBe(-1);
    expect(plGet(l, 130)).toBe(130);
    const d = plDrop(l, 200);
    expect(plToArray(d)).toEqual([...Array(100).keys()].map((i) => i + 200));
    const d2 = plPush(d, 999);
    expect(plGet(d2, 100)).toBe(999);
    expect(plToArray(plTake(plDrop(l, 5), 3))).toEqual([5, 6, 7]);
    const s = plSet(l, 10, -10);
    expect(plGet(s, 10)).toBe(-10);
    expect(plGet(l, 10)).toBe(10);
    expect(plToArray(plFrom([1, 2, 3]))).toEqual([1, 2, 3]);
  });
});

describe('state-machine contents', () => {
  it('replays ops through the real processor, in any order of asking, from any ancestor', () => {
    const a = smApply(smEmpty(G), 1, { type: 'publish', dataId: 'x', content: '1' });
    const b = smApply(a, 2, { type: 'publish', dataId: 'y', content: '2' });
    const c = smApply(b, 3, { type: 'remove', dataId: 'x' });
    const b2 = smApply(b, 3, { type: 'publish', dataId: 'z', content: '3' });
    const keys = (r: unknown): string[] => (r as { dataId: string }[]).map((i) => i.dataId).sort();
    expect(keys(smContents(c))).toEqual(['y']);
    // b's processor moved on to c; b and a branch are still computed correctly.
    expect(keys(smContents(b2))).toEqual(['x', 'y', 'z']);
    expect(keys(smContents(b))).toEqual(['x', 'y']);
    expect(keys(smContents(a))).toEqual(['x']);
    expect(smContents(c)).toBe(smContents(c));
  });
});

describe('reduce', () => {
  const { events, sim } = simTrace();

  it('folds a run into nodes with roles, terms, logs and contents', () => {
    const s = fold(events);
    expect(Object.keys(s.nodes).sort()).toEqual(['n1', 'n2', 'n3']);
    const leader = sim.leaderOf(G)!;
    expect(s.nodes[leader].groups[G].role).toBe('leader');
    for (const id of ['n1', 'n2', 'n3']) {
      const g = s.nodes[id].groups[G];
      const st = sim.status(id, G)!;
      expect(g.term).toBe(st.term);
      expect(g.log.commit).toBe(st.commit);
      expect(smContents(g.sm)).toEqual(sim.node(id)!.appliedState(G));
    }
    expect(statusText(s, [G])).toContain('leader');
  });

  it('keeps the references of every part an event does not touch', () => {
    const s = fold(events);
    const e = events.find((x) => x.type === 'commit' && x.node !== null)!;
    const next = reduce(s, { ...e, seq: s.seq + 1 });
    expect(next).not.toBe(s);
    expect(next.messages).toBe(s.messages);
    for (const id of Object.keys(s.nodes)) {
      if (id !== e.node) expect(next.nodes[id]).toBe(s.nodes[id]);
    }
    const before = s.nodes[e.node!].groups[G];
    const after = next.nodes[e.node!].groups[G];
    expect(after.log.entries).toBe(before.log.entries);
    expect(after.sm).toBe(before.sm);
  });

  it('takes a restarted node from what it loaded, even when the trace lost its last writes', () => {
    const crash = events.find((x) => x.type === 'node-crash')!;
    const victim = crash.node!;
    // A Worker's crash can cut off its last events: drop the victim's writes before the crash.
    const cut = events.filter(
      (x) =>
        !(x.node === victim && x.seq < crash.seq && (x.type === 'persist' || x.type === 'append')),
    );
    expect(cut.length).toBeLessThan(events.length);
    const recovered = events.filter((x) => x.type === 'recovered' && x.node === victim);
    expect(recovered.length).toBe(1);
    for (const s of [fold(events), fold(cut)]) {
      const g = s.nodes[victim].groups[G];
      const log = sim.node(victim)!.log(G);
      const real = [];
      for (let i = log.firstIndex; i <= log.lastIndex; i++) real.push([i, log.term(i)]);
      expect(plToArray(g.log.entries).map((x) => [x.index, x.term])).toEqual(real);
      expect(g.log.commit).toBe(sim.status(victim, G)!.commit);
      expect(g.log.applied).toBe(sim.status(victim, G)!.applied);
    }
  });

  it('never modifies the state it is given', () => {
    const s = fold(events.slice(0, events.length >> 1));
    const snapshot = stateJson(s);
    fold(events.slice(events.length >> 1), s);
    expect(stateJson(s)).toBe(snapshot);
  });
});

describe('Timeline', () => {
  const { events } = simTrace(11);

  it('rebuilds any point (seq or time) exactly as a fold from the start', () => {
    const tl = new Timeline(emptyState([G]), { every: 64 });
    tl.append(events.slice(0, 500));
    tl.append(events.slice(500));
    expect(tl.current.seq).toBe(events[events.length - 1].seq);
    for (const n of [0, 1, 63, 64, 65, 500, 777, events.length - 1]) {
      const want = fold(events.slice(0, n + 1));
      const got = tl.stateAt(events[n].seq);
      expect(stateJson(got)).toBe(stateJson(want));
    }
    const tMid = events[events.length >> 1].t;
    expect(tl.stateAtTime(tMid).t).toBe(tMid);
    expect(tl.stateAtTime(tMid).seq).toBe(events.filter((e) => e.t <= tMid).at(-1)!.seq);
  });

  it('with a limit, forgets whole windows and still rebuilds what it holds', () => {
    const tl = new Timeline(emptyState([G]), { every: 50, limit: 200 });
    tl.append(events);
    expect(tl.size).toBeLessThanOrEqual(250);
    const first = tl.firstSeq!;
    const want = fold(events.slice(0, events.findIndex((e) => e.seq === first + 10) + 1));
    expect(stateJson(tl.stateAt(first + 10))).toBe(stateJson(want));
  });

  it('with a limit, copies what it holds once per tenth of the limit, not once per window', () => {
    const tl = new Timeline(emptyState([G]), { every: 10, limit: 1000 });
    let copies = 0;
    let held = tl.held;
    for (let i = 0; i < 5000; i++) {
      tl.append([{ ...events[i % events.length], seq: i + 1, t: i }]);
      if (tl.held !== held) copies++;
      held = tl.held;
    }
    expect(tl.size).toBeLessThanOrEqual(1000);
    expect(copies).toBeLessThanOrEqual(41);
  });
});

describe('view store', () => {
  const { events } = simTrace(3);

  it('folds queued events once per frame, notifying subscribers once per frame', () => {
    const frames: (() => void)[] = [];
    const scheduler: FrameScheduler = (flush) => {
      frames.push(flush);
      return () => frames.splice(frames.indexOf(flush), 1);
    };
    const store = createViewStore({ groups: [G], scheduler });
    let notified = 0;
    store.subscribe(() => notified++);
    store.getState().ingest(events.slice(0, 100));
    store.getState().ingest(events.slice(100, 300));
    expect(frames).toHaveLength(1); // One flush scheduled for both batches.
    expect(notified).toBe(0); // Queuing notifies nobody: the views run once per frame.
    expect(store.getState().pending()).toBe(300);
    expect(store.getState().view.count).toBe(0);
    const before = notified;
    frames.shift()!();
    expect(notified).toBe(before + 1);
    expect(store.getState().view.count).toBe(300);
    expect(store.getState().pending()).toBe(0);
  });

  it('folds at most its budget a frame, and drains a backlog in a few frames', () => {
    expect(events.length).toBeGreaterThan(850);
    const frames: (() => void)[] = [];
    const scheduler: FrameScheduler = (flush) => {
      frames.push(flush);
      return () => frames.splice(frames.indexOf(flush), 1);
    };
    const store = createViewStore({ groups: [G], scheduler, foldBudget: 100 });
    let notified = 0;
    store.subscribe(() => notified++);
    const s = () => store.getState();
    s().ingest(events.slice(0, 250));
    const folded: number[] = [];
    while (frames.length > 0) {
      frames.shift()!();
      folded.push(s().view.count);
    }
    // 100 a frame (the budget), the rest in the last frame, each frame notifying once.
    expect(folded).toEqual([100, 200, 250]);
    expect(notified).toBe(3);
    // A backlog of more than FOLD_CATCH_UP budgets: a quarter of it a frame.
    s().ingest(events.slice(250, 850));
    frames.shift()!();
    expect(s().view.count).toBe(250 + 600 / FOLD_CATCH_UP);
    expect(frames).toHaveLength(1);
    // flush() (a caller that needs the state now) folds everything at once.
    s().flush();
    expect(s().view.count).toBe(850);
    expect(s().pending()).toBe(0);
    expect(() => createViewStore({ foldBudget: 0 })).toThrow(/foldBudget must be ≥ 1, got 0/);
  });

  it('seeks into the past while live events keep folding, and returns to live', () => {
    const store = createViewStore({ groups: [G], scheduler: (f) => (f(), () => {}), every: 100 });
    store.getState().ingest(events.slice(0, 400));
    store.getState().seek(events[150].seq);
    expect(store.getState().view.seq).toBe(events[150].seq);
    store.getState().ingest(events.slice(400));
    expect(store.getState().view.seq).toBe(events[150].seq); // Still in the past.
    store.getState().seek(null);
    expect(store.getState().view.seq).toBe(events[events.length - 1].seq);
    store.getState().select('n2', G);
    expect(store.getState().selectedNode).toBe('n2');
    store.getState().reset([G]);
    expect(store.getState().view.count).toBe(0);
  });
});

describe('election timers as each fidelity runs them', () => {
  /** A quiet 3-node run: a leader, then heartbeats only. */
  function quiet(fidelity: 'nacos' | 'textbook'): readonly TraceEvent[] {
    const trace = new TraceRecorder();
    const sim = new Simulator({
      seed: 3,
      nodes: nodeIds(3),
      groups: [G],
      timing: LESSON_TIMING,
      network: { delayMsMin: 5, delayMsMax: 20 },
      trace,
      fidelity,
    });
    sim.start();
    sim.runUntilTrue(() => sim.leaderOf(G) !== null, 20_000);
    sim.runFor(4_000);
    return trace.events();
  }

  it("SOFAJRaft's repeating timer runs on through heartbeats; textbook Raft's restarts on each", () => {
    for (const fidelity of ['nacos', 'textbook'] as const) {
      const events = quiet(fidelity);
      const s = fold(events);
      const leader = Object.keys(s.nodes).find((id) => s.nodes[id].groups[G]?.role === 'leader')!;
      const follower = Object.keys(s.nodes).find((id) => id !== leader)!;
      const timer = s.nodes[follower].groups[G]!.timer!;
      const lastTimer = events.filter(
        (e) => e.type === 'timer' && e.node === follower && e.group === G,
      );
      expect(lastTimer.length).toBeGreaterThan(0);
      const lastAt = lastTimer[lastTimer.length - 1].t;
      if (fidelity === 'nacos') {
        expect(timer.repeating).toBe(true);
        expect(timer.resetAt).toBe(lastAt);
      } else {
        expect(timer.repeating).toBe(false);
        // Restarted by the leader's latest heartbeat, after the timer last started.
        expect(timer.resetAt).toBeGreaterThan(lastAt);
      }
    }
  });
});

describe('a stalled disk', () => {
  it('shows on the node while its write hangs, and never over a failure', () => {
    let seq = 0;
    const ev = (node: string, body: Record<string, unknown>): TraceEvent =>
      ({ seq: seq++, t: seq, node, ...body }) as TraceEvent;
    const start = (n: string) => ev(n, { type: 'node-start', members: ['n1', 'n2'] });
    const stall = (n: string) =>
      ev(n, { type: 'fault', fault: 'disk-stall', waitedMs: 2004, entries: 3 });
    const resume = (n: string) => ev(n, { type: 'fault', fault: 'disk-resume', waitedMs: 5000 });
    const failed = ev('n2', { type: 'fault', fault: 'node-error', kind: 'io', message: 'boom' });
    const stalled = fold([start('n1'), start('n2'), stall('n1'), failed, stall('n2')]);
    expect(stalled.nodes.n1.note).toBe('disk write pending for 2.0 s');
    expect(stalled.nodes.n2.note).toBe('boom');
    const after = fold([resume('n1'), resume('n2')], stalled);
    expect([after.nodes.n1.note, after.nodes.n2.note]).toEqual([null, 'boom']);
    expect(plToArray(after.faults).map((f) => f.fault)).toEqual([
      'disk-stall',
      'node-error',
      'disk-stall',
      'disk-resume',
      'disk-resume',
    ]);
  });
});

describe('the batch fold (in place within a batch, copy-on-write outside)', () => {
  const golden = ['figure8', 'forward-crash', 'partition-heal'].map((name) => {
    const r = importTrace(
      readFileSync(new URL(`../../test/golden/${name}.trace.jsonl`, import.meta.url), 'utf8'),
    );
    if (!r.ok) throw new Error(`${name}: ${r.errors.join('; ')}`);
    return { name, events: r.events, groups: r.header.cluster.groups };
  });
  // Random fault schedules: crashes right after appends, partitions, snapshots and their
  // installs, truncations; every group.
  const random = [3, 11].map((seed) => {
    const trace = new TraceRecorder();
    runRandom(seed, { trace });
    return {
      name: `random seed ${seed}`,
      events: trace.events(),
      groups: [...new Set(trace.events().flatMap((e) => ('group' in e ? [e.group] : [])))],
    };
  });
  const traces = [
    { name: 'simulated run with a restart', events: simTrace(5).events, groups: [G] },
    ...golden,
    ...random,
  ];

  it('a restart shares the disk list with the log: a later append in the same batch copies it', () => {
    let seq = 0;
    const ev = (t: number, body: Record<string, unknown>): TraceEvent =>
      ({ seq: seq++, t, node: 'n1', ...body }) as TraceEvent;
    const entry = (i: number) => [i, 1, 'normal', `w${i}`] as const;
    const events = [
      ev(1, { type: 'node-start', members: ['n1'] }),
      ev(2, { type: 'append', group: G, entries: [entry(1), entry(2)] }),
      ev(3, {
        type: 'persist',
        group: G,
        entries: [1, 2],
        term: 1,
        votedFor: 'n1',
        commit: 0,
        snapshot: null,
      }),
      ev(4, { type: 'node-crash' }),
      ev(5, { type: 'node-restart', term: 1, lastIndex: 2 }),
      ev(6, { type: 'append', group: G, entries: [entry(3)] }),
    ];
    const tl = new Timeline(emptyState([G]), { every: 1000 });
    const g = tl.append(events).nodes.n1.groups[G];
    // Entry 3 is in memory only: the disk still holds two.
    expect([g.log.entries.length, g.disk.entries.length]).toEqual([3, 2]);
    expect(stateJson(tl.current)).toBe(stateJson(fold(events)));
  });

  it.each(traces)(
    '$name: every state handed out stays as it was, and the head equals a plain fold',
    ({ events, groups }) => {
      // Small batches and checkpoints on a short trace; on a long one fewer, and only some of
      // the states handed out are kept to compare (each holds thousands of recent events).
      const long = events.length > 5000;
      const batch = long ? 997 : 13;
      const tl = new Timeline(emptyState(groups), { every: long ? 97 : 7 });
      const keepEvery = Math.max(1, Math.floor(events.length / batch / 8));
      const handedOut: { state: ViewState; json: string; n: number }[] = [];
      for (let i = 0, k = 0; i < events.length; i += batch, k++) {
        const head = tl.append(events.slice(i, i + batch));
        if (k % keepEvery === 0) {
          handedOut.push({
            state: head,
            json: stateJson(head),
            n: Math.min(events.length, i + batch),
          });
        }
      }
      for (const h of handedOut) expect(stateJson(h.state)).toBe(h.json);
      expect(stateJson(tl.current)).toBe(stateJson(fold(events, emptyState(groups))));
      const mid = handedOut[handedOut.length >> 1];
      expect(mid.json).toBe(stateJson(fold(events.slice(0, mid.n), emptyState(groups))));
    },
  );
});
