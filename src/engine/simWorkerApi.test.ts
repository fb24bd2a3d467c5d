// The simulated engine's pacer on a hand-driven wall clock: virtual time follows wall time times
// the speed, pause stops it, 'max' runs ahead, reset starts a new run with a reset batch, and
// commands the simulator has no part for are refused as values.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { createSimWorkerApi, wireSimWorkerApi, type PacerClock } from './simWorkerApi.ts';

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

describe('branches of the simulated engine', () => {
  it('sends the events of requests that arrive together in one batch, each before its answer', async () => {
    const clock = fakeClock();
    const api = createSimWorkerApi(clock);
    const batches: TraceEvent[][] = [];
    api.start({ ...OPTIONS, speed: 1 }, (batch, reset) => {
      if (!reset) batches.push([...batch]);
    });
    // Elect a leader, then let the frames' batches go by.
    clock.advance(5_000);
    const before = batches.length;
    const answers = [1, 2, 3].map((k) =>
      api
        .command({
          type: 'write',
          node: '@leader:nacos_config',
          group: 'nacos_config',
          op: { type: 'publish', dataId: `k${k}`, content: 'v' },
        })
        .then((r) => ({ r, seen: batches.flat().filter((e) => e.type === 'reply').length })),
    );
    await Promise.resolve();
    // The three invokes cross together, not one batch each.
    clock.advance(1);
    const invokes = batches.slice(before).map((b) => b.filter((e) => e.type === 'invoke').length);
    expect(invokes.filter((n) => n > 0)).toEqual([3]);
    clock.advance(2_000);
    for (const a of await Promise.all(answers)) {
      expect(a.r).toMatchObject({ ok: true, value: { ok: true } });
      // Every node's reply to the client had reached the page when its answer came.
      expect(a.seen).toBeGreaterThanOrEqual(1);
    }
  });

  it('forks in the past, keeps the earlier branch, and switches between them', async () => {
    const clock = fakeClock();
    const api = createSimWorkerApi(clock);
    let held: TraceEvent[] = [];
    let resets = 0;
    api.start(OPTIONS, (batch, reset) => {
      if (reset) {
        held = [...batch];
        resets++;
      } else held.push(...batch);
    });
    clock.advance(2_000);
    expect((await api.command({ type: 'crash', node: 'n1' })).ok).toBe(true);
    // Commands back to back at one virtual time (no frame between them): held messages released
    // at once. The fork's replay must run them back to back too.
    expect((await api.command({ type: 'hold', on: true })).ok).toBe(true);
    clock.advance(1_500);
    const burst = await Promise.all([
      api.command({ type: 'release' }),
      api.command({ type: 'release' }),
      api.command({ type: 'hold', on: false }),
    ]);
    expect(burst.map((r) => r.ok)).toEqual([true, true, true]);
    clock.advance(2_000);
    const main = [...held];
    const mainNow = api.status().nowMs;
    const atMs = mainNow - 1_000;
    expect(api.branches()).toEqual([
      expect.objectContaining({ id: 1, label: 'main', current: true, commands: 5 }),
    ]);
    // Refused before anything changes: a time to come, a command that is not the cluster's.
    expect(await api.fork(mainNow + 1, { type: 'heal' })).toMatchObject({ ok: false });
    expect(await api.fork(atMs, { type: 'speed', speed: 2 })).toMatchObject({ ok: false });
    expect(await api.fork(atMs, { type: 'crash', node: 'n9' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown node "n9"/),
    });
    expect(api.branches()).toHaveLength(1);
    expect(resets).toBe(1);

    const r = await api.fork(atMs, { type: 'crash', node: 'n3' });
    expect(r).toEqual({ ok: true, value: 'n3' });
    expect(resets).toBe(2);
    // The page got the new branch from its start: the old one's events up to the fork point,
    // identical, then the new action.
    const prefix = main.filter((e) => e.t <= atMs);
    expect(held.slice(0, prefix.length)).toEqual(prefix);
    expect(held[prefix.length]).toMatchObject({ type: 'node-crash', node: 'n3', t: atMs });
    expect(held.filter((e) => e.type === 'node-crash' && e.node === 'n1')).toHaveLength(1);
    const branches = api.branches();
    expect(branches).toHaveLength(2);
    expect(branches[1]).toMatchObject({ id: 2, parent: 1, forkAtMs: atMs, current: true });
    expect(branches[1].label).toBe(`fork 2: crash n3 at ${(atMs / 1000).toFixed(1)} s`);
    // The old branch stood still meanwhile; the new one runs on.
    clock.advance(500);
    expect(api.status().nowMs).toBeGreaterThan(atMs + 500);
    expect(api.branches()[0].nowMs).toBe(mainNow);

    const back = api.switchBranch(1);
    expect(back).toMatchObject({ ok: true, value: { id: 1, current: true } });
    expect(resets).toBe(3);
    expect(held).toEqual(main);
    expect(api.commandLog().map((l) => l.cmd.type)).toEqual([
      'crash',
      'hold',
      'release',
      'release',
      'hold',
    ]);
    expect(api.switchBranch(7)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no branch 7 \(branches: 1, 2\)/),
    });
    // Reset: one branch again.
    await api.command({ type: 'reset' });
    expect(api.branches()).toEqual([expect.objectContaining({ id: 1, label: 'main' })]);
    api.stop();
  });
});

describe("the worker's wire", () => {
  it('hands the page each batch as JSON text that parses to the events the API emits', () => {
    const direct: TraceEvent[] = [];
    const wired: TraceEvent[] = [];
    const texts: string[] = [];
    const c1 = fakeClock();
    const c2 = fakeClock();
    createSimWorkerApi(c1).start(OPTIONS, (batch) => direct.push(...batch));
    wireSimWorkerApi(createSimWorkerApi(c2)).start(OPTIONS, (json, reset) => {
      expect(typeof json).toBe('string');
      if (reset) wired.length = 0;
      texts.push(json);
      wired.push(...(JSON.parse(json) as TraceEvent[]));
    });
    c1.advance(3_000);
    c2.advance(3_000);
    expect(texts.length).toBeGreaterThan(1);
    expect(wired.length).toBeGreaterThan(0);
    expect(wired).toEqual(direct);
  });
});

describe('pausing at a set time', () => {
  it('stops exactly at pauseAtMs at full speed, once, and resumes past it', async () => {
    const clock = fakeClock();
    const api = createSimWorkerApi(clock);
    api.start({ ...OPTIONS, speed: 'max', pauseAtMs: 4_321 }, () => undefined);
    for (let i = 0; i < 200 && !api.status().paused; i++) clock.advance(5);
    expect(api.status().paused).toBe(true);
    expect(api.status().nowMs).toBe(4_321);
    await api.command({ type: 'resume' });
    clock.advance(50);
    expect(api.status().nowMs).toBeGreaterThan(4_321);
    expect(api.status().paused).toBe(false);
  });
});
