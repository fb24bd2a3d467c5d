// The linearizability checker, its models and history collection: hand-made histories that
// must pass or fail, malformed histories, fast-check properties over histories generated from a
// real sequential execution with random overlapping intervals (valid ones pass, ones with an
// injected stale read fail), a differential test against an unpruned brute-force search on
// small random histories, and a micro benchmark that prints its timings. A failing property
// prints its seed; re-run it with `LIN_SEED=<seed> npx vitest run src/trace/linearizability.test.ts`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './events.ts';
import type { Operation } from './history.ts';
import { collectHistories } from './history.ts';
import type { CheckResult } from './linearizability.ts';
import {
  checkHistory,
  checkOperations,
  formatCheckResult,
  renderOperations,
} from './linearizability.ts';
import {
  CONFIG_STORE_GROUP as CONFIG,
  DATUM_STORE_GROUP as DATUMS,
  INSTANCE_REGISTRY_GROUP as REGISTRY,
  configKey,
  configStoreModel,
  contentMd5,
  datumBatchKey,
  datumStoreModel,
  defaultModels,
  instanceRegistryModel,
} from './models.ts';
import type { Model } from './models.ts';
import { linearizableHistory, plantStaleRead } from '../../test/bench/linHistories.ts';

// ---------------------------------------------------------------------------------------------
// A small DSL for hand-made histories: seq (and t) advance by one per event.
// ---------------------------------------------------------------------------------------------

type Outcome = 'ok' | 'fail' | 'info';

class History {
  readonly events: TraceEvent[] = [];
  private readonly open = new Map<
    string,
    { group: string; op: string; key: string; value: unknown }
  >();

  invoke(process: string, op: string, value: unknown = null, key = 'k', group = CONFIG): this {
    this.open.set(process, { group, op, key, value });
    this.push({ type: 'invoke', group, process, op, key, value });
    return this;
  }

  ok(process: string, result: unknown = null): this {
    return this.complete('ok', process, result);
  }

  fail(process: string, result: unknown = 'refused'): this {
    return this.complete('fail', process, result);
  }

  info(process: string, result: unknown = 'timeout'): this {
    return this.complete('info', process, result);
  }

  private complete(type: Outcome, process: string, result: unknown): this {
    const inv = this.open.get(process);
    if (inv === undefined) throw new Error(`test bug: ${process} has nothing pending`);
    this.open.delete(process);
    this.push({ type, ...inv, process, result });
    return this;
  }

  private push(body: Record<string, unknown>): void {
    const seq = this.events.length;
    this.events.push({ ...body, seq, t: seq, node: 'n1' } as TraceEvent);
  }
}

const found = (content: string) => ({ found: true, content, md5: contentMd5(content) });
const absent = { found: false };

function check(h: History): CheckResult {
  return checkHistory(h.events, defaultModels());
}

function expectOk(h: History): void {
  const r = check(h);
  expect(r, r.ok === false ? r.message : '').toMatchObject({ ok: true });
}

function expectViolation(h: History): Extract<CheckResult, { kind: 'not-linearizable' }> {
  const r = check(h);
  expect(r.ok).toBe(false);
  if (r.ok !== false || r.kind !== 'not-linearizable') throw new Error(JSON.stringify(r));
  return r;
}

// ---------------------------------------------------------------------------------------------
// Config store
// ---------------------------------------------------------------------------------------------

describe('config store histories that are linearizable', () => {
  it('accepts a sequential history', () => {
    const h = new History()
      .invoke('p1', 'get')
      .ok('p1', absent)
      .invoke('p1', 'put', 'v1')
      .ok('p1', contentMd5('v1'))
      .invoke('p2', 'get')
      .ok('p2', found('v1'))
      .invoke('p2', 'remove')
      .ok('p2', true)
      .invoke('p1', 'remove')
      .ok('p1', false)
      .invoke('p1', 'get')
      .ok('p1', absent);
    expectOk(h);
  });

  it('accepts overlapping writes and reads that some order explains', () => {
    // put v1 and put v2 overlap; p3 sees v2 while both are in flight, p4 then sees v1:
    // put v2, get v2, put v1, get v1.
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .invoke('p2', 'put', 'v2')
      .invoke('p3', 'get')
      .ok('p3', found('v2'))
      .ok('p2')
      .ok('p1')
      .invoke('p4', 'get')
      .ok('p4', found('v1'))
      .invoke('p3', 'get')
      .ok('p3', found('v1'));
    expectOk(h);
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    for (const seen of [absent, found('v1')]) {
      const h = new History().invoke('p1', 'put', 'v1').invoke('p2', 'get').ok('p2', seen).ok('p1');
      expectOk(h);
    }
  });

  it('accepts an info write that took effect, even long after its timeout', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .info('p2')
      .invoke('p3', 'get')
      .ok('p3', found('v1'))
      .invoke('p3', 'get')
      .ok('p3', found('v2'));
    expectOk(h);
  });

  it('accepts an info write that never took effect', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .info('p2')
      .invoke('p3', 'get')
      .ok('p3', found('v1'));
    expectOk(h);
  });

  it('treats an invoke still pending at the end like info', () => {
    const h = new History().invoke('p1', 'put', 'v1').invoke('p2', 'get').ok('p2', found('v1'));
    expectOk(h);
  });

  it('accepts CAS publishes that match, conflict, and publish with a blank md5', () => {
    const h = new History()
      .invoke('p1', 'cas', { content: 'v1', casMd5: '' })
      .ok('p1', true)
      .invoke('p1', 'cas', { content: 'v2', casMd5: contentMd5('v1') })
      .ok('p1', true)
      .invoke('p2', 'cas', { content: 'v3', casMd5: contentMd5('v1') })
      .ok('p2', false)
      .invoke('p2', 'get')
      .ok('p2', found('v2'));
    expectOk(h);
  });

  it('accepts a CAS that inserts an absent item whatever md5 it expects (Nacos 2.2.4)', () => {
    const h = new History()
      .invoke('p1', 'cas', { content: 'v1', casMd5: contentMd5('never stored') })
      .ok('p1', true)
      .invoke('p2', 'get')
      .ok('p2', found('v1'))
      .invoke('p2', 'remove')
      .ok('p2', true)
      .invoke('p1', 'cas', { content: 'v2', casMd5: contentMd5('v1') })
      .ok('p1', true)
      .invoke('p2', 'get')
      .ok('p2', found('v2'));
    expectOk(h);
  });

  it('accepts a CAS with a blank md5 as a plain publish over any content', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'cas', { content: 'v2', casMd5: '' })
      .ok('p2', true)
      .invoke('p2', 'get')
      .ok('p2', found('v2'));
    expectOk(h);
  });

  it('accepts a CAS of unknown outcome that beat one that conflicted', () => {
    // Nothing reads u, yet #1 must replace v1 for #2 to conflict.
    const h = new History()
      .invoke('p0', 'put', 'v1')
      .ok('p0')
      .invoke('p1', 'cas', { content: 'u', casMd5: contentMd5('v1') })
      .info('p1')
      .invoke('p2', 'cas', { content: 'w', casMd5: contentMd5('v1') })
      .ok('p2', false);
    expectOk(h);
  });

  it('accepts a CAS of unknown outcome that must insert while no other one can', () => {
    // #2's CAS expects v1's md5, and #3's CAS on that md5 conflicts after #2 is called: the
    // search may not treat #2 as needed only on an absent item. The only way the last remove
    // finds an item is #2 inserting u after the first remove; #7's CAS (which could insert an
    // unseen content too) is called only after that remove returned.
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p1', 'put', 'v2')
      .ok('p1')
      .invoke('p2', 'cas', { content: 'u', casMd5: contentMd5('v1') })
      .info('p2')
      .invoke('p3', 'cas', { content: 'w', casMd5: contentMd5('v1') })
      .ok('p3', false)
      .invoke('p3', 'remove')
      .ok('p3', true)
      .invoke('p3', 'remove')
      .ok('p3', true)
      .invoke('p4', 'cas', { content: 'z', casMd5: contentMd5('q') })
      .info('p4');
    expectOk(h);
  });

  it('orders concurrent CAS publishes so one wins', () => {
    const h = new History()
      .invoke('p0', 'put', 'v0')
      .ok('p0')
      .invoke('p1', 'cas', { content: 'a', casMd5: contentMd5('v0') })
      .invoke('p2', 'cas', { content: 'b', casMd5: contentMd5('v0') })
      .ok('p2', false)
      .ok('p1', true)
      .invoke('p3', 'get')
      .ok('p3', found('a'));
    expectOk(h);
  });

  it('drops failed operations: they never took effect', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .fail('p2', 'Could not find leader : nacos_config')
      .invoke('p3', 'get')
      .ok('p3', found('v1'));
    expectOk(h);
  });

  it('checks keys independently', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1', configKey('a.yaml'))
      .ok('p1')
      .invoke('p2', 'put', 'v2', configKey('b.yaml'))
      .ok('p2')
      .invoke('p3', 'get', null, configKey('a.yaml'))
      .ok('p3', found('v1'))
      .invoke('p3', 'get', null, configKey('b.yaml'))
      .ok('p3', found('v2'));
    const r = check(h);
    expect(r).toMatchObject({ ok: true, keys: 2, operations: 4 });
  });
});

describe('config store histories that are not linearizable', () => {
  it('flags a stale read: v2 completes, then a later read returns v1', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .ok('p2')
      .invoke('p3', 'get')
      .ok('p3', found('v1'));
    const r = expectViolation(h);
    expect(r).toMatchObject({ group: CONFIG, key: 'k', keyOperations: 3 });
    expect(r.operations.map((o) => o.id)).toEqual([0, 1, 2]);
    expect(r.explanation).toMatchObject({ prefix: [0, 1], blocking: 2 });
    expect(r.message).toContain('nacos_config key k is not linearizable');
    expect(r.message).toContain('#2 p3 get() → "v1"');
  });

  it('flags a read of a value never written', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'get')
      .ok('p2', found('v9'));
    expectViolation(h);
  });

  it('flags a lost acknowledged write', () => {
    const h = new History().invoke('p1', 'put', 'v1').ok('p1').invoke('p2', 'get').ok('p2', absent);
    expectViolation(h);
  });

  it('flags reads that see an info write take effect twice', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .info('p2')
      .invoke('p3', 'get')
      .ok('p3', found('v2'))
      .invoke('p3', 'put', 'v3')
      .ok('p3')
      .invoke('p3', 'get')
      .ok('p3', found('v2'));
    expectViolation(h);
  });

  it('flags a read of a failed write', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .fail('p1')
      .invoke('p2', 'get')
      .ok('p2', found('v1'));
    expectViolation(h);
  });

  it('flags a CAS that conflicts although the md5 matched', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'cas', { content: 'v2', casMd5: contentMd5('v1') })
      .ok('p2', false);
    expectViolation(h);
  });

  it('flags a CAS that conflicts on an absent item, or with a blank md5', () => {
    expectViolation(
      new History()
        .invoke('p1', 'cas', { content: 'v1', casMd5: contentMd5('v0') })
        .ok('p1', false),
    );
    expectViolation(
      new History()
        .invoke('p1', 'put', 'v1')
        .ok('p1')
        .invoke('p1', 'cas', { content: 'v2', casMd5: '' })
        .ok('p1', false),
    );
  });

  it('flags a CAS on a stale md5 that says it published', () => {
    expectViolation(
      new History()
        .invoke('p1', 'put', 'v1')
        .ok('p1')
        .invoke('p1', 'put', 'v2')
        .ok('p1')
        .invoke('p1', 'cas', { content: 'v3', casMd5: contentMd5('v1') })
        .ok('p1', true),
    );
  });

  it('flags a remove that says nothing existed after an acknowledged put', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'remove')
      .ok('p2', false);
    expectViolation(h);
  });

  it('reports the smallest failing key, cut to its shortest failing prefix', () => {
    const h = new History();
    // Key big: fails at its end after many good operations. Key small: fails early.
    for (let i = 0; i < 12; i++) h.invoke('p1', 'put', `b${i}`, 'big').ok('p1');
    h.invoke('p1', 'get', null, 'big').ok('p1', found('b0'));
    h.invoke('p2', 'put', 's1', 'small').ok('p2');
    h.invoke('p2', 'put', 's2', 'small').ok('p2');
    h.invoke('p3', 'get', null, 'small').ok('p3', found('s1'));
    for (let i = 0; i < 4; i++) h.invoke('p2', 'get', null, 'small').ok('p2', found('s2'));
    const r = expectViolation(h);
    expect(r.key).toBe('small');
    expect(r.keyOperations).toBe(7);
    expect(r.operations.map((o) => o.op)).toEqual(['put', 'put', 'get']);
  });

  it('shows in-flight operations at the cutoff as pending', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .ok('p1')
      .invoke('p2', 'put', 'v2')
      .ok('p2')
      .invoke('p4', 'put', 'v4')
      .invoke('p3', 'get')
      .ok('p3', found('v1'))
      .ok('p4');
    const r = expectViolation(h);
    expect(r.operations.map((o) => o.process)).toEqual(['p1', 'p2', 'p4', 'p3']);
    expect(r.message).toContain('put("v4") → ? (pending at the cutoff; later: put("v4") → ok)');
  });
});

// ---------------------------------------------------------------------------------------------
// Instance registry
// ---------------------------------------------------------------------------------------------

describe('instance registry histories', () => {
  const svc = 'public@@DEFAULT_GROUP@@orders';
  const reg = (h: History, p: string, op: string, value: unknown = null) =>
    h.invoke(p, op, value, svc, REGISTRY);

  it('accepts concurrent registrations listed in any order', () => {
    const h = new History();
    reg(h, 'p1', 'register', '10.0.0.1:8080');
    reg(h, 'p2', 'register', '10.0.0.2:8080');
    reg(h, 'p3', 'list');
    h.ok('p3', ['10.0.0.2:8080']).ok('p1').ok('p2');
    reg(h, 'p3', 'list');
    h.ok('p3', ['10.0.0.2:8080', '10.0.0.1:8080']);
    reg(h, 'p1', 'deregister', '10.0.0.1:8080');
    h.ok('p1');
    reg(h, 'p1', 'deregister', '10.0.0.9:1');
    h.ok('p1');
    reg(h, 'p2', 'list');
    h.ok('p2', ['10.0.0.2:8080']);
    expectOk(h);
  });

  it('accepts an info registration that shows up later', () => {
    const h = new History();
    reg(h, 'p1', 'register', '10.0.0.1:8080');
    h.info('p1');
    reg(h, 'p2', 'list');
    h.ok('p2', []);
    reg(h, 'p2', 'list');
    h.ok('p2', ['10.0.0.1:8080']);
    expectOk(h);
  });

  it('flags a list that misses an acknowledged registration', () => {
    const h = new History();
    reg(h, 'p1', 'register', '10.0.0.1:8080');
    h.ok('p1');
    reg(h, 'p1', 'register', '10.0.0.2:8080');
    h.ok('p1');
    reg(h, 'p2', 'list');
    h.ok('p2', ['10.0.0.2:8080']);
    const r = expectViolation(h);
    expect(r.group).toBe(REGISTRY);
    expect(r.message).toContain('list() → [10.0.0.2:8080]');
  });

  it('flags a list that still shows a deregistered instance', () => {
    const h = new History();
    reg(h, 'p1', 'register', '10.0.0.1:8080');
    h.ok('p1');
    reg(h, 'p1', 'deregister', '10.0.0.1:8080');
    h.ok('p1');
    reg(h, 'p2', 'list');
    h.ok('p2', ['10.0.0.1:8080']);
    expectViolation(h);
  });
});

// ---------------------------------------------------------------------------------------------
// Persistent datums, v1 (naming_persistent_service)
// ---------------------------------------------------------------------------------------------

describe('persistent datum (v1) histories', () => {
  const meta = 'com.alibaba.nacos.naming.domains.meta.public##DEFAULT_GROUP@@orders';
  const iplist = 'com.alibaba.nacos.naming.iplist.public##DEFAULT_GROUP@@orders';
  const datum = (n: number) => ({ key: meta, value: { protectThreshold: n }, timestamp: 0 });
  const on = (h: History, p: string, op: string, value: unknown = null, key = meta) =>
    h.invoke(p, op, value, key, DATUMS);

  it('accepts a register per key: puts, removes and gets that some order explains', () => {
    const h = new History();
    on(h, 'p1', 'put', datum(1));
    on(h, 'p2', 'get');
    h.ok('p2', { found: false }).ok('p1');
    on(h, 'p2', 'get');
    // Key order inside the datum does not matter.
    h.ok('p2', { found: true, value: { value: { protectThreshold: 1 }, timestamp: 0, key: meta } });
    on(h, 'p1', 'remove');
    h.ok('p1');
    on(h, 'p2', 'get');
    h.ok('p2', { found: false });
    expectOk(h);
  });

  it('flags a get that returns a datum after it was removed', () => {
    const h = new History();
    on(h, 'p1', 'put', datum(1));
    h.ok('p1');
    on(h, 'p1', 'remove');
    h.ok('p1');
    on(h, 'p2', 'get');
    h.ok('p2', { found: true, value: datum(1) });
    const r = expectViolation(h);
    expect(r.group).toBe(DATUMS);
    expect(r.message).toContain('persistent datum model');
  });

  it('treats a put answered with a failure as of unknown outcome (it may be stored)', () => {
    const h = new History();
    on(h, 'p1', 'put', 'not a datum');
    h.info('p1', 'errCode: 101, errMsg: Nacos deserialize failed.  ');
    on(h, 'p2', 'get');
    h.ok('p2', { found: true, value: 'not a datum' });
    expectOk(h);
  });

  it('splits a batch into its keys: each key’s history holds its part', () => {
    const keys = [meta, iplist, meta];
    const h = new History();
    on(h, 'p1', 'put-batch', { keys, values: [datum(1), 'ips', datum(2)] }, datumBatchKey(keys));
    h.ok('p1');
    on(h, 'p2', 'get', null, iplist);
    h.ok('p2', { found: true, value: 'ips' });
    on(h, 'p2', 'get-batch', [meta, iplist], datumBatchKey([meta, iplist]));
    h.ok('p2', { keys: [meta, iplist], values: [datum(2), 'ips'] });
    on(h, 'p1', 'remove-batch', [iplist, 'absent'], datumBatchKey([iplist, 'absent']));
    h.ok('p1');
    on(h, 'p2', 'get-batch', [iplist, meta], datumBatchKey([iplist, meta]));
    h.ok('p2', { keys: [meta], values: [datum(2)] });
    expectOk(h);
    const collected = collectHistories(h.events, defaultModels());
    if (!collected.ok) throw new Error(JSON.stringify(collected.errors));
    expect(collected.histories.map((k) => [k.key, k.operations.map((o) => o.op)])).toEqual([
      ['absent', ['remove']],
      [meta, ['put', 'get', 'get']],
      [iplist, ['put', 'get', 'get', 'remove', 'get']],
    ]);
  });

  it('flags a batch read that misses a key an acknowledged batch wrote', () => {
    const h = new History();
    on(h, 'p1', 'put-batch', { keys: [meta, iplist], values: [1, 2] }, 'b');
    h.ok('p1');
    on(h, 'p2', 'get-batch', [meta, iplist], 'b2');
    h.ok('p2', { keys: [meta], values: [1] });
    expect(expectViolation(h).key).toBe(iplist);
  });

  it('rejects batch values and results that do not fit', () => {
    const h = new History();
    on(h, 'p1', 'put-batch', { keys: [meta], values: [] }, 'b');
    h.ok('p1');
    on(h, 'p2', 'get-batch', [meta], 'b');
    h.ok('p2', { keys: [meta] });
    on(h, 'p3', 'get', null);
    h.ok('p3', { found: true });
    const r = check(h);
    if (r.ok !== false || r.kind !== 'invalid-history') throw new Error(JSON.stringify(r));
    expect(r.message).toContain('put-batch: value must be {keys: string[], values: JSON[]}');
    expect(r.message).toContain('get-batch: result must be');
    expect(r.message).toContain('get: result.value must be the datum when found');
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed histories, options and rendering
// ---------------------------------------------------------------------------------------------

describe('history validation', () => {
  const errorsOf = (h: History): string => {
    const r = check(h);
    if (r.ok !== false || r.kind !== 'invalid-history') throw new Error(JSON.stringify(r));
    return r.message;
  };

  it('rejects a completion without an invoke', () => {
    const h = new History();
    h.events.push({
      type: 'ok',
      group: CONFIG,
      process: 'p9',
      op: 'get',
      key: 'k',
      value: null,
      result: absent,
      seq: 0,
      t: 0,
      node: 'n1',
    });
    expect(errorsOf(h)).toContain('seq 0: process p9: ok for get on k without a pending invoke');
  });

  it('rejects two invokes pending on one process', () => {
    const h = new History().invoke('p1', 'put', 'v1');
    h.invoke('p1', 'get');
    expect(errorsOf(h)).toContain(
      'seq 1: process p1 invokes get on k while its put invoked at seq 0 is still pending',
    );
  });

  it('rejects a completion that answers a different op', () => {
    const h = new History().invoke('p1', 'put', 'v1');
    h.events.push({ ...h.events[0], type: 'ok', op: 'get', result: absent, seq: 1 } as TraceEvent);
    expect(errorsOf(h)).toContain('answers an invoke of nacos_config put k (seq 0)');
  });

  it('rejects values and results that do not fit the model', () => {
    expect(errorsOf(new History().invoke('p1', 'put', 3).ok('p1'))).toContain(
      'put: value must be the content string, got 3',
    );
    expect(errorsOf(new History().invoke('p1', 'get').ok('p1', 'v1'))).toContain(
      'get: result must be {found: false} or {found: true, content}, got "v1"',
    );
    expect(errorsOf(new History().invoke('p1', 'publish', 'v1').ok('p1'))).toContain(
      'unknown config op "publish" (expected one of put, get, cas, remove)',
    );
    expect(
      errorsOf(new History().invoke('p1', 'list', null, 's', REGISTRY).ok('p1', ['a', 'a'])),
    ).toContain('list: result names instance "a" twice');
  });

  it('skips groups without a model', () => {
    const h = new History()
      .invoke('p1', 'anything', 1, 'x', 'naming_service_metadata')
      .ok('p1')
      .invoke('p1', 'anything', 1, 'x', 'toString')
      .ok('p1');
    const r = collectHistories(h.events, defaultModels());
    expect(r).toMatchObject({ ok: true, histories: [], skippedEvents: 4 });
  });

  it('orders by cluster time when asked', () => {
    // By seq the read follows the write; by t (equal times count as concurrent) it overlaps it.
    const h = new History().invoke('p1', 'put', 'v1').ok('p1').invoke('p2', 'get').ok('p2', absent);
    expect(check(h).ok).toBe(false);
    const sameTime = h.events.map((e) => ({ ...e, t: 0 }));
    expect(checkHistory(sameTime, defaultModels(), { time: 't' }).ok).toBe(true);
  });
});

describe('budget and rendering', () => {
  it('answers undecided, never "not linearizable", when the step budget runs out', () => {
    const h = new History();
    for (let i = 0; i < 8; i++) h.invoke(`p${i}`, 'put', `v${i}`);
    for (let i = 0; i < 8; i++) h.ok(`p${i}`);
    h.invoke('p0', 'get').ok('p0', found('nope'));
    h.invoke('q', 'put', 'w', 'k2').ok('q'); // a second key, decided
    const r = checkHistory(h.events, defaultModels(), { stepsPerKeyMax: 50 });
    expect(r).toMatchObject({ ok: 'undecided', group: CONFIG, key: 'k', undecidedKeys: 1 });
    const text = formatCheckResult(r);
    expect(text).toMatch(/^linearizability undecided: nacos_config key k: no verdict within 50 /);
    expect(text).not.toMatch(/not linearizable|unknown/i);
    expect(checkHistory(h.events, defaultModels()).ok).toBe(false);
  });

  it('answers undecided for a linearizable key whose budget runs out', () => {
    const h = new History();
    for (let i = 0; i < 8; i++) h.invoke(`p${i}`, 'put', `v${i}`);
    for (let i = 0; i < 8; i++) h.ok(`p${i}`);
    h.invoke('p0', 'get').ok('p0', found('v3'));
    expect(checkHistory(h.events, defaultModels(), { stepsPerKeyMax: 3 })).toMatchObject({
      ok: 'undecided',
    });
    expect(checkHistory(h.events, defaultModels())).toMatchObject({ ok: true });
  });

  it('summarizes a result in one paragraph', () => {
    const h = new History().invoke('p1', 'put', 'v1').ok('p1');
    expect(formatCheckResult(check(h))).toBe(
      'linearizable: 1 operations over 1 keys (1 search steps)',
    );
  });

  it('renders operations one per line', () => {
    const h = new History()
      .invoke('p1', 'put', 'v1')
      .invoke('p2', 'get')
      .ok('p2', absent)
      .info('p1');
    const c = collectHistories(h.events, defaultModels());
    if (!c.ok) throw new Error('bad history');
    expect(renderOperations(c.histories[0].operations, configStoreModel())).toEqual([
      '#0 p1 [0, ∞] put("v1") → ? (outcome unknown)',
      '#1 p2 [1, 2] get() → not found',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated histories: a real sequential execution, random overlapping intervals.
// ---------------------------------------------------------------------------------------------

/** A reference store per workload, independent of the models under test. */
interface Workload {
  group: string;
  /** Pick an op and its value; `fresh` is unique per call, `past` a value written before. */
  next(pick: (n: number) => number, fresh: string, state: unknown): { op: string; value: unknown };
  /** Execute on the real state: [result, next state]. */
  run(state: unknown, op: string, value: unknown): [unknown, unknown];
}

const configWorkload: Workload = {
  group: CONFIG,
  next(pick, fresh, state) {
    const current = state as string | null;
    switch (pick(7)) {
      case 0:
      case 1:
        return { op: 'put', value: fresh };
      case 2:
        return {
          op: 'cas',
          value: {
            content: fresh,
            casMd5: pick(3) === 0 ? '' : current === null ? contentMd5('x') : contentMd5(current),
          },
        };
      case 3:
        return { op: 'remove', value: null };
      default:
        return { op: 'get', value: null };
    }
  },
  run(state, op, value) {
    const current = state as string | null;
    switch (op) {
      case 'put':
        return [contentMd5(value as string), value];
      case 'cas': {
        // Nacos 2.2.4: a blank md5 publishes; an absent item is inserted; else md5 must match.
        const v = value as { content: string; casMd5: string };
        const applies = v.casMd5 === '' || current === null || contentMd5(current) === v.casMd5;
        return [applies, applies ? v.content : current];
      }
      case 'remove':
        return [current !== null, null];
      default:
        return [current === null ? { found: false } : found(current), current];
    }
  },
};

const registryWorkload: Workload = {
  group: REGISTRY,
  next(pick) {
    const instance = `10.0.0.${pick(4)}:8848`;
    switch (pick(3)) {
      case 0:
        return { op: 'register', value: instance };
      case 1:
        return { op: 'deregister', value: instance };
      default:
        return { op: 'list', value: null };
    }
  },
  run(state, op, value) {
    const set = new Set((state as string[] | null) ?? []);
    if (op === 'register') set.add(value as string);
    if (op === 'deregister') set.delete(value as string);
    const list = [...set].reverse(); // any order
    return [op === 'list' ? list : 'ok', [...set]];
  },
};

/** Per in-flight decision: the chance (in %) it ends the op as `fail` or as `info`. */
interface Shape {
  keys: number;
  processes: number;
  steps: number;
  failPercent: number;
  infoPercent: number;
}

/** Many failures and timeouts: about one op in five ends `info`. */
const HEAVY_FAULTS = { failPercent: 10, infoPercent: 10 };
/** A simulator run with some faults: about one op in fifty ends `info`. */
const SOME_FAULTS = { failPercent: 2, infoPercent: 1 };

interface Generated {
  events: TraceEvent[];
}

/**
 * Run `steps` scheduling decisions over `processes` clients, each bound to key p % keys. An
 * in-flight op takes effect at one step (its linearization point) and returns at a later one;
 * some end as `fail` before taking effect, some as `info` (taking effect before, later or
 * never), some stay pending. `pick` draws from the choice tape.
 */
function generate(workload: Workload, pick: (n: number) => number, shape: Shape): Generated {
  interface InFlight {
    key: string;
    op: string;
    value: unknown;
    applied: boolean;
    result: unknown;
  }
  const events: TraceEvent[] = [];
  const state = new Map<string, unknown>();
  const inFlight = new Map<number, InFlight>();
  const ghosts: InFlight[] = []; // info ops that may still take effect
  let fresh = 0;
  const emit = (body: Record<string, unknown>): void => {
    events.push({
      ...body,
      group: workload.group,
      seq: events.length,
      t: events.length,
      node: null,
    } as TraceEvent);
  };
  const apply = (f: InFlight): void => {
    const [result, next] = workload.run(state.get(f.key) ?? null, f.op, f.value);
    state.set(f.key, next);
    f.applied = true;
    f.result = result;
  };
  for (let s = 0; s < shape.steps; s++) {
    if (ghosts.length > 0 && pick(8) === 0) apply(ghosts.splice(pick(ghosts.length), 1)[0]);
    const p = pick(shape.processes);
    const process = `p${p}`;
    const f = inFlight.get(p);
    if (f === undefined) {
      const key = `key${p % shape.keys}`;
      const { op, value } = workload.next(pick, `v${fresh++}`, state.get(key) ?? null);
      inFlight.set(p, { key, op, value, applied: false, result: undefined });
      emit({ type: 'invoke', process, op, key, value });
      continue;
    }
    const base = { process, op: f.op, key: f.key, value: f.value };
    const roll = pick(100);
    if (!f.applied && roll < shape.failPercent) {
      emit({ type: 'fail', ...base, result: 'refused' });
      inFlight.delete(p);
    } else if (roll >= 100 - shape.infoPercent) {
      emit({ type: 'info', ...base, result: 'timeout' });
      inFlight.delete(p);
      if (!f.applied && pick(2) === 0) ghosts.push(f);
    } else if (!f.applied) {
      apply(f);
    } else {
      emit({ type: 'ok', ...base, result: f.result });
      inFlight.delete(p);
    }
  }
  return { events };
}

type ClientEvent = Extract<TraceEvent, { type: 'invoke' | 'ok' }>;

/**
 * Make one completed read return a stale value: find puts P1, P2 and a get G of one key with
 * P1 returning before P2 is called and P2 returning before G is called, and let G return P1's
 * content. Contents are unique, so no order explains it. Without such a triple, append one.
 */
function injectStaleRead(events: TraceEvent[]): TraceEvent[] {
  const out = events.map((e) => ({ ...e })) as TraceEvent[];
  const spans = new Map<string, { invoke: ClientEvent; ok: ClientEvent | null }>();
  const completed: { invoke: ClientEvent; ok: ClientEvent }[] = [];
  for (const e of out) {
    if (e.type === 'invoke') spans.set(e.process, { invoke: e, ok: null });
    else if (e.type === 'ok') completed.push({ invoke: spans.get(e.process)!.invoke, ok: e });
  }
  const puts = completed.filter((c) => c.invoke.op === 'put');
  for (const g of completed) {
    if (g.invoke.op !== 'get') continue;
    for (const p2 of puts) {
      if (p2.invoke.key !== g.invoke.key || p2.ok.seq > g.invoke.seq) continue;
      const p1 = puts.find((p) => p.invoke.key === g.invoke.key && p.ok.seq < p2.invoke.seq);
      if (p1 === undefined) continue;
      (g.ok as { result: unknown }).result = found(p1.invoke.value as string);
      return out;
    }
  }
  const tail = new History()
    .invoke('tail', 'put', 'u1', 'key0')
    .ok('tail')
    .invoke('tail', 'put', 'u2', 'key0')
    .ok('tail')
    .invoke('tail', 'get', null, 'key0')
    .ok('tail', found('u1'));
  const base = out.length;
  return [...out, ...tail.events.map((e) => ({ ...e, seq: e.seq + base, t: e.t + base }))];
}

/** Draws from the tape, then from a generator seeded by it, so short tapes still vary. */
function tapePicker(tape: readonly number[]): (n: number) => number {
  let i = 0;
  const rest = mulberry32(tape.reduce((a, b) => Math.imul(a, 31) + b, tape.length));
  return (n) => (i < tape.length ? tape[i++] % n : rest(n));
}

const seedFromEnv = Number(process.env.LIN_SEED ?? Number.NaN);

/** fc.assert that names the seed and the command re-running it; LIN_SEED replays a seed. */
function assertWithSeed<T>(property: fc.IProperty<T>, numRuns: number): void {
  const params: fc.Parameters<T> = Number.isFinite(seedFromEnv)
    ? { numRuns, seed: seedFromEnv }
    : { numRuns };
  const details = fc.check(property, params);
  if (details.failed) {
    throw new Error(
      `${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}\n` +
        `re-run: LIN_SEED=${details.seed} npx vitest run src/trace/linearizability.test.ts`,
    );
  }
}

const tape = fc.array(fc.nat({ max: 1 << 20 }), { minLength: 1, maxLength: 400 });

describe('generated histories', () => {
  for (const workload of [configWorkload, registryWorkload]) {
    it(`accepts every history of a real ${workload.group} execution`, () => {
      assertWithSeed(
        fc.property(tape, (t) => {
          const pick = tapePicker(t);
          const g = generate(workload, pick, {
            keys: 2,
            processes: 6,
            steps: 300,
            ...HEAVY_FAULTS,
          });
          const r = checkHistory(g.events, defaultModels());
          if (r.ok !== true) throw new Error(r.ok === false ? r.message : r.reason);
        }),
        150,
      );
    });
  }

  for (const [name, faults] of [
    ['some', SOME_FAULTS],
    ['heavy', HEAVY_FAULTS],
  ] as const) {
    it(`rejects every history with an injected stale read, ${name} faults`, () => {
      assertWithSeed(
        fc.property(tape, (t) => {
          const shape = { keys: 2, processes: 6, steps: 300, ...faults };
          const g = generate(configWorkload, tapePicker(t), shape);
          const r = checkHistory(injectStaleRead(g.events), defaultModels());
          if (r.ok !== false || r.kind !== 'not-linearizable') {
            throw new Error(`stale read not flagged: ${JSON.stringify(r)}`);
          }
        }),
        150,
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Differential: small random histories (random outputs, so many are not linearizable) against
// a brute-force search over every order the real-time constraints allow, without any pruning.
// ---------------------------------------------------------------------------------------------

/** True when some order of the ops fits the model; info ops may be left out (run last). */
function bruteForce<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  const used = ops.map(() => false);
  const search = (state: S): boolean => {
    let firstReturn = Infinity;
    ops.forEach((o, i) => {
      if (!used[i] && o.return < firstReturn) firstReturn = o.return;
    });
    if (firstReturn === Infinity) return true;
    return ops.some((o, i) => {
      if (used[i] || o.call > firstReturn) return false;
      const [fits, next] = model.step(state, o.input, o.output);
      if (!fits) return false;
      used[i] = true;
      const found = search(next);
      used[i] = false;
      return found;
    });
  };
  return search(model.init());
}

const contents = ['a', 'b', 'c'];
const configOp = fc.oneof(
  fc
    .constantFrom(...contents)
    .map((c) => ({ input: { op: 'put', content: c }, outputs: [{ op: 'put' }] })),
  fc.constant({
    input: { op: 'get' },
    outputs: [
      { op: 'get', found: false },
      ...contents.map((c) => ({ op: 'get', found: true, content: c })),
    ],
  }),
  fc
    .record({
      content: fc.constantFrom(...contents),
      casMd5: fc.constantFrom('', ...contents.map(contentMd5)),
    })
    .map((v) => ({
      input: { op: 'cas', ...v },
      outputs: [true, false].map((success) => ({ op: 'cas', success })),
    })),
  fc.constant({
    input: { op: 'remove' },
    outputs: [true, false, null].map((existed) => ({ op: 'remove', existed })),
  }),
);
const registryOp = fc.oneof(
  fc
    .record({ op: fc.constantFrom('register', 'deregister'), instance: fc.constantFrom('x', 'y') })
    .map((input) => ({
      input,
      outputs: [{ op: input.op }],
    })),
  fc.constant({
    input: { op: 'list' },
    outputs: [[], ['x'], ['y'], ['x', 'y']].map((instances) => ({ op: 'list', instances })),
  }),
);

const datums = ['"a"', '"b"', '{"k":1}'];
const datumOp = fc.oneof(
  fc
    .constantFrom(...datums)
    .map((datum) => ({ input: { op: 'put', datum }, outputs: [{ op: 'put' }] })),
  fc.constant({ input: { op: 'remove' }, outputs: [{ op: 'remove' }] }),
  fc.constant({
    input: { op: 'get' },
    outputs: [
      { op: 'get', found: false },
      ...datums.map((datum) => ({ op: 'get', found: true, datum })),
    ],
  }),
);

function smallHistory(
  op: fc.Arbitrary<{ input: unknown; outputs: readonly unknown[] }>,
): fc.Arbitrary<Operation[]> {
  const one = fc.record({
    op,
    pick: fc.nat(),
    call: fc.integer({ min: 0, max: 12 }),
    durationMs: fc.integer({ min: 0, max: 8 }),
    unknown: fc.boolean(),
  });
  return fc.array(one, { minLength: 1, maxLength: 9 }).map((raw) =>
    raw
      .map((r) => {
        const info = r.unknown && r.pick % 2 === 0;
        return {
          id: 0,
          group: 'g',
          key: 'k',
          process: 'p',
          op: (r.op.input as { op: string }).op,
          input: r.op.input,
          output: info ? undefined : r.op.outputs[r.pick % r.op.outputs.length],
          outcome: info ? ('info' as const) : ('ok' as const),
          call: r.call,
          return: info ? Infinity : r.call + r.durationMs,
          invokeSeq: 0,
          returnSeq: null,
        };
      })
      .sort((a, b) => a.call - b.call)
      .map((o, i) => ({ ...o, id: i, process: `p${i}` })),
  );
}

describe('differential against brute force', () => {
  const cases = [
    ['config store', configStoreModel() as Model<unknown, unknown, unknown>, configOp],
    ['instance registry', instanceRegistryModel() as Model<unknown, unknown, unknown>, registryOp],
    ['persistent datum', datumStoreModel() as Model<unknown, unknown, unknown>, datumOp],
  ] as const;
  for (const [name, model, op] of cases) {
    it(`agrees on small random ${name} histories`, () => {
      assertWithSeed(
        fc.property(smallHistory(op), (ops) => {
          const expected = bruteForce(model, ops) ? 'ok' : 'fail';
          const got = checkOperations(model, ops).verdict;
          if (got !== expected) {
            throw new Error(
              `checker says ${got}, brute force ${expected}:\n` +
                renderOperations(ops, model).join('\n'),
            );
          }
        }),
        3000,
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Differential on executions: small histories of a real sequential execution (so most are
// linearizable, and many need their ops of unknown outcome, applied late or never), half of
// them with one completed op's output changed (a planted violation, unless some other order
// explains it), against a reference search: every order the real-time constraints allow,
// memoized only on (ops used, state), which is exact for a deterministic model.
// ---------------------------------------------------------------------------------------------

/** True when some order of the ops fits the model; info ops may be left out (run last). */
function referenceSearch<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  const failed = new Set<string>();
  const used = ops.map(() => false);
  const search = (state: S): boolean => {
    let firstReturn = Infinity;
    ops.forEach((o, i) => {
      if (!used[i] && o.return < firstReturn) firstReturn = o.return;
    });
    if (firstReturn === Infinity) return true;
    const key = `${used.map((u) => (u ? 1 : 0)).join('')} ${model.describeState(state)}`;
    if (failed.has(key)) return false;
    const found = ops.some((o, i) => {
      if (used[i] || o.call > firstReturn) return false;
      const [fits, next] = model.step(state, o.input, o.output);
      if (!fits) return false;
      used[i] = true;
      const ok = search(next);
      used[i] = false;
      return ok;
    });
    if (!found) failed.add(key);
    return found;
  };
  return search(model.init());
}

interface ExecutionCase {
  name: string;
  model: Model<unknown, unknown, unknown>;
  /** The op drawn from `pick` (any integer). */
  input(pick: number): unknown;
  /** What a real store in `state` answers, and its state after. */
  apply(state: unknown, input: unknown): { output: unknown; next: unknown };
  /** Another output of the same op, drawn from `pick`. */
  otherOutput(input: unknown, output: unknown, pick: number): unknown;
}

const INSTANCES = ['x', 'y', 'z'];

/**
 * Config store executions over a pool of contents: with a few, most contents are read or
 * expected by some CAS; with many, most are seen by no op (the search's "unseen" contents: the
 * "insert (unseen)" class and the ops it absorbs, see configStoreModel).
 */
function configExecutionCase(name: string, contents: readonly string[]): ExecutionCase {
  return {
    name,
    model: configStoreModel() as Model<unknown, unknown, unknown>,
    input(pick) {
      const content = contents[(pick >> 3) % contents.length];
      switch (pick % 6) {
        case 0:
        case 1:
          return { op: 'get' };
        case 2:
          return { op: 'put', content };
        case 3:
          return { op: 'remove' };
        default: {
          // A blank md5 (a plain publish) one time in (contents + 1), else a content's md5.
          const expected = (pick >> 8) % (contents.length + 1);
          return {
            op: 'cas',
            content,
            casMd5: expected === contents.length ? '' : contentMd5(contents[expected]),
          };
        }
      }
    },
    apply(state, input) {
      const s = state as string | null;
      const i = input as ConfigInputForTest;
      switch (i.op) {
        case 'get':
          return {
            output:
              s === null ? { op: 'get', found: false } : { op: 'get', found: true, content: s },
            next: s,
          };
        case 'put':
          return { output: { op: 'put' }, next: i.content };
        case 'remove':
          return { output: { op: 'remove', existed: s !== null }, next: null };
        case 'cas': {
          // Nacos 2.2.4's insertOrUpdateCas, written out independently of the model.
          let applies: boolean;
          if (i.casMd5 === '') applies = true;
          else if (s === null) applies = true;
          else applies = contentMd5(s) === i.casMd5;
          return { output: { op: 'cas', success: applies }, next: applies ? i.content : s };
        }
      }
    },
    otherOutput(input, output, pick) {
      const i = input as ConfigInputForTest;
      const alternatives: unknown[] =
        i.op === 'get'
          ? [
              { op: 'get', found: false },
              ...contents.map((content) => ({ op: 'get', found: true, content })),
            ]
          : i.op === 'cas'
            ? [true, false].map((success) => ({ op: 'cas', success }))
            : i.op === 'remove'
              ? [true, false].map((existed) => ({ op: 'remove', existed }))
              : [output];
      const others = alternatives.filter((a) => JSON.stringify(a) !== JSON.stringify(output));
      return others.length === 0 ? output : others[pick % others.length];
    },
  };
}

const executionCases: ExecutionCase[] = [
  configExecutionCase('config store', ['a', 'b', 'c']),
  configExecutionCase('config store, many contents', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
  {
    name: 'instance registry',
    model: instanceRegistryModel() as Model<unknown, unknown, unknown>,
    input(pick) {
      const instance = INSTANCES[(pick >> 3) % 3];
      const kind = pick % 5;
      return kind < 2 ? { op: 'list' } : { op: kind < 4 ? 'register' : 'deregister', instance };
    },
    apply(state, input) {
      const s = state as readonly string[];
      const i = input as { op: string; instance?: string };
      if (i.op === 'list') return { output: { op: 'list', instances: s }, next: s };
      const rest = s.filter((x) => x !== i.instance);
      const next = i.op === 'register' ? [...rest, i.instance!].sort() : rest;
      return { output: { op: i.op }, next };
    },
    otherOutput(input, output, pick) {
      if ((input as { op: string }).op !== 'list') return output;
      const listed = (output as { instances: readonly string[] }).instances;
      // Add or remove one instance.
      const flip = INSTANCES[pick % 3];
      const instances = listed.includes(flip)
        ? listed.filter((x) => x !== flip)
        : [...listed, flip].sort();
      return { op: 'list', instances };
    },
  },
];

executionCases.push({
  name: 'persistent datum',
  model: datumStoreModel() as Model<unknown, unknown, unknown>,
  input(pick) {
    const kind = pick % 5;
    if (kind < 2) return { op: 'get' };
    return kind < 4 ? { op: 'put', datum: datums[(pick >> 3) % 3] } : { op: 'remove' };
  },
  apply(state, input) {
    const s = state as string | null;
    const i = input as { op: string; datum?: string };
    if (i.op === 'get') {
      return {
        output: s === null ? { op: 'get', found: false } : { op: 'get', found: true, datum: s },
        next: s,
      };
    }
    return { output: { op: i.op }, next: i.op === 'put' ? i.datum! : null };
  },
  otherOutput(input, output, pick) {
    if ((input as { op: string }).op !== 'get') return output;
    const alternatives = [
      { op: 'get', found: false },
      ...datums.map((datum) => ({ op: 'get', found: true, datum })),
    ].filter((a) => JSON.stringify(a) !== JSON.stringify(output));
    return alternatives[pick % alternatives.length];
  },
});

type ConfigInputForTest =
  | { op: 'get' }
  | { op: 'put'; content: string }
  | { op: 'remove' }
  | { op: 'cas'; content: string; casMd5: string };

/**
 * A history of a real execution: each op takes effect at one point in its interval (an op of
 * unknown outcome: in it, long after it, or never), in the order of those points.
 */
function executionHistory(c: ExecutionCase): fc.Arbitrary<{ ops: Operation[]; planted: boolean }> {
  const one = fc.record({
    pick: fc.nat({ max: 1 << 20 }),
    call: fc.integer({ min: 0, max: 16 }),
    toPoint: fc.integer({ min: 0, max: 6 }),
    toReturn: fc.integer({ min: 0, max: 6 }),
    fate: fc.integer({ min: 0, max: 9 }), // 0-1: took effect, unknown; 2: never; 3: late
  });
  return fc
    .record({
      raw: fc.array(one, { minLength: 1, maxLength: 11 }),
      plant: fc.boolean(),
      plantPick: fc.nat(),
    })
    .map(({ raw, plant, plantPick }) => {
      const drafts = raw.map((r, index) => {
        const input = c.input(r.pick);
        const readOnlyOp =
          (input as { op: string }).op === 'get' || (input as { op: string }).op === 'list';
        const unknown = r.fate <= 3 && !readOnlyOp;
        const point = unknown && r.fate === 3 ? 100 + index : r.call + r.toPoint + index / 100;
        return {
          input,
          unknown,
          applied: r.fate !== 2 || !unknown,
          call: r.call,
          point,
          ret: unknown ? Infinity : r.call + r.toPoint + r.toReturn + 1,
          output: undefined as unknown,
        };
      });
      let state: unknown = c.name === 'instance registry' ? [] : null;
      for (const d of [...drafts].sort((a, b) => a.point - b.point)) {
        if (!d.applied) continue;
        const { output, next } = c.apply(state, d.input);
        d.output = output;
        state = next;
      }
      const completed = drafts.filter((d) => !d.unknown);
      let planted = false;
      if (plant && completed.length > 0) {
        const d = completed[plantPick % completed.length];
        const other = c.otherOutput(d.input, d.output, plantPick >> 4);
        planted = JSON.stringify(other) !== JSON.stringify(d.output);
        d.output = other;
      }
      const ops = drafts
        .map((d) => ({
          id: 0,
          group: 'g',
          key: 'k',
          process: 'p',
          op: (d.input as { op: string }).op,
          input: d.input,
          output: d.unknown ? undefined : d.output,
          outcome: d.unknown ? ('info' as const) : ('ok' as const),
          call: d.call,
          return: d.ret,
          invokeSeq: 0,
          returnSeq: null,
        }))
        .sort((a, b) => a.call - b.call)
        .map((o, i) => ({ ...o, id: i, process: `p${i}` }));
      return { ops, planted };
    });
}

describe('differential on executions with unknown outcomes and planted violations', () => {
  for (const c of executionCases) {
    it(`agrees with the reference search on ${c.name} histories`, () => {
      const verdicts = { ok: 0, fail: 0 };
      // How often the per-key reductions of the model had something to work on.
      const reductions = { absorbed: 0, guarded: 0 };
      assertWithSeed(
        fc.property(executionHistory(c), ({ ops, planted }) => {
          const expected = referenceSearch(c.model, ops) ? 'ok' : 'fail';
          if (!planted && expected !== 'ok')
            throw new Error('a real execution must be linearizable');
          const got = checkOperations(c.model, ops).verdict;
          verdicts[expected]++;
          const keyModel = c.model.forKey?.(ops);
          if (keyModel?.unknownEffectAbsorbers?.(ops).some((a) => a !== null)) {
            reductions.absorbed++;
          }
          const unknown = ops.filter((o) => o.output === undefined);
          if (unknown.some((o) => keyModel?.effectGuard(o.input) != null)) reductions.guarded++;
          if (got !== expected) {
            throw new Error(
              `checker says ${got}, reference ${expected}:\n` +
                renderOperations(ops, c.model).join('\n'),
            );
          }
        }),
        4000,
      );
      // Both verdicts must be common, or the property tests little.
      expect(verdicts.ok).toBeGreaterThan(1000);
      expect(verdicts.fail).toBeGreaterThan(300);
      // The config model's per-key reductions (guards, absorbed ops) are exercised too.
      if (c.name.startsWith('config store')) {
        expect(reductions.absorbed).toBeGreaterThan(300);
        expect(reductions.guarded).toBeGreaterThan(300);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Micro benchmark: 10,000 operations over 50 keys, 10 concurrent processes per key.
// ---------------------------------------------------------------------------------------------

function mulberry32(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) | 0;
  };
}

const NO_FAULTS = { failPercent: 0, infoPercent: 0 };
const PROFILES = {
  'no faults': NO_FAULTS,
  'some faults': SOME_FAULTS,
  'heavy faults': HEAVY_FAULTS,
};

// Large histories: the checker must decide them (no budget exhaustion) and accept them. Their
// timing is reported by npm run bench:sim (mixed workload), not asserted here.
describe('large histories', () => {
  const report = (what: string, events: TraceEvent[]): void => {
    const result = checkHistory(events, defaultModels());
    expect(result.ok, result.ok === false ? result.message : '').toBe(true);
    const steps = result.ok === true ? result.steps : 0;
    console.log(`linearizability, ${what}: ${steps} search steps`);
  };

  for (const [name, faults] of Object.entries(PROFILES)) {
    it(`checks 10,000 operations over 50 keys, 10 processes per key, ${name}`, () => {
      const shape = { keys: 50, processes: 500, steps: 30_000, ...faults };
      report(
        `50 keys x 10 processes, ${name}`,
        generate(configWorkload, mulberry32(42), shape).events,
      );
    });
  }

  it('checks a few thousand operations on one key with 10 processes', () => {
    const shape = { keys: 1, processes: 10, steps: 12_000, ...SOME_FAULTS };
    report(
      '1 key x 10 processes, some faults',
      generate(configWorkload, mulberry32(7), shape).events,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Long histories with many operations of unknown outcome (issue 8, item 22): the search must
// decide them within its default budget. Linearizable ones by construction (a real store per
// key, one linearization point per op); planted ones with a stale read no order explains. The
// sizes keep each test to a few seconds; the 100,000-operation figures are `npm run bench:lin`.
// ---------------------------------------------------------------------------------------------

describe('long histories with unknown outcomes', () => {
  const decide = (events: TraceEvent[]): CheckResult => checkHistory(events, defaultModels());

  it('decides 20,000 config-store operations on one key, 5 % unknown: linearizable', () => {
    const events = linearizableHistory({
      model: 'config',
      operations: 20_000,
      keys: 1,
      clientsPerKey: 10,
      unknownRatio: 0.05,
      seed: 1,
    });
    expect(events.filter((e) => e.type === 'info').length).toBeGreaterThan(800);
    const r = decide(events);
    expect(r, formatCheckResult(r)).toMatchObject({ ok: true, operations: expect.any(Number) });
  });

  it('decides 10,000 registry operations on one key, 5 % unknown: linearizable', () => {
    const events = linearizableHistory({
      model: 'registry',
      operations: 10_000,
      keys: 1,
      clientsPerKey: 10,
      unknownRatio: 0.05,
      seed: 2,
    });
    expect(events.filter((e) => e.type === 'info').length).toBeGreaterThan(400);
    const r = decide(events);
    expect(r, formatCheckResult(r)).toMatchObject({ ok: true });
  });

  it('decides 20,000 operations over 10 keys of both models, 10 % unknown: linearizable', () => {
    for (const model of ['config', 'registry'] as const) {
      const shape = { operations: 20_000, keys: 10, clientsPerKey: 10, unknownRatio: 0.1 };
      const r = decide(linearizableHistory({ model, ...shape, seed: 3 }));
      expect(r, `${model}: ${formatCheckResult(r)}`).toMatchObject({ ok: true, keys: 10 });
    }
  });

  for (const model of ['config', 'registry'] as const) {
    it(`decides a planted stale read among ${model} operations with unknown outcomes`, () => {
      // The refutation explores every order of the key up to the stale read, so the planted
      // key is kept short (the search is exponential in the concurrency of one key); the
      // other keys are long and linearizable.
      const events = linearizableHistory({
        model,
        operations: 6_000,
        keys: 12,
        clientsPerKey: 4,
        unknownRatio: 0.05,
        seed: 4,
      });
      const planted = plantStaleRead(events, model, Math.floor(events.length / 2));
      expect(decide(events)).toMatchObject({ ok: true });
      const r = decide(planted.events);
      expect(r.ok, formatCheckResult(r)).toBe(false);
      if (r.ok !== false || r.kind !== 'not-linearizable') throw new Error(formatCheckResult(r));
      // The shortest failing prefix ends at the planted read's return.
      const tampered = planted.events.find((e) => e.seq === planted.seq) as ClientEvent;
      expect(r.key).toBe(tampered.key);
      expect(r.cutoff).toBe(planted.seq);
      expect(r.operations.some((o) => o.returnSeq === planted.seq)).toBe(true);
    });
  }
});
