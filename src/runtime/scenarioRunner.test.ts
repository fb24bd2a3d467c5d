// What a scenario file asks of the live cluster: the options the browser runner creates it with
// must carry every cluster setting the simulator honours for the same file, so a lesson run on
// real Workers is the same story (textbook lessons stay textbook, lease reads stay lease).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseLessonText } from '../lessons/format.ts';
import { parseScenario } from '../scenario/format.ts';
import { clusterOptionsOf } from './scenarioRunner.ts';

function scenario(raft: Record<string, unknown>) {
  const r = parseScenario({
    name: 'options',
    seed: 7,
    durationMs: 1000,
    cluster: { nodes: 3, groups: ['nacos_config'], raft },
    steps: [],
  });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.scenario;
}

describe('clusterOptionsOf', () => {
  it('passes the fidelity and the read mode on', () => {
    const o = clusterOptionsOf(scenario({ fidelity: 'textbook', readOnly: 'lease' }));
    expect(o).toMatchObject({ nodes: 3, seed: 7, fidelity: 'textbook', readOnly: 'lease' });
  });

  it('leaves them to the cluster default when the file does not say', () => {
    const o = clusterOptionsOf(scenario({}));
    expect(o.fidelity).toBeUndefined();
    expect(o.readOnly).toBeUndefined();
  });

  it('runs the lessons written for textbook Raft as textbook Raft on the live engine', () => {
    const text = readFileSync(new URL('../../public/lessons/01-elections.json', import.meta.url));
    const r = parseLessonText(String(text));
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(clusterOptionsOf(r.lesson.scenario).fidelity).toBe('textbook');
  });
});
