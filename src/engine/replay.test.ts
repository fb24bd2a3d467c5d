// The replay engine over a simulated run's trace, on a hand-driven clock: playing follows the
// trace's clock at the chosen speed, seeking forward sends the events passed over and seeking
// back a reset batch with the prefix, so a subscriber always holds exactly the events before
// the cursor; commands that would change the run are refused as values.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { ReplayEngine, type ReplayTimers } from './replay.ts';
import { SimHost } from './simHost.ts';
import type { EngineCommand } from './types.ts';

function fakeTimers(): ReplayTimers & { advance(ms: number): void } {
  let now = 0;
  let pending: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn };
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

function recordedRun(): { header: ReturnType<SimHost['header']>; events: TraceEvent[] } {
  const host = new SimHost({
    seed: 3,
    nodes: 3,
    groups: ['nacos_config'],
    timing: 'lesson',
    network: {},
    readOnly: 'safe',
    snapshotIntervalEntries: 0,
    speed: 1,
  });
  host.advanceTo(3_000);
  void host.apply({ type: 'crash', node: '@leader:nacos_config' });
  host.advanceTo(8_000);
  return { header: host.header(), events: [...host.events()] };
}

/** What a subscriber holds after folding its batches. */
function collector(engine: ReplayEngine): { held: TraceEvent[]; resets: number } {
  const out = { held: [] as TraceEvent[], resets: 0 };
  engine.subscribe((batch, reset) => {
    if (reset) {
      out.held = [...batch];
      out.resets++;
    } else out.held.push(...batch);
  });
  return out;
}

describe('ReplayEngine', () => {
  const run = recordedRun();

  it('plays along the trace clock at its speed, and pauses', async () => {
    const timers = fakeTimers();
    const engine = new ReplayEngine(run.header, run.events, { speed: 2, timers });
    const seen = collector(engine);
    expect(engine.cursor).toBe(0);
    expect((await engine.command({ type: 'resume' })).ok).toBe(true);
    timers.advance(1_000);
    // Two trace seconds in one wall second: every event up to t = first + 2000 ms, none after.
    const start = run.events[0].t;
    const upTo = run.events.filter((e) => e.t <= start + 2_000).length;
    expect(Math.abs(engine.cursor - upTo)).toBeLessThanOrEqual(
      run.events.filter((e) => e.t > start + 1_900 && e.t <= start + 2_100).length,
    );
    expect(seen.held).toEqual(run.events.slice(0, engine.cursor));
    await engine.command({ type: 'pause' });
    const at = engine.cursor;
    timers.advance(5_000);
    expect(engine.cursor).toBe(at);
    await engine.command({ type: 'speed', speed: 'max' });
    await engine.command({ type: 'resume' });
    timers.advance(1_000);
    expect(engine.cursor).toBe(run.events.length);
    expect(engine.isPlaying).toBe(false);
    expect(seen.held).toEqual(run.events);
  });

  it('seeks to any seq or time, forward and back, and a late subscriber gets the prefix', async () => {
    const engine = new ReplayEngine(run.header, run.events, { timers: fakeTimers() });
    const seen = collector(engine);
    const mid = run.events[Math.floor(run.events.length / 2)];
    expect(await engine.command({ type: 'seek', seq: mid.seq })).toEqual({
      ok: true,
      value: run.events.indexOf(mid) + 1,
    });
    expect(seen.held).toEqual(run.events.slice(0, engine.cursor));
    expect(seen.resets).toBe(0);
    await engine.command({ type: 'seek', t: run.events[10].t });
    expect(engine.events().at(-1)!.t).toBe(run.events[10].t);
    expect(engine.cursor).toBe(run.events.filter((e) => e.t <= run.events[10].t).length);
    expect(seen.resets).toBe(1);
    expect(seen.held).toEqual(run.events.slice(0, engine.cursor));
    const late = collector(engine);
    expect(late.held).toEqual(seen.held);
    await engine.command({ type: 'reset' });
    expect(seen.held).toEqual([]);
    const st = await engine.status();
    expect(st.engine).toBe('replay');
    expect(st.cursor).toBe(0);
  });

  it('folds roles for status, and refuses commands that would change the run', async () => {
    const engine = new ReplayEngine(run.header, run.events, { timers: fakeTimers() });
    engine.seek({ t: 2_999 });
    const st = await engine.status();
    const leader = Object.values(st.leaders)[0];
    expect(leader).not.toBeNull();
    engine.seek({ t: 8_000 });
    const after = await engine.status();
    expect(after.nodes[leader!].state).toBe('crashed');
    const refused: EngineCommand[] = [
      { type: 'crash', node: 'n1' },
      { type: 'write', node: 'n1', group: 'nacos_config', op: {} },
      { type: 'partition', sides: [['n1'], ['n2']] },
      { type: 'pause', node: 'n1' },
    ];
    for (const cmd of refused) {
      const r = await engine.command(cmd);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^replay engine: .*cannot change it/);
    }
    const bad = await engine.command({ type: 'seek' });
    expect(bad).toEqual({ ok: false, error: 'replay engine: seek: give seq or t, one of them' });
  });
});
