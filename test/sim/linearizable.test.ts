// Client histories under faults are linearizable: simulated clients drive the config store and
// the instance registry (and, in their own runs, the v1 datum store beside it) through every node (so writes are forwarded and reads fall back through
// the log) while the leader is partitioned away, crashed and restarted; the checker accepts the
// history, and rejects it once a stale read is planted in it. Clients back off after a failure
// and try another node, so a leaderless spell costs a few failed requests, not a third of them.
// Seeds are printed.
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../src/sim/cluster.ts';
import { backoffMs, startClients } from '../../src/sim/clients.ts';
import { SeededRng } from '../../src/raft/rand.ts';
import { Workload } from '../../src/sim/workload.ts';
import { LESSON_TIMING } from '../../src/node/node.ts';
import { checkHistory, formatCheckResult } from '../../src/trace/linearizability.ts';
import { defaultModels } from '../../src/trace/models.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';

const GROUPS = ['nacos_config', 'naming_persistent_service_v2'];
/** Both generations of persistent naming data: the v1 key→datum store beside the v2 registry. */
const NAMING_GROUPS = ['naming_persistent_service', 'naming_persistent_service_v2'];

function run(
  seed: number,
  groups: string[] = GROUPS,
): {
  events: TraceEvent[];
  trace: TraceEvent[];
  ok: number;
  info: number;
} {
  const recorder = new TraceRecorder();
  const sim = new Simulator({
    trace: recorder,
    seed,
    nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
    groups,
    timing: LESSON_TIMING,
    network: { delayMsMin: 1, delayMsMax: 20, dropRatio: 0.01, duplicateRatio: 0.01 },
  });
  sim.start();
  const workload = new Workload(sim.random.fork(), { groups, clients: 16 });
  const clients = startClients(sim, workload, { clients: 16, untilMs: 40_000 });
  sim.runUntil(8_000);
  const leader = sim.leaderOf(groups[0]);
  if (leader) {
    sim.partition([[leader], sim.nodeIds.filter((id) => id !== leader)]);
  }
  sim.runUntil(15_000);
  sim.heal();
  const victim = sim.leaderOf('naming_persistent_service_v2');
  if (victim) sim.crash(victim);
  sim.runUntil(22_000);
  if (victim) sim.restart(victim);
  sim.runUntil(60_000);
  expect(sim.violation).toBeNull();
  expect(clients.inFlight()).toBe(0);
  return {
    events: clients.history.events,
    trace: [...recorder.events()],
    ok: clients.stats.ok,
    info: clients.stats.info,
  };
}

/** `events` with a read of `key` appended on a new process, after everything, answering `result`. */
function withStaleRead(
  events: TraceEvent[],
  group: string,
  key: string,
  result: Record<string, unknown>,
): TraceEvent[] {
  const seq = events[events.length - 1].seq;
  const t = events[events.length - 1].t;
  const base = { group, process: 'stale-reader', op: 'get', key, value: null };
  return [
    ...events,
    { ...base, type: 'invoke', seq: seq + 1, t, node: 'n1' },
    { ...base, type: 'ok', result, seq: seq + 2, t, node: 'n1' },
  ];
}

describe('client histories under faults', () => {
  for (const seed of [1, 2, 3]) {
    it(`are linearizable (seed ${seed})`, () => {
      console.log(`linearizability: seed ${seed}`);
      const { events, trace, ok } = run(seed);
      expect(ok).toBeGreaterThan(200);
      const result = checkHistory(events, defaultModels());
      if (result.ok !== true) console.log(formatCheckResult(result));
      expect(result.ok).toBe(true);
      // The simulator's own trace carries the same history, checkable as it is.
      const fromTrace = checkHistory(trace, defaultModels());
      if (fromTrace.ok !== true) console.log(formatCheckResult(fromTrace));
      expect(fromTrace).toMatchObject({ ok: true, operations: expect.any(Number) });
      expect((fromTrace as { operations: number }).operations).toBeGreaterThan(ok);
    });
  }

  for (const seed of [1, 2]) {
    it(`are linearizable over the v1 datum store and the v2 registry (seed ${seed})`, () => {
      console.log(`linearizability (naming v1 + v2): seed ${seed}`);
      const { events, trace, ok } = run(seed, NAMING_GROUPS);
      expect(ok).toBeGreaterThan(200);
      const v1 = events.filter((e) => e.type === 'ok' && e.group === 'naming_persistent_service');
      // Single-key puts, removes and gets, and some batches the checker splits per key.
      for (const op of ['put', 'remove', 'get', 'put-batch', 'get-batch']) {
        expect(v1.filter((e) => e.type === 'ok' && e.op === op).length, op).toBeGreaterThan(0);
      }
      for (const history of [events, trace]) {
        const result = checkHistory(history, defaultModels());
        if (result.ok !== true) console.log(formatCheckResult(result));
        expect(result.ok).toBe(true);
      }
    });
  }

  it('a stale v1 read is caught', () => {
    const { events } = run(3, NAMING_GROUPS);
    type Ok = Extract<TraceEvent, { type: 'ok' }>;
    const puts = events.filter(
      (e): e is Ok => e.type === 'ok' && e.op === 'put' && e.group === 'naming_persistent_service',
    );
    const last = puts[puts.length - 1];
    const earlier = puts.find((e) => e.key === last.key && e.seq < last.seq);
    expect(earlier).toBeDefined();
    const tampered = withStaleRead(events, 'naming_persistent_service', last.key, {
      found: true,
      value: earlier!.value,
    });
    expect(checkHistory(events, defaultModels()).ok).toBe(true);
    const result = checkHistory(tampered, defaultModels());
    expect(result).toMatchObject({ ok: false, kind: 'not-linearizable', key: last.key });
  });

  it('a planted stale read is caught', () => {
    const { events } = run(4);
    // Find a get that saw a value, after which the same key was overwritten by a completed put,
    // and append a later read of the old value on another process.
    type Ok = Extract<TraceEvent, { type: 'ok' }>;
    const puts = events.filter((e): e is Ok => e.type === 'ok' && e.op === 'put');
    const last = puts[puts.length - 1];
    const earlier = puts.find(
      (e) => e.key === last.key && e.seq < last.seq && e.value !== last.value,
    );
    expect(earlier).toBeDefined();
    const tampered = withStaleRead(events, 'nacos_config', last.key, {
      found: true,
      content: earlier!.value,
    });
    const result = checkHistory(tampered, defaultModels());
    expect(result.ok).toBe(false);
  });

  it('clients back off after failures and retry on another node', () => {
    const { events } = run(5);
    const ends = events.filter((e) => e.type === 'ok' || e.type === 'fail' || e.type === 'info');
    const failed = ends.filter((e) => e.type === 'fail').length;
    console.log(`back-off: ${failed} of ${ends.length} client operations failed`);
    // Without back-off (a retry every few ms) about 30 % of this schedule's operations fail.
    expect(failed / ends.length).toBeLessThan(0.15);
    // A client's next request after a refusal goes to another node (the schedule keeps at
    // least four of the five up).
    const lastFail = new Map<string, string | null>();
    let moved = 0;
    for (const e of events) {
      const client = e.type === 'invoke' || e.type === 'fail' ? e.process.split('.')[0] : null;
      if (client === null) continue;
      if (e.type === 'fail') lastFail.set(client, e.node);
      else if (lastFail.has(client)) {
        expect(e.node).not.toBe(lastFail.get(client));
        lastFail.delete(client);
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(50);
  });

  it('back-off grows exponentially with equal jitter, bounded', () => {
    const rng = new SeededRng(7);
    expect(backoffMs(rng, 0, 100, 3000)).toBe(0);
    for (let failures = 1; failures <= 40; failures++) {
      const ceiling = Math.min(3000, 100 * 2 ** (failures - 1));
      for (let k = 0; k < 20; k++) {
        const d = backoffMs(rng, failures, 100, 3000);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    const a = new SeededRng(9);
    const b = new SeededRng(9);
    const draws = (r: SeededRng): number[] => [1, 2, 3, 4].map((f) => backoffMs(r, f, 100, 3000));
    expect(draws(a)).toEqual(draws(b));
  });
});
