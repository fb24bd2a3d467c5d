// Tests of the charts' pure parts: dense windows over sparse buckets, latency gaps, elections
// per minute, the fault marks of a window, scales and paths.
import { describe, expect, it } from 'vitest';
import type { FaultView, SeriesBucket } from '../../state/model.ts';
import { plFrom } from '../../state/plist.ts';
import { emptyBucket } from '../../state/reduceSeries.ts';
import {
  faultMarks,
  minutesWindow,
  secondsWindow,
  seriesPath,
  timeScale,
  valueScale,
} from './chartSeries.ts';

function bucket(second: number, over: Partial<SeriesBucket>): SeriesBucket {
  return { ...emptyBucket(second), ...over };
}

describe('chart series', () => {
  const buckets = plFrom([
    bucket(2, {
      commits: 3,
      commitLatencyCount: 2,
      commitLatencyMsSum: 30,
      commitLatencyMsMax: 20,
    }),
    bucket(5, { elections: 1, leaderChanges: 1 }),
    bucket(61, { elections: 2 }),
  ]);
  const current = bucket(62, { commits: 1, leaderChanges: 1 });

  it('lays out one point per second, zero where no bucket is, latency null without commits', () => {
    const w = secondsWindow(buckets, current, 6, 6);
    expect(w.map((p) => p.second)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w.map((p) => p.commits)).toEqual([0, 3, 0, 0, 0, 0]);
    expect(w[1].latencyMeanMs).toBe(15);
    expect(w[1].latencyMaxMs).toBe(20);
    expect(w[0].latencyMeanMs).toBeNull();
    expect(w[4].elections).toBe(1);
    // The second in progress is included.
    expect(secondsWindow(buckets, current, 62, 2).map((p) => p.commits)).toEqual([0, 1]);
  });

  it('sums elections and leaders per minute', () => {
    expect(minutesWindow(buckets, current, 62, 2)).toEqual([
      { minute: 0, elections: 1, leaders: 1 },
      { minute: 1, elections: 2, leaders: 1 },
    ]);
  });

  it('marks the faults of a window, leaving out speed changes', () => {
    const f = (seq: number, t: number, fault: string, node: string | null): FaultView => ({
      seq,
      t,
      fault,
      node,
      detail: '',
    });
    const faults = plFrom([
      f(1, 500, 'crash', 'n2'),
      f(2, 3000, 'speed', null),
      f(3, 4200, 'partition', null),
      f(4, 9000, 'restart', 'n2'),
    ]);
    expect(faultMarks(faults, 1, 5)).toEqual([{ seq: 3, at: 4.2, label: 'partition' }]);
    expect(faultMarks(faults, 0, 10).map((m) => m.label)).toEqual([
      'crash n2',
      'partition',
      'restart n2',
    ]);
  });

  it('scales time and values, and leaves gaps in a path', () => {
    const x = timeScale(10, 19, 240, 20, 20);
    expect(x(10)).toBe(20);
    expect(x(20)).toBe(220);
    const y = valueScale(7, 5, 100, 0);
    expect(y(0)).toBe(100);
    expect(y.domain()[1]).toBeGreaterThanOrEqual(7);
    const w = secondsWindow(buckets, current, 6, 6);
    const d = seriesPath(w, (p) => p.latencyMeanMs, x, y);
    expect(d.startsWith('M')).toBe(true);
    const all = seriesPath(w, (p) => p.commits, x, y);
    expect(all.split('L').length).toBe(6);
  });
});
