// The console's argument checks (issue 8): every bad createCluster option and every wrongly
// typed argument is refused with a message naming the command and the option, and nothing is
// coerced. The browser tests check that the running cluster survives each refusal.
import { describe, expect, it } from 'vitest';
import {
  checkBoolean,
  checkGroup,
  checkNodeRef,
  checkNumber,
  checkOneOf,
  checkPayload,
  parseClusterOptions,
  parseNetworkSettings,
} from './clusterOptions.ts';

const refused = (input: unknown): string => {
  try {
    parseClusterOptions(input);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('createCluster options', () => {
  it('refuses every bad option of the issue, naming it', () => {
    expect(refused({ nodes: 0 })).toBe('createCluster: nodes: expected integer from 1 to 9, got 0');
    expect(refused({ nodes: 50 })).toMatch(/^createCluster: nodes: .*got 50$/);
    expect(refused({ nodes: 2.5 })).toMatch(/nodes: .*got 2.5$/);
    expect(refused({ nodes: '3' })).toMatch(/nodes: .*got "3"$/);
    expect(refused({ groups: ['bogus'] })).toMatch(
      /^createCluster: groups\[0\]: unknown group "bogus" \(known: nacos_config, /,
    );
    expect(refused({ groups: [] })).toMatch(/groups: a cluster runs at least one group/);
    expect(refused({ groups: ['nacos_config', 'nacos_config'] })).toMatch(/listed twice/);
    expect(refused({ timing: 'fast' })).toMatch(
      /^createCluster: timing: expected 'nacos', 'lesson'/,
    );
    expect(refused({ durability: 'x' })).toBe(
      "createCluster: durability: expected 'strict' or 'relaxed', got \"x\"",
    );
    expect(refused({ nodez: 3 })).toBe(
      'createCluster: nodez: unknown field (did you mean "nodes"?)',
    );
    expect(refused(5)).toBe(
      "createCluster: options must be an object like { nodes: 5, timing: 'lesson' }, got 5",
    );
    expect(refused(null)).toMatch(/options must be an object/);
    expect(refused([3])).toMatch(/options must be an object/);
    expect(refused({ clusterId: 'a/b' })).toMatch(/clusterId: expected 1 to 64 letters/);
    expect(refused({ speed: 0 })).toMatch(/speed: expected number from 0.01 to 10, got 0/);
    expect(refused({ trace: 'false' })).toMatch(/trace: expected true or false, got "false"/);
    expect(refused({ seed: -1 })).toMatch(/seed: /);
    expect(refused({ readOnly: 'fast' })).toMatch(/readOnly: expected 'safe' or 'lease'/);
    expect(refused({ traceLimit: 5 })).toMatch(/traceLimit: expected integer from 100/);
  });

  it('lists every problem, one line each', () => {
    const lines = refused({ nodes: 0, durability: 'x', extra: 1 }).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.startsWith('createCluster: '))).toBe(true);
  });

  it('checks a timing object so the cluster ticks and elects', () => {
    const lesson = { electionTimeoutMs: 1500, maxElectionDelayMs: 750, tickMs: 50 };
    expect(parseClusterOptions({ timing: { ...lesson, profile: 'lesson' } }).timing).toEqual({
      ...lesson,
      profile: 'lesson',
    });
    expect(refused({ timing: { ...lesson, profile: 'lesson', tickMs: 0 } })).toMatch(
      /timing\.tickMs: expected number from 1 to 60000, got 0/,
    );
    expect(refused({ timing: { ...lesson, profile: 'lesson', tickMs: 1000 } })).toMatch(
      /timing\.electionTimeoutMs: electionTimeoutMs must be at least two ticks/,
    );
    expect(refused({ timing: { ...lesson } })).toMatch(/timing\.profile: /);
    expect(refused({ timing: { ...lesson, profile: 'lesson', tick: 5 } })).toMatch(
      /timing\.tick: unknown field/,
    );
  });

  it('accepts good options and both spellings of the network settings', () => {
    expect(parseClusterOptions(undefined)).toEqual({});
    expect(
      parseClusterOptions({
        nodes: 3,
        groups: ['nacos_config', 'naming_persistent_service_v2'],
        timing: 'lesson',
        durability: 'relaxed',
        speed: 2,
        seed: 7,
        clusterId: 'abc-1',
        trace: false,
        traceLimit: 1000,
        network: { delayMsMin: 0, delayMsMax: 0 },
      }),
    ).toMatchObject({ nodes: 3, network: { delayMsMin: 0, delayMsMax: 0 } });
    expect(parseNetworkSettings({ delayMs: [20, 60], drop: 0.1, duplicate: 0 })).toEqual({
      delayMsMin: 20,
      delayMsMax: 60,
      dropRatio: 0.1,
      duplicateRatio: 0,
    });
    expect(() => parseNetworkSettings({ delayMs: [60, 20] })).toThrow(/min must not exceed max/);
    expect(() => parseNetworkSettings({ drop: 2 })).toThrow(/network: drop: expected number/);
    expect(() => parseNetworkSettings({ delay: 5 })).toThrow(/network: delay: unknown field/);
  });
});

describe('single arguments', () => {
  const ids = ['n1', 'n2', 'n3'];
  const groups = ['nacos_config'];

  it('takes node ids and references to groups of the cluster, nothing else', () => {
    expect(checkNodeRef('crash: node', 'n2', ids, groups)).toBe('n2');
    expect(checkNodeRef('t: to', '@follower:nacos_config', ids, groups)).toBe(
      '@follower:nacos_config',
    );
    expect(() => checkNodeRef('link: from', 'n9', ids, groups, false)).toThrow(
      'link: from: unknown node "n9" (nodes: n1, n2, n3)',
    );
    expect(() => checkNodeRef('crash: node', 2, ids, groups)).toThrow(
      /crash: node: expected .* got 2/,
    );
    expect(() => checkNodeRef('crash: node', '@leader:bogus', ids, groups)).toThrow(
      /unknown group "bogus"/,
    );
    expect(() => checkNodeRef('cut: to', '@leader:nacos_config', ids, groups, false)).toThrow(
      /cut: to: expected a node id \(n1, n2, n3\), got "@leader:nacos_config"/,
    );
  });

  it('never coerces: a string is not a boolean or a number', () => {
    expect(() => checkBoolean('hold', 'false')).toThrow(
      'hold: expected true or false, got "false"',
    );
    expect(checkBoolean('hold', false)).toBe(false);
    expect(() => checkNumber('speed', '2', 0.01, 10)).toThrow(
      'speed: expected a number from 0.01 to 10, got "2"',
    );
    expect(() => checkNumber('speed', NaN, 0.01, 10)).toThrow(/got NaN|got null/);
    expect(() => checkNumber('skew: rate', 0, 0, 100, { above: true })).toThrow(/above 0/);
    expect(() => checkOneOf('durability', 'x', ['strict', 'relaxed'])).toThrow(
      `durability: expected 'strict' or 'relaxed', got "x"`,
    );
    expect(() => checkGroup('write: group', 'bogus', groups)).toThrow(
      'write: group: unknown group "bogus" (this cluster runs nacos_config)',
    );
  });

  it('takes a payload that JSON can carry', () => {
    expect(checkPayload('write: op', { type: 'publish' })).toEqual({ type: 'publish' });
    expect(() => checkPayload('write: op', 'publish')).toThrow(/write: op: expected an object/);
    expect(() => checkPayload('write: op', { content: 1n })).toThrow(
      /write: op: cannot be written as JSON/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => checkPayload('write: op', cyclic)).toThrow(/cannot be written as JSON/);
  });
});
