// Benchmark of the view model (src/state/): how fast 100,000 trace events of a random run with
// faults fold into the state (reduce alone, and through the timeline with checkpoints), how
// long rebuilding a point in the past takes (stateAt), and materializing every node's
// state-machine contents at the end. Goal: folding 100,000 events well under a second.
// Run: npx tsx test/bench/state.bench.ts [events]
import { runRandom } from '../../src/sim/random.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import { emptyState, type ViewState } from '../../src/state/model.ts';
import { reduce } from '../../src/state/reduce.ts';
import { smContents } from '../../src/state/sm.ts';
import { Timeline } from '../../src/state/timeline.ts';

const target = Number(process.argv[2] ?? 100_000);

function collect(): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (let seed = 1; events.length < target; seed++) {
    const rec = new TraceRecorder();
    runRandom(seed, { faultPhaseMs: 30_000, clients: 6, trace: rec });
    // Each run is its own cluster: fold only one, so take the longest run's events first.
    for (const e of rec.events()) events.push(e);
    if (seed === 1 && events.length >= target) break;
    if (events.length >= target) break;
  }
  return events.slice(0, target);
}

function ms(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

/** A yardstick for a busy machine: 1e6 copies of a 15-field object (about 50 ms when idle). */
function baselineMs(): number {
  let o: Record<string, number> = {};
  for (let i = 0; i < 15; i++) o[`f${i}`] = i;
  return ms(() => {
    for (let i = 0; i < 1_000_000; i++) o = { ...o, f0: i };
  });
}

const events = collect();
// Several runs concatenated would mix clusters: renumber so seq stays increasing.
const stream = events.map((e, i) => ({ ...e, seq: i }));
let s: ViewState = emptyState();
for (let i = 0; i < 2; i++) {
  s = emptyState();
  for (const e of stream.slice(0, 10_000)) s = reduce(s, e); // Warm up the JIT.
}
const foldMs = ms(() => {
  s = emptyState();
  for (const e of stream) s = reduce(s, e);
});
let tl!: Timeline;
const timelineMs = ms(() => {
  tl = new Timeline(emptyState(), { every: 1000 });
  for (let i = 0; i < stream.length; i += 500) tl.append(stream.slice(i, i + 500));
});
const seeks = 200;
const seekMs = ms(() => {
  for (let k = 0; k < seeks; k++) tl.stateAt(Math.floor((k * 7919) % stream.length));
});
const smMs = ms(() => {
  for (const n of Object.values(s.nodes)) for (const g of Object.values(n.groups)) smContents(g.sm);
});
const perSec = (n: number, t: number): string => `${Math.round((n / t) * 1000).toLocaleString()}/s`;
console.log(`state bench: ${stream.length.toLocaleString()} events`);
console.log(`  yardstick: 1e6 spreads of a 15-field object: ${baselineMs().toFixed(0)} ms`);
console.log(`  reduce alone           ${foldMs.toFixed(0)} ms (${perSec(stream.length, foldMs)})`);
console.log(
  `  timeline (checkpoints) ${timelineMs.toFixed(0)} ms (${perSec(stream.length, timelineMs)})`,
);
console.log(`  stateAt, random point  ${(seekMs / seeks).toFixed(2)} ms each`);
console.log(`  state machines at end  ${smMs.toFixed(0)} ms`);
