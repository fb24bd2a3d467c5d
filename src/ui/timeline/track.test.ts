// The time bar's geometry: x and time map back and forth, ticks fall on round seconds inside the
// track, labels keep one unit, and marks draw one tick per pixel column however many there are.
import { describe, expect, it } from 'vitest';
import {
  formatTime,
  markPath,
  MIN_SPAN_MS,
  ticks,
  timeAt,
  trackSpan,
  unitOf,
  xOf,
} from './track.ts';

describe('the time bar track', () => {
  it('maps time to x and back, clamped to the span', () => {
    const span = trackSpan(2_000, 12_000);
    expect(xOf(span, 500, 2_000)).toBe(0);
    expect(xOf(span, 500, 12_000)).toBe(500);
    expect(xOf(span, 500, 99_000)).toBe(500);
    for (const t of [2_000, 4_321, 11_999]) {
      expect(Math.abs(timeAt(span, 500, xOf(span, 500, t)) - t)).toBeLessThan(20);
    }
    expect(timeAt(span, 500, -10)).toBe(2_000);
    // A run that just started still has a span to scrub.
    expect(trackSpan(0, 0)).toEqual({ start: 0, end: MIN_SPAN_MS });
  });

  it('ticks on round seconds inside the track, in one unit', () => {
    const tk = ticks({ start: 0, end: 60_000 }, 600);
    expect(tk.length).toBeGreaterThan(2);
    for (const x of tk) {
      expect(x.t % 1000).toBe(0);
      expect(x.x).toBeGreaterThanOrEqual(0);
      expect(x.x).toBeLessThanOrEqual(600);
      expect(x.label).toMatch(/^\d+\.0 s$/);
    }
    expect(unitOf(599_999)).toBe(false);
    expect(formatTime(754_300, unitOf(754_300))).toBe('12:34.3');
    expect(formatTime(65_000, true)).toBe('1:05.0');
  });

  it('draws one tick per pixel column and counts the marks in view', () => {
    const marks = Array.from({ length: 10_000 }, (_, i) => ({ seq: i, t: i }));
    const { d, count } = markPath(marks, { start: 0, end: 10_000 }, 100, 2, 6);
    expect(count).toBe(10_000);
    expect(d.match(/M/g)!.length).toBe(101);
    expect(markPath(marks, { start: 20_000, end: 30_000 }, 100, 2, 6)).toEqual({ d: '', count: 0 });
    expect(markPath([{ seq: 1, t: 500 }], { start: 0, end: 1000 }, 100, 2, 6).d).toBe('M50.5,2V6');
  });
});
