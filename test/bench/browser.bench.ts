// The browser runtime's benchmark (`npm run bench:browser`): headless Chromium with a persistent
// profile (a default context keeps IndexedDB in memory), the app served by Vite with COOP/COEP
// so the page is cross-origin isolated and its timers precise.
// For 3, 5 and 7 workers with real IndexedDB, strict durability, no injected network delay and
// tracing off, 32 concurrent clients writing to the leader:
//   - committed writes per second at saturation (closed loop);
//   - p50 / p99 latency at half that rate (open loop, measured from each write's issue);
// and in the same run the raw ceilings of this browser, with no Raft at all:
//   - the same number of workers, each replaying the storage transactions its node made during
//     the saturation run (same batch sizes, same entries) into its own database, concurrently;
//   - one worker alone: strict transactions/s with one put, entries/s with 256 puts;
//   - the MessageChannel round trip between two workers.
// Each result is printed with its ratio to its ceiling. Goals: throughput ≥ 60 % of the
// ceiling, p99 < 25 ms at half load.
import { openPlayground, startHarness, waitFor, type PlaygroundPage } from '../browser/harness.ts';

const SIZES = (process.env.BENCH_NODES ?? '3,5,7').split(',').map(Number);
const CLIENTS = 32;
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 8000);
const PAYLOAD_BYTES = 64;
const GOAL_THROUGHPUT_RATIO = 0.6;
const GOAL_P99_MS = 25;

interface Saturation {
  ok: number;
  failed: number;
  ms: number;
  errors: Record<string, number>;
  /** Per node: entries per storage transaction during the window. */
  batches: Record<string, number[]>;
  meanTxMs: Record<string, number>;
}

interface Latency {
  count: number;
  failed: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  /** How late writes were issued relative to the schedule, on average (client timer jitter). */
  issueLagMs: number;
}

interface ReplayResult {
  ms: number;
  transactions: number;
  entries: number;
  txMs: number[];
}

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (x: number): string => `${fmt(x * 100)} %`;
const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Run `cmd` on benchmark workers in the page (workers/benchCeiling.worker.ts). */
const CEILING_HELPERS = `
// tsx compiles with keepNames: functions passed to page.evaluate may call __name.
window.__name = (f) => f;
window.__ceiling = {
  spawn(n) {
    const ws = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker('/workers/benchCeiling.worker.ts', { type: 'module' });
      w.__pending = new Map(); w.__next = 0;
      w.onmessage = (ev) => {
        const p = w.__pending.get(ev.data.id); w.__pending.delete(ev.data.id);
        if (ev.data.error !== undefined) p.reject(new Error(ev.data.error)); else p.resolve(ev.data.result);
      };
      w.call = (cmd, args, transfer = []) => new Promise((resolve, reject) => {
        const id = w.__next++; w.__pending.set(id, { resolve, reject });
        w.postMessage({ id, cmd, args }, transfer);
      });
      ws.push(w);
    }
    return ws;
  },
};`;

async function saturate(p: PlaygroundPage, leader: string): Promise<Saturation> {
  return p.page.evaluate(
    async ({ leader, clients, warmupMs, measureMs, payload }) => {
      const c = window.playground.cluster!;
      const content = 'x'.repeat(payload);
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      let stop = false;
      let counting = false;
      let ok = 0;
      let failed = 0;
      let seq = 0;
      const errors: Record<string, number> = {};
      const client = async (): Promise<void> => {
        while (!stop) {
          const k = seq++;
          const r = await c.write(leader, 'nacos_config', {
            type: 'publish',
            dataId: `k${k}`,
            content,
          });
          if (!counting) continue;
          if (r.ok) ok++;
          else {
            failed++;
            errors[r.error] = (errors[r.error] ?? 0) + 1;
          }
        }
      };
      const running = Array.from({ length: clients }, client);
      await sleep(warmupMs);
      await c.recordStorage(true);
      counting = true;
      const t0 = performance.now();
      await sleep(measureMs);
      counting = false;
      const ms = performance.now() - t0;
      const statuses = await c.statuses();
      stop = true;
      await Promise.all(running);
      await c.recordStorage(false);
      const batches: Record<string, number[]> = {};
      const meanTxMs: Record<string, number> = {};
      for (const [id, s] of statuses) {
        batches[id] = s.storage.batchSizes;
        meanTxMs[id] = s.storage.meanTxMs;
      }
      return { ok, failed, ms, errors, batches, meanTxMs };
    },
    {
      leader,
      clients: CLIENTS,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      payload: PAYLOAD_BYTES,
    },
  );
}

async function openLoop(p: PlaygroundPage, leader: string, rate: number): Promise<Latency> {
  return p.page.evaluate(
    async ({ leader, rate, ms, payload }) => {
      const c = window.playground.cluster!;
      const content = 'x'.repeat(payload);
      const lat: number[] = [];
      let issued = 0;
      let failed = 0;
      let lag = 0;
      const pending: Promise<void>[] = [];
      const start = performance.now();
      for (;;) {
        const now = performance.now();
        if (now - start >= ms) break;
        const due = Math.floor(((now - start) / 1000) * rate);
        while (issued < due) {
          const k = issued++;
          const t0 = performance.now();
          lag += t0 - (start + (k / rate) * 1000);
          pending.push(
            c
              .write(leader, 'nacos_config', { type: 'publish', dataId: `h${k}`, content })
              .then((r) => {
                if (r.ok) lat.push(performance.now() - t0);
                else failed++;
              }),
          );
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await Promise.all(pending);
      lat.sort((a, b) => a - b);
      const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))];
      return {
        count: lat.length,
        failed,
        p50: q(0.5),
        p99: q(0.99),
        mean: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
        max: lat[lat.length - 1],
        issueLagMs: lag / Math.max(1, issued),
      };
    },
    { leader, rate, ms: MEASURE_MS, payload: PAYLOAD_BYTES },
  );
}

/** Each worker replays one node's transactions into its own fresh database, all at once. */
async function replayCeiling(p: PlaygroundPage, sizes: number[][]): Promise<ReplayResult[]> {
  return p.page.evaluate(
    async ({ sizes, payload }) => {
      const w = window as unknown as {
        __ceiling: {
          spawn(
            n: number,
          ): { call(cmd: string, args: unknown[]): Promise<unknown>; terminate(): void }[];
        };
      };
      const workers = w.__ceiling.spawn(sizes.length);
      const clusterId = `ceiling-${Math.random().toString(36).slice(2, 8)}`;
      const results = (await Promise.all(
        workers.map((wk, i) =>
          wk.call('replay', [clusterId, `n${i + 1}`, sizes[i], payload, 'strict']),
        ),
      )) as { ms: number; transactions: number; entries: number; txMs: number[] }[];
      for (const wk of workers) wk.terminate();
      await Promise.all(
        sizes.map(
          (_, i) =>
            new Promise((r) => {
              const req = indexedDB.deleteDatabase(`raft-playground/${clusterId}/n${i + 1}`);
              req.onsuccess = req.onerror = req.onblocked = () => r(null);
            }),
        ),
      );
      return results;
    },
    { sizes, payload: PAYLOAD_BYTES },
  );
}

async function roundTrip(p: PlaygroundPage, count: number): Promise<number[]> {
  return p.page.evaluate(async (n) => {
    const w = window as unknown as {
      __ceiling: {
        spawn(n: number): {
          call(cmd: string, args: unknown[], transfer?: Transferable[]): Promise<unknown>;
          terminate(): void;
        }[];
      };
    };
    const [a, b] = w.__ceiling.spawn(2);
    const ch = new MessageChannel();
    await a.call('connect', [ch.port1], [ch.port1]);
    await b.call('connect', [ch.port2], [ch.port2]);
    await b.call('echo', []);
    await a.call('ping', [200]); // warm up
    const out = (await a.call('ping', [n])) as number[];
    a.terminate();
    b.terminate();
    return out;
  }, count);
}

async function leaderOf(p: PlaygroundPage): Promise<string> {
  return waitFor(
    p.page,
    'a leader every node follows',
    async () => {
      const s = await window.playground.status();
      const l = s.leaders.nacos_config;
      if (l === null) return null;
      const all = Object.values(s.nodes).every((n) => n.groups?.nacos_config.leader === l);
      return all ? l : null;
    },
    null,
    60_000,
  );
}

async function main(): Promise<void> {
  const h = await startHarness();
  try {
    const p = await openPlayground(h);
    await p.page.evaluate(CEILING_HELPERS);
    const env = await p.page.evaluate(() => ({
      isolated: crossOriginIsolated,
      ua: navigator.userAgent.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? navigator.userAgent,
      cores: navigator.hardwareConcurrency,
    }));
    console.log(
      `Raft Playground browser benchmark: ${env.ua}, headless, persistent profile, ` +
        `crossOriginIsolated=${env.isolated}, ${env.cores} cores`,
    );
    if (!env.isolated) throw new Error('the page is not cross-origin isolated: check COOP/COEP');
    console.log(
      `${CLIENTS} clients writing ${PAYLOAD_BYTES}-byte publishes to the leader; strict durability; ` +
        `no network delay; tracing off; warm-up ${WARMUP_MS} ms, measure ${MEASURE_MS} ms\n`,
    );

    // Orientation: one worker alone.
    const one = (await replayCeiling(p, [Array(300).fill(1)]))[0];
    const big = (await replayCeiling(p, [Array(40).fill(256)]))[0];
    const rtt = (await roundTrip(p, 2000)).sort((a, b) => a - b);
    const txSorted = [...one.txMs].sort((a, b) => a - b);
    const oneTxMs = quantile(txSorted, 0.5);
    const rttMs = quantile(rtt, 0.5);
    console.log('Raw ceilings of this browser (no Raft):');
    console.log(
      `  one worker, strict, 1 put per transaction:    ${fmt((one.transactions / one.ms) * 1000)} tx/s ` +
        `(p50 ${fmt(oneTxMs, 2)} ms per transaction)`,
    );
    console.log(
      `  one worker, strict, 256 puts per transaction: ${fmt((big.entries / big.ms) * 1000)} entries/s`,
    );
    console.log(
      `  MessageChannel round trip, worker ↔ worker:   p50 ${fmt(rttMs, 3)} ms, p99 ${fmt(quantile(rtt, 0.99), 3)} ms\n`,
    );

    const rows: string[][] = [];
    for (const n of SIZES) {
      await p.page.evaluate(
        (nodes) =>
          window.playground.createCluster({
            nodes,
            network: { delayMsMin: 0, delayMsMax: 0 },
            trace: false,
            durability: 'strict',
          }),
        n,
      );
      const leader = await leaderOf(p);
      const sat = await saturate(p, leader);
      const rate = (sat.ok / sat.ms) * 1000;
      const half = await openLoop(p, leader, rate / 2);
      await p.page.evaluate(() => window.playground.destroy());
      // The ceiling replays exactly the transactions the nodes made in the saturation window.
      const ids = Object.keys(sat.batches).sort();
      const replay = await replayCeiling(
        p,
        ids.map((id) => sat.batches[id]),
      );
      const ceilingMs = Math.max(...replay.map((r) => r.ms));
      const ceilingRate = (sat.ok / ceilingMs) * 1000;
      const leaderBatches = sat.batches[leader];
      const leaderEntries = leaderBatches.reduce((a, b) => a + b, 0);
      const meanBatch = leaderEntries / Math.max(1, leaderBatches.filter((b) => b > 0).length);
      // The floor of one write's latency: leader append, follower append and leader commit are
      // three strict transactions in sequence, plus a round trip leader ↔ follower.
      const floorMs = 3 * oneTxMs + rttMs;
      // Transactions that carry no entry: a hard state only (a vote, a term, a commit index).
      const all = ids.flatMap((id) => sat.batches[id]);
      const hardStateOnly = all.filter((b) => b === 0).length / Math.max(1, all.length);
      rows.push([
        String(n),
        fmt(rate),
        fmt(ceilingRate),
        pct(rate / ceilingRate),
        fmt(meanBatch, 1),
        fmt((leaderBatches.length / sat.ms) * 1000),
        fmt((all.length / sat.ms) * 1000),
        pct(hardStateOnly),
        fmt(half.p50, 2),
        fmt(half.p99, 2),
        fmt(floorMs, 2),
        `${fmt(half.p50 / floorMs, 1)}×`,
        String(sat.failed + half.failed),
      ]);
      console.log(
        `${n} nodes: ${fmt(rate)} writes/s at saturation (leader ${leader}, ${sat.ok} writes in ${fmt(sat.ms)} ms); ` +
          `ceiling ${fmt(ceilingRate)} writes/s (the same ${ids.length}×${fmt(leaderBatches.length)} transactions replayed in ${fmt(ceilingMs)} ms); ` +
          `at ${fmt(rate / 2)} writes/s: p50 ${fmt(half.p50, 2)} ms, p99 ${fmt(half.p99, 2)} ms, max ${fmt(half.max, 1)} ms ` +
          `(issue lag ${fmt(half.issueLagMs, 2)} ms)` +
          (sat.failed + half.failed > 0 ? `; failures: ${JSON.stringify(sat.errors)}` : ''),
      );
    }
    const head = [
      'nodes',
      'writes/s',
      'ceiling/s',
      'ratio',
      'batch',
      'leader tx/s',
      'all tx/s',
      'no-entry tx',
      'p50 ms',
      'p99 ms',
      'floor ms',
      'p50/floor',
      'failed',
    ];
    const widths = head.map((hd, i) => Math.max(hd.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    console.log('\n' + line(head));
    for (const r of rows) console.log(line(r));
    console.log(
      `\nceiling: the same transactions without Raft (see above); floor: 3 strict transactions + 1 worker round trip;` +
        `\nall tx/s: transactions of every node together; no-entry tx: those that write a hard state only.` +
        `\ngoals: throughput ≥ ${pct(GOAL_THROUGHPUT_RATIO)} of the ceiling, p99 < ${GOAL_P99_MS} ms at half load.`,
    );
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
