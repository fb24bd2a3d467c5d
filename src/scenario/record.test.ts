// A recording: a simulated run's actions between Record and Stop become a scenario (through
// reproduce), with their cluster times; actions before Record are left out and counted; the
// recording runs in the simulator and does what was recorded at the same cluster times.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/runner.ts';
import { scenarioFromTrace } from '../trace/reproduce.ts';
import { parseScenario, type Scenario } from './format.ts';
import { recordingOf } from './record.ts';

const G = 'nacos_config';

function scenario(input: unknown): Scenario {
  const r = parseScenario(input);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.scenario;
}

const RUN = scenario({
  name: 'run',
  seed: 7,
  cluster: { nodes: 3, groups: [G], raft: { profile: 'lesson' } },
  steps: [
    {
      at: 1500,
      do: 'write',
      node: 'n1',
      group: G,
      op: { type: 'publish', dataId: 'a', content: '1' },
    },
    { at: 2500, do: 'crash', node: 'n3' },
    {
      at: 3000,
      do: 'write',
      node: 'n1',
      group: G,
      op: { type: 'publish', dataId: 'b', content: '2' },
    },
    { at: 3500, do: 'restart', node: 'n3' },
  ],
  durationMs: 5000,
});

describe('recordingOf', () => {
  it('keeps the steps from the start on, at their cluster times, and counts the rest', () => {
    const r = recordingOf(RUN, 2000, 4500, 'mine');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.before).toBe(1);
    expect(r.scenario.name).toBe('mine');
    expect(r.scenario.seed).toBe(7);
    expect(r.scenario.steps.map((s) => `${s.at} ${s.do}`)).toEqual([
      '2500 crash',
      '3000 write',
      '3500 restart',
    ]);
    expect(r.scenario.durationMs).toBe(4500);
    expect(r.scenario.description).toContain('1 action(s) before the recording started');
  });

  it('refuses a window that ends before it starts', () => {
    const r = recordingOf(RUN, 3000, 1000);
    expect(r.ok).toBe(false);
  });

  it('records a simulated run through reproduce and replays it in the simulator', () => {
    const first = runScenario(RUN);
    const events = first.trace!.events();
    const run = scenarioFromTrace(first.header, events);
    expect(run.errors).toEqual([]);
    const rec = recordingOf(run.scenario!, 2000, 4500);
    expect(rec.ok).toBe(true);
    if (!rec.ok) return;
    expect(rec.scenario.steps.map((s) => s.do)).toEqual(['crash', 'write', 'restart']);
    const again = runScenario(rec.scenario);
    expect(again.result.stepErrors).toEqual([]);
    const faults = again
      .trace!.events()
      .filter((e) => e.type === 'fault')
      .map((e) => `${e.t} ${e.type === 'fault' ? e.fault : ''} ${e.node}`);
    expect(faults).toEqual(['2500 crash n3', '3500 restart n3']);
    // The recorded write is sent again, at its time, and the earlier one is not.
    const sent = again
      .trace!.events()
      .filter((e) => e.type === 'request' && e.kind === 'write')
      .map((e) => e.t);
    expect(sent[0]).toBe(3000);
  });
});
