import { describe, expect, it } from 'vitest';
import { clockNow, clockObserve, clockShown, clockStart, timerLeft } from './clock.ts';

describe('the cluster clock between model updates', () => {
  it('runs on at the observed rate, bounded past the model', () => {
    let c = clockStart(1000, 0);
    // Cluster time passes at 0.5× wall time, many updates in.
    for (let i = 1; i <= 30; i++) c = clockObserve(c, 1000 + i * 50, i * 100);
    expect(c.rate).toBeCloseTo(0.5, 1);
    const now = clockNow(c, 3000 + 100, 500);
    expect(now).toBeGreaterThan(2500);
    expect(now).toBeLessThan(2500 + 100);
    // A stopped engine: the picture stops at most maxLead past the model.
    expect(clockNow(c, 3000 + 100_000, 500)).toBe(2500 + 500);
  });

  it('never goes backwards while the model moves forward', () => {
    let c = clockStart(0, 0);
    c = clockObserve(c, 100, 100);
    const t1 = clockNow(c, 180, 1000);
    c = clockShown(c, t1);
    // The next update is earlier than what was drawn: the drawing holds.
    c = clockObserve(c, 150, 200);
    expect(clockNow(c, 200, 1000)).toBeGreaterThanOrEqual(t1);
  });

  it('restarts when the model goes back (a replay seeks)', () => {
    let c = clockStart(5000, 0);
    c = clockObserve(c, 200, 10);
    expect(clockNow(c, 10, 1000)).toBe(200);
  });
});

describe('election timer', () => {
  it('runs down from 1 to 0 over the timeout, faster on a fast clock', () => {
    const timer = { timeoutMs: 1000, resetAt: 0 };
    expect(timerLeft(timer, 0, 1)).toBe(1);
    expect(timerLeft(timer, 250, 1)).toBeCloseTo(0.75);
    expect(timerLeft(timer, 250, 2)).toBeCloseTo(0.5);
    expect(timerLeft(timer, 5000, 1)).toBe(0);
  });
});
