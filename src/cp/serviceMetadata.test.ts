// The service-metadata processor against Nacos's ServiceMetadataProcessor (ADD merges clusters,
// CHANGE merges keeping the ephemeral flag and clusters, DELETE removes), its refusals, and the
// service operator's checks before writing (create, update, delete of a non-empty service).
import { describe, expect, it } from 'vitest';
import { NamingPersistentStore, namingView } from './namingPersistent.ts';
import { createProcessor, validateOp, validateQuery } from './processors.ts';
import {
  checkCreateService,
  checkDeleteService,
  checkUpdateService,
  precheckServiceMetadataOp,
  SERVICE_METADATA_GROUP,
  ServiceMetadataStore,
  validateServiceMetadataOp,
} from './serviceMetadata.ts';

const svc = { namespace: 'ns1', group: 'g1', service: 'orders' };
const key = { namespace: 'ns1', group: 'g1', name: 'orders' };

function metadataOf(s: ServiceMetadataStore) {
  return s.query({ type: 'get', ...svc }).data as { found: boolean; metadata?: unknown };
}

describe('naming_service_metadata: CHANGE (create and update service)', () => {
  it('creates an entry with Nacos defaults for what the request leaves out', () => {
    const s = new ServiceMetadataStore();
    expect(s.apply({ type: 'CHANGE', ...svc, metadata: {} })).toEqual({
      success: true,
      data: { created: true },
    });
    expect(metadataOf(s)).toEqual({
      found: true,
      metadata: {
        ephemeral: true,
        protectThreshold: 0,
        selector: { type: 'none' },
        extendData: {},
        clusters: {},
      },
    });
  });

  it('keeps the ephemeral flag and clusters of an existing entry and replaces the rest', () => {
    const s = new ServiceMetadataStore();
    s.apply({
      type: 'CHANGE',
      ...svc,
      metadata: {
        ephemeral: false,
        protectThreshold: 0.3,
        selector: { type: 'label', expression: 'CONSUMER.label.a = PROVIDER.label.a' },
        extendData: { owner: 'team-a' },
        clusters: { c1: { healthyCheckPort: 80 } },
      },
    });
    const r = s.apply({
      type: 'CHANGE',
      ...svc,
      metadata: { ephemeral: true, protectThreshold: 0.5, clusters: { c2: {} } },
    });
    expect(r).toEqual({ success: true, data: { created: false } });
    expect(metadataOf(s).metadata).toEqual({
      ephemeral: false,
      protectThreshold: 0.5,
      selector: { type: 'none' },
      extendData: {},
      clusters: { c1: { healthyCheckPort: 80 } },
    });
  });
});

describe('naming_service_metadata: ADD (cluster metadata)', () => {
  it('stores the whole metadata when the service has none', () => {
    const s = new ServiceMetadataStore();
    s.apply({ type: 'ADD', ...svc, metadata: { ephemeral: false, clusters: { c1: { a: 1 } } } });
    expect(metadataOf(s).metadata).toMatchObject({ ephemeral: false, clusters: { c1: { a: 1 } } });
  });

  it('only merges clusters into an existing entry', () => {
    const s = new ServiceMetadataStore();
    s.apply({
      type: 'CHANGE',
      ...svc,
      metadata: { ephemeral: false, protectThreshold: 0.3, clusters: { c1: { a: 1 } } },
    });
    s.apply({
      type: 'ADD',
      ...svc,
      metadata: {
        ephemeral: true,
        protectThreshold: 0.9,
        clusters: { c1: { a: 2 }, c2: { b: 1 } },
      },
    });
    expect(metadataOf(s).metadata).toEqual({
      ephemeral: false,
      protectThreshold: 0.3,
      selector: { type: 'none' },
      extendData: {},
      clusters: { c1: { a: 2 }, c2: { b: 1 } },
    });
  });
});

describe('naming_service_metadata: DELETE and queries', () => {
  it('removes an entry; deleting an unknown one still succeeds', () => {
    const s = new ServiceMetadataStore();
    s.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false } });
    expect(s.apply({ type: 'DELETE', ...svc })).toEqual({ success: true, data: { removed: true } });
    expect(metadataOf(s)).toEqual({ found: false });
    expect(s.apply({ type: 'DELETE', ...svc })).toEqual({
      success: true,
      data: { removed: false },
    });
  });

  it('lists services sorted, optionally by namespace', () => {
    const s = new ServiceMetadataStore();
    s.apply({ type: 'CHANGE', ...svc, service: 'z', metadata: { ephemeral: false } });
    s.apply({ type: 'CHANGE', ...svc, metadata: {} });
    s.apply({ type: 'CHANGE', service: 'a', metadata: {} });
    expect(s.query({ type: 'services' }).data).toEqual([
      { namespace: 'ns1', group: 'g1', name: 'orders', groupedName: 'g1@@orders', ephemeral: true },
      { namespace: 'ns1', group: 'g1', name: 'z', groupedName: 'g1@@z', ephemeral: false },
      {
        namespace: 'public',
        group: 'DEFAULT_GROUP',
        name: 'a',
        groupedName: 'DEFAULT_GROUP@@a',
        ephemeral: true,
      },
    ]);
    expect(s.query({ type: 'services', namespace: 'public' }).data).toHaveLength(1);
  });
});

describe('naming_service_metadata: refusals', () => {
  const expectInvalid = (op: unknown, message: string) =>
    expect(() => validateServiceMetadataOp(op)).toThrow(message);

  it("refuses other operations with the processor's Nacos message", () => {
    expectInvalid({ type: 'VERIFY', ...svc }, 'Unsupported operation VERIFY');
    expect(new ServiceMetadataStore().apply({ type: 'VERIFY', ...svc })).toEqual({
      success: false,
      errMsg: 'Unsupported operation VERIFY',
    });
  });

  it('names the bad field of a malformed write', () => {
    expectInvalid({ type: 'CHANGE', ...svc }, 'CHANGE: field "metadata" is required');
    expectInvalid({ type: 'DELETE' }, 'DELETE: field "service" must be a non-empty string');
    expectInvalid(
      { type: 'CHANGE', ...svc, metadata: { protectThreshold: 2 } },
      'CHANGE: metadata: field "protectThreshold" must be a number in [0, 1]',
    );
    expectInvalid(
      { type: 'CHANGE', ...svc, metadata: { ephemeral: 'no' } },
      'CHANGE: metadata: field "ephemeral" must be a boolean',
    );
    expectInvalid(
      { type: 'CHANGE', ...svc, metadata: { selector: { type: 'cmdb' } } },
      'CHANGE: field "metadata.selector.type" must be "none" or "label"',
    );
    expectInvalid(
      { type: 'CHANGE', ...svc, metadata: { extendData: { a: 1 } } },
      'CHANGE: metadata: field "extendData.a" must be a string',
    );
    expectInvalid(
      { type: 'ADD', ...svc, metadata: { clusters: { c1: 3 } } },
      'ADD: field "metadata.clusters.c1": expected an object, got 3',
    );
  });

  it('validates reads', () => {
    expect(() => validateQuery(SERVICE_METADATA_GROUP, { type: 'get' })).toThrow(
      'get: field "service" must be a non-empty string',
    );
    expect(() => validateQuery(SERVICE_METADATA_GROUP, { type: 'list' })).toThrow(
      'Unsupported operation list',
    );
    expect(new ServiceMetadataStore().query({ type: 'list' }).success).toBe(false);
  });
});

describe('naming_service_metadata: snapshots', () => {
  it('round-trips and gives equal snapshots for equal states', () => {
    const a = new ServiceMetadataStore();
    a.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false, extendData: { k: 'v' } } });
    a.apply({ type: 'CHANGE', service: 'b', metadata: {} });
    const b = new ServiceMetadataStore();
    b.apply({ type: 'CHANGE', service: 'stale', metadata: {} });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    const c = new ServiceMetadataStore();
    c.apply({ type: 'CHANGE', service: 'b', metadata: {} });
    c.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false, extendData: { k: 'v' } } });
    expect(JSON.stringify(c.snapshot())).toBe(JSON.stringify(a.snapshot()));
    // The snapshot is a copy.
    (
      a.snapshot() as { metadata: { extendData: Record<string, string> } }[]
    )[1].metadata.extendData.k = 'x';
    expect(a.get(key)?.metadata.extendData).toEqual({ k: 'v' });
  });
});

describe("the service operator's checks before writing", () => {
  function stores() {
    const meta = new ServiceMetadataStore();
    const persistent = new NamingPersistentStore();
    return { meta, persistent, view: namingView(meta, persistent) };
  }

  it('create: refused when the service exists', () => {
    const { meta, persistent, view } = stores();
    expect(checkCreateService(view, key)).toBeNull();
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false } });
    expect(checkCreateService(view, key)).toBe('specified service g1@@orders already exists!');
    // A service also exists once persistent instances were registered into it.
    const other = { ...key, name: 'other' };
    persistent.apply({
      type: 'ADD',
      ...svc,
      service: 'other',
      instance: { ip: '1.1.1.1', port: 1 },
    });
    expect(checkCreateService(view, other)).toBe('specified service g1@@other already exists!');
  });

  it('update: refused when the service does not exist', () => {
    const { meta, view } = stores();
    expect(checkUpdateService(view, key)).toBe('service g1@@orders not found!');
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false } });
    expect(checkUpdateService(view, key)).toBeNull();
  });

  it('delete: refused when the service is unknown or still has instances', () => {
    const { meta, persistent, view } = stores();
    const del = { type: 'DELETE', ...svc };
    expect(precheckServiceMetadataOp(del, view)).toBe('service g1@@orders not found!');
    meta.apply({ type: 'CHANGE', ...svc, metadata: { ephemeral: false } });
    const instance = { ip: '11.11.11.11', port: 80, clusterName: 'c1' };
    persistent.apply({ type: 'ADD', ...svc, instance });
    expect(precheckServiceMetadataOp(del, view)).toBe(
      "Service g1@@orders is not empty, can't be delete. Please unregister instance first",
    );
    expect(checkDeleteService(view, key)).toBe(precheckServiceMetadataOp(del, view));
    persistent.apply({ type: 'DELETE', ...svc, instance });
    expect(precheckServiceMetadataOp(del, view)).toBeNull();
    expect(precheckServiceMetadataOp({ type: 'CHANGE', ...svc, metadata: {} }, view)).toBeNull();
  });
});

describe('naming_service_metadata in the processor registry', () => {
  it('is registered with its validation', () => {
    expect(createProcessor(SERVICE_METADATA_GROUP)).toBeInstanceOf(ServiceMetadataStore);
    expect(() => validateOp(SERVICE_METADATA_GROUP, { type: 'QUERY' })).toThrow(
      'Unsupported operation QUERY',
    );
  });
});
