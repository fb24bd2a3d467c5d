// The UI's benchmark (`npm run bench:ui`): frames per second and main-thread long tasks while the
// page shows a cluster under 500 client writes/s, with 5 and 9 nodes, on the live engine (Web
// Workers, IndexedDB) and the simulated engine (the simulator in a Worker at 1× speed).
//
// The app is built for production (vite build) and served by vite preview with COOP/COEP, in
// headless Debian Chromium at 1280×720. The load is open-loop: write k is due at t0 + k / rate,
// issued by a 10 ms timer in the page that sends every write that has come due (so a late timer
// sends a burst rather than silently lowering the rate); the achieved rate is printed. Frames
// are counted with requestAnimationFrame over the measuring window; long tasks are the
// browser's own `longtask` entries (> 50 ms on the main thread).
// Goals (issue 10): 60 fps at 5 nodes, ≥ 45 fps at 9 nodes, no long task over 50 ms. Each figure
// is printed beside its goal with "met" / "NOT met", with the machine's load average: figures
// are comparable only between runs on an equally quiet machine. Headless Chromium draws frames
// without a GPU, so a real browser on the same machine does at least as well.
//
// Env: BENCH_UI_ENGINES=live,simulated BENCH_UI_NODES=5,9 BENCH_UI_RATE=500 BENCH_UI_MS=10000
// BENCH_UI_PROFILE=1 builds without minifying and prints the page's functions with the most self
// time, and the BENCH_UI_TOP (default 25) with the most total time, during each window
// (Chromium's CDP Profiler): where the main thread goes.
// BENCH_UI_TIMELINE=1 records Chromium's timeline (CDP Tracing) during each window and prints the
// main thread's self time by activity (script, style, layout, paint, GC, messages), which the
// profiler lumps together as "(program)".
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, executablePath, root, waitFor } from '../browser/harness.ts';

const ENGINES = (process.env.BENCH_UI_ENGINES ?? 'live,simulated').split(',');
const SIZES = (process.env.BENCH_UI_NODES ?? '5,9').split(',').map(Number);
const RATE = Number(process.env.BENCH_UI_RATE ?? 500);
const MEASURE_MS = Number(process.env.BENCH_UI_MS ?? 10_000);
const WARMUP_MS = 3000;
const GOAL_FPS: Record<number, number> = { 5: 60, 9: 45 };
const GOAL_LONG_TASK_MS = 50;
/** A 60 Hz display shows at most 60 frames a second; within 5 % of it counts as 60 (only
 * for that cap: a goal below it must be reached in full). */
const FPS_TOLERANCE = 0.95;
const PROFILE = process.env.BENCH_UI_PROFILE === '1';
const TIMELINE = process.env.BENCH_UI_TIMELINE === '1';
/** With BENCH_UI_PROFILE: where to keep each CPU profile and the bundle it points into. */
const PROFILE_DIR = process.env.BENCH_UI_PROFILE_DIR;
/** CSS selectors of views to hide (display: none) during the run: what each view costs. */
const HIDE = process.env.BENCH_UI_HIDE ?? '';

interface TraceRow {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Thread time: how long of `dur` the thread was running on a CPU ('X' events). */
  tdur?: number;
  args?: { name?: string; data?: { functionName?: string } };
}

/**
 * Self time per activity on the renderer's main thread from a Chromium timeline: complete ('X')
 * and begin/end ('B'/'E') events nested by time; each event's self time is its duration less its
 * children's.
 */
function timelineSelf(rows: TraceRow[], profile: CpuProfile | null, top = 16): string[] {
  // Each renderer process has a CrRendererMain; the page's is the busiest.
  const mains = new Set(
    rows
      .filter((r) => r.ph === 'M' && r.name === 'thread_name' && r.args?.name === 'CrRendererMain')
      .map((r) => `${r.pid}:${r.tid}`),
  );
  let best: string[] = ['(no renderer main thread in the timeline)'];
  let bestBusy = -1;
  for (const key of mains) {
    const { busy, lines } = selfOf(
      rows.filter((r) => `${r.pid}:${r.tid}` === key),
      top,
      profile,
    );
    if (busy > bestBusy) [best, bestBusy] = [lines, busy];
  }
  return best;
}

/**
 * CPU time by thread over the whole timeline (top-level events' thread time), busiest first,
 * with what each did: who the page's main thread shares the machine's cores with.
 */
function cpuByThread(rows: TraceRow[], top = 24): string[] {
  const names = new Map<string, string>();
  for (const r of rows) {
    if (r.ph === 'M' && r.name === 'thread_name' && r.args?.name !== undefined)
      names.set(`${r.pid}:${r.tid}`, r.args.name);
  }
  const byThread = new Map<string, TraceRow[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    if (r.ph !== 'X' || r.dur === undefined) continue;
    first = Math.min(first, r.ts);
    last = Math.max(last, r.ts + r.dur);
    if (r.tdur === undefined) continue;
    const key = `${r.pid}:${r.tid}`;
    let list = byThread.get(key);
    if (list === undefined) byThread.set(key, (list = []));
    list.push(r);
  }
  const cpu = new Map<string, number>();
  for (const [key, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts);
    // Top-level events only (one not inside the previous top-level one), and their names.
    const what = new Map<string, number>();
    let end = -Infinity;
    let sum = 0;
    for (const r of list) {
      if (r.ts < end) continue;
      sum += r.tdur!;
      what.set(r.name, (what.get(r.name) ?? 0) + r.tdur!);
      end = r.ts + r.dur!;
    }
    const most = [...what.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(0)}`)
      .join(', ');
    cpu.set(`${names.get(key) ?? 'thread'} ${key}: ${most}`, sum / 1000);
  }
  const span = (last - first) / 1000;
  const total = [...cpu.values()].reduce((a, b) => a + b, 0);
  return [
    `${total.toFixed(0).padStart(7)} ms  all threads over ${(span / 1000).toFixed(1)} s: ${(total / span).toFixed(2)} CPUs busy on average`,
    ...topLines(cpu, top),
  ];
}

function selfOf(
  rows: TraceRow[],
  top: number,
  profile: CpuProfile | null,
): { busy: number; lines: string[] } {
  const spans: { name: string; start: number; end: number; cpu?: number }[] = [];
  const open: TraceRow[] = [];
  for (const r of rows) {
    if (r.ph === 'X' && r.dur !== undefined)
      spans.push({ name: r.name, start: r.ts, end: r.ts + r.dur, cpu: r.tdur });
    else if (r.ph === 'B') open.push(r);
    else if (r.ph === 'E') {
      const b = open.pop();
      if (b !== undefined) spans.push({ name: b.name, start: b.ts, end: r.ts });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const self = new Map<string, number>();
  const stack: { name: string; end: number; child: number; dur: number }[] = [];
  // The top-level task being walked, with its own self time by activity: the long ones
  // (> GOAL_LONG_TASK_MS) are printed one by one, to say what made each long.
  // `cpu`: how long of it the thread ran on a CPU (the rest it waited for one: a busy machine).
  interface Task {
    start: number;
    dur: number;
    cpu: number | undefined;
    self: Map<string, number>;
  }
  let task: Task | null = null;
  const longTasks: Task[] = [];
  const close = (upTo: number): void => {
    while (stack.length > 0 && stack[stack.length - 1].end <= upTo) {
      const s = stack.pop()!;
      self.set(s.name, (self.get(s.name) ?? 0) + s.dur - s.child);
      task?.self.set(s.name, (task.self.get(s.name) ?? 0) + (s.dur - s.child) / 1000);
      if (stack.length === 0 && task !== null && task.dur > GOAL_LONG_TASK_MS * 1000) {
        longTasks.push(task);
      }
    }
  };
  let busy = 0;
  let busyCpu = 0;
  for (const sp of spans) {
    close(sp.start);
    const dur = sp.end - sp.start;
    if (stack.length > 0) stack[stack.length - 1].child += dur;
    else {
      busy += dur;
      busyCpu += sp.cpu ?? dur;
      task = { start: sp.start, dur, cpu: sp.cpu, self: new Map() };
    }
    stack.push({ name: sp.name, end: sp.end, child: 0, dur });
  }
  close(Infinity);
  const ms = new Map([...self].map(([k, v]) => [k, v / 1000]));
  const lines = [
    `${(busy / 1000).toFixed(0).padStart(7)} ms  busy (top-level tasks), of which on a CPU ${(busyCpu / 1000).toFixed(0)} ms`,
    ...topLines(ms, top),
  ];
  for (const t of longTasks.sort((a, b) => b.dur - a.dur).slice(0, 5)) {
    const cpu = t.cpu === undefined ? '' : `, on a CPU for ${(t.cpu / 1000).toFixed(0)} ms of it`;
    lines.push(`  a long task of ${(t.dur / 1000).toFixed(0)} ms${cpu}:`);
    lines.push(...topLines(t.self, 6).map((l) => `  ${l}`));
    if (profile !== null) {
      lines.push(`    its script, by total time (profiler samples):`);
      lines.push(...topTotal(profile, 10, t.start, t.start + t.dur).map((l) => `    ${l}`));
    }
  }
  return { busy, lines };
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  /** µs on the clock the timeline's `ts` uses. */
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A profile's call frame as "function file:line". */
function frameKey(f: CpuProfile['nodes'][number]['callFrame']): string {
  const file = f.url.split('/').slice(-1)[0].split('?')[0];
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

/** The `top` entries of `ms` by time, one line each, leaving out keys starting with `skip`. */
function topLines(ms: Map<string, number>, top: number, skip: string[] = []): string[] {
  return [...ms.entries()]
    .filter(([k]) => !skip.some((p) => k.startsWith(p)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`);
}

/**
 * Each sample of a CDP profile with its node id and the ms it stands for; only those taken in
 * [from, to) µs when given.
 */
function samplesOf(profile: CpuProfile, from = -Infinity, to = Infinity): [number, number][] {
  const deltas = profile.timeDeltas ?? [];
  const out: [number, number][] = [];
  let at = profile.startTime;
  (profile.samples ?? []).forEach((id, i) => {
    at += deltas[i] ?? 0;
    if (at >= from && at < to) out.push([id, (deltas[i + 1] ?? deltas[i] ?? 0) / 1000]);
  });
  return out;
}

/** The `top` functions by self time in a CDP profile, one line each. */
function topSelf(profile: CpuProfile, top = 20): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const [id, ms] of samplesOf(profile)) {
    const key = frameKey(byId.get(id)!.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  return topLines(self, top, ['(idle)']);
}

/**
 * The `top` functions by total time (self and callees) in a CDP profile, one line each; only
 * samples taken in [from, to) µs when given.
 */
function topTotal(
  profile: CpuProfile,
  top = Number(process.env.BENCH_UI_TOP ?? 25),
  from = -Infinity,
  to = Infinity,
): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = new Map<string, number>();
  for (const [leaf, ms] of samplesOf(profile, from, to)) {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const k = frameKey(byId.get(id)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + ms);
    }
  }
  return topLines(total, top, ['(idle)', '(root)']);
}

interface Figures {
  fps: number;
  p95FrameMs: number;
  worstFrameMs: number;
  longTasks: number;
  longestTaskMs: number;
  writesDue: number;
  writesSent: number;
  ok: number;
  failed: number;
  /** The most frequent failure texts with their counts. */
  errors: [string, number][];
  /** Trace events the page received per second, and the commonest types with their counts. */
  eventsPerS: number;
  types: [string, number][];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

async function main(): Promise<void> {
  for (const e of ENGINES) {
    if (e !== 'live' && e !== 'simulated') throw new Error(`BENCH_UI_ENGINES: unknown engine ${e}`);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'raft-playground-ui-bench-'));
  console.log(`building the app into ${outDir} …`);
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true, minify: !PROFILE } });
  const server = await preview({
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview did not report its address');
  const profile = mkdtempSync(join(tmpdir(), 'raft-playground-ui-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 720 },
  });
  // tsx compiles with esbuild's keepNames, which wraps named functions in __name(): give the
  // page that helper, since page.evaluate ships the functions' source text.
  await context.addInitScript('globalThis.__name = (f) => f;');
  const rows: string[] = [];
  try {
    for (const engine of ENGINES) {
      for (const nodes of SIZES) {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (err) => problems.push(err.message));
        await page.goto(`${url}?autostart=0`, { waitUntil: 'load' });
        await page.waitForFunction(() => typeof window.playground === 'object', null, {
          timeout: 60_000,
        });
        if (engine === 'live') {
          await page.evaluate((n) => window.playground.createCluster({ nodes: n }), nodes);
        } else {
          await page.evaluate(
            (n) => window.playground.useEngine('simulated', { nodes: n, seed: 1, speed: 1 }),
            nodes,
          );
        }
        await waitFor(
          page,
          'a leader of nacos_config',
          async () => {
            const s = await window.playground.status();
            return s.leaders.nacos_config ?? null;
          },
          null,
          60_000,
        );
        if (HIDE !== '')
          await page.addStyleTag({ content: `${HIDE} { display: none !important; }` });
        const cdp = PROFILE ? await context.newCDPSession(page) : null;
        if (cdp !== null) {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.start');
        }
        const tl = TIMELINE ? await context.newCDPSession(page) : null;
        const timeline: TraceRow[] = [];
        if (tl !== null) {
          tl.on('Tracing.dataCollected', (d) => {
            for (const r of d.value as unknown as TraceRow[]) {
              if (r.ph === 'X' || r.ph === 'B' || r.ph === 'E' || r.ph === 'M') {
                // A script call is named by its function (readable with BENCH_UI_PROFILE=1,
                // which builds without minifying), so a long task says whose code ran.
                const fn = r.name === 'FunctionCall' ? r.args?.data?.functionName : undefined;
                timeline.push({
                  name: fn === undefined || fn === '' ? r.name : `FunctionCall ${fn}`,
                  ph: r.ph,
                  pid: r.pid,
                  tid: r.tid,
                  ts: r.ts,
                  dur: r.dur,
                  tdur: r.tdur,
                  args: r.ph === 'M' ? r.args : undefined,
                });
              }
            }
          });
          await tl.send('Tracing.start', {
            categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8,blink,toplevel',
            transferMode: 'ReportEvents',
          });
        }
        // The main thread's busy time over the measuring window (Chromium's own counters): less
        // noisy than the frame rate, which a 60 Hz display caps and the scheduler jitters.
        const perf = await context.newCDPSession(page);
        await perf.send('Performance.enable');
        const sample = async (): Promise<Map<string, number>> => {
          const { metrics } = await perf.send('Performance.getMetrics');
          return new Map(metrics.map((m) => [m.name, m.value]));
        };
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const busyAt = (async () => {
          await sleep(WARMUP_MS);
          const a = await sample();
          const t0 = Date.now();
          await sleep(MEASURE_MS);
          const b = await sample();
          const wall = (Date.now() - t0) / 1000;
          const d = (k: string) => ((b.get(k) ?? 0) - (a.get(k) ?? 0)) / wall;
          return {
            task: d('TaskDuration'),
            script: d('ScriptDuration'),
            layout: d('LayoutDuration'),
            style: d('RecalcStyleDuration'),
            heapMb: (b.get('JSHeapUsedSize') ?? 0) / 1e6,
          };
        })();
        const f = await page.evaluate(
          async ({ rate, warmupMs, measureMs }) => {
            const pg = window.playground;
            let sent = 0;
            let ok = 0;
            let failed = 0;
            const errors = new Map<string, number>();
            const fail = (text: string): void => {
              failed++;
              errors.set(text, (errors.get(text) ?? 0) + 1);
            };
            // The client knows the leader as a status read a moment ago (as a client that
            // learned it does), not by asking every node before each write: '@leader' in each
            // call would cost five worker round trips per write and measure the console instead.
            let leader = (await pg.status()).leaders.nacos_config ?? 'n1';
            const learn = setInterval(() => {
              pg.status().then(
                (st) => (leader = st.leaders.nacos_config ?? leader),
                () => undefined,
              );
            }, 500);
            const t0 = performance.now();
            const timer = setInterval(() => {
              const due = Math.floor(((performance.now() - t0) / 1000) * rate);
              while (sent < due) {
                const k = sent++;
                pg.write(leader, 'nacos_config', {
                  type: 'publish',
                  dataId: `bench-${k % 64}`,
                  content: `v${k}`,
                }).then(
                  (r) => {
                    const reply = r as { ok?: boolean; error?: string };
                    if (reply.ok === false) fail(String(reply.error));
                    else ok++;
                  },
                  (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
                );
              }
            }, 10);
            await new Promise((r) => setTimeout(r, warmupMs));
            const long: number[] = [];
            const obs = new PerformanceObserver((list) => {
              for (const e of list.getEntries()) long.push(e.duration);
            });
            obs.observe({ type: 'longtask' });
            const frames: number[] = [];
            // The trace the page folds: events per second, and the commonest types.
            let events = 0;
            const types = new Map<string, number>();
            const stopEvents = pg.events((batch: readonly { type: string }[]) => {
              events += batch.length;
              for (const e of batch) types.set(e.type, (types.get(e.type) ?? 0) + 1);
            });
            const start = performance.now();
            const sentAtStart = sent;
            await new Promise<void>((resolve) => {
              const frame = (t: number): void => {
                frames.push(t);
                if (t - start < measureMs) requestAnimationFrame(frame);
                else resolve();
              };
              requestAnimationFrame(frame);
            });
            const elapsed = performance.now() - start;
            obs.disconnect();
            stopEvents();
            clearInterval(timer);
            clearInterval(learn);
            const gaps = frames
              .slice(1)
              .map((t, i) => t - frames[i])
              .sort((a, b) => a - b);
            return {
              fps: ((frames.length - 1) / elapsed) * 1000,
              p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
              worstFrameMs: gaps[gaps.length - 1] ?? 0,
              longTasks: long.length,
              longestTaskMs: long.length === 0 ? 0 : Math.max(...long),
              writesDue: Math.round((elapsed / 1000) * rate),
              writesSent: sent - sentAtStart,
              ok,
              failed,
              errors: [...errors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3),
              eventsPerS: (events / elapsed) * 1000,
              types: [...types.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6),
            };
          },
          { rate: RATE, warmupMs: WARMUP_MS, measureMs: MEASURE_MS },
        );
        let profile: CpuProfile | null = null;
        if (cdp !== null) {
          profile = ((await cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile;
          // BENCH_UI_PROFILE_DIR=dir keeps each profile for Chromium DevTools (Performance
          // panel: load profile), with the unminified bundle it points into beside it.
          if (PROFILE_DIR !== undefined) {
            const file = `${PROFILE_DIR}/ui-${engine}-${nodes}.cpuprofile`;
            writeFileSync(file, JSON.stringify(profile));
            console.log(`profile saved to ${file}`);
          }
          const dom = await page.evaluate(() => {
            const count = new Map<string, number>();
            for (const el of document.querySelectorAll('[class]')) {
              const n = el.querySelectorAll('*').length;
              const k = `${el.tagName.toLowerCase()}.${String(el.getAttribute('class')).split(' ')[0]}`;
              count.set(k, Math.max(count.get(k) ?? 0, n));
            }
            return {
              total: document.querySelectorAll('*').length,
              biggest: [...count.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12),
            };
          });
          console.log(`${engine} ${nodes} nodes, DOM elements ${dom.total}; largest subtrees:`);
          for (const [k, n] of dom.biggest) console.log(`  ${String(n).padStart(6)}  ${k}`);
          console.log(`${engine} ${nodes} nodes, main thread self time:`);
          for (const line of topSelf(profile)) console.log(`  ${line}`);
          console.log(`${engine} ${nodes} nodes, main thread total time (with callees):`);
          for (const line of topTotal(profile)) console.log(`  ${line}`);
        }
        if (tl !== null) {
          const done = new Promise<void>((r) => tl.once('Tracing.tracingComplete', () => r()));
          await tl.send('Tracing.end');
          await done;
          console.log(
            `${engine} ${nodes} nodes, main thread self time by activity (timeline, whole run):`,
          );
          for (const line of timelineSelf(timeline, profile)) console.log(`  ${line}`);
          console.log(`${engine} ${nodes} nodes, CPU time by thread (timeline, whole run):`);
          for (const line of cpuByThread(timeline)) console.log(`  ${line}`);
        }
        await page.close();
        const busy = await busyAt;
        const goal = GOAL_FPS[nodes] ?? 45;
        const fr = f as Figures;
        rows.push(
          `${engine.padEnd(9)} ${String(nodes).padStart(2)} nodes  ` +
            `fps ${fr.fps.toFixed(1).padStart(5)} (goal ≥ ${goal}: ${verdict(fr.fps >= (goal >= 60 ? goal * FPS_TOLERANCE : goal))})  ` +
            `p95 frame ${fr.p95FrameMs.toFixed(1)} ms, worst ${fr.worstFrameMs.toFixed(0)} ms  ` +
            `main thread busy ${pct(busy.task)} (script ${pct(busy.script)}, layout ${pct(busy.layout)}, style ${pct(busy.style)}), JS heap ${busy.heapMb.toFixed(0)} MB  ` +
            `long tasks ${fr.longTasks}, longest ${fr.longestTaskMs.toFixed(0)} ms ` +
            `(goal none over ${GOAL_LONG_TASK_MS} ms: ${verdict(fr.longTasks === 0)})  ` +
            `writes sent ${fr.writesSent} of ${fr.writesDue} due (${((fr.writesSent / MEASURE_MS) * 1000).toFixed(0)}/s), ` +
            `ok ${fr.ok}, failed ${fr.failed}` +
            `  trace ${fr.eventsPerS.toFixed(0)} events/s (${fr.types.map(([t, n]) => `${t} ${n}`).join(', ')})` +
            (fr.errors.length > 0
              ? ` (${fr.errors.map(([e, n]) => `${n}× "${e.slice(0, 80)}"`).join(', ')})`
              : '') +
            (problems.length > 0 ? `  page errors: ${problems.slice(0, 3).join('; ')}` : ''),
        );
        console.log(rows[rows.length - 1]);
      }
    }
  } finally {
    await context.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
    rmSync(profile, { recursive: true, force: true });
    if (PROFILE && PROFILE_DIR !== undefined) {
      cpSync(`${outDir}/assets`, `${PROFILE_DIR}/assets`, { recursive: true });
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  const [l1, l5] = loadavg();
  console.log(
    `\nUI under ${RATE} writes/s, ${MEASURE_MS / 1000} s windows at 1280×720; load average ${l1.toFixed(1)} (1 min), ${l5.toFixed(1)} (5 min) on this machine:`,
  );
  for (const r of rows) console.log(`  ${r}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
