// Property: for any seed, a random fault schedule keeps every invariant, the cluster recovers
// once healed (a leader, and every new write acknowledged), and no acknowledged write is lost.
// 200 seeds in `npm test`; FUZZ_RUNS raises it (`npm run fuzz`). FUZZ_SEED replays fast-check's
// choice of seeds; a failing simulator seed is printed with the command that re-runs it.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { reproduceCommand, runRandom } from '../../src/sim/random.ts';
import type { RandomResult } from '../../src/sim/random.ts';
import { formatViolation } from '../../src/sim/runner.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 200);
const fcSeed = Number(
  process.env.FUZZ_SEED ?? (process.env.FUZZ_RUNS ? Date.now() % 2 ** 31 : 20_251_126),
);
const NODES = [3, 5];

function explain(r: RandomResult, nodes: number): string {
  const lines = [`simulator seed ${r.seed} (${nodes} nodes, ${r.profile} timing) failed:`];
  if (r.violation !== null) lines.push(...formatViolation(r.violation));
  if (r.liveness !== null) lines.push(`LIVENESS ${r.liveness}`);
  if (r.durability !== null) lines.push(`DURABILITY ${r.durability}`);
  lines.push(`re-run: ${reproduceCommand(r.seed, nodes)}`);
  return lines.join('\n');
}

describe('random fault schedules', () => {
  it(`keep safety, liveness and durability (${runs} seeds)`, () => {
    console.log(
      `property: fast-check seed ${fcSeed}, ${runs} runs (replay with FUZZ_SEED=${fcSeed})`,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(...NODES),
        (seed, nodes) => {
          let r: RandomResult;
          try {
            r = runRandom(seed, { nodes, recentEvents: 0 });
          } catch (err) {
            const message = `simulator seed ${seed} threw: ${(err as Error).stack}\nre-run: ${reproduceCommand(seed, nodes)}`;
            console.error(message);
            throw new Error(message, { cause: err });
          }
          if (r.ok) return true;
          const detailed = r.violation !== null ? runRandom(seed, { nodes, recentEvents: 30 }) : r;
          const message = explain(detailed, nodes);
          console.error(message);
          throw new Error(message);
        },
      ),
      { numRuns: runs, seed: fcSeed, endOnFailure: true },
    );
  });
});
