// The time bar's geometry, pure: the span of cluster time the track shows, the x of a time and
// the time of an x, tick times and their labels, and the marks drawn as one path per kind with at
// most one tick per pixel column (a run with thousands of failed requests draws as fast as one
// with three).
// Invariants: timeAt(xOf(t)) == t within a pixel; a span never has zero width; labels use one
// unit across the whole track, so they do not change width as time passes.
import { scaleLinear } from 'd3';
import type { Mark, MarkKind } from '../../state/marks.ts';

export interface TrackSpan {
  /** Cluster ms at the left edge and at the right edge. */
  start: number;
  end: number;
}

/** The shortest span the track shows (a run that just started still has room to scrub). */
export const MIN_SPAN_MS = 1000;

export function trackSpan(firstT: number, lastT: number): TrackSpan {
  const start = Math.max(0, Math.min(firstT, lastT));
  return { start, end: Math.max(lastT, start + MIN_SPAN_MS) };
}

/** The x (0 .. width) of cluster time `t`, clamped to the track. */
export function xOf(span: TrackSpan, width: number, t: number): number {
  const f = (t - span.start) / (span.end - span.start);
  return Math.max(0, Math.min(width, f * width));
}

/** The cluster time at x (clamped to the span). */
export function timeAt(span: TrackSpan, width: number, x: number): number {
  if (width <= 0) return span.end;
  const f = Math.max(0, Math.min(1, x / width));
  return span.start + f * (span.end - span.start);
}

/** "12.3 s", or "4:05.2" from ten minutes on, in one unit for the whole track (`unitOf`). */
export function formatTime(ms: number, long = false): string {
  const s = Math.max(0, ms) / 1000;
  if (!long) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}:${rest < 10 ? '0' : ''}${rest.toFixed(1)}`;
}

/** Whether a track ending at `endMs` labels in minutes. */
export function unitOf(endMs: number): boolean {
  return endMs >= 600_000;
}

/** Tick times and their labels: about one per `pxPerTick` pixels, at round numbers of seconds. */
export function ticks(
  span: TrackSpan,
  width: number,
  pxPerTick = 90,
): { t: number; x: number; label: string }[] {
  const n = Math.max(2, Math.floor(width / pxPerTick));
  const scale = scaleLinear()
    .domain([span.start / 1000, span.end / 1000])
    .range([0, width]);
  const long = unitOf(span.end);
  return scale
    .ticks(n)
    .map((s) => ({ t: s * 1000, x: scale(s), label: formatTime(s * 1000, long) }))
    .filter((tk) => tk.x >= 0 && tk.x <= width);
}

/**
 * One SVG path of short vertical ticks for `marks` between y0 and y1, at most one per pixel
 * column; also how many marks fall inside the span.
 */
export function markPath(
  marks: readonly Mark[],
  span: TrackSpan,
  width: number,
  y0: number,
  y1: number,
): { d: string; count: number } {
  const columns = new Set<number>();
  let count = 0;
  for (const m of marks) {
    if (m.t < span.start || m.t > span.end) continue;
    count++;
    columns.add(Math.round(xOf(span, width, m.t)));
  }
  const parts: string[] = [];
  for (const x of [...columns].sort((a, b) => a - b)) parts.push(`M${x + 0.5},${y0}V${y1}`);
  return { d: parts.join(''), count };
}

/** Lanes of the track, top to bottom, one per kind of mark. */
export const LANES: readonly MarkKind[] = ['election', 'fault', 'failed', 'violation'];
