// The time bar's model: scrubbing to a time equals a fresh fold of the events up to that time
// (a property over random simulated runs with faults and writes), stepping moves one event and
// comes back to live at the head, jumps land on the next or previous mark of a kind, and the
// marks are the events the state model says they are. Re-run one failing case with the seed
// fast-check prints: `npx vitest run src/state/timeline.test.ts`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LESSON_TIMING } from '../node/node.ts';
import { SeededRng } from '../raft/rand.ts';
import { nodeIds } from '../scenario/format.ts';
import { Simulator } from '../sim/cluster.ts';
import type { TraceEvent } from '../trace/events.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { markOf, MARK_KINDS, neighbourMark, type MarkKind } from './marks.ts';
import { emptyState, type ViewState } from './model.ts';
import { reduce } from './reduce.ts';
import type { SmRef } from './sm.ts';
import { createViewStore, immediateScheduler } from './store.ts';

const G = 'nacos_config';

/** The state as JSON (maps as entry lists, the shared memo left out), for equality. */
function stateJson(s: ViewState): string {
  return JSON.stringify({ ...s, memo: null }, (k, v: unknown) =>
    v instanceof Map
      ? [...(v as Map<unknown, unknown>).entries()]
      : k === 'sm'
        ? { index: (v as SmRef).index, known: (v as SmRef).known }
        : v,
  );
}

function fold(events: readonly TraceEvent[]): ViewState {
  let s = emptyState([G]);
  for (const e of events) s = reduce(s, e);
  return s;
}

/** A random run: writes, a crash and restart, a partition and heal, at seeded times. */
function randomTrace(seed: number): TraceEvent[] {
  const rng = new SeededRng(seed);
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: nodeIds(3),
    groups: [G],
    timing: LESSON_TIMING,
    network: { delayMsMin: 5, delayMsMax: 30 },
    trace,
  });
  sim.start();
  for (let step = 0; step < 24; step++) {
    sim.runFor(100 + rng.int(400));
    const roll = rng.int(10);
    const nodes = sim.nodeIds;
    const some = nodes[rng.int(nodes.length)];
    if (roll < 5) {
      sim.write(some, G, { type: 'publish', dataId: `k${rng.int(3)}`, content: `v${step}` });
    } else if (roll === 5 && sim.isUp(some)) sim.crash(some);
    else if (roll === 6 && !sim.isUp(some)) sim.restart(some);
    else if (roll === 7) sim.partition([[some], nodes.filter((n) => n !== some)]);
    else if (roll === 8) sim.heal();
  }
  sim.heal();
  sim.runFor(2000);
  return [...trace.events()];
}

/** Two elections for sure: the first leader crashes, another is elected, then it comes back. */
function failoverTrace(seed: number): TraceEvent[] {
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: nodeIds(3),
    groups: [G],
    timing: LESSON_TIMING,
    network: { delayMsMin: 5, delayMsMax: 30 },
    trace,
  });
  sim.start();
  sim.runUntilTrue(() => sim.leaderOf(G) !== null, 20_000);
  const first = sim.leaderOf(G)!;
  sim.write(first, G, { type: 'publish', dataId: 'a', content: '1' });
  sim.runFor(500);
  sim.crash(first);
  sim.runUntilTrue(() => sim.leaderOf(G) !== null, sim.nowMs + 20_000);
  sim.runFor(500);
  sim.restart(first);
  sim.runFor(2000);
  return [...trace.events()];
}

describe('scrubbing', () => {
  it('shows at any time t exactly a fresh fold of the events up to t', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 16, max: 300 }),
        (seed, fractions, every) => {
          const events = randomTrace(seed);
          const store = createViewStore({ groups: [G], scheduler: immediateScheduler, every });
          store.getState().ingest(events.slice(0, events.length >> 1));
          store.getState().ingest(events.slice(events.length >> 1));
          const first = events[0].t;
          const last = events[events.length - 1].t;
          for (const f of fractions) {
            const t = first + (last - first) * f;
            store.getState().seekTime(t);
            const want = fold(events.filter((e) => e.t <= t));
            expect(stateJson(store.getState().view)).toBe(stateJson(want));
          }
          // Past the head: back to live.
          store.getState().seekTime(last);
          expect(store.getState().cursor).toBeNull();
          expect(store.getState().view).toBe(store.getState().timeline.current);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('steps one event at a time, both ways, and comes back to live at the head', () => {
    const events = randomTrace(5);
    const store = createViewStore({ groups: [G], scheduler: immediateScheduler, every: 40 });
    store.getState().ingest(events);
    const st = store.getState;
    expect(st().step(-1)).toBe(events[events.length - 2].seq);
    expect(stateJson(st().view)).toBe(stateJson(fold(events.slice(0, -1))));
    // Walk back 70 events (across a checkpoint), then forward 30: each state a fresh fold.
    for (let i = 0; i < 70; i++) st().step(-1);
    let n = events.length - 71;
    expect(st().cursor).toBe(events[n - 1].seq);
    expect(stateJson(st().view)).toBe(stateJson(fold(events.slice(0, n))));
    for (let i = 0; i < 30; i++) {
      st().step(1);
      n++;
      expect(st().view.seq).toBe(events[n - 1].seq);
    }
    expect(stateJson(st().view)).toBe(stateJson(fold(events.slice(0, n))));
    // Live events keep folding while the cursor stays.
    const before = st().cursor;
    st().ingest([{ ...events[events.length - 1], seq: events[events.length - 1].seq + 1 }]);
    expect(st().cursor).toBe(before);
    expect(st().head.seq).toBe(events[events.length - 1].seq + 1);
    // Stepping onto the newest event held returns to live.
    while (st().cursor !== null) st().step(1);
    expect(st().view.seq).toBe(events[events.length - 1].seq + 1);
    // Back to the very start: the empty state, before the first event.
    st().seek(events[0].seq);
    expect(st().step(-1)).toBe(events[0].seq - 1);
    expect(st().view.count).toBe(0);
    expect(st().step(-1)).toBe(events[0].seq - 1);
  });
});

describe('replacing the trace', () => {
  it('keeps the shared prefix of a fork and folds the rest to a fresh fold of the new trace', () => {
    const a = failoverTrace(21);
    // A "fork": the same events up to a point, then other events (here: another run's, renumbered).
    const other = randomTrace(8);
    const cut = a.length >> 1;
    const b = [
      ...a.slice(0, cut).map((e) => ({ ...e })),
      ...other
        .slice(0, 300)
        .map((e, i) => ({ ...e, seq: a[cut - 1].seq + 1 + i, t: a[cut - 1].t + e.t })),
    ];
    const store = createViewStore({ groups: [G], scheduler: immediateScheduler, every: 50 });
    store.getState().ingest(a);
    store.getState().seek(a[10].seq);
    const kept = store.getState().timeline;
    store.getState().replace(b, [G]);
    expect(store.getState().timeline).toBe(kept);
    expect(store.getState().cursor).toBeNull();
    expect(stateJson(store.getState().view)).toBe(stateJson(fold(b)));
    for (const n of [cut - 7, cut, cut + 120]) {
      store.getState().seek(b[n].seq);
      expect(stateJson(store.getState().view)).toBe(stateJson(fold(b.slice(0, n + 1))));
    }
    // Marks past the cut are the new trace's only.
    let s = emptyState([G]);
    const faults: number[] = [];
    for (const e of b) {
      if (markOf(s, e) === 'fault') faults.push(e.seq);
      s = reduce(s, e);
    }
    expect(
      store
        .getState()
        .timeline.marks('fault')
        .map((m) => m.seq),
    ).toEqual(faults);
    // Another run (it shares at most its first few events, the nodes starting): its own fold.
    store.getState().replace(other, [G]);
    expect(stateJson(store.getState().view)).toBe(stateJson(fold(other)));
    // Other groups: a fresh timeline.
    store.getState().replace(other, ['naming_service_metadata']);
    expect(store.getState().timeline).not.toBe(kept);
    expect(store.getState().view.groups).toEqual(['naming_service_metadata']);
  });
});

describe('marks and jumps', () => {
  const events = failoverTrace(21);

  it('marks the events the state model calls elections, faults, failures and violations', () => {
    const store = createViewStore({ groups: [G], scheduler: immediateScheduler, every: 64 });
    store.getState().ingest(events);
    const tl = store.getState().timeline;
    let s = emptyState([G]);
    const want: Record<MarkKind, number[]> = { election: [], fault: [], failed: [], violation: [] };
    for (const e of events) {
      const k = markOf(s, e);
      if (k !== null) want[k].push(e.seq);
      s = reduce(s, e);
    }
    for (const kind of MARK_KINDS) expect(tl.marks(kind).map((m) => m.seq)).toEqual(want[kind]);
    // This run has elections and faults; every election mark is a role change to leader.
    expect(want.election.length).toBeGreaterThan(1);
    expect(want.fault.length).toBeGreaterThan(0);
    for (const seq of want.election) {
      const e = events.find((x) => x.seq === seq)!;
      expect(e.type === 'role' && e.to === 'leader').toBe(true);
    }
    // A speed change is pacing, not a fault; a failed expectation is a violation.
    const probe = { seq: 1, t: 0, node: null } as const;
    expect(markOf(s, { ...probe, type: 'fault', fault: 'speed', speed: 2 })).toBeNull();
    expect(markOf(s, { ...probe, type: 'fault', fault: 'heal' })).toBe('fault');
    expect(markOf(s, { ...probe, type: 'expect', that: 'x', passed: false, detail: '' })).toBe(
      'violation',
    );
    expect(markOf(s, { ...probe, type: 'expect', that: 'x', passed: true, detail: '' })).toBeNull();
  });

  it('jumps to the next and previous mark of a kind, and stays when there is none', () => {
    const store = createViewStore({ groups: [G], scheduler: immediateScheduler, every: 64 });
    store.getState().ingest(events);
    const st = store.getState;
    const elections = st().timeline.marks('election');
    expect(elections.length).toBeGreaterThan(1);
    // From live, back: the last election; its leader shows.
    expect(st().jump('election', -1)).toBe(elections[elections.length - 1].seq);
    const e = events.find((x) => x.seq === elections[elections.length - 1].seq)!;
    expect(e.type).toBe('role');
    if (e.type === 'role') expect(st().view.nodes[e.node!].groups[G].role).toBe('leader');
    // Back to the first, then forward to the second.
    st().seek(elections[0].seq);
    expect(st().jump('election', -1)).toBeNull();
    expect(st().cursor).toBe(elections[0].seq);
    expect(st().jump('election', 1)).toBe(elections[1].seq);
    expect(stateJson(st().view)).toBe(
      stateJson(fold(events.filter((x) => x.seq <= elections[1].seq))),
    );
    // No violation in this run: nowhere to jump, the cursor stays.
    expect(st().jump('violation', 1)).toBeNull();
    expect(st().cursor).toBe(elections[1].seq);
  });

  it('finds neighbours by binary search', () => {
    const marks = [10, 20, 30].map((seq) => ({ seq, t: seq }));
    expect(neighbourMark(marks, 5, 1)?.seq).toBe(10);
    expect(neighbourMark(marks, 10, 1)?.seq).toBe(20);
    expect(neighbourMark(marks, 30, 1)).toBeNull();
    expect(neighbourMark(marks, 30, -1)?.seq).toBe(20);
    expect(neighbourMark(marks, 31, -1)?.seq).toBe(30);
    expect(neighbourMark(marks, 10, -1)).toBeNull();
    expect(neighbourMark([], 10, -1)).toBeNull();
  });
});
