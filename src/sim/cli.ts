// The simulator's command line (`npm run sim -- …`): run a scenario file, or random fault
// schedules over a range of seeds. The only file of src/sim that touches the world (arguments,
// files, the wall clock, the exit code). Exit codes: 0 all passed; 1 a violation, failed
// expectation, step error, liveness or durability failure; 2 bad arguments, an invalid scenario
// or an output path that cannot be written. Every flag and path is checked before anything runs,
// so a run never ends in an error it could have reported at the start.
import {
  accessSync,
  constants,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceRecorder } from '../trace/recorder.ts';
import type { TraceHeader } from '../trace/events.ts';
import { parseScenarioText } from '../scenario/format.ts';
import { formatRunResult, formatViolation, runScenario, traceHeader } from './runner.ts';
import {
  DEFAULT_RANDOM_OPTIONS,
  emptyCoverage,
  planScenario,
  randomPlan,
  reproduceCommand,
  runRandom,
} from './random.ts';
import type { RandomCoverage, RandomResult } from './random.ts';
import { checkBound, LIMITS } from '../scenario/limits.ts';

const USAGE = `usage:
  npm run sim -- --scenario FILE [--seed N] [--trace OUT.jsonl]
      run a scenario file; prints leaders by term, commit index per node, expectations,
      violations; exits 1 on any violation, failed expect or step error, 2 if the file is invalid
  npm run sim -- --random --seeds A-B [--nodes N] [--no-check-joins] [--trace OUT.jsonl]
      run random fault schedules for seeds A..B (or one seed N): network and process faults,
      nodes added and removed, leadership transfers, snapshots (some seeds also snapshot every
      few entries), with clients running a mixed config/registry workload through every node;
      then heal and check liveness, durability and that the client history is linearizable
      (a history that is not counts as a violation); prints what the runs exercised;
      every added node must become a voter after healing (--no-check-joins skips that);
      --trace writes the trace of the first failing seed (or of the last seed when none fails)
  seeds are 0..${LIMITS.seed.max}, at most ${LIMITS.seedsPerRun.max} per run; --nodes is ${LIMITS.nodes.min}..${LIMITS.nodes.max}`;

export interface Args {
  scenario?: string;
  random: boolean;
  seeds?: [number, number];
  seed?: number;
  nodes?: number;
  checkJoins: boolean;
  trace?: string;
}

export class UsageError extends Error {}

/** The command line's flags, every one checked; throws UsageError naming the first bad one. */
export function parseArgs(argv: string[]): Args {
  const args: Args = { random: false, checkJoins: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--scenario':
        args.scenario = value();
        break;
      case '--random':
        args.random = true;
        break;
      case '--seeds':
        args.seeds = parseSeeds(value());
        break;
      case '--seed':
        args.seed = parseSeed(value(), '--seed');
        break;
      case '--nodes':
        args.nodes = parseInteger(value(), '--nodes');
        refuseOutside(args.nodes, LIMITS.nodes, '--nodes');
        break;
      case '--no-check-joins':
        args.checkJoins = false;
        break;
      case '--trace':
        args.trace = value();
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  if (args.random === (args.scenario !== undefined)) {
    throw new UsageError('give exactly one of --scenario FILE or --random');
  }
  if (args.random && args.seeds !== undefined && args.seed !== undefined) {
    throw new UsageError('give one of --seeds A-B or --seed N, not both');
  }
  if (!args.random) {
    for (const [flag, given] of [
      ['--seeds', args.seeds !== undefined],
      ['--nodes', args.nodes !== undefined],
      ['--no-check-joins', !args.checkJoins],
    ] as const) {
      if (given) throw new UsageError(`${flag} applies to --random runs only`);
    }
  }
  if (args.trace !== undefined) {
    const why = unwritable(args.trace);
    if (why !== null) throw new UsageError(`--trace ${args.trace}: ${why}`);
  }
  return args;
}

function parseInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text))
    throw new UsageError(`${what}: expected a non-negative integer, got "${text}"`);
  return Number(text);
}

/** Refuse a number outside its bound (limits.ts), saying which bound and why. */
function refuseOutside(value: number, bound: (typeof LIMITS)[keyof typeof LIMITS], what: string) {
  const why = checkBound(value, bound);
  if (why !== null) throw new UsageError(`${what}: ${why}`);
}

/**
 * A seed as the generator takes it. The digits are checked before Number() so that a seed of
 * twenty digits is refused rather than rounded (99999999999999999999 becomes 1e20, and a loop
 * `seed++` from there never moves).
 */
function parseSeed(text: string, what: string): number {
  const seed = parseInteger(text, what);
  refuseOutside(seed, LIMITS.seed, what);
  return seed;
}

function parseSeeds(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) throw new UsageError(`--seeds: expected A-B or N, got "${text}"`);
  const a = parseSeed(m[1], '--seeds');
  const b = m[2] === undefined ? a : parseSeed(m[2], '--seeds');
  if (b < a) throw new UsageError(`--seeds: ${b} is before ${a}`);
  refuseOutside(b - a + 1, LIMITS.seedsPerRun, '--seeds: the number of seeds');
  return [a, b];
}

/**
 * Why a file cannot be written at `path`, or null when it can: an existing file must be a
 * writable regular file, a new one needs an existing writable directory. Checked before the run
 * so a long run never ends in a failed write (nothing is created or truncated here).
 */
function unwritable(path: string): string | null {
  const target = resolve(path);
  try {
    if (statSync(target).isDirectory()) return 'is a directory';
    accessSync(target, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTDIR') return 'a part of the path before the file name is not a directory';
    if (e.code !== 'ENOENT') return `cannot write it (${e.code ?? e.message})`;
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return `directory ${dir} does not exist`;
    return `cannot write in ${dir} (${e.code ?? e.message})`;
  }
}

// ---- scenario mode ---------------------------------------------------------------------------

function runScenarioFile(args: Args): number {
  let text: string;
  try {
    text = readFileSync(args.scenario!, 'utf8');
  } catch (err) {
    console.error(`cannot read ${args.scenario}: ${(err as Error).message}`);
    return 2;
  }
  const parsed = parseScenarioText(text);
  if (!parsed.ok) {
    for (const e of parsed.errors) console.error(e);
    return 2;
  }
  const scenario = parsed.scenario;
  const seed = args.seed ?? scenario.seed;
  const recorder = args.trace === undefined ? null : new TraceRecorder();
  const { result, header } = runScenario(scenario, { seed, trace: recorder });
  console.log(formatRunResult(result));
  const written = recorder === null || writeTrace(args.trace!, recorder, header);
  return result.ok && written ? 0 : 1;
}

/** Write the trace; a failure checking could not foresee (a full disk) is reported, not thrown. */
function writeTrace(path: string, recorder: TraceRecorder, header: TraceHeader): boolean {
  try {
    writeFileSync(path, recorder.toJsonl(header));
  } catch (err) {
    console.error(`trace: cannot write ${path}: ${(err as Error).message}`);
    return false;
  }
  console.log(`trace: ${recorder.size} events written to ${path}`);
  return true;
}

// ---- random mode -----------------------------------------------------------------------------

function runRandomSeeds(args: Args): number {
  const [first, last] = args.seeds ?? (args.seed !== undefined ? [args.seed, args.seed] : [1, 1]);
  const nodes = args.nodes ?? DEFAULT_RANDOM_OPTIONS.nodes;
  const total = last - first + 1;
  const progressEvery = Math.max(1, Math.min(100, Math.ceil(total / 10)));
  const startedMs = Date.now();
  let violations = 0;
  let livenessFailures = 0;
  let undecided = 0;
  let expectedStale = 0;
  let lease = 0;
  let skewedOutside = 0;
  let firstFailure: number | null = null;
  const coverage = emptyCoverage();
  let compactingSeeds = 0;
  let historyOps = 0;
  const tally = (r: RandomResult): void => {
    historyOps += r.historyOps;
    if (r.expectedStaleRead !== null) expectedStale++;
    if (r.readOnly === 'lease') lease++;
    if (r.clockOutsideBound.length > 0) skewedOutside++;
    for (const key of Object.keys(coverage) as (keyof RandomCoverage)[]) {
      coverage[key] += r.coverage[key];
    }
    if (r.snapshotIntervalEntries > 0) compactingSeeds++;
  };
  for (let seed = first; seed <= last; seed++) {
    const outcome = runOneSeed(seed, { nodes, checkJoins: args.checkJoins }, tally);
    if (outcome === 'violation') violations++;
    if (outcome === 'liveness') livenessFailures++;
    if (outcome === 'undecided') undecided++;
    if (outcome !== 'ok' && outcome !== 'undecided' && firstFailure === null) firstFailure = seed;
    const done = seed - first + 1;
    if (total > 1 && (done % progressEvery === 0 || done === total)) {
      const secs = ((Date.now() - startedMs) / 1000).toFixed(1);
      console.log(
        `[${done}/${total}] seeds ${first}-${seed}: ${violations} violations, ` +
          `${livenessFailures} liveness failures (${secs} s)`,
      );
    }
  }
  let written = true;
  if (args.trace !== undefined) {
    const seed = firstFailure ?? last;
    written = writeRandomTrace(args.trace, seed, { nodes, checkJoins: args.checkJoins });
  }
  const c = coverage;
  console.log(
    `exercised: ${c.added} nodes added, ${c.removed} removed, ${c.transfers} leadership ` +
      `transfers, ${c.snapshots} snapshots on demand (${compactingSeeds} seeds also snapshot ` +
      `every few entries), ${c.confEntries} joint/stable configuration entries committed, ` +
      `${c.installSnapshots} InstallSnapshot messages; ` +
      `${historyOps} client operations checked for linearizability`,
  );
  // An undecided history check (search budget spent) is no verdict: reported, not a violation.
  console.log(
    `read modes and clocks: ${lease} seeds read through the leader lease, ${skewedOutside} ` +
      `ran a clock outside the lease bound; ${expectedStale} stale lease reads under such a ` +
      `clock (the lease's documented limit, not counted as violations)`,
  );
  const ok = total - violations - livenessFailures - undecided;
  console.log(
    `${total} seeds: ${ok} ok, ${undecided} undecided, ${violations} violations, ` +
      `${livenessFailures} liveness failures`,
  );
  return violations + livenessFailures === 0 && written ? 0 : 1;
}

/** The random options the command line sets. */
interface SeedOptions {
  nodes: number;
  checkJoins: boolean;
}

/** Run one seed fast (no trace); on failure run it again keeping the last events, and report. */
function runOneSeed(
  seed: number,
  opts: SeedOptions,
  tally: (r: RandomResult) => void,
): 'ok' | 'violation' | 'liveness' | 'undecided' {
  const { nodes, checkJoins } = opts;
  let result: RandomResult;
  try {
    result = runRandom(seed, { ...opts, recentEvents: 0 });
    tally(result);
  } catch (err) {
    console.log(`seed ${seed}: EXCEPTION ${(err as Error).stack ?? String(err)}`);
    console.log(`  reproduce: ${reproduceCommand(seed, nodes, checkJoins)}`);
    return 'violation';
  }
  if (result.ok && result.historyUndecided !== null) {
    console.log(
      `seed ${seed}: linearizability undecided (not a violation): ${result.historyUndecided}`,
    );
    return 'undecided';
  }
  if (result.ok) return 'ok';
  const again = result.violation !== null ? runRandom(seed, { ...opts, recentEvents: 30 }) : result;
  const snap = again.snapshotIntervalEntries;
  const where =
    `seed ${seed} (${again.profile} timing, ${again.faults} faults` +
    `${snap > 0 ? `, snapshot every ${snap} entries` : ''})`;
  if (again.violation !== null) {
    console.log(`${where}: invariant violated`);
    for (const line of formatViolation(again.violation)) console.log(`  ${line}`);
  } else if (again.durability !== null) {
    console.log(`${where}: DURABILITY ${again.durability}`);
  } else if (again.history !== null) {
    console.log(`${where}: NOT LINEARIZABLE`);
    for (const line of again.history.split('\n')) console.log(`  ${line}`);
  } else {
    console.log(`${where}: LIVENESS ${again.liveness}`);
  }
  console.log(`  reproduce: ${reproduceCommand(seed, nodes, checkJoins)}`);
  return again.liveness !== null ? 'liveness' : 'violation';
}

function writeRandomTrace(path: string, seed: number, opts: SeedOptions): boolean {
  const recorder = new TraceRecorder();
  const plan = randomPlan(seed, opts);
  try {
    runRandom(seed, { ...opts, trace: recorder });
  } catch {
    // The exception was reported already; keep the events up to it.
  }
  const header = traceHeader(planScenario(plan, { ...DEFAULT_RANDOM_OPTIONS, ...opts }), seed);
  return writeTrace(path, recorder, header);
}

function main(argv: string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    console.error(USAGE);
    return 2;
  }
  return args.random ? runRandomSeeds(args) : runScenarioFile(args);
}

/** Whether this module is the program being run (not imported, as the tests import parseArgs). */
function isProgram(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) process.exitCode = main(process.argv.slice(2));
