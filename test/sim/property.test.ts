// Property: for any seed, a random fault schedule keeps every invariant, the cluster recovers
// once healed (a leader, and every new write acknowledged), no acknowledged write is lost, and
// the client history is linearizable.
//
// Sizing (issue 8, item 14). `npm test` runs a few short schedules (20 s of faults instead of
// 60 s) per cluster size, so each test needs a few seconds of CPU and stays far below the 120 s
// limit on a loaded 2-core machine; long runs belong in `npm run fuzz`, which sets FUZZ_RUNS
// (full-length schedules, the test's timeout scaled to the number of runs). FUZZ_SEED replays
// fast-check's choice of seeds; a failing simulator seed is printed with the command that
// re-runs it.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { reproduceCommand, runRandom } from '../../src/sim/random.ts';
import type { RandomOptions, RandomResult } from '../../src/sim/random.ts';
import { formatViolation } from '../../src/sim/runner.ts';

const fuzzing = process.env.FUZZ_RUNS !== undefined;
const runs = Number(process.env.FUZZ_RUNS ?? 2);
if (!Number.isInteger(runs) || runs < 1) {
  throw new Error(`FUZZ_RUNS must be a positive integer, got "${process.env.FUZZ_RUNS}"`);
}
const fcSeed = Number(process.env.FUZZ_SEED ?? (fuzzing ? Date.now() % 2 ** 31 : 20_251_126));
/** Short schedules in `npm test`; the full 60 s phase when fuzzing. */
const sizing: Partial<RandomOptions> = fuzzing ? {} : { faultPhaseMs: 20_000 };
/** Generous per-seed allowance when fuzzing (a seed takes 1–3 s of CPU; a loaded box is slower). */
const timeoutMs = fuzzing ? Math.max(120_000, runs * 30_000) : 120_000;

function explain(r: RandomResult, nodes: number): string {
  const lines = [`simulator seed ${r.seed} (${nodes} nodes, ${r.profile} timing) failed:`];
  if (r.violation !== null) lines.push(...formatViolation(r.violation));
  if (r.liveness !== null) lines.push(`LIVENESS ${r.liveness}`);
  if (r.durability !== null) lines.push(`DURABILITY ${r.durability}`);
  if (r.history !== null) lines.push(`HISTORY ${r.history}`);
  if (fuzzing) lines.push(`re-run: ${reproduceCommand(r.seed, nodes)}`);
  else lines.push(`re-run: runRandom(${r.seed}, { nodes: ${nodes}, faultPhaseMs: 20_000 })`);
  return lines.join('\n');
}

function property(nodes: number, extra: Partial<RandomOptions> = {}): void {
  console.log(
    `property (${nodes} nodes${extra.groups ? `, groups ${extra.groups.join(', ')}` : ''}): fast-check seed ${fcSeed}, ${runs} runs (replay with FUZZ_SEED=${fcSeed})`,
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      let r: RandomResult;
      try {
        r = runRandom(seed, { ...sizing, ...extra, nodes, recentEvents: 0 });
      } catch (err) {
        const message = `simulator seed ${seed} threw: ${(err as Error).stack}\nre-run: ${reproduceCommand(seed, nodes)}`;
        console.error(message);
        throw new Error(message, { cause: err });
      }
      if (r.ok) return true;
      const detailed =
        r.violation !== null
          ? runRandom(seed, { ...sizing, ...extra, nodes, recentEvents: 30 })
          : r;
      const message = explain(detailed, nodes);
      console.error(message);
      throw new Error(message);
    }),
    { numRuns: runs, seed: fcSeed + nodes, endOnFailure: true },
  );
}

describe('random fault schedules keep safety, liveness, durability and linearizability', () => {
  it(`on 3 nodes (${runs} seeds)`, () => property(3), timeoutMs);
  it(`on 5 nodes (${runs} seeds)`, () => property(5), timeoutMs);
  // Both generations of persistent naming data: clients and fault writes on the v1 datum store.
  it(
    `on 5 nodes with naming_persistent_service and _v2 (${runs} seeds)`,
    () => property(5, { groups: ['naming_persistent_service', 'naming_persistent_service_v2'] }),
    timeoutMs,
  );
});
