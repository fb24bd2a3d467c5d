// Reproduce: a simulated run saved as a scenario replays to the same outcome in the simulator
// (the same entries committed and applied on every node), and what cannot be a step is named.
import { describe, expect, it } from 'vitest';
import { SimHost, type SimEngineOptions } from '../engine/simHost.ts';
import type { EngineCommand } from '../engine/types.ts';
import { runScenario } from '../sim/runner.ts';
import type { TraceEvent, TraceHeader } from './events.ts';
import { scenarioFromTrace } from './reproduce.ts';

const G = 'nacos_config';

const OPTIONS: SimEngineOptions = {
  seed: 11,
  nodes: 5,
  groups: [G],
  timing: 'lesson',
  network: {},
  readOnly: 'safe',
  snapshotIntervalEntries: 0,
  speed: 'max',
};

const pub = (dataId: string, content: string) => ({ type: 'publish', dataId, content });

const SCRIPT: { atMs: number; cmd: EngineCommand }[] = [
  {
    atMs: 3_000,
    cmd: { type: 'write', node: '@leader:nacos_config', group: G, op: pub('a', '1') },
  },
  {
    atMs: 3_200,
    cmd: { type: 'write', node: '@follower:nacos_config', group: G, op: pub('b', '1') },
  },
  { atMs: 4_000, cmd: { type: 'crash', node: '@leader:nacos_config' } },
  {
    atMs: 4_001,
    cmd: {
      type: 'partition',
      sides: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    },
  },
  { atMs: 7_000, cmd: { type: 'write', node: 'n4', group: G, op: pub('c', '2') } },
  { atMs: 7_100, cmd: { type: 'write', node: 'n1', group: G, op: pub('d', 'lost?') } },
  { atMs: 8_000, cmd: { type: 'heal' } },
  { atMs: 8_500, cmd: { type: 'network', change: { delayMsMin: 5, delayMsMax: 30 } } },
  { atMs: 9_000, cmd: { type: 'read', node: 'n2', group: G, query: { type: 'get', dataId: 'a' } } },
  { atMs: 9_500, cmd: { type: 'skew', node: 'n2', rate: 1.2 } },
  {
    atMs: 10_000,
    cmd: { type: 'write', node: 'n5', group: G, op: { type: 'remove', dataId: 'b' } },
  },
];

const END_MS = 14_000;

/** Run the script on the simulated engine's host, advancing time as the page would. */
async function simulatedRun(): Promise<{ header: TraceHeader; events: TraceEvent[] }> {
  const host = new SimHost(OPTIONS);
  const refused: string[] = [];
  for (const { atMs, cmd } of SCRIPT) {
    for (let t = host.nowMs + 50; t < atMs; t += 50) host.advanceTo(t);
    host.advanceTo(atMs);
    // Writes settle later (the client waits); a refusal comes back at once.
    void host.apply(cmd).then((r) => {
      if (!r.ok) refused.push(r.error);
    });
  }
  host.advanceTo(END_MS);
  await Promise.resolve();
  expect(refused).toEqual([]);
  const events = [...host.events()];
  host.dispose();
  return { header: host.header(), events };
}

/** What every node applied and committed: the outcome the replay must reproduce. */
function outcome(events: readonly TraceEvent[]): { applies: string[]; commits: string[] } {
  const applies: string[] = [];
  const commits: string[] = [];
  const ops = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'apply') {
      const key = `${e.group}/${e.index}/${e.term}`;
      if (e.op !== undefined) ops.set(key, JSON.stringify(e.op));
      applies.push(`${e.node} ${key} ${ops.get(key) ?? '?'}`);
    } else if (e.type === 'commit') {
      commits.push(`${e.node} ${e.group} ${e.index}`);
    }
  }
  return { applies: applies.sort(), commits: commits.sort() };
}

describe('scenarioFromTrace', () => {
  it(
    "replays a simulated run's scenario to the same commits and applies",
    { timeout: 30_000 },
    async () => {
      const run = await simulatedRun();
      const r = scenarioFromTrace(run.header, run.events);
      expect(r.errors).toEqual([]);
      expect(r.ok).toBe(true);
      const scenario = r.scenario!;
      expect(r.exact).toBe(true);
      expect(scenario.seed).toBe(OPTIONS.seed);
      // Every command became a step, with references resolved to the nodes they named.
      expect(scenario.steps.map((s) => s.do)).toEqual(SCRIPT.map((s) => s.cmd.type));
      expect(scenario.steps.every((s) => !('node' in s) || !String(s.node).startsWith('@'))).toBe(
        true,
      );
      const replay = runScenario(scenario);
      expect(replay.result.stepErrors).toEqual([]);
      const replayed = replay.trace!.events().filter((e) => e.t <= END_MS);
      const original = outcome(run.events);
      expect(original.applies.length).toBeGreaterThan(5);
      expect(outcome(replayed)).toEqual(original);
      // Exactly: the same events at the same times, not only the same outcome.
      const line = (e: TraceEvent) =>
        `${e.t} ${e.node} ${e.type} ${JSON.stringify({ ...e, seq: 0 })}`;
      expect(replayed.map(line)).toEqual(run.events.map(line));
    },
  );

  it('names what it leaves out and says a live run replays best effort', () => {
    const header: TraceHeader = {
      format: 'raft-playground-trace',
      version: 2,
      engine: 'live',
      appVersion: 'test',
      seed: null,
      scenario: null,
      cluster: { nodes: ['n1', 'n2', 'n3'], groups: [G], raft: null, network: null },
      initial: null,
    };
    const ev = (seq: number, t: number, node: string | null, body: object) =>
      ({ seq, t, node, ...body }) as TraceEvent;
    const r = scenarioFromTrace(header, [
      ev(0, 100.4, 'n1', { type: 'fault', fault: 'hold', on: true }),
      ev(1, 200, 'n2', { type: 'fault', fault: 'crash' }),
      ev(2, 300, 'n1', { type: 'request', group: G, requestId: 'c1', kind: 'write', label: 'x' }),
      ev(3, 310, 'n1', {
        type: 'invoke',
        group: G,
        process: 'c2',
        op: 'get',
        key: 'app.yaml/DEFAULT_GROUP/',
        value: null,
        requestId: 'c2',
      }),
      ev(4, 310, 'n1', { type: 'request', group: G, requestId: 'c2', kind: 'read', label: 'get' }),
    ]);
    expect(r.ok).toBe(true);
    expect(r.exact).toBe(false);
    expect(r.scenario!.steps).toEqual([
      { at: 200, do: 'crash', node: 'n2' },
      { at: 310, do: 'read', node: 'n1', group: G, query: { type: 'get', dataId: 'app.yaml' } },
    ]);
    const notes = r.notes.join('\n');
    expect(notes).toMatch(/hold at 100 ms left out: step mode/);
    expect(notes).toMatch(/write c1 \("x"\) at 300 ms left out/);
    expect(notes).toMatch(/best effort/);
    expect(r.scenario!.description).toMatch(/^Timing is best effort/);
  });
});
