// Runs inside a mutated copy of the source (copied next to its src/ by run.ts): random seeds
// first..last through the simulator's random runner, one JSON line per seed on stdout, stopping
// at the first seed whose run fails unless --all is given.
// Usage: tsx worker.ts FIRST LAST [--all] [--options JSON]
// --options: a mutation's targeted options (mutations.ts, MutationOptions): `faults` keeps only
// the named fault kinds, with the given weights and their default durations.
import type * as RandomModule from '../../src/sim/random.ts';

// The worker runs from the copy's root, next to the copied (and mutated) src/: load that one,
// never the repository's. The type comes from the repository's file, which has the same shape.
const { runRandom, DEFAULT_FAULTS } = (await import(
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

interface TargetedOptions {
  faults?: Record<string, number>;
  batchSizes?: number[];
  readModes?: ('safe' | 'lease')[];
  profiles?: ('nacos' | 'lesson')[];
}

/** The runner's options for a mutation's targeted options. */
function runOptions(t: TargetedOptions): Partial<Parameters<typeof runRandom>[1]> {
  const { faults, ...rest } = t;
  if (faults === undefined) return rest;
  for (const k of Object.keys(faults)) {
    if (!(k in DEFAULT_FAULTS)) throw new Error(`worker: unknown fault kind "${k}" in --options`);
  }
  const table = Object.fromEntries(
    Object.entries(DEFAULT_FAULTS).map(([k, spec]) => [k, { ...spec, weight: faults[k] ?? 0 }]),
  ) as typeof DEFAULT_FAULTS;
  return { ...rest, faults: table };
}

function runSeed(seed: number, extra: Partial<Parameters<typeof runRandom>[1]>): SeedOutcome {
  const nodes = seed % 3 === 0 ? 3 : 5;
  try {
    const r = runRandom(seed, { ...extra, nodes, recentEvents: 0 });
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
const optionsAt = process.argv.indexOf('--options');
const extra = runOptions(
  optionsAt < 0 ? {} : (JSON.parse(process.argv[optionsAt + 1]) as TargetedOptions),
);
if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last < first) {
  console.error(`worker: expected FIRST LAST seeds, got ${process.argv.slice(2).join(' ')}`);
  process.exit(2);
}
for (let seed = first; seed <= last; seed++) {
  const outcome = runSeed(seed, extra);
  console.log(JSON.stringify(outcome));
  if (outcome.caughtBy !== null && !all) break;
}
