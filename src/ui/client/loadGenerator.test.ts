// Tests of the load generator on a manual clock: it sends at the chosen rate, counts answers,
// bounds what is outstanding, measures the achieved rate, and sends nothing after stop.
import { describe, expect, it } from 'vitest';
import { LoadGenerator, type LoadClock } from './loadGenerator.ts';

function manualClock(): LoadClock & { advance(ms: number): void } {
  let now = 0;
  let tick: { ms: number; fn: () => void; next: number } | null = null;
  return {
    now: () => now,
    every(ms, fn) {
      tick = { ms, fn, next: now + ms };
      return () => {
        tick = null;
      };
    },
    advance(ms) {
      const end = now + ms;
      while (tick !== null && tick.next <= end) {
        now = tick.next;
        tick.next += tick.ms;
        tick.fn();
      }
      now = end;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('LoadGenerator', () => {
  it('sends at the rate, measures it, and stops', async () => {
    const clock = manualClock();
    const sent: number[] = [];
    const gen = new LoadGenerator(async (i) => void sent.push(i), clock);
    gen.start(100);
    clock.advance(3000);
    await flush();
    expect(sent.length).toBe(300);
    expect(sent.slice(0, 3)).toEqual([0, 1, 2]);
    const s = gen.snapshot();
    expect(s.running).toBe(true);
    expect(s.answered).toBe(300);
    expect(s.outstanding).toBe(0);
    expect(s.achievedPerSec).toBeGreaterThan(90);
    expect(s.achievedPerSec).toBeLessThan(110);
    gen.stop();
    clock.advance(1000);
    expect(sent.length).toBe(300);
    expect(gen.snapshot()).toMatchObject({ running: false, achievedPerSec: 0 });
  });

  it('skips requests beyond the outstanding bound', () => {
    const clock = manualClock();
    const gen = new LoadGenerator(() => new Promise(() => {}), clock, 10);
    gen.start(100);
    clock.advance(1000);
    const s = gen.snapshot();
    expect(s.sent).toBe(10);
    expect(s.outstanding).toBe(10);
    expect(s.skipped).toBe(90);
  });
});
