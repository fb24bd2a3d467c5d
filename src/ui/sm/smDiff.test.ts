// State machines side by side: contents flattened into rows per group, and the rows compared
// across nodes (a differing md5, a missing key, a node whose contents are unknown).
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../cp/configStore.ts';
import { NAMING_PERSISTENT_GROUP, NAMING_PERSISTENT_V1_GROUP } from '../../cp/groups.ts';
import { NamingPersistentStore } from '../../cp/namingPersistent.ts';
import {
  createDatum,
  instanceListKey,
  NamingPersistentV1Store,
  serviceMetaKey,
  SWITCH_DOMAIN_KEY,
} from '../../cp/namingPersistentV1.ts';
import type { PList } from '../../state/plist.ts';
import { plFrom } from '../../state/plist.ts';
import type { ApplyRecord } from '../../state/reduceApplyStream.ts';
import { applyMatrix } from './applyMatrix.ts';
import { diffStateMachines, smItems } from './smDiff.ts';

function config(items: [string, string][]): unknown {
  const s = new ConfigStore();
  for (const [dataId, content] of items) s.apply({ type: 'publish', dataId, content });
  return s.snapshot();
}

describe('diffStateMachines', () => {
  it('lists config items with their md5 once, and flags a differing value and a missing key', () => {
    const a = config([
      ['a.yaml', '1'],
      ['b.yaml', '2'],
    ]);
    const b = config([
      ['a.yaml', '1'],
      ['b.yaml', 'changed'],
    ]);
    const c = config([['a.yaml', '1']]);
    const rows = diffStateMachines('nacos_config', [
      { node: 'n1', contents: a },
      { node: 'n2', contents: a },
      { node: 'n3', contents: b },
      { node: 'n4', contents: c },
      { node: 'n5', contents: null },
    ]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([
      ['b.yaml', true],
      ['a.yaml', false],
    ]);
    expect(rows[0].value).toMatch(/^md5 [0-9a-f]{32} · "2"$/);
    expect(rows[0].agree).toEqual(['n1', 'n2']);
    expect(rows[0].differ).toEqual([
      { node: 'n3', value: expect.stringMatching(/"changed"$/) as unknown },
      { node: 'n4', value: null },
    ]);
    // The unknown node takes no part: a.yaml is agreed by the four that are known.
    expect(rows[1].agree).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('lists persistent instances by service', () => {
    const s = new NamingPersistentStore();
    for (const ip of ['10.0.0.2', '10.0.0.1']) {
      const r = s.apply({
        type: 'ADD',
        service: 'orders',
        instance: { ip, port: 8080 },
      });
      expect(r.success).toBe(true);
    }
    const items = smItems(NAMING_PERSISTENT_GROUP, s.snapshot());
    expect(items.map((i) => `${i.section} ${i.key} = ${i.value}`)).toEqual([
      'DEFAULT_GROUP@@orders 10.0.0.1:8080 (DEFAULT) = weight 1, healthy',
      'DEFAULT_GROUP@@orders 10.0.0.2:8080 (DEFAULT) = weight 1, healthy',
    ]);
  });
});

describe('v1 persistent datums', () => {
  const iplist = instanceListKey('public', 'DEFAULT_GROUP@@orders');
  const meta = serviceMetaKey('public', 'DEFAULT_GROUP@@orders');
  function store(protectThreshold: number, withIplist: boolean): unknown {
    const s = new NamingPersistentV1Store();
    const keys = [meta, SWITCH_DOMAIN_KEY, 'plain'];
    const values = [createDatum(meta, { protectThreshold }), createDatum(SWITCH_DOMAIN_KEY, {}), 7];
    if (withIplist) {
      keys.push(iplist);
      values.push(createDatum(iplist, { instanceList: [{ ip: '10.0.0.1', port: 8080 }] }));
    }
    expect(s.apply({ type: 'Write', keys, values })).toEqual({ success: true });
    return s.snapshot();
  }

  it('lists datums by KeyBuilder prefix, without the key they repeat', () => {
    const items = smItems(NAMING_PERSISTENT_V1_GROUP, store(0, true));
    expect(items.map((i) => `${i.section} | ${i.key} = ${i.value}`)).toEqual([
      'iplist | public##DEFAULT_GROUP@@orders = {"value":{"instanceList":[{"ip":"10.0.0.1","port":8080}]},"timestamp":0}',
      'meta | 00-00---000-NACOS_SWITCH_DOMAIN-000---00-00 = {"value":{},"timestamp":0}',
      'meta | public##DEFAULT_GROUP@@orders = {"value":{"protectThreshold":0},"timestamp":0}',
      'other keys | plain = 7',
    ]);
  });

  it('flags a datum that differs and one a node lacks', () => {
    const rows = diffStateMachines(NAMING_PERSISTENT_V1_GROUP, [
      { node: 'n1', contents: store(0, true) },
      { node: 'n2', contents: store(0, true) },
      { node: 'n3', contents: store(0.5, false) },
    ]);
    expect(rows.filter((r) => r.differs).map((r) => [r.section, r.key, r.differ])).toEqual([
      ['iplist', 'public##DEFAULT_GROUP@@orders', [{ node: 'n3', value: null }]],
      [
        'meta',
        'public##DEFAULT_GROUP@@orders',
        [{ node: 'n3', value: '{"value":{"protectThreshold":0.5},"timestamp":0}' }],
      ],
    ]);
  });
});

describe('applyMatrix', () => {
  const rec = (index: number, ok: boolean, result: string, t = 0): ApplyRecord => ({
    index,
    term: 1,
    t,
    label: `publish k${index}`,
    ok,
    result,
    requestId: index === 2 ? 'r2' : null,
  });
  it('lines up each node’s applies by index, newest first, and flags results that differ', () => {
    const streams: { node: string; stream: PList<ApplyRecord> }[] = [
      { node: 'n1', stream: plFrom([rec(1, true, 'ok'), rec(2, true, 'ok'), rec(3, true, 'ok')]) },
      { node: 'n2', stream: plFrom([rec(1, true, 'ok'), rec(2, false, 'boom')]) },
      { node: 'n3', stream: plFrom([rec(1, true, 'ok'), rec(2, true, 'ok')]) },
    ];
    const rows = applyMatrix(streams, 10);
    expect(rows.map((r) => r.index)).toEqual([3, 2, 1]);
    expect(rows[0].cells.map((c) => c !== null)).toEqual([true, false, false]);
    expect(rows[1]).toMatchObject({ result: 'ok', ok: true, differs: true, requestId: 'r2' });
    expect(rows[2].differs).toBe(false);
    expect(applyMatrix(streams, 2).map((r) => r.index)).toEqual([3, 2]);
  });

  it('keeps a node’s latest apply of an index (a restarted node applies again)', () => {
    const rows = applyMatrix(
      [{ node: 'n1', stream: plFrom([rec(1, true, 'ok', 1), rec(1, true, 'ok', 9)]) }],
      5,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].cells[0]?.t).toBe(9);
  });
});
