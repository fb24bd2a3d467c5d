// Scenario parsing: the DESIGN.md example round-trips with defaults filled in, and every kind of
// mistake produces an error naming its exact path.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  EXPECT_FIELDS,
  EXPECTATIONS,
  parseScenario,
  parseScenarioText,
  resolveNodeRefSyntax,
  stepSchemas,
} from './format.ts';
import type { Scenario } from './format.ts';
import { LIMITS, MAX_TICKS_PER_NODE } from './limits.ts';

/** The example of DESIGN.md §3. */
function example(): Record<string, unknown> {
  return {
    name: 'leader-crash',
    description: '…',
    seed: 42,
    cluster: {
      nodes: 5,
      groups: ['nacos_config'],
      raft: { electionTimeoutMs: 5000 },
      network: { delayMs: [20, 60], drop: 0, duplicate: 0 },
    },
    steps: [
      {
        at: 8000,
        do: 'write',
        node: 'n2',
        group: 'nacos_config',
        op: { type: 'publish', dataId: 'app.yaml', content: 'v1' },
      },
      { at: 9000, do: 'crash', node: '@leader:nacos_config' },
      {
        at: 9000,
        do: 'partition',
        sides: [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      },
      { at: 20000, do: 'heal' },
      { at: 25000, do: 'expect', that: 'single-leader', group: 'nacos_config' },
    ],
    durationMs: 30000,
  };
}

/** A minimal valid scenario with the given steps. */
function withSteps(steps: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { name: 't', cluster: { nodes: 3 }, steps, durationMs: 100_000, ...extra };
}

function errorsOf(input: unknown): string[] {
  const r = parseScenario(input);
  if (r.ok) throw new Error('expected errors, got a valid scenario');
  return r.errors;
}

function scenarioOf(input: unknown): Scenario {
  const r = parseScenario(input);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.scenario;
}

const ACTION_LIST = ACTIONS.join(', ');

/** A config write and read the processors accept. */
const PUBLISH = { type: 'publish', dataId: 'a', content: 'v' };
const GET = { type: 'get', dataId: 'a' };

/** Why a cluster is limited to nine nodes, as the errors say it (limits.ts). */
const NODES_WHY = LIMITS.nodes.why;

describe('valid scenarios', () => {
  it('accepts the DESIGN.md example unchanged', () => {
    const s = scenarioOf(example());
    expect(s).toEqual(example());
  });

  it('fills in defaults: seed 1, groups ["nacos_config"]', () => {
    const s = scenarioOf({ name: 'x', cluster: { nodes: 3 }, steps: [], durationMs: 10 });
    expect(s.seed).toBe(1);
    expect(s.cluster.groups).toEqual(['nacos_config']);
    expect(s.initial).toBeUndefined();
    expect(s.description).toBeUndefined();
  });

  it('accepts one step of every action', () => {
    const g = 'nacos_config';
    const steps = [
      { at: 0, do: 'write', node: 'n1', group: g, op: PUBLISH },
      { at: 0, do: 'read', node: '@follower:nacos_config', group: g, query: GET },
      { at: 1, do: 'crash', node: 'n1' },
      { at: 2, do: 'restart', node: 'n1' },
      { at: 3, do: 'pause', node: 'n2' },
      { at: 4, do: 'resume', node: 'n2' },
      { at: 5, do: 'partition', sides: [['n1'], ['n2', 'n3']] },
      { at: 6, do: 'heal' },
      { at: 7, do: 'cut', from: 'n1', to: 'n2' },
      { at: 8, do: 'link', from: 'n1', to: 'n2' },
      { at: 9, do: 'network', delayMs: [1, 2], drop: 0.1, duplicate: 0.01 },
      { at: 9, do: 'network', drop: 1, from: 'n1', to: '@leader:nacos_config' },
      { at: 10, do: 'skew', node: 'n3', rate: 1.5 },
      { at: 11, do: 'add-node' },
      { at: 12, do: 'remove-node', node: 'n4' },
      { at: 13, do: 'transfer-leader', group: g, to: 'n2' },
      { at: 14, do: 'snapshot', node: 'n2', group: g },
      { at: 15, do: 'fail-apply', node: 'n2', group: g },
      { at: 15, do: 'corrupt-snapshot', node: 'n2', group: g },
      { at: 16, do: 'narrate', text: 'Now the leader is gone.' },
      { at: 17, do: 'expect', that: 'role', group: g, node: 'n2', role: 'follower' },
    ];
    const s = scenarioOf(withSteps(steps));
    expect(new Set(s.steps.map((x) => x.do))).toEqual(new Set(ACTIONS));
    expect(s.steps[13]).toEqual({ at: 11, do: 'add-node', node: 'n4' });
  });

  it('has one schema per action', () => {
    expect(Object.keys(stepSchemas)).toEqual([...ACTIONS]);
  });

  it('accepts every expectation with its required fields', () => {
    const steps = EXPECTATIONS.map((that) => {
      const step: Record<string, unknown> = { at: 1, do: 'expect', that, group: 'nacos_config' };
      for (const f of EXPECT_FIELDS[that].required) {
        step[f] = { node: 'n1', index: 3, term: 2, role: 'leader', value: 1 }[f];
      }
      return step;
    });
    expect(scenarioOf(withSteps(steps)).steps).toHaveLength(EXPECTATIONS.length);
  });

  it('seeds initial state, defaulting group, commit and votedFor (Figure 7)', () => {
    const s = scenarioOf(
      withSteps([], {
        cluster: { nodes: 7 },
        initial: {
          n1: { term: 6, votedFor: null, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6] },
          n2: { term: 4, log: [1, 1, 1, 4], commit: 3 },
          n3: { term: 6, votedFor: 'n1', log: [], group: 'nacos_config' },
        },
      }),
    );
    expect(s.initial).toEqual({
      n1: {
        term: 6,
        votedFor: null,
        log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
        group: 'nacos_config',
        commit: 0,
      },
      n2: { term: 4, votedFor: null, log: [1, 1, 1, 4], group: 'nacos_config', commit: 3 },
      n3: { term: 6, votedFor: 'n1', log: [], group: 'nacos_config', commit: 0 },
    });
  });

  it('counts nodes added by earlier add-node steps', () => {
    const s = scenarioOf(
      withSteps([
        { at: 1, do: 'add-node' },
        { at: 2, do: 'add-node', node: 'n7' },
        { at: 3, do: 'crash', node: 'n4' },
        { at: 4, do: 'crash', node: 'n7' },
        { at: 5, do: 'add-node' },
      ]),
    );
    expect(s.steps.map((x) => (x.do === 'add-node' ? x.node : null))).toEqual([
      'n4',
      'n7',
      null,
      null,
      'n5',
    ]);
  });

  it('allows steps at the same time and a step at durationMs', () => {
    const steps = [
      { at: 5, do: 'heal' },
      { at: 5, do: 'heal' },
      { at: 10, do: 'heal' },
    ];
    expect(parseScenario(withSteps(steps, { durationMs: 10 })).ok).toBe(true);
  });
});

describe('parseScenarioText', () => {
  it('parses JSON text, ignoring a BOM', () => {
    const r = parseScenarioText('\uFEFF' + JSON.stringify(example()));
    expect(r.ok).toBe(true);
  });

  it('reports invalid JSON without throwing', () => {
    const r = parseScenarioText('{ "name": ');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^scenario: invalid JSON \(.+\)$/);
    }
  });
});

describe('errors name the exact path', () => {
  it('rejects a non-object', () => {
    expect(errorsOf([])).toEqual(['scenario: expected a scenario object, got []']);
    expect(errorsOf(null)).toEqual(['scenario: expected a scenario object, got null']);
    expect(errorsOf('x')).toEqual(['scenario: expected a scenario object, got "x"']);
  });

  it('names missing top-level fields', () => {
    expect(errorsOf({})).toEqual([
      'name: missing, expected a non-empty string',
      'cluster: missing, expected object',
      'steps: missing, expected array of steps',
      'durationMs: missing, expected number > 0 and <= 3600000',
    ]);
  });

  it('checks cluster.nodes range', () => {
    expect(errorsOf(withSteps([], { cluster: { nodes: 12 } }))).toEqual([
      `cluster.nodes: expected integer 1..9, got 12: ${NODES_WHY}`,
    ]);
    expect(errorsOf(withSteps([], { cluster: { nodes: 0 } }))).toEqual([
      'cluster.nodes: expected integer 1..9, got 0',
    ]);
    expect(errorsOf(withSteps([], { cluster: { nodes: 2.5 } }))).toEqual([
      'cluster.nodes: expected integer 1..9, got 2.5',
    ]);
    expect(errorsOf(withSteps([], { cluster: { nodes: '3' } }))).toEqual([
      'cluster.nodes: expected integer 1..9, got "3"',
    ]);
  });

  it('checks cluster settings', () => {
    const cluster = {
      nodes: 3,
      groups: ['nacos_config', 'nacos_config'],
      raft: { electionTimeoutMs: 0, profile: 'fast', readOnly: 'lease' },
      network: { delayMs: [60, 20], drop: 1.5, duplicate: -1 },
    };
    expect(errorsOf(withSteps([], { cluster }))).toEqual([
      'cluster.raft.electionTimeoutMs: expected number > 0 and <= 60000, got 0',
      'cluster.raft.profile: unknown profile "fast" (expected one of nacos, lesson)',
      'cluster.network.delayMs: expected [min, max] with 0 <= min <= max, got [60,20]',
      'cluster.network.drop: expected number 0..1, got 1.5',
      'cluster.network.duplicate: expected number 0..1, got -1',
      'cluster.groups[1]: duplicate group "nacos_config"',
    ]);
  });

  it('checks delayMs shape', () => {
    const cluster = { nodes: 3, network: { delayMs: [1, 2, 3] } };
    expect(errorsOf(withSteps([], { cluster }))).toEqual([
      'cluster.network.delayMs: expected [min, max] with 0 <= min <= max, got [1,2,3]',
    ]);
  });

  it('rejects an empty groups list', () => {
    expect(errorsOf(withSteps([], { cluster: { nodes: 3, groups: [] } }))).toEqual([
      'cluster.groups: expected at least one group, got []',
    ]);
  });

  it('names an unknown action and lists the known ones', () => {
    expect(errorsOf(withSteps([{ at: 1, do: 'crsh', node: 'n1' }]))).toEqual([
      `steps[0].do: unknown action "crsh" (expected one of ${ACTION_LIST})`,
    ]);
  });

  it('names a missing or non-string action', () => {
    expect(errorsOf(withSteps([{ at: 1, node: 'n1' }]))).toEqual([
      `steps[0].do: missing, expected action, one of ${ACTION_LIST}`,
    ]);
    expect(errorsOf(withSteps([{ at: 1, do: 3 }]))).toEqual([
      `steps[0].do: expected action, one of ${ACTION_LIST}, got 3`,
    ]);
  });

  it('names unknown fields, suggesting a close one', () => {
    const steps = [
      { at: 0, do: 'heal' },
      { at: 0, do: 'heal' },
      { at: 1, do: 'crash', node: 'n1', colour: 'red' },
      { at: 2, do: 'write', nod: 'n1', node: 'n1', group: 'nacos_config', op: PUBLISH },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[2].colour: unknown field',
      'steps[3].nod: unknown field (did you mean "node"?)',
    ]);
  });

  it('names unknown fields at the top level and in the cluster', () => {
    const input = { ...example(), stesp: [], cluster: { nodes: 5, grups: ['a'] } };
    expect(errorsOf(input)).toEqual([
      'cluster.grups: unknown field (did you mean "groups"?)',
      'stesp: unknown field (did you mean "steps"?)',
    ]);
  });

  it('names an unknown node', () => {
    const steps = [
      { at: 0, do: 'heal' },
      { at: 0, do: 'heal' },
      { at: 0, do: 'heal' },
      { at: 1, do: 'crash', node: 'n9' },
    ];
    expect(errorsOf(withSteps(steps))).toEqual(['steps[3].node: unknown node "n9"']);
  });

  it('names an unknown node in cut, transfer-leader, partition and expect', () => {
    const steps = [
      { at: 1, do: 'cut', from: 'n4', to: 'n1' },
      { at: 2, do: 'transfer-leader', group: 'nacos_config', to: 'n5' },
      { at: 3, do: 'partition', sides: [['n1'], ['n2', 'n6']] },
      { at: 4, do: 'expect', that: 'leader', group: 'nacos_config', node: 'n8' },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].from: unknown node "n4"',
      'steps[1].to: unknown node "n5"',
      'steps[2].sides[1][1]: unknown node "n6"',
      'steps[3].node: unknown node "n8"',
    ]);
  });

  it('rejects a node used before add-node creates it', () => {
    const steps = [
      { at: 1, do: 'crash', node: 'n4' },
      { at: 2, do: 'add-node' },
      { at: 3, do: 'crash', node: 'n4' },
    ];
    expect(errorsOf(withSteps(steps))).toEqual(['steps[0].node: unknown node "n4"']);
  });

  it('rejects adding a node that exists', () => {
    expect(errorsOf(withSteps([{ at: 1, do: 'add-node', node: 'n2' }]))).toEqual([
      'steps[0].node: node "n2" already exists',
    ]);
  });

  it('rejects malformed node references', () => {
    const steps = [
      { at: 1, do: 'crash', node: 'node1' },
      { at: 2, do: 'crash', node: '@leader' },
      { at: 3, do: 'crash', node: 3 },
      { at: 4, do: 'add-node', node: '@leader:nacos_config' },
    ];
    const ref = 'expected a node id like "n3", "@leader:<group>" or "@follower:<group>"';
    expect(errorsOf(withSteps(steps))).toEqual([
      `steps[0].node: ${ref}, got "node1"`,
      `steps[1].node: ${ref}, got "@leader"`,
      `steps[2].node: ${ref}, got 3`,
      'steps[3].node: expected a node id like "n3", got "@leader:nacos_config"',
    ]);
  });

  it('rejects a node reference to an unknown group', () => {
    const steps = [
      { at: 1, do: 'crash', node: '@leader:nacos_cfg' },
      { at: 2, do: 'cut', from: 'n1', to: '@follower:naming' },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].node: unknown group "nacos_cfg" in "@leader:nacos_cfg" (expected one of nacos_config)',
      'steps[1].to: unknown group "naming" in "@follower:naming" (expected one of nacos_config)',
    ]);
  });

  it('rejects an unknown group', () => {
    const steps = [{ at: 1, do: 'write', node: 'n1', group: 'nacos_cfg', op: {} }];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].group: unknown group "nacos_cfg" (expected one of nacos_config)',
    ]);
  });

  it('names missing fields of a known action', () => {
    expect(errorsOf(withSteps([{ at: 1, do: 'write', node: 'n1', op: {} }]))).toEqual([
      'steps[0].group: missing, expected a non-empty string',
    ]);
    expect(errorsOf(withSteps([{ do: 'heal' }]))).toEqual([
      'steps[0].at: missing, expected number >= 0',
    ]);
  });

  it('checks value types of step fields', () => {
    const steps = [
      { at: -1, do: 'heal' },
      { at: 'abc', do: 'heal' },
      { at: 1, do: 'write', node: 'n1', group: 'nacos_config', op: 'publish' },
      { at: 1, do: 'skew', node: 'n1', rate: 0 },
      { at: 1, do: 'network', drop: 2 },
      { at: 1, do: 'partition', sides: [] },
      { at: 1, do: 'partition', sides: [[]] },
      { at: 1, do: 'narrate', text: 5 },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].at: expected number >= 0, got -1',
      'steps[1].at: expected number >= 0, got "abc"',
      'steps[2].op: expected object, got "publish"',
      `steps[3].rate: expected number 0.01..100, got 0: ${LIMITS.skewRate.whyMin}`,
      'steps[4].drop: expected number 0..1, got 2',
      'steps[5].sides: expected at least one side, got []',
      'steps[6].sides[0]: expected a non-empty array of nodes, got []',
      'steps[7].text: expected string, got 5',
    ]);
  });

  it('requires steps in time order and within durationMs', () => {
    const steps = [
      { at: 10, do: 'heal' },
      { at: 5, do: 'heal' },
      { at: 200, do: 'heal' },
    ];
    expect(errorsOf(withSteps(steps, { durationMs: 100 }))).toEqual([
      'steps[1].at: 5 is earlier than the step before it (10); steps must be in time order',
      'steps[2].at: 200 is after the end of the run (durationMs 100)',
    ]);
  });

  it('checks expect fields against the expectation', () => {
    const steps = [
      { at: 1, do: 'expect', that: 'single_leader', group: 'nacos_config' },
      { at: 2, do: 'expect', that: 'term', group: 'nacos_config', role: 'leader' },
      { at: 3, do: 'expect', that: 'role', group: 'nacos_config', node: 'n1', role: 'boss' },
      { at: 4, do: 'expect', that: 'leader', node: 'n1' },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      `steps[0].that: unknown expectation "single_leader" (expected one of ${EXPECTATIONS.join(', ')})`,
      'steps[1].term: missing, required by expect "term"',
      'steps[1].role: not used by expect "term"',
      'steps[2].role: unknown role "boss" (expected one of follower, pre-candidate, candidate, leader)',
      'steps[3].group: missing, expected a non-empty string',
    ]);
  });

  it('checks link steps', () => {
    const steps = [
      { at: 1, do: 'cut', from: 'n1', to: 'n1' },
      { at: 2, do: 'network', drop: 0.5, from: 'n1' },
      { at: 3, do: 'partition', sides: [['n1', 'n2'], ['n2']] },
    ];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].to: same node as from ("n1")',
      'steps[1].to: missing, required with from',
      'steps[2].sides[1][0]: "n2" is already on side 0',
    ]);
  });

  it('checks initial state', () => {
    const initial = {
      n9: { term: 1, log: [] },
      x: { term: 1, log: [] },
      n1: { term: 3, log: [1, 4, 2], commit: 5, votedFor: 'n7', color: 1 },
      n2: { term: 'six', log: [0] },
    };
    expect(errorsOf(withSteps([], { initial }))).toEqual([
      'initial.n1.color: unknown field',
      'initial.n2.term: expected integer >= 0, got "six"',
      'initial.n2.log[0]: expected integer >= 1, got 0',
      'initial.n9: unknown node "n9"',
      'initial.x: expected a node id like "n3" as key, got "x"',
      'initial.n1.votedFor: unknown node "n7"',
      "initial.n1.log[1]: term 4 is higher than the node's term (3)",
      'initial.n1.log[2]: term 2 is lower than the entry before it (4)',
      "initial.n1.commit: commit 5 is beyond the log's last index (3)",
    ]);
  });

  it('requires initial.group when the cluster has several groups', () => {
    const input = withSteps([], {
      cluster: { nodes: 3, groups: ['nacos_config', 'naming_persistent_service_v2'] },
      initial: { n1: { term: 1, log: [1] } },
    });
    expect(errorsOf(input)).toEqual([
      'initial.n1.group: missing, required when the cluster has several groups',
    ]);
  });

  it('collects every error, not just the first', () => {
    const input = {
      name: '',
      seed: -1,
      cluster: { nodes: 12 },
      steps: [
        { at: 1, do: 'crsh' },
        { at: 2, do: 'crash', node: 'n1', colour: 1 },
      ],
      durationMs: 0,
    };
    expect(errorsOf(input)).toEqual([
      'name: expected a non-empty string, got ""',
      'seed: expected integer 0..4294967295, got -1',
      `cluster.nodes: expected integer 1..9, got 12: ${NODES_WHY}`,
      `steps[0].do: unknown action "crsh" (expected one of ${ACTION_LIST})`,
      'steps[1].colour: unknown field',
      'durationMs: expected number > 0 and <= 3600000, got 0',
    ]);
  });

  it('never throws on odd input', () => {
    for (const input of [undefined, 0, true, [1], { steps: 'x' }, { steps: [null, [], 'a'] }]) {
      expect(() => parseScenario(input)).not.toThrow();
      expect(parseScenario(input).ok).toBe(false);
    }
  });
});

describe('requests, groups and node counts are checked up front (issue 8, item 19)', () => {
  const groups = ['nacos_config', 'naming_persistent_service_v2'];

  it('rejects a cluster group no processor serves, naming the known ones', () => {
    expect(errorsOf(withSteps([], { cluster: { nodes: 3, groups: ['bogus'] } }))).toEqual([
      'cluster.groups[0]: unknown group "bogus" (expected one of nacos_config, ' +
        'naming_persistent_service_v2, naming_persistent_service, naming_service_metadata, ' +
        'naming_instance_metadata)',
    ]);
  });

  it("checks a write's op and a read's query with the processors' own checks, by field", () => {
    const instance = { ip: '10.0.0.1', port: -70000 };
    const steps = [
      { at: 1, do: 'write', node: 'n1', group: groups[0], op: { type: 'publish', content: 'x' } },
      {
        at: 1,
        do: 'write',
        node: 'n1',
        group: groups[1],
        op: { type: 'ADD', service: 's', instance },
      },
      { at: 1, do: 'write', node: 'n1', group: groups[0], op: { type: 'explode', dataId: 'a' } },
      { at: 1, do: 'read', node: 'n1', group: groups[0], query: { type: 'list' } },
      { at: 1, do: 'write', node: 'n1', group: groups[1], op: { type: 'ADD', service: 's' } },
    ];
    expect(errorsOf(withSteps(steps, { cluster: { nodes: 3, groups } }))).toEqual([
      'steps[0].op.dataId: publish: field "dataId" must be a non-empty string',
      'steps[1].op.instance.port: ADD: instance: field "port" must be an integer in [0, 65535]',
      'steps[2].op.type: unsupport operation : explode',
      'steps[3].query.type: unsupport operation : list',
      'steps[4].op.instance: ADD: field "instance" is required',
    ]);
  });

  it('checks a v1 datum batch by field, and lets an operation onApply refuses through', () => {
    const v1 = ['naming_persistent_service'];
    const write = (op: unknown) => ({ at: 1, do: 'write', node: 'n1', group: v1[0], op });
    const steps = [
      write({ type: 'Write', keys: ['a', ''], values: [1, 2] }),
      write({ type: 'Write', keys: ['a'] }),
      write({ type: 'Delete', keys: ['a'], values: [''] }),
      { at: 1, do: 'read', node: 'n1', group: v1[0], query: { type: 'get', keys: 'a' } },
    ];
    expect(errorsOf(withSteps(steps, { cluster: { nodes: 3, groups: v1 } }))).toEqual([
      'steps[0].op.keys[1]: Write: field "keys.1" must be a non-empty string',
      'steps[1].op.values: Write: field "values" is required (one datum per key)',
      'steps[2].op.values: Delete: field "values" is not allowed (remove() sends an empty value for each key)',
      'steps[3].query.keys: get: field "keys" must be an array of non-empty strings',
    ]);
    const later = [
      write({ type: 'Read', keys: ['a'] }),
      write({ type: 'Write', keys: ['a', 'b'], values: [1] }),
    ];
    expect(parseScenario(withSteps(later, { cluster: { nodes: 3, groups: v1 } })).ok).toBe(true);
  });

  it('accepts the requests the processors accept', () => {
    const instance = { ip: '10.0.0.1', port: 8080 };
    const steps = [
      { at: 1, do: 'write', node: 'n1', group: groups[0], op: PUBLISH },
      {
        at: 1,
        do: 'write',
        node: 'n1',
        group: groups[1],
        op: { type: 'ADD', service: 's', instance },
      },
      { at: 1, do: 'read', node: 'n1', group: groups[0], query: GET },
      { at: 1, do: 'read', node: 'n1', group: groups[1], query: { type: 'services' } },
    ];
    expect(parseScenario(withSteps(steps, { cluster: { nodes: 3, groups } })).ok).toBe(true);
  });

  it('says a number too large for JSON is not finite, instead of "got null"', () => {
    const text =
      '{"name":"t","cluster":{"nodes":3},"steps":[{"at":1e400,"do":"heal"}],"durationMs":1e400}';
    const r = parseScenarioText(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      'steps[0].at: expected number >= 0, got Infinity, which is not a finite number',
      'durationMs: expected number > 0 and <= 3600000, got Infinity, which is not a finite number',
    ]);
    expect(r.errors.join('\n')).not.toContain('null');
  });

  it('counts add-node steps against the nine-node limit', () => {
    const steps = [
      { at: 1, do: 'add-node' },
      { at: 2, do: 'remove-node', node: 'n8' },
      { at: 3, do: 'add-node', node: 'n12' },
    ];
    expect(errorsOf(withSteps(steps, { cluster: { nodes: 8 } }))).toEqual([
      'steps[2]: add-node would start node 10 of a cluster limited to 9 ' +
        '(cluster.nodes plus the add-node steps before it)',
    ]);
    expect(parseScenario(withSteps(steps.slice(0, 2), { cluster: { nodes: 8 } })).ok).toBe(true);
  });
});

describe('numbers that would make a run endless or meaningless are refused (issue 8, item 20)', () => {
  it('bounds skew rates, ticks, durations, delays and timeouts, saying why', () => {
    const input = withSteps(
      [
        { at: 1, do: 'skew', node: 'n1', rate: 1e300 },
        { at: 1, do: 'skew', node: 'n1', rate: 0.001 },
        { at: 1, do: 'network', delayMs: [0, 1e12] },
      ],
      {
        cluster: { nodes: 3, raft: { tickMs: 1e-9, electionTimeoutMs: 1e9 } },
        durationMs: 1e15,
      },
    );
    expect(errorsOf(input)).toEqual([
      `cluster.raft.electionTimeoutMs: expected number > 0 and <= 60000, got 1000000000: ${LIMITS.electionTimeoutMs.why}`,
      `cluster.raft.tickMs: expected number 1..1000, got 1e-9: ${LIMITS.tickMs.whyMin}`,
      `steps[0].rate: expected number 0.01..100, got 1e+300: ${LIMITS.skewRate.why}`,
      `steps[1].rate: expected number 0.01..100, got 0.001: ${LIMITS.skewRate.whyMin}`,
      `steps[2].delayMs[1]: expected number 0..60000, got 1000000000000: ${LIMITS.delayMs.why}`,
      `durationMs: expected number > 0 and <= 3600000, got 1000000000000000: ${LIMITS.durationMs.why}`,
    ]);
  });

  it('refuses a seed the 32-bit generator would fold onto a smaller one', () => {
    expect(errorsOf(withSteps([], { seed: 2 ** 32 }))).toEqual([
      `seed: expected integer 0..4294967295, got 4294967296: ${LIMITS.seed.why}`,
    ]);
  });

  it('refuses integers too large to be exact', () => {
    const steps = [{ at: 1, do: 'expect', that: 'committed', group: 'nacos_config', index: 1e20 }];
    expect(errorsOf(withSteps(steps))).toEqual([
      'steps[0].index: expected integer >= 0, got 100000000000000000000: ' +
        'integers beyond 2^53 - 1 lose precision',
    ]);
  });

  it('needs at least two ticks per election timeout', () => {
    const cluster = {
      nodes: 3,
      raft: { profile: 'lesson', tickMs: 1000, electionTimeoutMs: 1500 },
    };
    expect(errorsOf(withSteps([], { cluster }))).toEqual([
      'cluster.raft.tickMs: a tick of 1000 ms is more than half the election timeout (1500 ms): ' +
        'the election timer counts whole ticks, so it needs at least two',
    ]);
    // Nacos raises the timeout to 5 s, so the same tick is fine there.
    const nacos = { nodes: 3, raft: { profile: 'nacos', tickMs: 1000, electionTimeoutMs: 1500 } };
    expect(parseScenario(withSteps([], { cluster: nacos })).ok).toBe(true);
  });

  it('caps the ticks a node takes over the run, counting the fastest skewed clock', () => {
    const cluster = { nodes: 3, raft: { tickMs: 1 } };
    expect(parseScenario(withSteps([], { cluster, durationMs: 3_600_000 })).ok).toBe(true);
    const fast = [{ at: 1, do: 'skew', node: 'n2', rate: 50 }];
    expect(errorsOf(withSteps(fast, { cluster, durationMs: 3_600_000 }))).toEqual([
      `durationMs: 3600000 ms at a tick of 1 ms with a clock 50× fast (steps[0].rate) is ` +
        `180000000 ticks per node, more than ${MAX_TICKS_PER_NODE}: the run would take far too ` +
        'long; shorten durationMs or raise cluster.raft.tickMs',
    ]);
  });
});

describe('resolveNodeRefSyntax', () => {
  it('takes references apart', () => {
    expect(resolveNodeRefSyntax('n3')).toEqual({ kind: 'id', id: 'n3' });
    expect(resolveNodeRefSyntax('n12')).toEqual({ kind: 'id', id: 'n12' });
    expect(resolveNodeRefSyntax('@leader:nacos_config')).toEqual({
      kind: 'leader',
      group: 'nacos_config',
    });
    expect(resolveNodeRefSyntax('@follower:g')).toEqual({ kind: 'follower', group: 'g' });
  });

  it('returns null for malformed references', () => {
    for (const ref of ['', 'n0', 'n', 'N1', 'n01', '@leader:', '@leader', '@boss:g', ' n1']) {
      expect(resolveNodeRefSyntax(ref)).toBeNull();
    }
  });
});
