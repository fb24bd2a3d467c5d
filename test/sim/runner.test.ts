// The scenario runner: expectations pass and fail with clear messages, `@leader:` / `@follower:`
// references resolve when their step fires, unsupported or unresolvable steps are reported,
// `initial` durable state is seeded, and faults change what the cluster does.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/format.ts';
import type { Scenario } from '../../src/scenario/format.ts';
import {
  checkRun,
  classifyStaleRead,
  formatRunResult,
  prepareRun,
  runScenario,
  watchCommittedOps,
} from '../../src/sim/runner.ts';
import type { ClientHandle } from '../../src/sim/cluster.ts';

const G = 'nacos_config';
const publish = (content: string, dataId = 'app.yaml') => ({
  type: 'publish',
  dataId,
  group: 'DEFAULT_GROUP',
  content,
});

/** A lesson-timed 3-node scenario with these steps (throws on a scenario error). */
function scenario(steps: unknown[], extra: Record<string, unknown> = {}): Scenario {
  const parsed = parseScenario({
    name: 'test',
    seed: 5,
    cluster: { nodes: 3, raft: { profile: 'lesson' } },
    steps,
    durationMs: 20_000,
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.scenario;
}

describe('runScenario', () => {
  it('elects a leader, commits a write at @leader and checks it', () => {
    const { result } = runScenario(
      scenario([
        { at: 5000, do: 'expect', that: 'single-leader', group: G },
        { at: 5000, do: 'write', node: `@leader:${G}`, group: G, op: publish('v1') },
        { at: 7000, do: 'expect', that: 'committed', group: G, index: 2, value: publish('v1') },
        { at: 7000, do: 'expect', that: 'applied-equal', group: G, index: 2 },
        { at: 7000, do: 'expect', that: 'log-equal', group: G },
        {
          at: 7000,
          do: 'read',
          node: `@follower:${G}`,
          group: G,
          query: { type: 'get', dataId: 'app.yaml' },
        },
      ]),
    );
    expect(result.stepErrors).toEqual([]);
    expect(result.failedExpects).toEqual([]);
    expect(result.violation).toBeNull();
    expect(result.clients).toMatchObject({ issued: 2, ok: 2 });
    expect(result.ok).toBe(true);
    expect(result.leadersByTerm[G].length).toBeGreaterThanOrEqual(1);
    for (const n of Object.values(result.nodes)) expect(n.groups[G].commit).toBe(2);
    expect(formatRunResult(result)).toMatch(/\nOK$/);
  });

  it('records a failed expectation with what it found', () => {
    const { result } = runScenario(
      scenario([
        { at: 5000, do: 'expect', that: 'no-leader', group: G },
        { at: 5000, do: 'expect', that: 'term', group: G, term: 99 },
        { at: 5000, do: 'expect', that: 'committed', group: G, index: 7 },
      ]),
    );
    expect(result.ok).toBe(false);
    expect(result.failedExpects.map((e) => e.that)).toEqual(['no-leader', 'term', 'committed']);
    expect(result.failedExpects[0].detail).toMatch(
      /expected no leader of nacos_config, found n\d \(term \d+\)/,
    );
    expect(result.failedExpects[1].detail).toMatch(
      /expected term 99 of nacos_config on n\d, found \d+/,
    );
    expect(result.failedExpects[2].detail).toMatch(
      /expected entry 7 of nacos_config committed on a majority/,
    );
    expect(formatRunResult(result)).toContain('FAILED: 0 violations, 3 failed expects');
  });

  it('resolves @leader when the step fires: crashing the leader moves leadership', () => {
    const { result, sim } = runScenario(
      scenario([
        { at: 5000, do: 'crash', node: `@leader:${G}` },
        { at: 15_000, do: 'expect', that: 'single-leader', group: G },
      ]),
    );
    expect(result.ok).toBe(true);
    const leaders = result.leadersByTerm[G];
    expect(leaders.length).toBeGreaterThanOrEqual(2);
    const crashed = sim.nodeIds.filter((id) => !sim.isUp(id));
    expect(crashed).toEqual([leaders[0].leader]);
    expect(leaders.at(-1)!.leader).not.toBe(crashed[0]);
  });

  it('reports a reference that names nobody and an action the cluster refuses', () => {
    const { result } = runScenario(
      scenario([
        { at: 0, do: 'crash', node: `@leader:${G}` },
        { at: 50, do: 'crash', node: 'n1' },
        { at: 100, do: 'snapshot', node: 'n1', group: G },
        { at: 100, do: 'add-node', node: 'n4' },
        { at: 200, do: 'remove-node', node: 'n4' },
      ]),
    );
    expect(result.ok).toBe(false);
    expect(result.stepErrors).toEqual([
      { step: 0, at: 0, action: 'crash', message: `@leader:${G}: no running node leads ${G}` },
      { step: 2, at: 100, action: 'snapshot', message: 'snapshot: n1 is down' },
      {
        step: 4,
        at: 200,
        action: 'remove-node',
        message: 'remove-node: n4 is still joining (its own retries would add it back)',
      },
    ]);
  });

  it('a partitioned leader loses leadership to the majority side; healing leaves one leader', () => {
    const { result, sim } = runScenario(
      scenario([
        { at: 5000, do: 'partition', sides: [[`@leader:${G}`]] },
        { at: 12_000, do: 'expect', that: 'single-leader', group: G },
        { at: 12_000, do: 'heal' },
        { at: 19_000, do: 'expect', that: 'single-leader', group: G },
        { at: 19_000, do: 'expect', that: 'log-equal', group: G },
      ]),
    );
    expect(result.failedExpects).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.leadersByTerm[G].length).toBeGreaterThanOrEqual(2);
    expect(sim.violation).toBeNull();
  });

  it('a paused leader is replaced, and steps down when it resumes', () => {
    const { result } = runScenario(
      scenario([
        { at: 5000, do: 'pause', node: `@leader:${G}` },
        { at: 12_000, do: 'resume', node: 'n1' },
        { at: 12_000, do: 'resume', node: 'n2' },
        { at: 12_000, do: 'resume', node: 'n3' },
        { at: 16_000, do: 'expect', that: 'single-leader', group: G },
      ]),
    );
    expect(result.failedExpects).toEqual([]);
    expect(result.leadersByTerm[G].length).toBeGreaterThanOrEqual(2);
  });

  it('seeds initial durable state: the longest log wins and is replicated', () => {
    const { result, sim } = runScenario(
      scenario(
        [
          { at: 10_000, do: 'expect', that: 'log-equal', group: G },
          { at: 10_000, do: 'expect', that: 'term', group: G, term: 3 },
          { at: 10_000, do: 'expect', that: 'committed', group: G, index: 3, term: 2 },
        ],
        {
          initial: {
            n1: { term: 2, log: [1, 1, 2] },
            n2: { term: 2, log: [1] },
          },
        },
      ),
    );
    expect(result.failedExpects).toEqual([]);
    expect(result.leadersByTerm[G]).toEqual([{ term: 3, leader: 'n1' }]);
    expect(sim.node('n3')!.log(G).lastIndex).toBe(4);
  });

  it('skew makes a node tick faster on its own clock', () => {
    const { sim } = runScenario(
      scenario([{ at: 0, do: 'skew', node: 'n2', rate: 2 }], { durationMs: 10_000 }),
    );
    const n1 = sim.node('n1')!.nowMs;
    const n2 = sim.node('n2')!.nowMs;
    expect(n1).toBeGreaterThan(9_800);
    expect(n1).toBeLessThanOrEqual(10_000);
    expect(n2).toBeGreaterThan(19_600);
    expect(n2).toBeLessThanOrEqual(20_000);
  });

  it('network settings apply globally and per link', () => {
    const { sim } = runScenario(
      scenario([
        { at: 0, do: 'network', delayMs: [30, 40] },
        { at: 0, do: 'network', from: 'n1', to: 'n2', drop: 1 },
      ]),
    );
    expect(sim.network.policy('n2', 'n3')).toMatchObject({
      delayMsMin: 30,
      delayMsMax: 40,
      dropRatio: 0,
    });
    expect(sim.network.policy('n1', 'n2')).toMatchObject({ delayMsMin: 30, dropRatio: 1 });
  });

  it('fail-apply puts the group on that node into error', () => {
    const { result, sim } = runScenario(
      scenario([
        { at: 5000, do: 'fail-apply', node: 'n3', group: G },
        { at: 5000, do: 'write', node: `@leader:${G}`, group: G, op: publish('v1') },
      ]),
    );
    expect(result.stepErrors).toEqual([]);
    expect(sim.status('n3', G)!.errored).toBe(true);
    expect(sim.status('n1', G)!.errored || sim.status('n2', G)!.errored).toBe(false);
  });
});

describe('scenario runs check the client history and durability (issue 8, items 7 and 18)', () => {
  /** A settled client handle, as the simulator would leave it. */
  function handle(
    id: string,
    kind: 'write' | 'read',
    payload: unknown,
    invokedMs: number,
    settledMs: number,
    value: unknown,
  ): ClientHandle {
    return {
      id,
      kind,
      node: 'n1',
      group: G,
      payload,
      invokedMs,
      deadlineMs: invokedMs + 10_000,
      outcome: 'ok',
      reply: { ok: true, value },
      settledMs,
      onSettle: null,
    };
  }

  it('a real run passes, with its writes committed and its reads checked', () => {
    const { result } = runScenario(
      scenario([
        { at: 5000, do: 'write', node: `@leader:${G}`, group: G, op: publish('v1') },
        { at: 5500, do: 'read', node: 'n2', group: G, query: { type: 'get', dataId: 'app.yaml' } },
        { at: 6000, do: 'write', node: 'n3', group: G, op: publish('v2') },
        { at: 7000, do: 'read', node: 'n1', group: G, query: { type: 'get', dataId: 'app.yaml' } },
        { at: 7000, do: 'expect', that: 'applied-equal', group: G },
      ]),
    );
    expect(result.clients.ok).toBe(4);
    expect(result.history).toBeNull();
    expect(result.durability).toBeNull();
    expect(result.ok).toBe(true);
  });

  it('a stale read makes the run fail as not linearizable', () => {
    const ctx = prepareRun(scenario([]), { trace: null });
    const committed = watchCommittedOps(ctx.sim);
    ctx.sim.runUntil(3000);
    const get = { type: 'get', dataId: 'app.yaml' };
    ctx.handles.push(
      handle('w1', 'write', publish('v1'), 100, 200, { success: true, data: 'x' }),
      handle('w2', 'write', publish('v2'), 300, 400, { success: true, data: 'y' }),
      // Read entirely after v2 was acknowledged, yet it returns v1.
      handle('r1', 'read', get, 500, 600, { success: true, data: { found: true, content: 'v1' } }),
    );
    const result = checkRun(ctx, committed);
    expect(result.history).toMatch(/app\.yaml/);
    expect(result.ok).toBe(false);
    expect(formatRunResult(result)).toMatch(/NOT LINEARIZABLE/);
  });

  it('an acknowledged write that never committed fails durability', () => {
    const ctx = prepareRun(scenario([]), { trace: null });
    const committed = watchCommittedOps(ctx.sim);
    ctx.sim.runUntil(3000);
    ctx.handles.push(handle('w1', 'write', publish('lost'), 100, 200, { success: true }));
    const result = checkRun(ctx, committed);
    expect(result.durability).toMatch(/acknowledged write\(s\) w1 .* but only 0 committed/);
    expect(result.ok).toBe(false);
  });

  it('a stale read is expected only with lease reads and a clock outside the lease bound', () => {
    const h = 'not linearizable: key app.yaml';
    expect(classifyStaleRead('lease', ['n2 ×1.6 at 100 ms'], h)).toMatch(
      /stale lease read under clock skew beyond the bound/,
    );
    expect(classifyStaleRead('lease', [], h)).toBeNull();
    expect(classifyStaleRead('safe', ['n2 ×1.6 at 100 ms'], h)).toBeNull();
    expect(classifyStaleRead('lease', ['n2 ×1.6 at 100 ms'], null)).toBeNull();
  });

  it('the trace says whether a skewed clock stays inside the lease bound', () => {
    const { trace, sim } = runScenario(
      scenario([
        { at: 1000, do: 'skew', node: 'n1', rate: 1.05 },
        { at: 2000, do: 'skew', node: 'n2', rate: 1.5 },
        { at: 2500, do: 'expect', that: 'single-leader', group: G },
      ]),
    );
    const clocks = trace!.events().filter((e) => e.type === 'clock');
    expect(clocks.map((e) => [e.node, e.type === 'clock' && e.withinLeaseBound])).toEqual([
      ['n1', true],
      ['n2', false],
    ]);
    expect(sim.clockOutsideBound).toEqual([{ node: 'n2', rate: 1.5, atMs: 2000 }]);
  });
});
