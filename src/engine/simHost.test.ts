// The simulated engine's host, driven directly (no Worker): the same seed and the same commands
// at the same virtual times give the same trace, however finely time was advanced in between;
// a command's log replays to the same trace; commands it cannot run are refused as values.
import { describe, expect, it } from 'vitest';
import type { ClientReply } from '../node/types.ts';
import { forkHost, SimHost, type LoggedCommand, type SimEngineOptions } from './simHost.ts';
import type { EngineCommand, EngineResult } from './types.ts';

const OPTIONS: SimEngineOptions = {
  seed: 7,
  nodes: 3,
  groups: ['nacos_config'],
  timing: 'lesson',
  network: {},
  readOnly: 'safe',
  snapshotIntervalEntries: 0,
  speed: 1,
};

const G = 'nacos_config';

/** A script: commands at virtual times, some by reference, as a user at the console would. */
const SCRIPT: { atMs: number; cmd: EngineCommand }[] = [
  {
    atMs: 4_000,
    cmd: { type: 'write', node: '@leader:nacos_config', group: G, op: pub('a', '1') },
  },
  { atMs: 4_500, cmd: { type: 'write', node: 'n2', group: G, op: pub('b', '1') } },
  { atMs: 6_000, cmd: { type: 'crash', node: '@leader:nacos_config' } },
  { atMs: 6_001, cmd: { type: 'partition', sides: [['n3'], ['n1', 'n2']] } },
  {
    atMs: 11_000,
    cmd: { type: 'write', node: '@follower:nacos_config', group: G, op: pub('c', '2') },
  },
  { atMs: 12_000, cmd: { type: 'heal' } },
  { atMs: 12_500, cmd: { type: 'restart', node: 'n3' } },
  { atMs: 13_000, cmd: { type: 'skew', node: 'n3', rate: 1.5 } },
  { atMs: 16_000, cmd: { type: 'read', node: '@leader:nacos_config', group: G, query: get('a') } },
  { atMs: 15_000, cmd: { type: 'network', change: { dropRatio: 0.1 } } },
  { atMs: 17_000, cmd: { type: 'hold', on: true } },
  { atMs: 17_100, cmd: { type: 'release' } },
  { atMs: 17_200, cmd: { type: 'hold', on: false } },
];

function pub(dataId: string, content: string): Record<string, unknown> {
  return { type: 'publish', dataId, content };
}

function get(dataId: string): Record<string, unknown> {
  return { type: 'get', dataId };
}

/** Run `script` on a new host, advancing time in steps of stepMs between commands. */
async function run(
  script: { atMs: number; cmd: EngineCommand }[],
  stepMs: number,
  endMs = 20_000,
): Promise<{ host: SimHost; results: EngineResult[] }> {
  const host = new SimHost(OPTIONS);
  const pending: Promise<EngineResult>[] = [];
  for (const { atMs, cmd } of script) {
    for (let t = host.nowMs + stepMs; t < atMs; t += stepMs) host.advanceTo(t);
    host.advanceTo(atMs);
    pending.push(host.apply(cmd));
  }
  for (let t = host.nowMs + stepMs; t < endMs; t += stepMs) host.advanceTo(t);
  host.advanceTo(endMs);
  return { host, results: await Promise.all(pending) };
}

describe('SimHost', () => {
  it('gives the same trace for the same seed and commands at the same virtual times', async () => {
    const a = await run(SCRIPT, 16);
    const b = await run(SCRIPT, 1_000);
    const traceA = a.host.exportTrace();
    expect(traceA).toBe(b.host.exportTrace());
    expect(a.results).toEqual(b.results);
    expect(a.results.filter((r) => !r.ok)).toEqual([]);
    // The run did something: a leader, acknowledged writes, the faults in the trace.
    const types = new Set(a.host.events().map((e) => e.type));
    for (const t of ['role', 'apply', 'invoke', 'ok', 'fault']) expect(types).toContain(t);
    const replies = a.results.filter((r) => r.ok && typeof r.value === 'object');
    expect(replies.some((r) => (r as { value: ClientReply }).value.ok)).toBe(true);
    expect(a.host.header().engine).toBe('simulated');
    expect(a.host.header().seed).toBe(7);
  });

  it('replays its command log (references resolved) to the same trace', async () => {
    const a = await run(SCRIPT, 50);
    const log: LoggedCommand[] = a.host.commandLog();
    expect(log).toHaveLength(SCRIPT.length);
    // Every reference was resolved to an id when it ran.
    for (const { cmd } of log) expect(JSON.stringify(cmd)).not.toContain('@');
    const b = await run(log, 3_000);
    expect(b.host.exportTrace()).toBe(a.host.exportTrace());
  });

  it('gives another trace for another seed', async () => {
    const a = await run(SCRIPT, 1_000);
    const host = new SimHost({ ...OPTIONS, seed: 8 });
    host.advanceTo(20_000);
    expect(host.exportTrace()).not.toBe(a.host.exportTrace());
  });

  it('refuses what it cannot run, as a value, and changes nothing', async () => {
    const host = new SimHost(OPTIONS);
    host.advanceTo(1_000);
    const before = host.events().length;
    const bad: [EngineCommand, RegExp][] = [
      [{ type: 'crash', node: 'n9' }, /unknown node "n9"/],
      [{ type: 'restart', node: 'n1' }, /n1 is running/],
      [{ type: 'write', node: 'n1', group: 'nope', op: {} }, /unknown group "nope"/],
      [{ type: 'seek', seq: 3 }, /not a command of the simulator/],
      [{ type: 'add-node', node: 'n2' }, /already exists/],
    ];
    for (const [cmd, message] of bad) {
      const r = await host.apply(cmd);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/^simulated engine: /);
      if (!r.ok) expect(r.error).toMatch(message);
    }
    expect(host.events().length).toBe(before);
    expect(host.commandLog()).toHaveLength(0);
  });

  it('forks at a past time: the branch replays the same trace up to it, byte for byte', async () => {
    const a = await run(SCRIPT, 40);
    const log = a.host.commandLog();
    const lines = (events: readonly { t: number }[], upTo: number): string[] =>
      events.filter((e) => e.t <= upTo).map((e) => JSON.stringify(e));
    // Between commands, exactly at one (the heal at 12 000 ms runs after every event due then),
    // and at a time that is not a whole millisecond.
    for (const atMs of [11_500, 12_000, 6_000.5]) {
      const fork = forkHost(OPTIONS, log, atMs);
      expect(fork.nowMs).toBe(atMs);
      const crash = await fork.apply({ type: 'crash', node: 'n2' });
      expect(crash.ok).toBe(true);
      fork.advanceTo(20_000);
      // The fork point: after every event due at or before atMs; the new action comes next.
      const prefix = lines(a.host.events(), atMs);
      expect(prefix.length).toBeGreaterThan(100);
      const forked = fork.events().map((e) => JSON.stringify(e));
      expect(forked.slice(0, prefix.length)).toEqual(prefix);
      // It is a branch: after the fork point, another history.
      expect(fork.events()[prefix.length]).toMatchObject({
        type: 'node-crash',
        node: 'n2',
        t: atMs,
      });
      expect(fork.exportTrace()).not.toBe(a.host.exportTrace());
      // Its own log (the replayed prefix, then the new action) reproduces the branch.
      const flog = fork.commandLog();
      expect(flog.slice(0, -1)).toEqual(log.filter((l) => l.atMs <= atMs));
      const again = await run(flog, 700);
      expect(again.host.exportTrace()).toBe(fork.exportTrace());
    }
  });

  it('refuses a fork whose replay would not reproduce the run', () => {
    const log: LoggedCommand[] = [{ atMs: 1_000, cmd: { type: 'restart', node: 'n1' } }];
    expect(() => forkHost(OPTIONS, log, 2_000)).toThrow(/replaying restart at 1000 ms was refused/);
    expect(() => forkHost(OPTIONS, [], -1)).toThrow(/atMs must be a time ≥ 0/);
  });

  it("answers a transfer the leader refused with the leader's reason, and a fork replays it", async () => {
    const host = new SimHost(OPTIONS);
    host.advanceTo(5_000);
    const leader = host.events().findLast((e) => e.type === 'role' && e.to === 'leader')!.node!;
    const [a, b] = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
    expect((await host.apply({ type: 'partition', sides: [[a], [leader, b]] })).ok).toBe(true);
    expect((await host.apply({ type: 'transfer-leader', group: G, to: a })).ok).toBe(true);
    const refused = await host.apply({ type: 'transfer-leader', group: G, to: b });
    expect(refused).toEqual({
      ok: false,
      error: `simulated engine: transfer-leader: ${leader} refused: Not a leader`,
    });
    expect(host.events().at(-1)).toMatchObject({
      type: 'transfer',
      node: leader,
      target: b,
      outcome: 'refused',
      reason: 'Not a leader',
    });
    // It ran (and left its trace), so it is logged and a fork reproduces the trace.
    expect(host.commandLog()).toHaveLength(3);
    host.advanceTo(8_000);
    const fork = forkHost(OPTIONS, host.commandLog(), 8_000);
    expect(fork.exportTrace()).toBe(host.exportTrace());
  });

  it('settles waiting clients when disposed', async () => {
    const host = new SimHost(OPTIONS);
    const p = host.apply({ type: 'write', node: 'n1', group: G, op: pub('a', '1') });
    host.dispose();
    const r = await p;
    expect(r).toEqual({
      ok: true,
      value: { ok: false, error: 'the run was reset', indeterminate: true },
    });
  });
});
