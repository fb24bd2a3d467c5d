// Tests of the client panel's catalogue: every operation's defaults build a payload its group's
// validation accepts (also when the load generator varies it), blank optional fields are left
// out, and wrong field values come back as errors naming the field.
import { describe, expect, it } from 'vitest';
import { validateOp, validateQuery, KNOWN_GROUPS } from '../../cp/processors.ts';
import {
  buildRequest,
  CAS_MD5_HELP,
  initialValues,
  nodeChoices,
  OPERATIONS,
  operationsOf,
  parsePairs,
} from './operations.ts';

describe('client operations', () => {
  it('covers every known group', () => {
    for (const g of KNOWN_GROUPS) expect(operationsOf(g).length).toBeGreaterThan(0);
    expect(operationsOf('nope')).toEqual([]);
  });

  it('builds payloads the processors accept, with and without variation', () => {
    for (const [group, ops] of Object.entries(OPERATIONS)) {
      for (const op of ops) {
        for (const vary of [undefined, { index: 7, keys: 4 }]) {
          const r = buildRequest(group, op, initialValues(op), 'n2', vary);
          if (!r.ok) throw new Error(`${group} ${op.id}: ${r.error}`);
          const c = r.command;
          expect(c.type).toBe(op.kind);
          if (c.type === 'write') expect(() => validateOp(group, c.op)).not.toThrow();
          else if (c.type === 'read') expect(() => validateQuery(group, c.query)).not.toThrow();
          else throw new Error('not a client command');
        }
      }
    }
  });

  it('sends a cas md5 only when one is given; its help says blank is a plain publish', () => {
    const op = operationsOf('nacos_config')[0];
    const payload = (casMd5: string) => {
      const r = buildRequest('nacos_config', op, { ...initialValues(op), casMd5 }, 'n1');
      if (!r.ok || r.command.type !== 'write') throw new Error('not a write');
      return r.command.op;
    };
    expect(payload('')).not.toHaveProperty('casMd5');
    expect(payload('abc')).toMatchObject({ type: 'publish', casMd5: 'abc' });
    expect(op.fields.find((f) => f.path === 'casMd5')?.help).toBe(CAS_MD5_HELP);
    expect(CAS_MD5_HELP).toMatch(/blank = a plain publish/);
    expect(CAS_MD5_HELP).toMatch(/absent item is inserted/);
  });

  it('varies the key and numbers the value for the load generator', () => {
    const op = operationsOf('nacos_config')[0];
    const r = buildRequest('nacos_config', op, initialValues(op), '@leader:nacos_config', {
      index: 9,
      keys: 4,
    });
    expect(r).toEqual({
      ok: true,
      command: {
        type: 'write',
        node: '@leader:nacos_config',
        group: 'nacos_config',
        op: { type: 'publish', dataId: 'app.yaml-1', group: 'DEFAULT_GROUP', content: 'v1-9' },
      },
    });
  });

  it('nests fields, parses numbers, booleans and pairs, and names a bad field', () => {
    const op = operationsOf('naming_persistent_service_v2')[0];
    const values = { ...initialValues(op), 'instance.metadata': 'zone=a, rack = 3' };
    const r = buildRequest('naming_persistent_service_v2', op, values, 'n1');
    expect(r.ok && r.command.type === 'write' && r.command.op).toMatchObject({
      type: 'ADD',
      service: 'orders',
      instance: { ip: '10.0.0.1', port: 8080, healthy: true, metadata: { zone: 'a', rack: '3' } },
    });
    expect(
      buildRequest('naming_persistent_service_v2', op, { ...values, 'instance.port': 'x' }, 'n1'),
    ).toEqual({ ok: false, error: 'port: "x" is not a number' });
    expect(
      buildRequest('naming_persistent_service_v2', op, { ...values, service: ' ' }, 'n1'),
    ).toEqual({ ok: false, error: 'service: must not be empty' });
    expect(parsePairs('a=1,b')).toBe('"b" is not key=value');
  });

  it('shapes the v1 store’s forms into batches of one key with its datum', () => {
    const v1 = 'naming_persistent_service';
    const [iplist, meta, remove, get] = operationsOf(v1);
    const build = (op: typeof iplist, vary?: { index: number; keys: number }) => {
      const r = buildRequest(v1, op, initialValues(op), 'n1', vary);
      if (!r.ok) throw new Error(r.error);
      return r.command.type === 'write' ? r.command.op : (r.command as { query: unknown }).query;
    };
    const ipKey = 'com.alibaba.nacos.naming.iplist.public##DEFAULT_GROUP@@orders-3';
    expect(build(iplist, { index: 7, keys: 4 })).toEqual({
      type: 'Write',
      keys: [ipKey],
      values: [
        {
          key: ipKey,
          value: {
            instanceList: [
              {
                ip: '10.0.0.1',
                port: 8080,
                weight: 1,
                healthy: true,
                enabled: true,
                ephemeral: false,
                clusterName: 'DEFAULT',
                serviceName: 'DEFAULT_GROUP@@orders-3',
              },
            ],
          },
          timestamp: 0,
        },
      ],
    });
    const metaKey = 'com.alibaba.nacos.naming.domains.meta.public##DEFAULT_GROUP@@orders';
    expect(build(meta)).toEqual({
      type: 'Write',
      keys: [metaKey],
      values: [
        {
          key: metaKey,
          value: {
            name: 'DEFAULT_GROUP@@orders',
            groupName: 'DEFAULT_GROUP',
            namespaceId: 'public',
            protectThreshold: 0,
            metadata: { owner: 'team-a' },
          },
          timestamp: 0,
        },
      ],
    });
    expect(build(remove)).toEqual({ type: 'Delete', keys: [metaKey] });
    expect(build(get, { index: 5, keys: 2 })).toEqual({ type: 'get', keys: [`${metaKey}-1`] });
  });

  it('offers references before node ids', () => {
    expect(nodeChoices('g', ['n1', 'n2']).map((c) => c.value)).toEqual([
      '@follower:g',
      '@leader:g',
      'n1',
      'n2',
    ]);
  });
});
