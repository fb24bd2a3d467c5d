// The mutation suite (`npm run mutation`, also part of `npm run fuzz`): plants each bug of
// mutations.ts, one at a time, in a COPY of src/ (a temporary directory with the repository's
// node_modules linked in), runs the simulator's random runner there over seeds 1..N with tsx,
// and prints a table: mutation, caught?, first catching seed, seeds tried, which check caught
// it. An unmutated copy runs first as the control (once with the everyday fault mix and once
// with each mutation's targeted options), which must pass, or a catch would mean nothing. Exits 1 when a mutation survives its bound or the control fails, 2 on bad
// arguments or an anchor that no longer applies.
//
// Usage: tsx test/mutation/run.ts [--only NAME,NAME] [--seeds N] [--control-seeds N]
//          [--base GIT-REV --seeds A-B]
//   --seeds N          try each mutation over seeds 1..N instead of its own bound
//   --control-seeds N  seeds for each control run (default 10; 0 skips them): one with the
//                      everyday mix, one per mutation-specific set of options
//   --base REV         no mutations: run the CURRENT simulator (src/sim, src/trace) over the
//                      core of an older commit REV (src/raft, src/node, src/cp ...) for every
//                      seed of the range, to show which seeds catch the bugs of that commit
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MUTATIONS, MutationAnchorError, applyPatches } from './mutations.ts';
import type { Mutation, MutationOptions } from './mutations.ts';

const REPO = join(import.meta.dirname, '..', '..');
const TSX = join(REPO, 'node_modules', '.bin', 'tsx');

interface SeedOutcome {
  seed: number;
  nodes: number;
  caughtBy: string | null;
  detail: string;
  expected: boolean;
}

interface Row {
  name: string;
  caught: boolean;
  firstSeed: number | null;
  tried: number;
  bound: number;
  by: string;
  detail: string;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): {
  only: string[] | null;
  seeds: number | null;
  controlSeeds: number;
  base: string | null;
  range: [number, number] | null;
} {
  let only: string[] | null = null;
  let seeds: number | null = null;
  let controlSeeds = 10;
  let base: string | null = null;
  let range: [number, number] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--only') {
      only = value().split(',');
      const unknown = only.filter((n) => !MUTATIONS.some((m) => m.name === n));
      if (unknown.length > 0) {
        throw new UsageError(
          `--only: unknown mutation ${unknown.join(', ')} (have ${MUTATIONS.map((m) => m.name).join(', ')})`,
        );
      }
    } else if (flag === '--seeds') {
      const v = value();
      const m = /^(\d+)(?:-(\d+))?$/.exec(v);
      if (m === null) throw new UsageError(`--seeds: expected N or A-B, got "${v}"`);
      if (m[2] === undefined) seeds = positive(Number(m[1]), '--seeds');
      else range = [positive(Number(m[1]), '--seeds'), positive(Number(m[2]), '--seeds')];
    } else if (flag === '--control-seeds') {
      controlSeeds = Number(value());
      if (!Number.isInteger(controlSeeds) || controlSeeds < 0 || controlSeeds > 100_000) {
        throw new UsageError(`--control-seeds: expected an integer 0..100000`);
      }
    } else if (flag === '--base') {
      base = value();
      if (!/^[\w./~^-]+$/.test(base)) throw new UsageError(`--base: not a git revision: ${base}`);
    } else {
      throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  if (range !== null && base === null) throw new UsageError('--seeds A-B goes with --base');
  if (range !== null && range[1] < range[0]) throw new UsageError('--seeds: B is before A');
  return { only, seeds, controlSeeds, base, range };
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new UsageError(`${what}: expected an integer 1..100000, got ${n}`);
  }
  return n;
}

/** A fresh copy of the repository's src/ with node_modules linked, ready for tsx. */
function makeCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'raft-mutation-'));
  cpSync(join(REPO, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  cpSync(join(import.meta.dirname, 'worker.ts'), join(dir, 'worker.ts'));
  return dir;
}

/** Replace the copy's core with commit `rev`'s, keeping the current simulator and trace. */
function useBaseCore(dir: string, rev: string): void {
  const list = spawnSync('git', ['ls-tree', '-r', '--name-only', rev, 'src'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (list.status !== 0) throw new UsageError(`--base: git ls-tree ${rev} failed: ${list.stderr}`);
  for (const path of list.stdout.split('\n').filter(Boolean)) {
    if (path.startsWith('src/sim/') || path.startsWith('src/trace/')) continue;
    const blob = spawnSync('git', ['show', `${rev}:${path}`], { cwd: REPO, encoding: 'utf8' });
    if (blob.status !== 0) throw new Error(`git show ${rev}:${path} failed: ${blob.stderr}`);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), blob.stdout);
  }
}

function runWorker(
  dir: string,
  first: number,
  last: number,
  all: boolean,
  options?: MutationOptions,
): SeedOutcome[] {
  const args = [join(dir, 'worker.ts'), String(first), String(last)];
  if (all) args.push('--all');
  if (options !== undefined) args.push('--options', JSON.stringify(options));
  const r = spawnSync(TSX, args, {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const outcomes: SeedOutcome[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('{')) outcomes.push(JSON.parse(line) as SeedOutcome);
  }
  if (r.status !== 0 && outcomes.length === 0) {
    // The copy does not even load (a patch broke the syntax): that is not a catch.
    throw new Error(`worker failed (exit ${r.status}):\n${r.stderr.slice(0, 2000)}`);
  }
  return outcomes;
}

function runMutation(m: Mutation | null, bound: number, options?: MutationOptions): Row {
  const dir = makeCopy();
  try {
    if (m !== null) {
      const patched = applyPatches(m, (file) => readFileSync(join(dir, 'src', file), 'utf8'));
      for (const [file, text] of patched) writeFileSync(join(dir, 'src', file), text);
    }
    const outcomes = runWorker(dir, 1, bound, false, options ?? m?.options);
    const hit = outcomes.find((o) => o.caughtBy !== null) ?? null;
    return {
      name: m?.name ?? '(control: no mutation)',
      caught: hit !== null,
      firstSeed: hit?.seed ?? null,
      tried: outcomes.length,
      bound,
      by: hit?.caughtBy ?? '',
      detail: hit === null ? '' : hit.detail,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(rows: Row[]): void {
  const head = ['mutation', 'caught?', 'first seed', 'seeds tried', 'bound', 'caught by'];
  const cells = rows.map((r) => [
    r.name,
    r.caught ? 'yes' : 'NO',
    r.firstSeed === null ? '-' : String(r.firstSeed),
    String(r.tried),
    String(r.bound),
    r.by,
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const line = (c: string[]): string => `| ${c.map((x, k) => x.padEnd(widths[k])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  for (const r of rows) if (r.detail) console.log(`  ${r.name}: ${r.detail.slice(0, 300)}`);
}

function main(argv: string[]): number {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    return 2;
  }
  if (!existsSync(TSX)) {
    console.error(`mutation: ${TSX} not found (npm install first)`);
    return 2;
  }
  if (args.base !== null) {
    const [first, last] = args.range ?? [1, args.seeds ?? 50];
    const dir = makeCopy();
    try {
      useBaseCore(dir, args.base);
      const outcomes = runWorker(dir, first, last, true);
      const failing = outcomes.filter((o) => o.caughtBy !== null);
      for (const o of failing) {
        console.log(`seed ${o.seed} (${o.nodes} nodes): ${o.caughtBy}: ${o.detail.slice(0, 300)}`);
      }
      const expected = outcomes.filter((o) => o.expected).map((o) => o.seed);
      console.log(
        `core of ${args.base}: ${outcomes.length} seeds ${first}-${last}, ${failing.length} failing` +
          `${failing.length > 0 ? ` (${failing.map((o) => o.seed).join(', ')})` : ''}` +
          `; expected stale lease reads under out-of-bound skew: ${expected.length}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return 0;
  }
  const chosen = MUTATIONS.filter((m) => args.only === null || args.only.includes(m.name));
  // Check every anchor before spending minutes on any run.
  try {
    for (const m of chosen) applyPatches(m, (f) => readFileSync(join(REPO, 'src', f), 'utf8'));
  } catch (err) {
    if (!(err instanceof MutationAnchorError)) throw err;
    console.error(err.message);
    return 2;
  }
  const rows: Row[] = [];
  if (args.controlSeeds > 0) {
    // One control per set of options in use: a targeted schedule must not fail a correct core
    // either, or its catches would mean nothing.
    const sets = new Map<string, MutationOptions | undefined>([['', undefined]]);
    for (const m of chosen) if (m.options) sets.set(JSON.stringify(m.options), m.options);
    for (const [key, options] of sets) {
      const control = runMutation(null, args.controlSeeds, options);
      const label = key === '' ? 'everyday mix' : key;
      control.name = key === '' ? control.name : `(control: ${label})`;
      console.log(
        control.caught
          ? `control (${label}) FAILED at seed ${control.firstSeed}: ${control.detail}`
          : `control (${label}): the unmutated copy passed seeds 1..${control.tried}`,
      );
      rows.push(control);
    }
  }
  for (const m of chosen) {
    const started = Date.now();
    const row = runMutation(m, args.seeds ?? m.seeds);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    console.log(
      `${m.name}: ${row.caught ? `caught at seed ${row.firstSeed} by ${row.by}` : `NOT caught in ${row.tried} seeds`} (${secs} s)`,
    );
    rows.push(row);
  }
  console.log('');
  printTable(rows);
  const controlFailed = rows.some((r) => r.name.startsWith('(control') && r.caught);
  const survived = rows.filter((r) => !r.name.startsWith('(control') && !r.caught);
  return controlFailed || survived.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
