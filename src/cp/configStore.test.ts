// The `nacos_config` processor: publish, CAS publish (success and conflict), remove, get and
// not-found, md5 values, refusals of other operations, and snapshots that round-trip.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_GROUP,
  ConfigStore,
  ERR_CAS_PUBLISH_FAIL,
  md5Hex,
  validateConfigOp,
} from './configStore.ts';
import { createProcessor, validateQuery } from './processors.ts';

const nodeMd5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

function get(s: ConfigStore, dataId: string, extra: Record<string, unknown> = {}) {
  return s.query({ type: 'get', dataId, ...extra });
}

describe('nacos_config', () => {
  it('computes md5 as hex of the UTF-8 content', () => {
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5Hex('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    for (const s of ['v1', '你好, Nacos', 'a\nb: 1\n']) expect(md5Hex(s)).toBe(nodeMd5(s));
  });

  it('publishes, then get returns content and md5', () => {
    const s = new ConfigStore();
    const r = s.apply({ type: 'publish', dataId: 'app.yaml', content: 'v1' });
    expect(r).toEqual({ success: true, data: md5Hex('v1') });
    expect(get(s, 'app.yaml')).toEqual({
      success: true,
      data: { found: true, content: 'v1', md5: md5Hex('v1') },
    });
    s.apply({ type: 'publish', dataId: 'app.yaml', content: 'v2' });
    expect(get(s, 'app.yaml').data).toEqual({ found: true, content: 'v2', md5: md5Hex('v2') });
  });

  it('keys items by dataId, group (default DEFAULT_GROUP) and tenant', () => {
    const s = new ConfigStore();
    s.apply({ type: 'publish', dataId: 'a', content: 'default' });
    s.apply({ type: 'publish', dataId: 'a', group: 'G', content: 'g' });
    s.apply({ type: 'publish', dataId: 'a', tenant: 't1', content: 't' });
    expect(get(s, 'a', { group: 'DEFAULT_GROUP' }).data).toMatchObject({ content: 'default' });
    expect(get(s, 'a', { group: 'G' }).data).toMatchObject({ content: 'g' });
    expect(get(s, 'a', { tenant: 't1' }).data).toMatchObject({ content: 't' });
    expect(get(s, 'a', { tenant: 't2' }).data).toEqual({ found: false });
  });

  it('answers not-found for an item never published', () => {
    expect(get(new ConfigStore(), 'missing')).toEqual({ success: true, data: { found: false } });
  });

  it('CAS publish applies when the stored md5 matches', () => {
    const s = new ConfigStore();
    s.apply({ type: 'publish', dataId: 'x', content: 'v1' });
    const r = s.apply({ type: 'publish', dataId: 'x', content: 'v2', casMd5: md5Hex('v1') });
    expect(r).toEqual({ success: true, data: md5Hex('v2') });
    expect(get(s, 'x').data).toMatchObject({ content: 'v2' });
  });

  it('CAS publish is refused, without change, when the md5 differs or the item is absent', () => {
    const s = new ConfigStore();
    s.apply({ type: 'publish', dataId: 'x', content: 'v1' });
    const stale = md5Hex('v0');
    expect(s.apply({ type: 'publish', dataId: 'x', content: 'v2', casMd5: stale })).toEqual({
      success: false,
      errMsg: 'Cas publish fail,server md5 may have changed.',
    });
    expect(get(s, 'x').data).toMatchObject({ content: 'v1' });
    expect(s.apply({ type: 'publish', dataId: 'y', content: 'v', casMd5: stale })).toEqual({
      success: false,
      errMsg: ERR_CAS_PUBLISH_FAIL,
    });
    expect(get(s, 'y').data).toEqual({ found: false });
  });

  it('removes an item, reporting whether it existed', () => {
    const s = new ConfigStore();
    s.apply({ type: 'publish', dataId: 'x', content: 'v1' });
    expect(s.apply({ type: 'remove', dataId: 'x' })).toEqual({ success: true, data: true });
    expect(get(s, 'x').data).toEqual({ found: false });
    expect(s.apply({ type: 'remove', dataId: 'x' })).toEqual({ success: true, data: false });
  });

  it('refuses other operations with "unsupport operation : X", before the log and after', () => {
    expect(() => validateConfigOp({ type: 'delete', dataId: 'x' })).toThrow(
      'unsupport operation : delete',
    );
    expect(new ConfigStore().apply({ type: 'delete', dataId: 'x' })).toEqual({
      success: false,
      errMsg: 'unsupport operation : delete',
    });
    expect(new ConfigStore().query({ type: 'list' })).toEqual({
      success: false,
      errMsg: 'unsupport operation : list',
    });
    expect(() => validateQuery(CONFIG_GROUP, { type: 'list' })).toThrow(
      'unsupport operation : list',
    );
  });

  it('names the bad field of a malformed request', () => {
    expect(() => validateConfigOp({ type: 'publish', content: 'v' })).toThrow(
      'publish: field "dataId" must be a non-empty string',
    );
    expect(() => validateConfigOp({ type: 'publish', dataId: 'x' })).toThrow(
      'publish: field "content" must be a string',
    );
    expect(() =>
      validateConfigOp({ type: 'publish', dataId: 'x', content: '', casMd5: 1 }),
    ).toThrow('publish: field "casMd5" must be a string');
    // A number is refused, not turned into the tenant "5" (issue 8); '' is the public one.
    expect(() =>
      validateConfigOp({ type: 'publish', dataId: 'x', content: 'v', tenant: 5 }),
    ).toThrow('publish: field "tenant" must be a string');
    expect(() =>
      validateConfigOp({ type: 'publish', dataId: 'x', content: 'v', tenant: '' }),
    ).not.toThrow();
    expect(() => new ConfigStore().query({ type: 'get', dataId: 'x', tenant: 5 })).toThrow(
      'get: field "tenant" must be a string',
    );
    expect(() => validateQuery(CONFIG_GROUP, { type: 'get' })).toThrow(
      'get: field "dataId" must be a non-empty string',
    );
  });

  it('round-trips through snapshot and restore', () => {
    const a = new ConfigStore();
    a.apply({ type: 'publish', dataId: 'a', content: '1' });
    a.apply({ type: 'publish', dataId: 'b', group: 'G', tenant: 't', content: '2' });
    const b = createProcessor(CONFIG_GROUP);
    b.apply({ type: 'publish', dataId: 'stale', content: 'x' });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.query({ type: 'get', dataId: 'stale' }).data).toEqual({ found: false });
    expect(b.query({ type: 'get', dataId: 'b', group: 'G', tenant: 't' }).data).toEqual({
      found: true,
      content: '2',
      md5: md5Hex('2'),
    });
    // A CAS against the restored md5 still works.
    const r = b.apply({ type: 'publish', dataId: 'a', content: '3', casMd5: md5Hex('1') });
    expect(r.success).toBe(true);
  });
});
