// The linearizability checker on long histories: for the config store and the instance registry,
// a linearizable history of 100,000 operations (10 clients per key, 5 % of the operations of
// unknown outcome; see linHistories.ts) is checked from its trace events, as the random runner
// checks a run, and the decide time is printed beside the goal (under 2 s) with met / NOT met.
// A second line per model puts all clients on one key (one search over the whole history), and
// a third plants a stale read in the second half of a history of 200 keys x 4 clients and times
// the verdict "not linearizable" (with the shortest failing prefix, as a run reports it).
// Run with `npm run bench:lin`. LIN_OPS, LIN_KEYS, LIN_CLIENTS_PER_KEY, LIN_UNKNOWN and LIN_SEED
// change the shape; LIN_ONLY=config|registry runs one model.
import { checkHistory, type CheckResult } from '../../src/trace/linearizability.ts';
import { defaultModels } from '../../src/trace/models.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import { linearizableHistory, plantStaleRead, type LinModel } from './linHistories.ts';

const GOAL_MS = 2000;
const operations = Number(process.env.LIN_OPS ?? 100_000);
const keys = Number(process.env.LIN_KEYS ?? 10);
const clientsPerKey = Number(process.env.LIN_CLIENTS_PER_KEY ?? 10);
const unknownRatio = Number(process.env.LIN_UNKNOWN ?? 0.05);
const seed = Number(process.env.LIN_SEED ?? 1);
const only = process.env.LIN_ONLY;

function verdictOf(r: CheckResult): string {
  if (r.ok === true) return 'linearizable';
  if (r.ok === 'undecided') return `UNDECIDED (${r.reason})`;
  return r.kind === 'not-linearizable' ? 'not linearizable' : `INVALID (${r.message})`;
}

/** Wall time, and the process's CPU time (a figure less bent by a busy machine). */
function time(events: TraceEvent[]): { ms: number; cpuMs: number; result: CheckResult } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = checkHistory(events, defaultModels());
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

function line(
  label: string,
  events: TraceEvent[],
  expect: 'linearizable' | 'not linearizable',
): void {
  const unknown = events.filter((e) => e.type === 'info').length;
  const { ms, cpuMs, result } = time(events);
  const verdict = verdictOf(result);
  const right = verdict === expect;
  const steps = result.ok === true ? ` ${result.steps.toLocaleString('en-US')} steps,` : '';
  const goal =
    expect === 'linearizable'
      ? ` | goal < ${(GOAL_MS / 1000).toFixed(0)} s: ${right && ms < GOAL_MS ? 'met' : 'NOT met'}`
      : '';
  console.log(
    `${label.padEnd(52)} ${(ms / 1000).toFixed(2).padStart(6)} s (CPU ` +
      `${(cpuMs / 1000).toFixed(2)} s),${steps} ` +
      `${unknown.toLocaleString('en-US')} unknown outcomes: ${verdict}` +
      `${right ? '' : ` (expected ${expect})`}${goal}`,
  );
}

const models: LinModel[] =
  only === 'config' || only === 'registry' ? [only] : ['config', 'registry'];
console.log(
  `linearizability checker: ${operations.toLocaleString('en-US')} operations, ` +
    `${(unknownRatio * 100).toFixed(0)} % of unknown outcome, seed ${seed}`,
);
for (const model of models) {
  const name = model === 'config' ? 'config store' : 'instance registry';
  const shape = { model, operations, unknownRatio, seed };
  line(
    `${name}, ${keys} keys x ${clientsPerKey} clients`,
    linearizableHistory({ ...shape, keys, clientsPerKey }),
    'linearizable',
  );
  line(
    `${name}, 1 key x ${clientsPerKey} clients`,
    linearizableHistory({ ...shape, keys: 1, clientsPerKey }),
    'linearizable',
  );
  // Refuting a key explores every order of it up to the violation, so the planted key is
  // short: 200 keys of 4 clients (500 operations per key).
  const small = linearizableHistory({ ...shape, keys: 200, clientsPerKey: 4 });
  const planted = plantStaleRead(small, model, Math.floor(small.length / 2));
  line(`${name}, 200 keys x 4 clients, stale read planted`, planted.events, 'not linearizable');
}
