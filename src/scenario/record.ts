// A recording: the part of a run between Record and Stop, as a scenario file. The run's steps
// come from src/trace/reproduce.ts (faults and client operations of the trace at their cluster
// times); this keeps the ones at or after the recording's start, keeps their cluster times, and
// ends the scenario when the recording stopped.
// Invariants: pure; steps keep their cluster times and order; what is left out (actions before
// Record) is counted and said in the description, never dropped silently; the result is
// validated by parseScenario.
import { parseScenario, type Scenario } from './format.ts';

export type RecordingResult =
  { ok: true; scenario: Scenario; before: number } | { ok: false; errors: string[] };

/**
 * The steps of `run` (a whole run as a scenario) from cluster time `fromMs` up to `toMs`, as a
 * scenario named `name` that lasts until `toMs` (or its last step, if later).
 */
export function recordingOf(
  run: Scenario,
  fromMs: number,
  toMs: number,
  name = 'recording',
): RecordingResult {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs < 0 || toMs < fromMs) {
    return { ok: false, errors: [`recording: bad window ${fromMs} .. ${toMs} ms`] };
  }
  const from = Math.floor(fromMs);
  const steps = run.steps.filter((s) => s.at >= from);
  const before = run.steps.length - steps.length;
  const last = steps.reduce((m, s) => Math.max(m, s.at), 0);
  const lead =
    `Recorded from ${(from / 1000).toFixed(1)} s to ${(toMs / 1000).toFixed(1)} s of cluster ` +
    'time; steps keep their cluster times.';
  const leftOut =
    before === 0
      ? ''
      : ` ${before} action(s) before the recording started are left out, so the cluster ` +
        'they act on may differ from the recorded one.';
  const input = {
    ...run,
    name,
    description: `${lead}${leftOut} ${run.description ?? ''}`.trim(),
    steps,
    durationMs: Math.max(1, Math.ceil(toMs), last),
  };
  const parsed = parseScenario(input);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  return { ok: true, scenario: parsed.scenario, before };
}
