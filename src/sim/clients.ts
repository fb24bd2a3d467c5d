// Closed-loop simulated clients: each client sends one operation to a node of its choosing (any
// node, so forwarding happens), waits for the outcome, thinks a little, and sends the next. The
// history goes to a HistoryLog for the linearizability checker. After an outcome-unknown (`info`)
// answer a client continues under a new process name, as Jepsen does, since its previous
// operation may still be in flight.
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
  let stopped = false;
  let inFlight = 0;

  const issue = (client: number, generation: number): void => {
    if (stopped || (opts.untilMs !== undefined && sim.nowMs >= opts.untilMs)) return;
    const up = sim.nodeIds.filter((id) => sim.isUp(id));
    if (up.length === 0) {
      sim.at(sim.nowMs + 100, () => issue(client, generation));
      return;
    }
    const node: NodeId = rng.pick(up);
    const process = `c${client}.${generation}`;
    const op: ClientOp = workload.next(process);
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
      sim.at(sim.nowMs + 1 + rng.int(thinkMsMax), () => issue(client, next));
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
