// Determinism: a seed decides the whole run, so two runs of one seed write byte-identical traces,
// with tracing on or off making no difference to what happens.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { importTrace } from '../../src/trace/jsonl.ts';
import { parseScenario } from '../../src/scenario/format.ts';
import type { Scenario } from '../../src/scenario/format.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { runRandom } from '../../src/sim/random.ts';

const G = 'nacos_config';

function busyScenario(seed: number): Scenario {
  const publish = (content: string) => ({
    type: 'publish',
    dataId: 'k',
    group: 'DEFAULT_GROUP',
    content,
  });
  const parsed = parseScenario({
    name: 'busy',
    seed,
    cluster: {
      nodes: 5,
      raft: { profile: 'lesson' },
      network: { delayMs: [5, 80], drop: 0.05, duplicate: 0.05 },
    },
    steps: [
      { at: 3000, do: 'write', node: 'n1', group: G, op: publish('a') },
      { at: 3500, do: 'write', node: `@leader:${G}`, group: G, op: publish('b') },
      {
        at: 4000,
        do: 'partition',
        sides: [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      },
      { at: 4200, do: 'write', node: `@leader:${G}`, group: G, op: publish('c') },
      { at: 5000, do: 'crash', node: `@follower:${G}` },
      { at: 6000, do: 'skew', node: 'n4', rate: 1.5 },
      { at: 7000, do: 'pause', node: 'n5' },
      { at: 9000, do: 'heal' },
      { at: 9000, do: 'resume', node: 'n5' },
      { at: 9500, do: 'restart', node: 'n1' },
      { at: 9500, do: 'restart', node: 'n2' },
      { at: 9500, do: 'restart', node: 'n3' },
      { at: 9500, do: 'restart', node: 'n4' },
      { at: 9500, do: 'restart', node: 'n5' },
      { at: 11_000, do: 'write', node: `@leader:${G}`, group: G, op: publish('d') },
    ],
    durationMs: 15_000,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.scenario;
}

function traceOf(scenario: Scenario): string {
  const { trace, header } = runScenario(scenario);
  return trace!.toJsonl(header);
}

describe('determinism', () => {
  it('the same scenario and seed give a byte-identical trace', () => {
    const seed = 17;
    console.log(`determinism: scenario seed ${seed}`);
    const a = traceOf(busyScenario(seed));
    const b = traceOf(busyScenario(seed));
    expect(a.length).toBeGreaterThan(10_000);
    expect(a === b).toBe(true);
    expect(traceOf(busyScenario(seed + 1))).not.toBe(a);
  });

  it('the trace imports cleanly and holds every kind of network event', () => {
    const text = traceOf(busyScenario(17));
    const imported = importTrace(text);
    if (!imported.ok) throw new Error(imported.errors.join('\n'));
    const types = new Set(imported.events.map((e) => e.type));
    for (const t of [
      'send',
      'recv',
      'drop',
      'persist',
      'role',
      'fault',
      'invoke',
      'node-crash',
      'node-restart',
    ]) {
      expect(types, t).toContain(t);
    }
    const seqs = imported.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it('a random run is the same with or without tracing', () => {
    const seed = 23;
    console.log(`determinism: random seed ${seed}`);
    const recorder = new TraceRecorder();
    const traced = runRandom(seed, { trace: recorder });
    const quiet = runRandom(seed, { recentEvents: 0 });
    expect(quiet).toEqual({ ...traced });
    expect(recorder.size).toBeGreaterThan(1000);
    const again = new TraceRecorder();
    runRandom(seed, { trace: again });
    expect(again.toJsonl(header(seed))).toBe(recorder.toJsonl(header(seed)));
  });

  it('archiving old log entries changes nothing: tiny chunks give the same trace and verdicts', () => {
    // Chunks of 2 keeping 0 archive almost every applied entry, so replication to lagging
    // followers, snapshots, truncations and restarts all read through the archive.
    for (const seed of [5, 23, 61, 404]) {
      const plain = new TraceRecorder();
      const packed = new TraceRecorder();
      const a = runRandom(seed, { trace: plain, faultPhaseMs: 20_000 });
      const b = runRandom(seed, {
        trace: packed,
        faultPhaseMs: 20_000,
        logArchive: { chunk: 2, keep: 0 },
      });
      expect(b, `seed ${seed}`).toEqual(a);
      expect(packed.size, `seed ${seed}`).toBe(plain.size);
      expect(packed.toJsonl(header(seed)) === plain.toJsonl(header(seed)), `seed ${seed}`).toBe(
        true,
      );
    }
  });
});

function header(seed: number) {
  return {
    format: 'raft-playground-trace' as const,
    version: 2 as const,
    engine: 'cli' as const,
    appVersion: 'test',
    seed,
    scenario: null,
    cluster: { nodes: [], groups: [G], raft: null, network: null },
    initial: null,
  };
}
