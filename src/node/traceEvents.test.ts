// Operation labels, the short names the trace's `request` events and the apply stream show.
import { describe, expect, it } from 'vitest';
import { opLabel } from './traceEvents.ts';

describe('opLabel', () => {
  it('names a config item, an instance, and a v1 datum batch by its first key', () => {
    expect(opLabel({ type: 'publish', dataId: 'app.yaml', content: 'secret' })).toBe(
      'publish app.yaml',
    );
    expect(opLabel({ type: 'ADD', service: 'svc', instance: { ip: '10.0.0.1', port: 80 } })).toBe(
      'ADD svc 10.0.0.1:80',
    );
    const meta = 'com.alibaba.nacos.naming.domains.meta.public##DEFAULT_GROUP@@orders';
    const iplist = 'com.alibaba.nacos.naming.iplist.public##DEFAULT_GROUP@@orders';
    expect(opLabel({ type: 'Write', keys: [meta, iplist], values: [1, 2] })).toBe(
      'Write meta.public##DEFAULT_GROUP@@orders +1',
    );
    expect(opLabel({ type: 'get', keys: [iplist] })).toBe(
      'get iplist.public##DEFAULT_GROUP@@orders',
    );
    expect(opLabel({ type: 'Delete', keys: [] })).toBe('Delete');
  });
});
