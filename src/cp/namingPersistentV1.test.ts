// The v1 persistent naming processor against Nacos 2.2.4's BasePersistentServiceProcessor:
// batches written and deleted key by key, reads that leave missing keys out, the operations and
// shapes onApply refuses with its own texts (after commit) versus the malformed requests refused
// before the log, the switch-domain change event, KeyBuilder's keys, and snapshots.
import { describe, expect, it } from 'vitest';
import {
  briefKey,
  createDatum,
  ERR_DESERIALIZE,
  ERR_SIZE_MISMATCH,
  instanceListKey,
  matchSwitchKey,
  NAMING_PERSISTENT_V1_GROUP,
  NamingPersistentV1Store,
  serviceMetaKey,
  SWITCH_DOMAIN_KEY,
  validateV1Op,
  validateV1Query,
} from './namingPersistentV1.ts';
import { createProcessor, KNOWN_GROUPS, validateOp, validateQuery } from './processors.ts';

const IPLIST = instanceListKey('public', 'DEFAULT_GROUP@@orders');
const META = serviceMetaKey('public', 'DEFAULT_GROUP@@orders');
const instances = {
  instanceList: [{ ip: '10.0.0.1', port: 8080, clusterName: 'DEFAULT', ephemeral: false }],
};
const service = { name: 'DEFAULT_GROUP@@orders', namespaceId: 'public', protectThreshold: 0 };

function write(keys: string[], values: unknown[]) {
  return { type: 'Write', keys, values };
}

describe('KeyBuilder keys', () => {
  it('spells the instance-list, service-meta and switch-domain keys as Nacos does', () => {
    expect(IPLIST).toBe('com.alibaba.nacos.naming.iplist.public##DEFAULT_GROUP@@orders');
    expect(META).toBe('com.alibaba.nacos.naming.domains.meta.public##DEFAULT_GROUP@@orders');
    expect(SWITCH_DOMAIN_KEY).toBe(
      'com.alibaba.nacos.naming.domains.meta.00-00---000-NACOS_SWITCH_DOMAIN-000---00-00',
    );
    expect(matchSwitchKey(SWITCH_DOMAIN_KEY)).toBe(true);
    expect(matchSwitchKey(META)).toBe(false);
    expect(briefKey(IPLIST)).toBe('iplist.public##DEFAULT_GROUP@@orders');
    expect(briefKey(META)).toBe('meta.public##DEFAULT_GROUP@@orders');
    expect(briefKey('other')).toBe('other');
  });

  it('builds a datum as Datum.createDatum serializes it (a null value left out)', () => {
    expect(createDatum(META, service)).toEqual({ key: META, value: service, timestamp: 0 });
    expect(createDatum(META, null)).toEqual({ key: META, timestamp: 0 });
  });
});

describe('naming_persistent_service: Write and Delete', () => {
  it('is registered as a processor under Nacos’s group name', () => {
    expect(NAMING_PERSISTENT_V1_GROUP).toBe('naming_persistent_service');
    expect(KNOWN_GROUPS).toContain('naming_persistent_service');
    expect(createProcessor('naming_persistent_service')).toBeInstanceOf(NamingPersistentV1Store);
  });

  it('puts every key of a batch, in order (a key twice: the later value stays)', () => {
    const s = new NamingPersistentV1Store();
    const a = createDatum(IPLIST, instances);
    const b = createDatum(META, service);
    expect(s.apply(write([IPLIST, META, IPLIST], [a, b, 'later']))).toEqual({ success: true });
    expect(s.keys()).toEqual([META, IPLIST]);
    expect(s.get(META)).toEqual(b);
    expect(s.get(IPLIST)).toBe('later');
  });

  it('removes every key of a batch; an absent key is no error', () => {
    const s = new NamingPersistentV1Store();
    s.apply(write([IPLIST, META], [1, 2]));
    expect(s.apply({ type: 'Delete', keys: [IPLIST, 'absent'] })).toEqual({ success: true });
    expect(s.keys()).toEqual([META]);
  });

  it('keeps no reference to the request’s values', () => {
    const s = new NamingPersistentV1Store();
    const v = { value: { n: 1 } };
    s.apply(write([META], [v]));
    v.value.n = 2;
    expect(s.get(META)).toEqual({ value: { n: 1 } });
  });

  it('fails a Write whose keys and values differ in number at apply, storing nothing', () => {
    const s = new NamingPersistentV1Store();
    expect(() => validateV1Op(write([IPLIST, META], [1]))).not.toThrow();
    expect(s.apply(write([IPLIST, META], [1]))).toEqual({
      success: false,
      errMsg: ERR_SIZE_MISMATCH,
    });
    expect(ERR_SIZE_MISMATCH).toBe("key's size must be equal to value's size");
    expect(s.keys()).toEqual([]);
  });

  it('lets any other operation name reach the log and fails it at apply with onApply’s texts', () => {
    const s = new NamingPersistentV1Store();
    for (const type of ['Read', 'write', 'Put']) {
      expect(() => validateOp(NAMING_PERSISTENT_V1_GROUP, { type, keys: [META] })).not.toThrow();
    }
    expect(s.apply({ type: 'Read', keys: [META] })).toEqual({
      success: false,
      errMsg: 'unsupport operation : Read',
    });
    expect(s.apply({ type: 'write', keys: [META], values: [1] })).toEqual({
      success: false,
      errMsg:
        'No enum constant com.alibaba.nacos.naming.consistency.persistent.impl.BasePersistentServiceProcessor.Op.write',
    });
    expect(s.keys()).toEqual([]);
  });

  it('stores a switch-domain value that is no Datum<SwitchDomain>, then answers the event’s failure', () => {
    const s = new NamingPersistentV1Store();
    const ok = createDatum(SWITCH_DOMAIN_KEY, { healthCheckEnabled: true });
    expect(s.apply(write([SWITCH_DOMAIN_KEY], [ok]))).toEqual({ success: true });
    expect(s.apply(write([SWITCH_DOMAIN_KEY], [null]))).toEqual({ success: true });
    for (const bad of ['on', 5, [ok], { key: SWITCH_DOMAIN_KEY, value: 'on' }]) {
      expect(s.apply(write([META, SWITCH_DOMAIN_KEY], ['m', bad]))).toEqual({
        success: false,
        errMsg: ERR_DESERIALIZE,
      });
      // The batch was stored before the event failed.
      expect(s.get(SWITCH_DOMAIN_KEY)).toEqual(bad);
      expect(s.get(META)).toBe('m');
    }
    // Other keys are not looked into; deleting the switch domain reads its empty value as null.
    expect(s.apply(write([META], ['on']))).toEqual({ success: true });
    expect(s.apply({ type: 'Delete', keys: [SWITCH_DOMAIN_KEY] })).toEqual({ success: true });
    expect(s.keys()).toEqual([META]);
  });
});

describe('naming_persistent_service: reads (onRequest)', () => {
  it('answers the keys found, in the order asked, leaving missing keys out', () => {
    const s = new NamingPersistentV1Store();
    s.apply(write([IPLIST, META], [createDatum(IPLIST, instances), createDatum(META, service)]));
    expect(s.query({ type: 'get', keys: [META, 'absent', IPLIST] })).toEqual({
      success: true,
      data: {
        keys: [META, IPLIST],
        values: [createDatum(META, service), createDatum(IPLIST, instances)],
      },
    });
    expect(s.query({ type: 'get', keys: ['absent'] })).toEqual({
      success: true,
      data: { keys: [], values: [] },
    });
  });

  it('answers copies', () => {
    const s = new NamingPersistentV1Store();
    s.apply(write([META], [{ n: 1 }]));
    const r = s.query({ type: 'get', keys: [META] }).data as { values: { n: number }[] };
    r.values[0].n = 9;
    expect(s.get(META)).toEqual({ n: 1 });
  });
});

describe('naming_persistent_service: requests refused before the log', () => {
  const cases: [unknown, string][] = [
    ['x', 'persistent datum write: expected an object'],
    [{ keys: [META], values: [1] }, 'field "type" must be a non-empty string'],
    [{ type: '', keys: [] }, 'field "type" must be a non-empty string'],
    [{ type: 7, keys: [] }, 'field "type" must be a non-empty string'],
    [{ type: 'Write', values: [] }, 'Write: field "keys" must be an array of non-empty strings'],
    [{ type: 'Write', keys: META, values: [1] }, 'field "keys" must be an array'],
    [{ type: 'Write', keys: [META, ''], values: [1, 2] }, 'Write: field "keys.1" must be'],
    [{ type: 'Delete', keys: [3] }, 'Delete: field "keys.0" must be a non-empty string'],
    [{ type: 'Write', keys: [META] }, 'Write: field "values" is required'],
    [{ type: 'Write', keys: [META], values: 'v' }, 'Write: field "values" must be an array'],
    [{ type: 'Write', keys: [META], values: [Number.NaN] }, 'field "values.0" must be a JSON'],
    [{ type: 'Write', keys: [META], values: [{ a: undefined }] }, 'field "values.0"'],
    [{ type: 'Delete', keys: [META], values: [''] }, 'Delete: field "values" is not allowed'],
    [{ type: 'Other', keys: [META], values: 'v' }, 'Other: field "values" must be an array'],
  ];
  it.each(cases)('%j', (op, message) => {
    expect(() => validateOp(NAMING_PERSISTENT_V1_GROUP, op)).toThrow(message);
  });

  it('accepts what PersistentServiceProcessor#put, #remove and #get build', () => {
    expect(() => validateV1Op(write([META], [createDatum(META, service)]))).not.toThrow();
    expect(() => validateV1Op({ type: 'Delete', keys: [META] })).not.toThrow();
    expect(() => validateV1Query({ type: 'get', keys: [META] })).not.toThrow();
    expect(() => validateV1Op(write([], []))).not.toThrow();
  });

  it('refuses malformed reads', () => {
    expect(() => validateQuery(NAMING_PERSISTENT_V1_GROUP, { keys: [META] })).toThrow(
      'unsupport operation : undefined',
    );
    expect(() => validateV1Query({ type: 'get', keys: [''] })).toThrow('get: field "keys.0"');
    expect(() => validateV1Query({ type: 'get' })).toThrow('get: field "keys" must be an array');
    // The processor answers a bad read without throwing, should one reach it.
    expect(new NamingPersistentV1Store().query({ type: 'list' })).toEqual({
      success: false,
      errMsg: 'unsupport operation : list',
    });
  });

  it('answers a malformed write that reached apply with Nacos’s deserialization failure', () => {
    const r = new NamingPersistentV1Store().apply({ type: 'Write', keys: 'k' });
    expect(r.success).toBe(false);
    expect(r.errMsg).toContain(
      'Nacos deserialize for class [com.alibaba.nacos.naming.consistency.persistent.impl.BatchWriteRequest] failed',
    );
  });
});

describe('naming_persistent_service: snapshots', () => {
  it('lists keys sorted and round-trips through restore, replacing the whole state', () => {
    const a = new NamingPersistentV1Store();
    a.apply(write([META, IPLIST], [createDatum(META, service), null]));
    const b = new NamingPersistentV1Store();
    b.apply(write([META, IPLIST], [createDatum(META, service), null]));
    expect(a.snapshot()).toEqual([
      { key: META, value: createDatum(META, service) },
      { key: IPLIST, value: null },
    ]);
    const c = new NamingPersistentV1Store();
    c.apply(write(['stale'], [1]));
    c.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(c.snapshot()).toEqual(b.snapshot());
    expect(c.keys()).not.toContain('stale');
    expect(c.query({ type: 'get', keys: [IPLIST] }).data).toEqual({
      keys: [IPLIST],
      values: [null],
    });
  });
});
