// The `nacos_config` processor: publish, CAS publish as Nacos 2.2.4's insertOrUpdateCas
// (insert when absent, update on a matching md5, conflict otherwise, a blank md5 publishes),
// remove, get and not-found, md5 values, refusals of other operations, snapshots that
// round-trip, and the linearizability model of the config store agreeing with the store on
// random sequences.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_GROUP,
  ConfigStore,
  ERR_CAS_PUBLISH_FAIL,
  isBlank,
  md5Hex,
  validateConfigOp,
} from './configStore.ts';
import { createProcessor, validateQuery } from './processors.ts';
import { describeOutcome, describeRequest } from '../trace/clientHistory.ts';
import { configStoreModel, type ConfigState } from '../trace/models.ts';

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

  it('CAS publish is refused, without change, when a present item has another md5', () => {
    const s = new ConfigStore();
    s.apply({ type: 'publish', dataId: 'x', content: 'v1' });
    const stale = md5Hex('v0');
    expect(s.apply({ type: 'publish', dataId: 'x', content: 'v2', casMd5: stale })).toEqual({
      success: false,
      errMsg: 'Cas publish fail,server md5 may have changed.',
    });
    expect(ERR_CAS_PUBLISH_FAIL).toBe('Cas publish fail,server md5 may have changed.');
    expect(get(s, 'x').data).toEqual({ found: true, content: 'v1', md5: md5Hex('v1') });
  });

  it('CAS publish inserts an absent item whatever md5 it expects (insertOrUpdateCas)', () => {
    const s = new ConfigStore();
    const r = s.apply({ type: 'publish', dataId: 'y', content: 'v', casMd5: md5Hex('v0') });
    expect(r).toEqual({ success: true, data: md5Hex('v') });
    expect(get(s, 'y').data).toEqual({ found: true, content: 'v', md5: md5Hex('v') });
    // Removed, it is absent again: inserted again, even on the md5 of what it held.
    s.apply({ type: 'remove', dataId: 'y' });
    const again = s.apply({ type: 'publish', dataId: 'y', content: 'w', casMd5: md5Hex('v') });
    expect(again).toEqual({ success: true, data: md5Hex('w') });
  });

  it('CAS publish with a blank casMd5 is a plain publish over any content', () => {
    const s = new ConfigStore();
    expect(s.apply({ type: 'publish', dataId: 'z', content: 'a', casMd5: '' })).toEqual({
      success: true,
      data: md5Hex('a'),
    });
    expect(s.apply({ type: 'publish', dataId: 'z', content: 'b', casMd5: '' })).toEqual({
      success: true,
      data: md5Hex('b'),
    });
    // StringUtils.isBlank: whitespace only is blank too.
    expect(s.apply({ type: 'publish', dataId: 'z', content: 'c', casMd5: ' \t\n' })).toEqual({
      success: true,
      data: md5Hex('c'),
    });
    expect(get(s, 'z').data).toMatchObject({ content: 'c' });
  });

  it("isBlank is Java's: empty, or only Character.isWhitespace characters", () => {
    for (const blank of ['', ' ', '\t\n\v\f\r', '\u001c\u001f', '\u2000\u3000\u2028']) {
      expect(isBlank(blank), JSON.stringify(blank)).toBe(true);
    }
    // No-break spaces and the BOM are not Java whitespace; an md5 is not blank.
    for (const text of ['\u00a0', '\u2007', '\u202f', '\ufeff', ' a ', md5Hex('')]) {
      expect(isBlank(text), JSON.stringify(text)).toBe(false);
    }
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

// ---------------------------------------------------------------------------------------------
// The linearizability model (src/trace/models.ts) against the store: random sequences of
// publishes (plain, CAS with a blank, matching, stale or random md5), removes and gets on a few
// items, each turned into a history call and outcome as the hosts record them
// (clientHistory.ts). Run one at a time, each must fit the model in the state the model
// followed, and the model's state must stay the store's content.
// ---------------------------------------------------------------------------------------------

const CONTENTS = ['a', 'b', 'c', 'd'];
const storeOp = fc.record({
  dataId: fc.constantFrom('k1', 'k2'),
  kind: fc.constantFrom('publish', 'cas', 'remove', 'get'),
  content: fc.constantFrom(...CONTENTS),
  md5: fc.oneof(
    fc.constant(''),
    fc.constant(' '),
    fc.constantFrom(...CONTENTS).map(md5Hex),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }),
  ),
});

describe('the config store model agrees with the store', () => {
  it('on random sequences of publishes, CAS publishes, removes and gets', () => {
    fc.assert(
      fc.property(fc.array(storeOp, { maxLength: 40 }), (seq) => {
        const store = new ConfigStore();
        const model = configStoreModel();
        const states = new Map<string, ConfigState>();
        for (const o of seq) {
          const kind = o.kind === 'get' ? 'read' : 'write';
          const payload =
            o.kind === 'get' || o.kind === 'remove'
              ? { type: o.kind === 'get' ? 'get' : 'remove', dataId: o.dataId }
              : {
                  type: 'publish',
                  dataId: o.dataId,
                  content: o.content,
                  ...(o.kind === 'cas' ? { casMd5: o.md5 } : {}),
                };
          const result = kind === 'read' ? store.query(payload) : store.apply(payload);
          const call = describeRequest(CONFIG_GROUP, kind, payload)!;
          const outcome = describeOutcome(call, { ok: true, value: result });
          expect(outcome.type).toBe('ok');
          const parsed = model.parse(call.op, call.value, outcome.result, 'ok');
          if (typeof parsed === 'string') throw new Error(parsed);
          const before = states.get(call.key) ?? null;
          const [fits, after] = model.step(before, parsed.input, parsed.output);
          expect(fits, `${JSON.stringify(o)} in ${JSON.stringify(before)}`).toBe(true);
          states.set(call.key, after);
          const item = store.query({ type: 'get', dataId: o.dataId }).data as {
            found: boolean;
            content?: string;
          };
          expect(after).toBe(item.found ? item.content : null);
          // A CAS fits only the answer the store gave: the opposite one is refused.
          if (parsed.output?.op === 'cas') {
            const flipped = { op: 'cas' as const, success: !parsed.output.success };
            expect(model.step(before, parsed.input, flipped)[0]).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
