// Closed-loop simulated clients: each client sends one operation to a node of its choosing (any
// node, so forwarding happens), waits for the outcome, thinks a little, and sends the next. The
// history goes to a HistoryLog for the linearizability checker. After an outcome-unknown (`info`)
// answer a client continues under a new process name, as Jepsen does, since its previous
// operation may still be in flight.
//
// After a failure a client backs off as a real one does instead of hammering a cluster that has
// no leader: it waits an exponentially growing delay (base × 2^(failures − 1), bounded by a
// maximum) with "equal jitter" drawn from its seeded generator (half the delay fixed, half
// random, so clients that failed together do not retry together), and sends the next operation
// to another node than the one that refused it, as the Nacos client moves on to the next server
// of its list after a failed request (NamingHttpClientProxy / ServerListManager). Its first
// success resets the back-off. Everything stays deterministic: the delays come from the seed.
import type { SeededRng } from '../raft/rand.ts';
import type { NodeId } from '../raft/types.ts';
import type { Simulator } from './cluster.ts';
import { HistoryLog, type ClientOp, type Workload } from './workload.ts';

export interface ClientStats {
  ok: number;
  fail: number;
  info: number;
  /** Simulated latency of every completed (ok) operation, in ms. */
  latenciesMs: number[];
}

export interface ClientDriver {
  readonly history: HistoryLog;
  readonly stats: ClientStats;
  /** Stop issuing new operations; those in flight still complete. */
  stop(): void;
  /** Operations not yet completed. */
  inFlight(): number;
}

export interface ClientOptions {
  clients: number;
  /** Think time between a client's operations, in simulated ms. */
  thinkMsMax?: number;
  /** Issue no operation after this simulated time. */
  untilMs?: number;
  /** Keep per-operation latencies (the benchmark wants them). */
  keepLatencies?: boolean;
  /** The clients' own random stream (default: forked from the simulator's). */
  rng?: SeededRng;
  /** First back-off after a failure, in simulated ms (default 100); 0 disables back-off. */
  backoffMsBase?: number;
  /** Bound on the back-off, in simulated ms (default 3,000: about an election and a half). */
  backoffMsMax?: number;
  /**
   * A drawn operation for which this says true is not sent (nor recorded): the client thinks
   * and draws again. The random runner holds writes to a group it keeps quiet for a while.
   */
  hold?: (op: ClientOp) => boolean;
}

/**
 * The back-off before the next request after `failures` failures in a row: base × 2^(failures − 1)
 * bounded by `max`, half of it fixed and half drawn (equal jitter).
 */
export function backoffMs(rng: SeededRng, failures: number, base: number, max: number): number {
  if (failures <= 0 || base <= 0) return 0;
  const ceiling = Math.min(max, base * 2 ** Math.min(failures - 1, 30));
  const half = Math.floor(ceiling / 2);
  return ceiling - half + rng.int(half + 1);
}

export function startClients(
  sim: Simulator,
  workload: Workload,
  opts: ClientOptions,
): ClientDriver {
  const history = new HistoryLog();
  const stats: ClientStats = { ok: 0, fail: 0, info: 0, latenciesMs: [] };
  const rng = opts.rng ?? sim.random.fork();
  const thinkMsMax = opts.thinkMsMax ?? 50;
  const backoffBase = opts.backoffMsBase ?? 100;
  const backoffMax = opts.backoffMsMax ?? 3_000;
  if (!Number.isFinite(backoffBase) || backoffBase < 0) {
    throw new Error(`clients: backoffMsBase must be a number >= 0, got ${backoffBase}`);
  }
  if (!Number.isFinite(backoffMax) || backoffMax < backoffBase) {
    throw new Error(`clients: backoffMsMax must be >= backoffMsBase, got ${backoffMax}`);
  }
  /** Per client: failures in a row, and the node that refused the last request. */
  const failures = new Array<number>(opts.clients).fill(0);
  const refusedBy = new Array<NodeId | null>(opts.clients).fill(null);
  let stopped = false;
  let inFlight = 0;

  const issue = (client: number, generation: number): void => {
    if (stopped || (opts.untilMs !== undefined && sim.nowMs >= opts.untilMs)) return;
    const up = sim.nodeIds.filter((id) => sim.isUp(id));
    if (up.length === 0) {
      sim.at(sim.nowMs + 100, () => issue(client, generation));
      return;
    }
    // After a refusal, another server than the one that refused, if another is up.
    const others = up.filter((id) => id !== refusedBy[client]);
    const node: NodeId = rng.pick(others.length > 0 ? others : up);
    const process = `c${client}.${generation}`;
    const op: ClientOp = workload.next(process);
    if (opts.hold?.(op) === true) {
      sim.at(sim.nowMs + 1 + rng.int(thinkMsMax), () => issue(client, generation));
      return;
    }
    const call = history.invoke(node, sim.nowMs, process, op);
    inFlight++;
    const handle =
      op.kind === 'write'
        ? sim.write(node, op.group, op.payload)
        : sim.read(node, op.group, op.payload);
    const done = (): void => {
      inFlight--;
      const reply = handle.outcome === 'ok' || handle.outcome === 'fail' ? handle.reply : null;
      const outcome = call ? history.complete(node, sim.nowMs, process, call, reply) : null;
      if (call && outcome) workload.observe(process, call, outcome.type, outcome.result);
      const type = outcome?.type ?? (reply?.ok ? 'ok' : 'fail');
      if (type === 'ok') {
        stats.ok++;
        if (opts.keepLatencies) stats.latenciesMs.push(sim.nowMs - handle.invokedMs);
      } else if (type === 'fail') stats.fail++;
      else stats.info++;
      const next = type === 'info' ? generation + 1 : generation;
      // A timeout counts as a failure for the back-off: the client cannot tell them apart.
      failures[client] = type === 'ok' ? 0 : failures[client] + 1;
      refusedBy[client] = type === 'ok' ? null : node;
      const waitMs = backoffMs(rng, failures[client], backoffBase, backoffMax);
      sim.at(sim.nowMs + 1 + rng.int(thinkMsMax) + waitMs, () => issue(client, next));
    };
    if (handle.outcome !== 'pending') done();
    else handle.onSettle = done;
  };

  for (let c = 0; c < opts.clients; c++) {
    sim.at(sim.nowMs + rng.int(thinkMsMax + 1), () => issue(c, 0));
  }
  return {
    history,
    stats,
    stop: () => {
      stopped = true;
    },
    inFlight: () => inFlight,
  };
}
