import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { schedulePanelUpdate } from './panelUpdates.ts';

describe('panel updates: one per frame, most overdue first', () => {
  beforeEach(() => {
    // Frames every 16 ms of fake time (no requestAnimationFrame here: the module falls back to
    // a 16 ms timer, which is what a frame is to it).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each at or after its due time, one a frame, the earliest due first', () => {
    const ran: [string, number][] = [];
    const at = (name: string) => () => ran.push([name, performance.now()]);
    const t0 = performance.now();
    schedulePanelUpdate({ due: t0 + 100, run: at('logs') });
    schedulePanelUpdate({ due: t0 + 50, run: at('cluster') });
    schedulePanelUpdate({ due: t0 + 50, run: at('requests') });
    schedulePanelUpdate({ due: t0 + 60, run: at('bar') });
    vi.advanceTimersByTime(40);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(ran.map(([n]) => n)).toEqual(['cluster', 'requests', 'bar', 'logs']);
    // Never before due, and never two in one frame.
    expect(ran[0][1]).toBeGreaterThanOrEqual(t0 + 50);
    expect(ran[3][1]).toBeGreaterThanOrEqual(t0 + 100);
    for (let i = 1; i < ran.length; i++)
      expect(ran[i][1] - ran[i - 1][1]).toBeGreaterThanOrEqual(16);
  });

  it('never runs a cancelled update, and runs each once', () => {
    const run = vi.fn();
    const kept = vi.fn();
    const cancel = schedulePanelUpdate({ due: performance.now() + 10, run });
    schedulePanelUpdate({ due: performance.now() + 10, run: kept });
    cancel();
    vi.advanceTimersByTime(500);
    expect(run).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
