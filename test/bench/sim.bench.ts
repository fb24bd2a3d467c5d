// Simulator throughput: a 5-node cluster commits 100,000 writes without faults, once without
// trace recording and once with it. Prints simulated messages and committed writes per wall-clock
// second and peak memory. Run with `npm run bench:sim` (tsx --expose-gc). A diagnostic run stubs
// the config store's apply to show how much of the time the state machine takes.
// With tracing on it prints the trace's size in bytes per committed write (goal < 4 KB, argued
// at TRACE_BYTES_PER_WRITE_GOAL).
// Memory: a last run commits 1,000,000 writes with every node snapshotting every 10,000 entries
// (logs compacted behind), invariants checked, and reports the peak heap: the sampled peak of
// heapUsed and the peak of the live heap after a full GC (the bounded part; goal < 200 MB),
// with the invariant checker's per-index records at the end (pruned below the snapshots).
// BENCH_WRITES and BENCH_WINDOW change the write count and the number in flight of the
// throughput runs; BENCH_MEMORY_WRITES that of the memory run; BENCH_ONLY=mixed|throughput|memory
// runs one part alone. A first part drives a mixed workload of 64 clients over the four Nacos
// groups and times the linearizability check (BENCH_MIXED_MS: simulated ms of load).
// Ordering kept: a fixed window of writes is in flight at the leader; each settled write issues
// the next, so the run is deterministic (seeded) and only wall-clock time varies.
import { Simulator } from '../../src/sim/cluster.ts';
import type { ClientHandle } from '../../src/sim/cluster.ts';
import { NACOS_TIMING } from '../../src/node/node.ts';
import { CompactEncoder } from '../../src/trace/compact.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { ConfigStore } from '../../src/cp/configStore.ts';
import { startClients } from '../../src/sim/clients.ts';
import { Workload } from '../../src/sim/workload.ts';
import { checkHistory } from '../../src/trace/linearizability.ts';
import { defaultModels } from '../../src/trace/models.ts';

const GROUP = 'nacos_config';
const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];

interface BenchConfig {
  label: string;
  writes: number;
  windowSize: number;
  trace: boolean;
  checkInvariants: boolean;
  /** Diagnostic: replace the config store's apply by a constant, to show the state machine's share. */
  stubApply?: boolean;
  /** Every node snapshots after this many applied entries. */
  snapshotIntervalEntries?: number;
  /** Run a full GC and sample the live heap after every this many settled writes. */
  gcEveryWrites?: number;
}

interface BenchResult {
  label: string;
  wallMs: number;
  simMs: number;
  messages: number;
  committed: number;
  failed: number;
  events: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** Peak of heapUsed right after a full GC (0 when not measured). */
  peakLiveHeapMb: number;
  traceEvents: number;
  /** Bytes of the recorded trace as JSON Lines (events only, header aside; 0 without tracing). */
  traceBytes: number;
  /** The same events as full lines (no compact encoding). */
  fullTraceBytes: number;
  /** The invariant checker's per-index records at the end, and the leader's log range. */
  checkerRecords: number;
  logRange: [number, number];
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) g();
}

function runBench(cfg: BenchConfig): BenchResult {
  const realApply = ConfigStore.prototype.apply;
  if (cfg.stubApply) ConfigStore.prototype.apply = () => ({ success: true, data: null });
  try {
    return runOnce(cfg);
  } finally {
    ConfigStore.prototype.apply = realApply;
  }
}

function runOnce(cfg: BenchConfig): BenchResult {
  gc();
  const recorder = cfg.trace ? new TraceRecorder() : null;
  const sim = new Simulator({
    seed: 1,
    nodes: NODES,
    groups: [GROUP],
    timing: NACOS_TIMING,
    network: { delayMsMin: 1, delayMsMax: 5 },
    trace: recorder,
    recentEvents: cfg.trace ? 30 : 0,
    checkInvariants: cfg.checkInvariants,
    snapshotIntervalEntries: cfg.snapshotIntervalEntries,
  });
  sim.start();
  sim.runUntilTrue(() => sim.leaderOf(GROUP) !== null, 60_000);
  const leader = sim.leaderOf(GROUP);
  if (leader === null) throw new Error('bench: no leader after 60 s');
  sim.runFor(1000);

  let issued = 0;
  let committed = 0;
  let failed = 0;
  let peakRss = 0;
  let peakHeap = 0;
  let peakLive = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampleLive = (): void => {
    gc();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  };
  const onSettle = (h: ClientHandle): void => {
    if (h.outcome === 'ok') committed++;
    else failed++;
    const settled = committed + failed;
    if (settled % 5000 === 0) sample();
    if (cfg.gcEveryWrites !== undefined && settled % cfg.gcEveryWrites === 0) sampleLive();
    if (issued < cfg.writes) issue();
  };
  const issue = (): void => {
    const k = issued++;
    const op = {
      type: 'publish',
      dataId: `key-${k % 1000}`,
      group: 'DEFAULT_GROUP',
      content: `v${k}`,
    };
    sim.write(leader, GROUP, op).onSettle = onSettle;
  };

  const messagesBefore = sim.stats.network.sent;
  const eventsBefore = sim.stats.events;
  const simStartMs = sim.nowMs;
  const t0 = performance.now();
  for (let i = 0; i < cfg.windowSize && issued < cfg.writes; i++) issue();
  sim.runUntilTrue(() => committed + failed === cfg.writes, sim.nowMs + 3_600_000);
  const wallMs = performance.now() - t0;
  sample();
  if (cfg.gcEveryWrites !== undefined) sampleLive();
  if (sim.violation) throw new Error(`bench: violation ${JSON.stringify(sim.violation)}`);
  const log = sim.node(leader)!.log(GROUP);
  return {
    label: cfg.label,
    wallMs,
    simMs: sim.nowMs - simStartMs,
    messages: sim.stats.network.sent - messagesBefore,
    committed,
    failed,
    events: sim.stats.events - eventsBefore,
    peakRssMb: peakRss / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    peakLiveHeapMb: peakLive / 2 ** 20,
    traceEvents: recorder?.size ?? 0,
    traceBytes: recorder === null ? 0 : jsonlBytes(recorder),
    fullTraceBytes: recorder === null ? 0 : fullJsonlBytes(recorder),
    checkerRecords: sim.checker?.recordCount(GROUP) ?? 0,
    logRange: [log.firstIndex, log.lastIndex],
  };
}

/**
 * The size of the recorder's events as exportTrace writes them: one compact line (compact.ts)
 * and a newline each, line by line rather than as one string of hundreds of MB.
 */
function jsonlBytes(recorder: TraceRecorder): number {
  const encoder = new CompactEncoder();
  let bytes = 0;
  for (const e of recorder.events())
    bytes += Buffer.byteLength(JSON.stringify(encoder.encode(e))) + 1;
  return bytes;
}

/** The same events as full lines (each event complete on its own line), for comparison. */
function fullJsonlBytes(recorder: TraceRecorder): number {
  let bytes = 0;
  for (const e of recorder.events()) bytes += Buffer.byteLength(JSON.stringify(e)) + 1;
  return bytes;
}

/**
 * Goal for the trace's size per committed write, with tracing on. Trace v2 records per write, on
 * a 5-node cluster: the request, propose and reply at the leader, the entry's summary in each
 * node's append event, the replication messages that carry it (send and recv), the commit, and
 * an apply on each of the 5 nodes with the operation and its result (which the state model
 * needs to rebuild every state machine). At about 150 bytes per event that is some 1.5 KB; 4 KB
 * leaves room for elections and heartbeats while keeping a lesson's hour at 10 writes/s
 * (36,000 writes) under about 150 MB of JSON Lines, which a page can hold and export.
 */
const TRACE_BYTES_PER_WRITE_GOAL = 4096;

function printTraceSize(r: BenchResult): void {
  if (r.traceBytes === 0 || r.committed === 0) return;
  const perWrite = r.traceBytes / r.committed;
  console.log(
    `  trace: ${(r.traceBytes / 2 ** 20).toFixed(1)} MB of JSON Lines, ` +
      `${Math.round(r.traceBytes / r.traceEvents)} bytes per event, ` +
      `${Math.round(perWrite).toLocaleString('en-US')} bytes per committed write ` +
      `(goal < ${TRACE_BYTES_PER_WRITE_GOAL.toLocaleString('en-US')}: ` +
      `${perWrite < TRACE_BYTES_PER_WRITE_GOAL ? 'met' : 'NOT met'}); as full lines ` +
      `${Math.round(r.fullTraceBytes / r.committed).toLocaleString('en-US')} bytes per write`,
  );
}

function print(r: BenchResult): void {
  const perSec = (n: number): string => Math.round((n * 1000) / r.wallMs).toLocaleString('en-US');
  console.log(
    `${r.label.padEnd(34)} ${(r.wallMs / 1000).toFixed(2).padStart(6)} s wall, ` +
      `${(r.simMs / 1000).toFixed(1)} s simulated | ` +
      `${perSec(r.messages).padStart(9)} msgs/s | ${perSec(r.committed).padStart(7)} writes/s | ` +
      `${perSec(r.events).padStart(9)} events/s | ` +
      `peak rss ${r.peakRssMb.toFixed(0)} MB, heap ${r.peakHeapMb.toFixed(0)} MB` +
      (r.peakLiveHeapMb > 0 ? `, live heap after GC ${r.peakLiveHeapMb.toFixed(0)} MB` : '') +
      (r.traceEvents > 0 ? ` | ${r.traceEvents.toLocaleString('en-US')} trace events` : '') +
      (r.failed > 0 ? ` | ${r.failed} writes failed` : ''),
  );
}

/** The memory run's verdict: the numbers the 200 MB goal is about. */
function printMemory(r: BenchResult): void {
  const fmt = (n: number): string => n.toLocaleString('en-US');
  console.log(
    `memory: ${fmt(r.committed)} writes committed; peak heap ${r.peakHeapMb.toFixed(0)} MB ` +
      `(sampled heapUsed), peak live heap ${r.peakLiveHeapMb.toFixed(0)} MB after GC ` +
      `(goal < 200 MB: ${r.peakHeapMb < 200 ? 'met' : 'NOT met'}); leader log holds ` +
      `[${fmt(r.logRange[0])}, ${fmt(r.logRange[1])}]; invariant checker holds ` +
      `${fmt(r.checkerRecords)} per-index records`,
  );
}

/**
 * The CP layer under a mixed workload: 5 nodes, all four Nacos groups, 64 closed-loop clients
 * sending to any node (so writes are forwarded and reads go through ReadIndex), for
 * `simulatedMs` of simulated time. Reports operations per wall-clock second, latency percentiles
 * in simulated ms, and the linearizability check's wall time per 10,000 operations.
 */
function runMixed(simulatedMs: number): void {
  gc();
  const groups = [
    'nacos_config',
    'naming_persistent_service_v2',
    'naming_service_metadata',
    'naming_instance_metadata',
  ];
  const sim = new Simulator({
    seed: 1,
    nodes: NODES,
    groups,
    timing: NACOS_TIMING,
    network: { delayMsMin: 1, delayMsMax: 5 },
    trace: null,
    recentEvents: 0,
    checkInvariants: true,
  });
  sim.start();
  sim.runUntilTrue(() => groups.every((g) => sim.leaderOf(g) !== null), 60_000);
  sim.runFor(1000);
  const clients = 64;
  const workload = new Workload(sim.random.fork(), { groups, clients });
  const t0 = performance.now();
  const startMs = sim.nowMs;
  const driver = startClients(sim, workload, {
    clients,
    untilMs: startMs + simulatedMs,
    keepLatencies: true,
    thinkMsMax: 5,
  });
  sim.runUntil(startMs + simulatedMs + 15_000);
  const wallMs = performance.now() - t0;
  if (sim.violation) throw new Error(`bench: violation ${JSON.stringify(sim.violation)}`);
  const { ok, fail, info, latenciesMs } = driver.stats;
  const done = ok + fail + info;
  latenciesMs.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))];
  const c0 = performance.now();
  const verdict = checkHistory(driver.history.events, defaultModels());
  const checkMs = performance.now() - c0;
  const checked = verdict.ok === true ? verdict.operations : 0;
  // Undecided (the search budget ran out) is no verdict, never "not linearizable".
  const verdictText =
    verdict.ok === true
      ? 'linearizable'
      : verdict.ok === 'undecided'
        ? 'undecided'
        : 'NOT linearizable';
  console.log(
    `mixed workload: ${done.toLocaleString('en-US')} operations (${ok} ok, ${fail} failed, ${info} unknown) ` +
      `in ${(wallMs / 1000).toFixed(2)} s wall for ${(simulatedMs / 1000).toFixed(0)} s simulated | ` +
      `${Math.round((done * 1000) / wallMs).toLocaleString('en-US')} ops/s | latency p50 ${pct(0.5)} ms, ` +
      `p99 ${pct(0.99)} ms simulated | linearizability: ${verdictText}, ` +
      `${checked.toLocaleString('en-US')} ops of the modelled groups checked in ${checkMs.toFixed(0)} ms ` +
      `(${checked > 0 ? ((checkMs * 10_000) / checked).toFixed(0) : '-'} ms per 10,000 operations)`,
  );
}

const writes = Number(process.env.BENCH_WRITES ?? 100_000);
const windowSize = Number(process.env.BENCH_WINDOW ?? 256);
const memoryWrites = Number(process.env.BENCH_MEMORY_WRITES ?? 1_000_000);
const only = process.env.BENCH_ONLY;
if (!(globalThis as { gc?: unknown }).gc)
  console.log('(run with --expose-gc for clean memory figures)');
const runs: BenchConfig[] = [
  {
    label: 'no trace, invariants checked',
    writes,
    windowSize,
    trace: false,
    checkInvariants: true,
  },
  {
    label: 'no trace, no invariant checks',
    writes,
    windowSize,
    trace: false,
    checkInvariants: false,
  },
  {
    label: 'trace recorded, invariants checked',
    writes,
    windowSize,
    trace: true,
    checkInvariants: true,
  },
  {
    label: '(diagnostic) no trace, apply stubbed',
    writes,
    windowSize,
    trace: false,
    checkInvariants: true,
    stubApply: true,
  },
];
if (only === undefined || only === 'mixed') {
  runMixed(Number(process.env.BENCH_MIXED_MS ?? 60_000));
}
if (only === undefined || only === 'throughput') {
  console.log(
    `5 nodes, ${writes.toLocaleString('en-US')} writes, ${windowSize} in flight, no faults`,
  );
  for (const cfg of runs) {
    const r = runBench(cfg);
    print(r);
    printTraceSize(r);
  }
}
if (only === undefined || only === 'memory') runMemory();

function runMemory(): void {
  console.log(
    `5 nodes, ${memoryWrites.toLocaleString('en-US')} writes, ${windowSize} in flight, ` +
      'snapshots every 10,000 entries, no faults',
  );
  const memory = runBench({
    label: 'memory: snapshots, invariants checked',
    writes: memoryWrites,
    windowSize,
    trace: false,
    checkInvariants: true,
    snapshotIntervalEntries: 10_000,
    gcEveryWrites: 100_000,
  });
  print(memory);
  printMemory(memory);
}
