// Tests of the request path, the extra series and the raw/check records of the view model, on
// real simulator traces: a write through a follower is forwarded, proposed, committed, applied
// on every node (also after its outcome) and settled once; commit latency and elections are
// counted; the raw events and the client history are kept within their bounds.
import { describe, expect, it } from 'vitest';
import { LESSON_TIMING } from '../node/node.ts';
import { nodeIds } from '../scenario/format.ts';
import { Simulator } from '../sim/cluster.ts';
import type { TraceEvent } from '../trace/events.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { emptyState, RECENT_REQUESTS, type RequestView, type ViewState } from './model.ts';
import { plToArray } from './plist.ts';
import { reduce } from './reduce.ts';
import { recordRaw } from './reduceChecks.ts';

const G = 'nacos_config';

function fold(events: readonly TraceEvent[]): ViewState {
  let s = emptyState([G]);
  for (const e of events) s = reduce(s, e);
  return s;
}

function cluster(seed: number): { sim: Simulator; trace: TraceRecorder } {
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: nodeIds(3),
    groups: [G],
    timing: LESSON_TIMING,
    network: { delayMsMin: 5, delayMsMax: 20 },
    trace,
    // A write through a follower right after the election: textbook routing (under nacos the
    // route table may not know the leader yet).
    fidelity: 'textbook',
  });
  sim.start();
  sim.runUntilTrue(() => sim.leaderOf(G) !== null, 10_000);
  sim.runFor(2000);
  return { sim, trace };
}

function settled(s: ViewState): RequestView[] {
  return plToArray(s.recentRequests);
}

describe('the request path', () => {
  it("names a request as its node will from the client's invoke on (older traces: op and key)", () => {
    const { sim, trace } = cluster(5);
    const follower = sim.followersOf(G)[0];
    const from = trace.events().length;
    sim.write(follower, G, { type: 'publish', dataId: 'named.yaml', content: 'x' });
    const events = trace.events().slice(from);
    const invoke = events.find((e) => e.type === 'invoke')!;
    const request = events.find((e) => e.type === 'request')!;
    expect(request.type === 'request' && request.label).toBe('publish named.yaml');
    // Only the invoke folded: the list already says what the node will say.
    const before = fold(trace.events().slice(0, trace.events().indexOf(invoke) + 1));
    const id = invoke.type === 'invoke' ? invoke.requestId! : '';
    expect(before.requests.get(id)?.label).toBe('publish named.yaml');
    // A trace from before the invoke carried a label: the history's op and key.
    const { label: _label, ...old } = invoke as Extract<TraceEvent, { type: 'invoke' }>;
    void _label;
    const legacy = reduce(fold(trace.events().slice(0, trace.events().indexOf(invoke))), old);
    expect(legacy.requests.get(id)?.label).toBe('put named.yaml/DEFAULT_GROUP/');
  });

  it('follows a write through a follower to an ok with an apply on every node', () => {
    const { sim, trace } = cluster(3);
    const follower = sim.followersOf(G)[0];
    const leader = sim.leaderOf(G)!;
    sim.write(follower, G, { type: 'publish', dataId: 'a', content: 'v1' });
    sim.runFor(1000);
    const s = fold(trace.events());
    const done = settled(s).filter((r) => r.label === 'publish a');
    expect(done).toHaveLength(1);
    const r = done[0];
    expect(r.outcome).toBe('ok');
    expect(r.client).toBe(true);
    expect(r.node).toBe(follower);
    expect(r.entry).not.toBeNull();
    const names = r.stages.map((x) => x.stage);
    expect(names[0]).toBe('invoke');
    expect(r.stages.find((x) => x.stage === 'forward')).toMatchObject({
      node: follower,
      to: leader,
    });
    expect(names).toContain('forward-recv');
    expect(r.stages.find((x) => x.stage === 'propose')?.node).toBe(leader);
    expect(names).toContain('commit');
    // Every node applied it, the last one after the client had its answer.
    const applied = new Set(r.stages.filter((x) => x.stage === 'apply').map((x) => x.node));
    expect([...applied].sort()).toEqual(['n1', 'n2', 'n3']);
    expect(names.indexOf('ok')).toBeLessThan(names.lastIndexOf('apply'));
    // Stages in time order, and the outcome counted once.
    const times = r.stages.map((x) => x.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const buckets = [...plToArray(s.series.buckets), s.series.current!];
    expect(buckets.reduce((n, b) => n + b.ok, 0)).toBe(1);
  });

  it('counts commit latency and elections in the series', () => {
    const { sim, trace } = cluster(5);
    for (let i = 0; i < 10; i++) {
      sim.write(sim.leaderOf(G)!, G, { type: 'publish', dataId: `k${i}`, content: 'x' });
      sim.runFor(50);
    }
    sim.runFor(500);
    const s = fold(trace.events());
    const buckets = [...plToArray(s.series.buckets), s.series.current!];
    const count = buckets.reduce((n, b) => n + b.commitLatencyCount, 0);
    const sum = buckets.reduce((n, b) => n + b.commitLatencyMsSum, 0);
    expect(count).toBe(10);
    expect(sum).toBeGreaterThan(0);
    for (const b of buckets) {
      if (b.commitLatencyCount > 0) {
        expect(b.commitLatencyMsMax).toBeGreaterThanOrEqual(
          b.commitLatencyMsSum / b.commitLatencyCount,
        );
      }
    }
    expect(buckets.reduce((n, b) => n + b.elections, 0)).toBeGreaterThanOrEqual(1);
    expect(buckets.reduce((n, b) => n + b.leaderChanges, 0)).toBeGreaterThanOrEqual(1);
  });

  it('records why a read fell back to the log', () => {
    const { sim, trace } = cluster(9);
    // A leader that has not committed in its term refuses ReadIndex: crash the leader, then
    // read at the new leader as soon as it is elected.
    const old = sim.leaderOf(G)!;
    sim.crash(old);
    sim.runUntilTrue(() => {
      const l = sim.leaderOf(G);
      return l !== null && l !== old;
    }, 20_000);
    const leader = sim.leaderOf(G)!;
    sim.read(leader, G, { type: 'get', dataId: 'a' });
    sim.runFor(1000);
    const s = fold(trace.events());
    const reads = settled(s).filter((r) => r.kind === 'read');
    expect(reads.length).toBeGreaterThan(0);
    const stage = reads[0].stages.find((x) => x.stage === 'read-index');
    expect(stage).toBeDefined();
    // Either ReadIndex answered (an index) or it failed and the read went through the log.
    if (stage!.index! < 0) expect(stage!.detail).toMatch(/read through the log/);
    else expect(stage!.index).toBeGreaterThan(0);
  });
});

describe('raw events and the client history', () => {
  it('keeps the most recent events and the history from its start', () => {
    const { sim, trace } = cluster(4);
    for (let i = 0; i < 5; i++) {
      sim.write(sim.leaderOf(G)!, G, { type: 'publish', dataId: 'k', content: `v${i}` });
      sim.runFor(100);
    }
    const events = trace.events();
    const s = fold(events);
    expect(s.checks.events.length + s.checks.eventsDropped).toBe(events.length);
    const history = plToArray(s.checks.history);
    expect(history.map((e) => e.seq)).toEqual(
      events.filter((e) => ['invoke', 'ok', 'fail', 'info'].includes(e.type)).map((e) => e.seq),
    );
    expect(history.length).toBe(10);
  });

  it('counts every settled request by outcome beyond the bound of the list', () => {
    const { sim, trace } = cluster(6);
    const writes = RECENT_REQUESTS + 30;
    for (let i = 0; i < writes; i++) {
      sim.write(sim.leaderOf(G)!, G, { type: 'publish', dataId: `k${i % 7}`, content: `v${i}` });
      if (i % 50 === 49) sim.runFor(200);
    }
    // Refused by the processor's checks: definite failures.
    for (let i = 0; i < 3; i++) sim.write(sim.leaderOf(G)!, G, { type: 'publish', content: 'x' });
    sim.runFor(2000);
    const events = trace.events();
    const s = fold(events);
    const outcomes = (type: string) => events.filter((e) => e.type === type).length;
    expect(outcomes('ok')).toBe(writes);
    expect(s.requestTotals[G]).toEqual({ ok: writes, fail: 3, info: outcomes('info') });
    expect(s.recentRequests.length).toBe(RECENT_REQUESTS);
    expect(s.requests.size).toBe(0);
  });

  it('keeps violations and expectations', () => {
    let s = emptyState([G]);
    const v: TraceEvent = {
      seq: 0,
      t: 5,
      node: 'n1',
      type: 'violation',
      invariant: 'election-safety',
      detail: 'two leaders in term 3',
    };
    s = recordRaw(s, v);
    expect(plToArray(s.checks.checks)).toEqual([v]);
  });
});

describe('requests past their outcome', () => {
  let seq = 0;
  const ev = (node: string, body: Record<string, unknown>): TraceEvent =>
    ({ seq: seq++, t: seq * 10, node, ...body }) as TraceEvent;
  const noops = [
    [1, 1, 'noop', ''],
    [2, 1, 'noop', ''],
  ];
  const hist = { group: G, process: 'c1', op: 'put', key: 'a', value: 'v', requestId: 'c1' };

  it('puts a late proposal, commit and apply on the settled request, never reopening it', () => {
    seq = 0;
    const events = [
      ev('n2', { type: 'invoke', ...hist }),
      ev('n2', { type: 'request', group: G, requestId: 'c1', kind: 'write', label: 'publish a' }),
      ev('n2', { type: 'info', ...hist, result: 'timeout' }),
      ev('n1', { type: 'propose', group: G, requestId: 'c1', index: 3, term: 1 }),
      ev('n1', {
        type: 'append',
        group: G,
        entries: [...noops, [3, 1, 'normal', 'publish a', 'c1']],
      }),
      ev('n1', { type: 'commit', group: G, index: 3 }),
      ev('n1', { type: 'apply', group: G, index: 3, term: 1, op: {}, result: {}, requestId: 'c1' }),
    ];
    const s = fold(events);
    expect(s.requests.size).toBe(0);
    const [r] = settled(s);
    expect(r.outcome).toBe('info');
    expect(r.entry).toEqual({ index: 3, term: 1 });
    expect(r.stages.map((x) => x.stage)).toEqual(['invoke', 'info', 'propose', 'commit', 'apply']);
  });

  it('does not count a commit of another entry written at the same index (§5.3)', () => {
    seq = 0;
    const events = [
      ev('n2', { type: 'request', group: G, requestId: 'c2', kind: 'write', label: 'publish b' }),
      ev('n1', { type: 'propose', group: G, requestId: 'c2', index: 3, term: 1 }),
      ev('n1', {
        type: 'append',
        group: G,
        entries: [...noops, [3, 1, 'normal', 'publish b', 'c2']],
      }),
      // A new leader of term 2 wrote index 3 itself and commits it.
      ev('n3', { type: 'append', group: G, entries: [...noops, [3, 2, 'noop', '']] }),
      ev('n3', { type: 'commit', group: G, index: 3 }),
    ];
    const s = fold(events);
    const r = s.requests.get('c2')!;
    expect(r.stages.map((x) => x.stage)).toEqual(['invoke', 'propose']);
  });
});
