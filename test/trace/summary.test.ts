// The trace summary: exact counts (requests by outcome add up to the invokes; leaders are the
// role changes to leader), nearest-rank percentiles, and its wording.
import { describe, expect, it } from 'vitest';
import { formatSummary, percentile, summarizeTrace } from '../../src/trace/convert/summary.ts';
import { allTraces } from './fixtures.ts';

describe('percentile', () => {
  it('is the nearest rank', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe.each(allTraces())('summary: $name', ({ trace }) => {
  it('counts what the events hold', () => {
    const s = summarizeTrace(trace.header, trace.events);
    const count = (type: string): number => trace.events.filter((e) => e.type === type).length;
    expect(s.events).toBe(trace.events.length);
    expect(s.requests.invoked).toBe(count('invoke'));
    expect(s.requests.ok).toBe(count('ok'));
    expect(s.requests.ok + s.requests.failed + s.requests.unknown).toBe(s.requests.invoked);
    const leaders = trace.events.filter((e) => e.type === 'role' && e.to === 'leader').length;
    expect(s.groups.reduce((n, g) => n + g.leaders.length, 0)).toBe(leaders);
    expect(Object.values(s.faults).reduce((a, b) => a + b, 0)).toBe(count('fault'));
    if (s.latencyOkMs !== null) {
      const l = s.latencyOkMs;
      expect(l.count).toBe(s.requests.ok);
      expect(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max).toBe(true);
    }
    const text = formatSummary(s);
    for (const g of trace.header.cluster.groups) expect(text).toContain(`${g}: highest term`);
    expect(text).toMatch(/requests: \d+ invoked/);
  });
});
