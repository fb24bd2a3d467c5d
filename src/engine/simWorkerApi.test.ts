// The simulated engine's pacer on a hand-driven wall clock: virtual time follows wall time times
// the speed, pause stops it, 'max' runs ahead, reset starts a new run with a reset batch, and
// commands the simulator has no part for are refused as values.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { createSimWorkerApi, type PacerClock } from './simWorkerApi.ts';

function fakeClock(): PacerClock & { advance(ms: number): void } {
  let now = 0;
  let pending: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      // A zero delay still lets the clock move, as a real event loop does.
      const t = { at: now + Math.max(ms, 1), fn };
      pending.push(t);
      return t;
    },
    clearTimeout(h) {
      pending = pending.filter((p) => p !== h);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at);
        const next = pending[0];
        if (next === undefined || next.at > end) break;
        pending.shift();
        now = next.at;
        next.fn();
      }
      now = end;
    },
  };
}

const OPTIONS = {
  seed: 5,
  nodes: 3,
  groups: ['nacos_config'],
  timing: 'lesson' as const,
  network: {},
  readOnly: 'safe' as const,
  snapshotIntervalEntries: 0,
  speed: 2,
};

describe('the simulated engine pacer', () => {
  it('runs virtual time at wall time × speed, pauses, and resets', async () => {
    const clock = fakeClock();
    const api = createSimWorkerApi(clock);
    let held: TraceEvent[] = [];
    let resets = 0;
    const header = api.start(OPTIONS, (batch, reset) => {
      if (reset) {
        held = [...batch];
        resets++;
      } else held.push(...batch);
    });
    expect(header.engine).toBe('simulated');
    clock.advance(1_000);
    const st = api.status();
    // One frame of lag at most behind 2 × 1000 ms.
    expect(st.nowMs).toBeGreaterThan(2_000 - 2 * 33 * 2);
    expect(st.nowMs).toBeLessThanOrEqual(2_000);
    expect(held.length).toBeGreaterThan(0);
    expect(held.at(-1)!.t).toBeLessThanOrEqual(st.nowMs);
    expect(await api.command({ type: 'pause' })).toEqual({ ok: true, value: true });
    const at = api.status().nowMs;
    clock.advance(1_000);
    expect(api.status().nowMs).toBe(at);
    expect(api.status().paused).toBe(true);
    await api.command({ type: 'resume' });
    await api.command({ type: 'speed', speed: 'max' });
    // Each fake frame at 'max' runs its bound of virtual time (the fake clock stands still).
    clock.advance(3);
    expect(api.status().nowMs).toBeGreaterThan(at + 5_000);
    // A command runs at the virtual time reached, and the host logs it there.
    const crash = await api.command({ type: 'crash', node: 'n1' });
    expect(crash).toEqual({ ok: true, value: 'n1' });
    const log = api.commandLog();
    expect(log).toEqual([{ atMs: api.status().nowMs, cmd: { type: 'crash', node: 'n1' } }]);
    expect(held.some((e) => e.type === 'node-crash' && e.node === 'n1')).toBe(true);
    expect(await api.command({ type: 'reset' })).toEqual({ ok: true });
    expect(resets).toBe(2);
    expect(api.status().nowMs).toBe(0);
    expect(api.commandLog()).toEqual([]);
    expect(await api.command({ type: 'hold', on: true })).toEqual({ ok: true, value: true });
    clock.advance(3);
    const released = await api.command({ type: 'release' });
    expect(released.ok).toBe(true);
    const none = await api.command({ type: 'discard', msgId: 123_456_789 });
    expect(none).toEqual({
      ok: false,
      error: 'simulated engine: discard: message 123456789 is not held',
    });
    const seek = await api.command({ type: 'seek', seq: 1 });
    expect(seek.ok).toBe(false);
    api.stop();
    const after = await api.command({ type: 'heal' });
    expect(after).toEqual({
      ok: false,
      error: 'simulated engine: heal: the simulator is not running',
    });
  });
});
