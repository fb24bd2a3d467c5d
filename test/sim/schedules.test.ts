// The random runner's schedules aimed at single planted bugs (src/sim/random.ts, weight 0 in the
// everyday mix; test/mutation draws them alone), run on the real core: each plays its steps to
// the end (seen in the trace) and the core keeps every check. That a mutated core fails them
// is the mutation suite's part (`npm run mutation`); this shows that their catches are not
// false alarms and that the schedules still reach the situation they are built for.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, DEFAULT_RANDOM_OPTIONS, runRandom } from '../../src/sim/random.ts';
import type { FaultKind, RandomOptions, RandomResult } from '../../src/sim/random.ts';
import { formatViolation } from '../../src/sim/runner.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/events.ts';

/** Fault table drawing only `kind`. */
function only(kind: FaultKind): RandomOptions['faults'] {
  return Object.fromEntries(
    Object.entries(DEFAULT_FAULTS).map(([k, spec]) => [k, { ...spec, weight: k === kind ? 1 : 0 }]),
  ) as RandomOptions['faults'];
}

function run(
  seed: number,
  nodes: number,
  kind: FaultKind,
  extra: Partial<RandomOptions> = {},
): { r: RandomResult; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  const trace = new TraceRecorder({ keep: false, listener: (e) => events.push(e) });
  const r = runRandom(seed, { nodes, faults: only(kind), recentEvents: 0, trace, ...extra });
  return { r, events };
}

function failures(r: RandomResult): string {
  if (r.violation !== null) return formatViolation(r.violation).join('\n');
  return [r.liveness, r.durability, r.history].filter((x) => x !== null).join('\n');
}

describe('schedules aimed at planted bugs, on the real core', () => {
  it('figure8-exact plays Figure 8 to its last step and nothing committed is lost', () => {
    // S1, S5 and W each crash once per full play. (The mutation suite runs 3 and 5 nodes.)
    const { r, events } = run(1, 5, 'figure8-exact', { batchSizes: [1] });
    expect(failures(r)).toBe('');
    expect(r.ok).toBe(true);
    const crashes = events.filter((e) => e.type === 'fault' && e.fault === 'crash').length;
    expect(crashes).toBeGreaterThanOrEqual(3);
  }, 180_000);

  it('quiet-cut makes a follower with an up-to-date log ask for pre-votes, which the lease refuses', () => {
    const { r, events } = run(3, 3, 'quiet-cut', { faultPhaseMs: 30_000 });
    expect(failures(r)).toBe('');
    expect(r.ok).toBe(true);
    const refused = events.filter(
      (e) => e.type === 'vote' && e.preVote && !e.granted && e.reject === 'in-lease',
    );
    expect(refused.length).toBeGreaterThan(0);
  }, 180_000);

  it('isolate-edge: with every clock inside the lease bound, the cut-off leader serves no stale read', () => {
    const { r, events } = run(1, 5, 'isolate-edge', { readModes: ['lease'], faultPhaseMs: 30_000 });
    expect(failures(r)).toBe('');
    expect(r.ok).toBe(true);
    expect(r.clockOutsideBound).toEqual([]);
    // The clocks were set to both edges of the bound.
    const rates = events.filter((e) => e.type === 'clock').map((e) => e.rate);
    expect(rates).toEqual(expect.arrayContaining([0.9, 1.1]));
  }, 180_000);
});

describe('the end of the fault phase', () => {
  it('drops fault steps that come due after healing (seed 846: a Figure 8 schedule crashed the new leader 47 ms after the heal)', () => {
    const events: TraceEvent[] = [];
    const trace = new TraceRecorder({ keep: false, listener: (e) => events.push(e) });
    const r = runRandom(846, { recentEvents: 0, trace });
    expect(failures(r)).toBe('');
    const phaseEnd = DEFAULT_RANDOM_OPTIONS.faultPhaseMs;
    const lateFaults = events.filter(
      (e) =>
        e.type === 'fault' &&
        e.t > phaseEnd &&
        (e.fault === 'crash' ||
          e.fault === 'pause' ||
          e.fault === 'partition' ||
          e.fault === 'cut'),
    );
    expect(lateFaults).toEqual([]);
  }, 180_000);
});
