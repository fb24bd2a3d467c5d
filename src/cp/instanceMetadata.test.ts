// The instance-metadata processor against Nacos's InstanceMetadataProcessor: ADD and CHANGE
// store the whole metadata under ip:port:cluster, DELETE removes it (and an emptied service),
// refusals name the bad field, and snapshots round-trip.
import { describe, expect, it } from 'vitest';
import {
  INSTANCE_METADATA_GROUP,
  InstanceMetadataStore,
  validateInstanceMetadataOp,
  validateInstanceMetadataQuery,
} from './instanceMetadata.ts';
import { instanceMetadataId } from './namingPersistent.ts';
import { createProcessor, validateOp } from './processors.ts';

const svc = { namespace: 'ns1', group: 'g1', service: 'orders' };
const key = { namespace: 'ns1', group: 'g1', name: 'orders' };
const id = instanceMetadataId('11.11.11.11', 80, 'c1');

describe('naming_instance_metadata', () => {
  it('keys metadata by ip:port:cluster', () => {
    expect(id).toBe('11.11.11.11:80:c1');
  });

  it('ADD stores metadata with Nacos defaults', () => {
    const s = new InstanceMetadataStore();
    const r = s.apply({ type: 'ADD', ...svc, metadataId: id, metadata: {} });
    expect(r).toEqual({ success: true, data: { created: true } });
    expect(s.query({ type: 'get', ...svc, metadataId: id })).toEqual({
      success: true,
      data: { found: true, metadata: { weight: 1, enabled: true, extendData: {} } },
    });
  });

  it('CHANGE replaces the whole metadata, and creates it when absent', () => {
    const s = new InstanceMetadataStore();
    s.apply({
      type: 'CHANGE',
      ...svc,
      metadataId: id,
      metadata: { weight: 2, enabled: false, extendData: { a: 1 } },
    });
    const r = s.apply({
      type: 'CHANGE',
      ...svc,
      metadataId: id,
      metadata: { extendData: { b: [1] } },
    });
    expect(r).toEqual({ success: true, data: { created: false } });
    expect(s.get(key, id)).toEqual({ weight: 1, enabled: true, extendData: { b: [1] } });
  });

  it('DELETE removes one instance and drops an emptied service', () => {
    const s = new InstanceMetadataStore();
    const other = instanceMetadataId('11.11.11.12', 80, 'c1');
    s.apply({ type: 'ADD', ...svc, metadataId: id, metadata: { weight: 3 } });
    s.apply({ type: 'ADD', ...svc, metadataId: other, metadata: {} });
    expect(s.apply({ type: 'DELETE', ...svc, metadataId: id })).toEqual({
      success: true,
      data: { removed: true },
    });
    expect(s.query({ type: 'get', ...svc }).data).toEqual([
      { metadataId: other, metadata: { weight: 1, enabled: true, extendData: {} } },
    ]);
    s.apply({ type: 'DELETE', ...svc, metadataId: other });
    expect(s.snapshot()).toEqual([]);
    expect(s.apply({ type: 'DELETE', ...svc, metadataId: other })).toEqual({
      success: true,
      data: { removed: false },
    });
  });

  it('answers not-found and empty lists', () => {
    const s = new InstanceMetadataStore();
    expect(s.query({ type: 'get', ...svc, metadataId: id }).data).toEqual({ found: false });
    expect(s.query({ type: 'get', ...svc }).data).toEqual([]);
  });

  it("refuses other operations with the processor's Nacos message", () => {
    expect(() => validateInstanceMetadataOp({ type: 'SNAPSHOT', ...svc, metadataId: id })).toThrow(
      'Unsupported operation SNAPSHOT',
    );
    expect(new InstanceMetadataStore().apply({ type: 'SNAPSHOT' })).toEqual({
      success: false,
      errMsg: 'Unsupported operation SNAPSHOT',
    });
    expect(() => validateOp(INSTANCE_METADATA_GROUP, { type: 'VERIFY' })).toThrow(
      'Unsupported operation VERIFY',
    );
  });

  it('names the bad field of a malformed write or read', () => {
    const bad = (op: unknown, message: string) =>
      expect(() => validateInstanceMetadataOp(op)).toThrow(message);
    bad(
      { type: 'ADD', ...svc, metadata: {} },
      'ADD: field "metadataId" must be a non-empty string',
    );
    bad(
      { type: 'ADD', ...svc, metadataId: '1.1.1.1:80', metadata: {} },
      'ADD: field "metadataId" must look like "ip:port:cluster"',
    );
    bad(
      { type: 'DELETE', ...svc, metadataId: '1.1.1.1:x:c1' },
      'DELETE: field "metadataId" must look like "ip:port:cluster"',
    );
    bad({ type: 'CHANGE', ...svc, metadataId: id }, 'CHANGE: field "metadata" is required');
    bad(
      { type: 'CHANGE', ...svc, metadataId: id, metadata: { weight: 10001 } },
      'CHANGE: metadata: field "weight" must be a number in [0, 10000]',
    );
    bad(
      { type: 'CHANGE', ...svc, metadataId: id, metadata: { enabled: 1 } },
      'CHANGE: metadata: field "enabled" must be a boolean',
    );
    bad(
      { type: 'CHANGE', metadataId: id, metadata: {} },
      'CHANGE: field "service" must be a non-empty string',
    );
    expect(() => validateInstanceMetadataQuery({ type: 'get', ...svc, metadataId: 'x' })).toThrow(
      'get: field "metadataId" must look like "ip:port:cluster"',
    );
    expect(() => validateInstanceMetadataQuery({ type: 'list' })).toThrow(
      'Unsupported operation list',
    );
    // IPv6 addresses hold colons themselves.
    validateInstanceMetadataOp({
      type: 'DELETE',
      ...svc,
      metadataId: instanceMetadataId('::1', 80, 'c1'),
    });
  });

  it('round-trips snapshots, canonically sorted', () => {
    const a = new InstanceMetadataStore();
    a.apply({ type: 'ADD', ...svc, metadataId: id, metadata: { extendData: { k: 'v' } } });
    a.apply({ type: 'ADD', service: 'b', metadataId: '1.1.1.1:1:DEFAULT', metadata: {} });
    const b = new InstanceMetadataStore();
    b.apply({ type: 'ADD', service: 'stale', metadataId: '2.2.2.2:2:DEFAULT', metadata: {} });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.get(key, id)).toEqual({ weight: 1, enabled: true, extendData: { k: 'v' } });
    const c = new InstanceMetadataStore();
    c.apply({ type: 'ADD', service: 'b', metadataId: '1.1.1.1:1:DEFAULT', metadata: {} });
    c.apply({ type: 'ADD', ...svc, metadataId: id, metadata: { extendData: { k: 'v' } } });
    expect(JSON.stringify(c.snapshot())).toBe(JSON.stringify(a.snapshot()));
  });

  it('is registered in the processor registry', () => {
    expect(createProcessor(INSTANCE_METADATA_GROUP)).toBeInstanceOf(InstanceMetadataStore);
  });
});
