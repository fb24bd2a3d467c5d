// Traces the trace-tool tests read: the checked-in golden traces (scenarios with a crash, a
// partition and Figure 8) and two short random simulator runs with faults and clients, each
// generated once per test file. Invariant: every fixture is a real run's export read back
// through the CLI's reader, so the tests see what a user's file holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_RANDOM_OPTIONS,
  planScenario,
  randomPlan,
  runRandom,
} from '../../src/sim/random.ts';
import { traceHeader } from '../../src/sim/runner.ts';
import type { Trace } from '../../src/trace/convert/read.ts';
import { readTraceText } from '../../src/trace/convert/read.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';

const GOLDEN = join(import.meta.dirname, '..', 'golden');

export const GOLDEN_TRACES = [
  'figure8.trace.jsonl',
  'forward-crash.trace.jsonl',
  'partition-heal.trace.jsonl',
] as const;

/** A trace's text, read back into a trace (throws with the reader's errors if it does not read). */
export function readBack(text: string, what: string): Trace {
  const r = readTraceText(text);
  if (!r.ok) throw new Error(`${what} does not read back:\n${r.errors.join('\n')}`);
  return r.trace;
}

export function goldenText(name: string): string {
  return readFileSync(join(GOLDEN, name), 'utf8');
}

export function goldenTrace(name: string): Trace {
  return readBack(goldenText(name), name);
}

/** Seeds of the random runs: both have faults (crash, partition or network) and clients. */
export const RANDOM_SEEDS = [3, 8] as const;

const randomCache = new Map<number, { text: string; trace: Trace; simOk: boolean }>();

/** A random simulator run of `seed` (15 s of faults, 4 clients), as its exported text and trace. */
export function randomRun(seed: number): { text: string; trace: Trace; simOk: boolean } {
  const cached = randomCache.get(seed);
  if (cached !== undefined) return cached;
  const opts = { faultPhaseMs: 15_000, clients: 4 };
  const recorder = new TraceRecorder();
  const result = runRandom(seed, { ...opts, trace: recorder });
  const scenario = planScenario(randomPlan(seed, opts), { ...DEFAULT_RANDOM_OPTIONS, ...opts });
  const text = recorder.toJsonl(traceHeader(scenario, seed));
  const run = { text, trace: readBack(text, `random seed ${seed}`), simOk: result.ok };
  randomCache.set(seed, run);
  return run;
}

/** Every fixture by name. */
export function allTraces(): { name: string; trace: Trace }[] {
  return [
    ...GOLDEN_TRACES.map((name) => ({ name, trace: goldenTrace(name) })),
    ...RANDOM_SEEDS.map((seed) => ({ name: `random seed ${seed}`, trace: randomRun(seed).trace })),
  ];
}
