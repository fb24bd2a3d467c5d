// Golden traces (etcd's data-driven tests, in trace form): a few scenarios whose full trace is
// checked in next to them. Any change to behaviour or to the trace format shows up as a
// readable diff in the test; `npm run golden:update` writes the new traces after a review.
// Invariant: a golden file is exactly the JSON Lines export of its scenario's run (header and
// every event), so what is checked in is what `npm run sim -- --trace` writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText } from '../../src/scenario/format.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';

export const GOLDEN_DIR = import.meta.dirname;

/** The golden scenarios: a path relative to the repository, and the name of its trace file. */
export const GOLDEN_SCENARIOS: readonly { scenario: string; trace: string }[] = [
  { scenario: 'test/scenarios/figure8.json', trace: 'figure8.trace.jsonl' },
  { scenario: 'test/golden/forward-crash.json', trace: 'forward-crash.trace.jsonl' },
  { scenario: 'test/golden/partition-heal.json', trace: 'partition-heal.trace.jsonl' },
];

const ROOT = join(GOLDEN_DIR, '..', '..');

/** The trace file a run of the scenario at `path` (relative to the repository) writes. */
export function goldenTrace(path: string): string {
  const parsed = parseScenarioText(readFileSync(join(ROOT, path), 'utf8'));
  if (!parsed.ok) throw new Error(`${path} is invalid:\n${parsed.errors.join('\n')}`);
  const recorder = new TraceRecorder();
  const { header, result } = runScenario(parsed.scenario, { trace: recorder });
  if (!result.ok)
    throw new Error(`${path} does not pass; a golden trace must come from a passing run`);
  return recorder.toJsonl(header);
}

/**
 * Where two traces first differ, as a few numbered lines of each around it, or null when they
 * are equal. Events are one per line, so the first differing line is the first differing event.
 */
export function describeDifference(expected: string, actual: string, context = 3): string | null {
  if (expected === actual) return null;
  const want = expected.split('\n');
  const got = actual.split('\n');
  let i = 0;
  while (i < want.length && i < got.length && want[i] === got[i]) i++;
  const from = Math.max(0, i - context);
  const show = (lines: string[], mark: string): string[] =>
    lines
      .slice(from, i + context + 1)
      .map((l, k) => `${from + k === i ? mark : ' '} ${String(from + k + 1).padStart(6)} ${l}`);
  return [
    `first difference at line ${i + 1} (expected ${want.length} lines, got ${got.length}):`,
    '--- expected (checked in)',
    ...show(want, '-'),
    '+++ actual (this run)',
    ...show(got, '+'),
    'if the change is intended: npm run golden:update, and review the diff in git',
  ].join('\n');
}
