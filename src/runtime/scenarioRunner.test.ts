// What a scenario file asks of the live cluster: the options the browser runner creates it with
// must carry every cluster setting the simulator honours for the same file, so a lesson run on
// real Workers is the same story (textbook lessons stay textbook, lease reads stay lease).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseLessonText } from '../lessons/format.ts';
import { parseScenario } from '../scenario/format.ts';
import { SeededRng } from '../raft/rand.ts';
import type { Cluster } from './cluster.ts';
import { RequestRefs, clusterOptionsOf, resolveRef } from './scenarioRunner.ts';

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

describe('RequestRefs', () => {
  /** A cluster of three whose leader is n2, counting how often its workers are asked. */
  function fakeCluster() {
    const calls = { statuses: 0 };
    const st = (role: string) => ({ failure: null, groups: { nacos_config: { role, term: 1 } } });
    const cluster = {
      nodeIds: () => ['n1', 'n2', 'n3'],
      memberIds: () => ['n1', 'n2', 'n3'],
      statuses: async () => {
        calls.statuses++;
        return new Map([
          ['n1', st('follower')],
          ['n2', st('leader')],
          ['n3', st('follower')],
        ]);
      },
    } as unknown as Cluster;
    return { cluster, calls };
  }

  it('resolves a plain id without asking any worker', async () => {
    const { cluster, calls } = fakeCluster();
    const refs = new RequestRefs(cluster, () => 0);
    for (let i = 0; i < 100; i++) expect(await refs.resolve(new SeededRng(1), 'n3')).toBe('n3');
    expect(calls.statuses).toBe(0);
    await expect(refs.resolve(new SeededRng(1), 'n9')).rejects.toThrow(/unknown node/);
  });

  it('resolves references against one status per 100 ms, not one per request', async () => {
    const { cluster, calls } = fakeCluster();
    let now = 0;
    const refs = new RequestRefs(cluster, () => now);
    const rng = new SeededRng(1);
    for (let i = 0; i < 50; i++) {
      expect(await refs.resolve(rng, '@leader:nacos_config')).toBe('n2');
      expect(['n1', 'n3']).toContain(await refs.resolve(rng, '@follower:nacos_config'));
    }
    expect(calls.statuses).toBe(1);
    now = 150;
    await refs.resolve(rng, '@leader:nacos_config');
    expect(calls.statuses).toBe(2);
  });

  it('scenario steps still ask now (resolveRef)', async () => {
    const { cluster, calls } = fakeCluster();
    await resolveRef(cluster, new SeededRng(1), '@leader:nacos_config');
    await resolveRef(cluster, new SeededRng(1), '@leader:nacos_config');
    expect(calls.statuses).toBe(2);
  });
});
