// Runs inside a mutated copy of the source (copied next to its src/ by run.ts): random seeds
// first..last through the simulator's random runner, one JSON line per seed on stdout, stopping
// at the first seed whose run fails unless --all is given.
// Usage: tsx worker.ts FIRST LAST [--all]
import type * as RandomModule from '../../src/sim/random.ts';

// The worker runs from the copy's root, next to the copied (and mutated) src/: load that one,
// never the repository's. The type comes from the repository's file, which has the same shape.
const { runRandom } = (await import(
  new URL('./src/sim/random.ts', import.meta.url).href
)) as typeof RandomModule;

interface SeedOutcome {
  seed: number;
  nodes: number;
  /** null: the run passed; else which check failed. */
  caughtBy: 'invariant' | 'durability' | 'linearizability' | 'liveness' | 'exception' | null;
  detail: string;
  /** A stale lease read under a clock outside the bound: expected, not counted. */
  expected: boolean;
}

function runSeed(seed: number): SeedOutcome {
  const nodes = seed % 3 === 0 ? 3 : 5;
  try {
    const r = runRandom(seed, { nodes, recentEvents: 0 });
    const expected = r.expectedStaleRead !== null;
    if (r.violation !== null) {
      const v = r.violation;
      return {
        seed,
        nodes,
        caughtBy: 'invariant',
        detail: `${v.invariant}: ${v.detail}`,
        expected,
      };
    }
    if (r.durability !== null)
      return { seed, nodes, caughtBy: 'durability', detail: r.durability, expected };
    if (r.history !== null && !/inconclusive|undecided/.test(r.history)) {
      return { seed, nodes, caughtBy: 'linearizability', detail: firstLine(r.history), expected };
    }
    if (r.liveness !== null)
      return { seed, nodes, caughtBy: 'liveness', detail: r.liveness, expected };
    return { seed, nodes, caughtBy: null, detail: '', expected };
  } catch (err) {
    const e = err as Error;
    return { seed, nodes, caughtBy: 'exception', detail: String(e.message), expected: false };
  }
}

function firstLine(s: string): string {
  return s.split('\n').slice(0, 2).join(' / ');
}

const [first, last] = process.argv.slice(2, 4).map(Number);
const all = process.argv.includes('--all');
if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first) {
  console.error(`worker: expected FIRST LAST seeds, got ${process.argv.slice(2).join(' ')}`);
  process.exit(2);
}
for (let seed = first; seed <= last; seed++) {
  const outcome = runSeed(seed);
  console.log(JSON.stringify(outcome));
  if (outcome.caughtBy !== null && !all) break;
}
