// The persistent-instance processor against Nacos's PersistentClientOperationServiceImpl:
// clients keyed ip:port#false, ADD/DELETE/CHANGE semantics, the exact refusal messages, the
// ephemeral-service check done before writing, and snapshots that round-trip.
import { describe, expect, it } from 'vitest';
import {
  NAMING_PERSISTENT_GROUP,
  NamingPersistentStore,
  namingView,
  persistentClientId,
  precheckPersistentOp,
  validatePersistentOp,
  validatePersistentQuery,
} from './namingPersistent.ts';
import { createProcessor, validateOp, validateQuery } from './processors.ts';
import { ServiceMetadataStore } from './serviceMetadata.ts';

const svc = { namespace: 'ns1', group: 'g1', service: 'orders' };
const key = { namespace: 'ns1', group: 'g1', name: 'orders' };
const inst = { ip: '11.11.11.11', port: 80, clusterName: 'c1' };

function add(extra: Record<string, unknown> = {}, instance: Record<string, unknown> = inst) {
  return { type: 'ADD', ...svc, ...extra, instance };
}

function expectInvalid(op: unknown, message: string): void {
  expect(() => validatePersistentOp(op)).toThrow(message);
}

describe('naming_persistent_service_v2: ADD', () => {
  it('registers a persistent instance under client ip:port#false', () => {
    const s = new NamingPersistentStore();
    const r = s.apply(add());
    expect(r).toEqual({
      success: true,
      data: { applied: true, clientId: '11.11.11.11:80#false', metadataId: '11.11.11.11:80:c1' },
    });
    expect(s.clientIds()).toEqual(['11.11.11.11:80#false']);
    expect(s.query({ type: 'instances', ...svc })).toEqual({
      success: true,
      data: [
        {
          instanceId: '11.11.11.11#80#c1#g1@@orders',
          ip: '11.11.11.11',
          port: 80,
          clusterName: 'c1',
          weight: 1,
          healthy: true,
          enabled: true,
          ephemeral: false,
          metadata: {},
          serviceName: 'g1@@orders',
        },
      ],
    });
  });

  it('defaults namespace, group and cluster as Nacos does', () => {
    const s = new NamingPersistentStore();
    s.apply({ type: 'ADD', service: 'orders', instance: { ip: '1.1.1.1', port: 8080 } });
    const [i] = s.instancesOf({ namespace: 'public', group: 'DEFAULT_GROUP', name: 'orders' });
    expect(i.clusterName).toBe('DEFAULT');
    expect(i.serviceName).toBe('DEFAULT_GROUP@@orders');
  });

  it('keeps one instance per client per service: a second ADD replaces the first', () => {
    const s = new NamingPersistentStore();
    s.apply(add());
    s.apply(add({}, { ...inst, clusterName: 'c2', weight: 3, metadata: { zone: 'a' } }));
    const list = s.instancesOf(key);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ clusterName: 'c2', weight: 3, metadata: { zone: 'a' } });
  });

  it('lets one client publish into several services', () => {
    const s = new NamingPersistentStore();
    s.apply(add());
    s.apply(add({ service: 'payments' }));
    expect(s.clientIds()).toEqual(['11.11.11.11:80#false']);
    expect(s.query({ type: 'services' })).toEqual({
      success: true,
      data: [
        { ...key, groupedName: 'g1@@orders', instanceCount: 1 },
        { ...key, name: 'payments', groupedName: 'g1@@payments', instanceCount: 1 },
      ],
    });
  });

  it('lists instances sorted by ip, port, cluster and services by namespace', () => {
    const s = new NamingPersistentStore();
    s.apply(add({}, { ip: '10.0.0.2', port: 80 }));
    s.apply(add({}, { ip: '10.0.0.1', port: 90 }));
    s.apply(add({}, { ip: '10.0.0.1', port: 9 }));
    s.apply(add({ namespace: 'other' }, { ip: '10.0.0.1', port: 9 }));
    expect(s.instancesOf(key).map((i) => `${i.ip}:${i.port}`)).toEqual([
      '10.0.0.1:9',
      '10.0.0.1:90',
      '10.0.0.2:80',
    ]);
    const r = s.query({ type: 'services', namespace: 'other' });
    expect(r.data).toEqual([
      {
        namespace: 'other',
        group: 'g1',
        name: 'orders',
        groupedName: 'g1@@orders',
        instanceCount: 1,
      },
    ]);
  });
});

describe('naming_persistent_service_v2: DELETE', () => {
  it('deregisters, and removes the client once it publishes nothing', () => {
    const s = new NamingPersistentStore();
    s.apply(add());
    s.apply(add({ service: 'payments' }));
    const del = { type: 'DELETE', ...svc, instance: inst };
    expect(s.apply(del)).toMatchObject({ success: true, data: { applied: true } });
    expect(s.instancesOf(key)).toEqual([]);
    expect(s.clientIds()).toEqual(['11.11.11.11:80#false']);
    expect(s.apply({ ...del, service: 'payments' })).toMatchObject({ success: true });
    expect(s.clientIds()).toEqual([]);
    expect(s.query({ type: 'services' })).toEqual({ success: true, data: [] });
  });

  it('ignores the cluster: the client and the service identify the instance', () => {
    const s = new NamingPersistentStore();
    s.apply(add());
    const r = s.apply({ type: 'DELETE', ...svc, instance: { ip: inst.ip, port: inst.port } });
    expect(r.data).toEqual({
      applied: true,
      clientId: '11.11.11.11:80#false',
      metadataId: '11.11.11.11:80:c1',
    });
    expect(s.instancesOf(key)).toEqual([]);
  });

  it('answers success for an unknown client, as Nacos does (it only logs a warning)', () => {
    const s = new NamingPersistentStore();
    const r = s.apply({ type: 'DELETE', ...svc, instance: inst });
    expect(r).toMatchObject({ success: true, data: { applied: false } });
  });
});

describe('naming_persistent_service_v2: CHANGE', () => {
  it('is a successful no-op when the instance does not exist', () => {
    const s = new NamingPersistentStore();
    const r = s.apply({ type: 'CHANGE', ...svc, instance: inst });
    expect(r).toMatchObject({ success: true, data: { applied: false } });
    expect(s.clientIds()).toEqual([]);
  });

  it('is a no-op when the client exists but does not publish into that service', () => {
    const s = new NamingPersistentStore();
    s.apply(add({ service: 'payments' }));
    const r = s.apply({ type: 'CHANGE', ...svc, instance: inst });
    expect(r).toMatchObject({ success: true, data: { applied: false } });
    expect(s.instancesOf(key)).toEqual([]);
  });

  it('updates an instance that exists', () => {
    const s = new NamingPersistentStore();
    s.apply(add());
    const r = s.apply({
      type: 'CHANGE',
      ...svc,
      instance: { ...inst, weight: 5, enabled: false, healthy: false },
    });
    expect(r).toMatchObject({ success: true, data: { applied: true } });
    expect(s.instancesOf(key)[0]).toMatchObject({ weight: 5, enabled: false, healthy: false });
  });
});

describe('naming_persistent_service_v2: refusals', () => {
  it('lets any other named operation reach the log and fails it at apply, as onApply does', () => {
    // DataOperation constants that onApply's switch does not handle: its default branch.
    for (const type of ['VERIFY', 'SNAPSHOT', 'QUERY']) {
      expect(() => validatePersistentOp({ type, ...svc, instance: inst })).not.toThrow();
      expect(new NamingPersistentStore().apply({ type, ...svc, instance: inst })).toEqual({
        success: false,
        errMsg: `unsupport operation : ${type}`,
      });
    }
    // Names that are no constant: DataOperation.valueOf throws, onApply catches with its prefix.
    for (const type of ['add', 'UPDATE']) {
      expect(() => validatePersistentOp({ type, ...svc, instance: inst })).not.toThrow();
      expect(new NamingPersistentStore().apply({ type, ...svc, instance: inst })).toEqual({
        success: false,
        errMsg: `Persistent client operation failed. No enum constant com.alibaba.nacos.consistency.DataOperation.${type}`,
      });
    }
  });

  it('refuses a write without an operation name before the log', () => {
    for (const type of [undefined, '', 7]) {
      expectInvalid({ type, ...svc, instance: inst }, `unsupport operation : ${String(type)}`);
    }
  });

  it('names the bad field of a malformed write', () => {
    expectInvalid(
      { type: 'ADD', instance: inst },
      'ADD: field "service" must be a non-empty string',
    );
    expectInvalid(add({ service: '' }), 'ADD: field "service" must be a non-empty string');
    expectInvalid(add({ group: 7 }), 'ADD: field "group" must be a non-empty string');
    expectInvalid(add({ namespace: '' }), 'ADD: field "namespace" must be a non-empty string');
    expectInvalid(add({ group: 'a@@b' }), 'ADD: field "group" must not contain "@@"');
    expectInvalid({ type: 'DELETE', ...svc }, 'DELETE: field "instance" is required');
    expectInvalid(add({}, { port: 80 }), 'ADD: instance: field "ip" must be a non-empty string');
    expectInvalid(
      add({}, { ip: '1.1.1.1', port: 80.5 }),
      'ADD: instance: field "port" must be an integer in [0, 65535]',
    );
    expectInvalid(
      add({}, { ip: '1.1.1.1', port: 70000 }),
      'ADD: instance: field "port" must be an integer in [0, 65535]',
    );
    expectInvalid(
      add({}, { ...inst, clusterName: 'a b' }),
      'ADD: instance: field "clusterName" may hold only letters, digits and "-"',
    );
    expectInvalid(
      add({}, { ...inst, weight: -1 }),
      'ADD: instance: field "weight" must be a number in [0, 10000]',
    );
    expectInvalid(
      add({}, { ...inst, healthy: 'yes' }),
      'ADD: instance: field "healthy" must be a boolean',
    );
    expectInvalid(
      add({}, { ...inst, metadata: { a: 1 } }),
      'ADD: instance: field "metadata.a" must be a string',
    );
    expectInvalid(
      add({}, { ...inst, ephemeral: true }),
      'ADD: instance: field "ephemeral" must be false (this group holds persistent instances)',
    );
    expectInvalid('ADD', 'persistent instance write: expected an object, got "ADD"');
  });

  it('answers a malformed write that reached apply the way onApply does', () => {
    const r = new NamingPersistentStore().apply({ type: 'ADD', ...svc });
    expect(r).toEqual({
      success: false,
      errMsg: 'Persistent client operation failed. ADD: field "instance" is required',
    });
  });

  it('validates reads', () => {
    expect(() => validatePersistentQuery({ type: 'instances' })).toThrow(
      'instances: field "service" must be a non-empty string',
    );
    expect(() => validatePersistentQuery({ type: 'get' })).toThrow('unsupport operation : get');
    expect(new NamingPersistentStore().query({ type: 'get' })).toEqual({
      success: false,
      errMsg: 'unsupport operation : get',
    });
    validatePersistentQuery({ type: 'services' });
  });
});

describe('naming_persistent_service_v2: the ephemeral-service check before writing', () => {
  function stores() {
    const meta = new ServiceMetadataStore();
    const persistent = new NamingPersistentStore();
    return { meta, persistent, view: namingView(meta, persistent) };
  }

  it('refuses to register or update a persistent instance in an ephemeral service', () => {
    const { meta, view } = stores();
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: true } });
    expect(precheckPersistentOp(add(), view)).toBe(
      "Current service g1@@orders is ephemeral service, can't register persistent instance.",
    );
    expect(precheckPersistentOp({ ...add(), type: 'CHANGE' }, view)).toBe(
      "Current service g1@@orders is ephemeral service, can't update persistent instance.",
    );
    expect(precheckPersistentOp({ ...add(), type: 'DELETE' }, view)).toBeNull();
  });

  it("takes Nacos's default: service metadata without the flag is ephemeral", () => {
    const { meta, view } = stores();
    meta.apply({ type: 'CHANGE', ...svc, metadata: { protectThreshold: 0.3 } });
    expect(precheckPersistentOp(add(), view)).toMatch(/is ephemeral service/);
  });

  it('lets persistent and unknown services through', () => {
    const { meta, view } = stores();
    expect(precheckPersistentOp(add(), view)).toBeNull();
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false } });
    expect(precheckPersistentOp(add(), view)).toBeNull();
  });

  it('counts a service with persistent instances as persistent', () => {
    const { meta, persistent, view } = stores();
    persistent.apply(add());
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: true } });
    expect(view.serviceEphemeral(key)).toBe(false);
    expect(view.instanceCount(key)).toBe(1);
    expect(precheckPersistentOp(add({}, { ip: '2.2.2.2', port: 1 }), view)).toBeNull();
  });
});

describe('naming_persistent_service_v2: snapshots and determinism', () => {
  const log = [
    add(),
    add({ service: 'payments' }, { ip: '10.0.0.1', port: 9, metadata: { v: '1' } }),
    add({ namespace: 'ns2' }, { ip: '10.0.0.2', port: 1 }),
    { type: 'DELETE', ...svc, instance: inst },
    {
      type: 'CHANGE',
      ...svc,
      service: 'payments',
      instance: { ip: '10.0.0.1', port: 9, weight: 2 },
    },
  ];

  it('round-trips through snapshot and restore', () => {
    const a = new NamingPersistentStore();
    for (const op of log) a.apply(op);
    const b = new NamingPersistentStore();
    b.apply(add({ service: 'stale' }));
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.clientIds()).toEqual(a.clientIds());
    expect(b.query({ type: 'services' })).toEqual(a.query({ type: 'services' }));
    // The restored state keeps working.
    b.apply({ type: 'DELETE', ...svc, service: 'payments', instance: { ip: '10.0.0.1', port: 9 } });
    expect(b.clientIds()).toEqual(['10.0.0.2:1#false']);
  });

  it('gives equal snapshots for equal states, whatever the order of registration', () => {
    const a = new NamingPersistentStore();
    const b = new NamingPersistentStore();
    a.apply(add({}, { ip: '1.1.1.1', port: 1 }));
    a.apply(add({ service: 'x' }, { ip: '2.2.2.2', port: 2 }));
    b.apply(add({ service: 'x' }, { ip: '2.2.2.2', port: 2 }));
    b.apply(add({}, { ip: '1.1.1.1', port: 1 }));
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
  });

  it('does not share state with the requests it applied or the snapshot it gave', () => {
    const s = new NamingPersistentStore();
    const op = add({}, { ...inst, metadata: { k: 'v' } });
    s.apply(op);
    (op.instance as { metadata: Record<string, string> }).metadata.k = 'changed';
    const snap = s.snapshot() as {
      services: { instance: { metadata: Record<string, string> } }[];
    }[];
    snap[0].services[0].instance.metadata.k = 'changed';
    expect(s.instancesOf(key)[0].metadata).toEqual({ k: 'v' });
  });
});

describe('naming_persistent_service_v2 in the processor registry', () => {
  it('is registered with its validation', () => {
    expect(createProcessor(NAMING_PERSISTENT_GROUP)).toBeInstanceOf(NamingPersistentStore);
    expect(() => validateOp(NAMING_PERSISTENT_GROUP, { type: 'VERIFY' })).not.toThrow();
    expect(() => validateOp(NAMING_PERSISTENT_GROUP, { type: 7 })).toThrow(
      'unsupport operation : 7',
    );
    expect(() => validateQuery(NAMING_PERSISTENT_GROUP, { type: 'instances' })).toThrow(
      'instances: field "service" must be a non-empty string',
    );
    expect(persistentClientId('::1', 8848)).toBe('::1:8848#false');
  });
});
