// The charts' data and geometry, computed with d3 (scales, line paths) and no DOM: the
// per-second series of the view model laid out densely over a time window (a second without a
// bucket counts zero), commit latency per second, elections per minute, and the faults to mark
// on the time axis.
// Invariants: pure; a window has exactly one point per second, oldest first; a latency is null
// (a gap in the line, not a zero) in a second without a commit to measure.
import { line, scaleLinear, type ScaleLinear } from 'd3';
import type { FaultView, SeriesBucket } from '../../state/model.ts';
import { plGet, type PList } from '../../state/plist.ts';

export interface SecondPoint {
  second: number;
  commits: number;
  /** Mean and maximum propose → commit of the requests committed that second (null: none). */
  latencyMeanMs: number | null;
  latencyMaxMs: number | null;
  elections: number;
  leaders: number;
  ok: number;
  failed: number;
}

export interface MinutePoint {
  minute: number;
  elections: number;
  leaders: number;
}

function pointOf(second: number, b: SeriesBucket | undefined): SecondPoint {
  if (b === undefined) {
    return {
      second,
      commits: 0,
      latencyMeanMs: null,
      latencyMaxMs: null,
      elections: 0,
      leaders: 0,
      ok: 0,
      failed: 0,
    };
  }
  const n = b.commitLatencyCount;
  return {
    second,
    commits: b.commits,
    latencyMeanMs: n > 0 ? b.commitLatencyMsSum / n : null,
    latencyMaxMs: n > 0 ? b.commitLatencyMsMax : null,
    elections: b.elections,
    leaders: b.leaderChanges,
    ok: b.ok,
    failed: b.failed,
  };
}

/** The bucket list with the second in progress appended (read-only view for lookups). */
function bucketAt(
  buckets: PList<SeriesBucket>,
  current: SeriesBucket | null,
): (i: number) => SeriesBucket | undefined {
  return (i) =>
    i < buckets.length
      ? plGet(buckets, i)
      : i === buckets.length
        ? (current ?? undefined)
        : undefined;
}

/**
 * One point per second for the `span` seconds ending at `endSecond` (inclusive), oldest first.
 * Buckets are searched from the newest, so the cost is the window, not the run's length.
 */
export function secondsWindow(
  buckets: PList<SeriesBucket>,
  current: SeriesBucket | null,
  endSecond: number,
  span: number,
): SecondPoint[] {
  const start = endSecond - span + 1;
  const at = bucketAt(buckets, current);
  const bySecond = new Map<number, SeriesBucket>();
  for (let i = buckets.length; i >= 0; i--) {
    const b = at(i);
    if (b === undefined) continue;
    if (b.second < start) break;
    if (b.second <= endSecond) bySecond.set(b.second, b);
  }
  const out: SecondPoint[] = [];
  for (let s = start; s <= endSecond; s++) out.push(pointOf(s, bySecond.get(s)));
  return out;
}

/** Elections started and leaders elected per minute of cluster time, for `minutes` minutes. */
export function minutesWindow(
  buckets: PList<SeriesBucket>,
  current: SeriesBucket | null,
  endSecond: number,
  minutes: number,
): MinutePoint[] {
  const endMinute = Math.floor(endSecond / 60);
  const startMinute = endMinute - minutes + 1;
  const out: MinutePoint[] = [];
  for (let m = startMinute; m <= endMinute; m++) out.push({ minute: m, elections: 0, leaders: 0 });
  const at = bucketAt(buckets, current);
  for (let i = buckets.length; i >= 0; i--) {
    const b = at(i);
    if (b === undefined) continue;
    const m = Math.floor(b.second / 60);
    if (m < startMinute) break;
    if (m > endMinute) continue;
    const p = out[m - startMinute];
    p.elections += b.elections;
    p.leaders += b.leaderChanges;
  }
  return out;
}

export interface FaultMark {
  seq: number;
  /** Cluster seconds (fractional). */
  at: number;
  /** A few words: "crash n2", "partition", "heal". */
  label: string;
}

/** Faults worth marking on a time axis (not speed or durability changes), in the window. */
export function faultMarks(
  faults: PList<FaultView>,
  fromSecond: number,
  toSecond: number,
): FaultMark[] {
  const out: FaultMark[] = [];
  for (let i = faults.length - 1; i >= 0; i--) {
    const f = plGet(faults, i)!;
    const at = f.t / 1000;
    if (at < fromSecond) break;
    if (at > toSecond + 1) continue;
    if (f.fault === 'speed' || f.fault === 'durability' || f.fault === 'release') continue;
    out.push({ seq: f.seq, at, label: f.node === null ? f.fault : `${f.fault} ${f.node}` });
  }
  return out.reverse();
}

/** The x scale of a window of seconds over `width` pixels (inside `left` and `right` margins). */
export function timeScale(
  startSecond: number,
  endSecond: number,
  width: number,
  left: number,
  right: number,
): ScaleLinear<number, number> {
  return scaleLinear()
    .domain([startSecond, endSecond + 1])
    .range([left, Math.max(left + 1, width - right)]);
}

/** A y scale from 0 to a rounded maximum (at least `floor`), over [bottom, top] pixels. */
export function valueScale(
  max: number,
  floor: number,
  bottom: number,
  top: number,
): ScaleLinear<number, number> {
  return scaleLinear()
    .domain([0, Math.max(floor, max)])
    .nice(4)
    .range([bottom, top]);
}

/**
 * The SVG path of `value` over the points, each drawn at the middle of its second; seconds
 * where value is null leave a gap.
 */
export function seriesPath(
  points: readonly SecondPoint[],
  value: (p: SecondPoint) => number | null,
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
): string {
  const path = line<SecondPoint>()
    .defined((p) => value(p) !== null)
    .x((p) => x(p.second + 0.5))
    .y((p) => y(value(p) ?? 0));
  return path(points as SecondPoint[]) ?? '';
}
