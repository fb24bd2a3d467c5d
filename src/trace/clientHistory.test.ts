// How requests to the v1 datum store (`naming_persistent_service`) read as history calls: one
// key as Nacos's put / remove / get send it, a batch under one call the model splits per key,
// requests that can change nothing left out, and success=false answers told apart (a put's may
// have been stored, so its outcome is unknown; the rest took no effect).
import { describe, expect, it } from 'vitest';
import { describeOutcome, describeRequest, outcomeType } from './clientHistory.ts';
import { datumBatchKey } from './models.ts';

const G = 'naming_persistent_service';
const A = 'com.alibaba.nacos.naming.domains.meta.public##DEFAULT_GROUP@@a';
const B = 'com.alibaba.nacos.naming.iplist.public##DEFAULT_GROUP@@b';
const ok = (value: unknown) => ({ ok: true as const, value });

describe('v1 datum store history calls', () => {
  it('describes one key as put, remove and get', () => {
    expect(describeRequest(G, 'write', { type: 'Write', keys: [A], values: [{ v: 1 }] })).toEqual({
      group: G,
      op: 'put',
      key: A,
      value: { v: 1 },
    });
    expect(describeRequest(G, 'write', { type: 'Delete', keys: [A] })).toEqual({
      group: G,
      op: 'remove',
      key: A,
      value: null,
    });
    expect(describeRequest(G, 'read', { type: 'get', keys: [A] })).toEqual({
      group: G,
      op: 'get',
      key: A,
      value: null,
    });
  });

  it('describes a batch as one call over its keys', () => {
    const key = datumBatchKey([A, B]);
    expect(describeRequest(G, 'write', { type: 'Write', keys: [A, B], values: [1, 2] })).toEqual({
      group: G,
      op: 'put-batch',
      key,
      value: { keys: [A, B], values: [1, 2] },
    });
    expect(describeRequest(G, 'write', { type: 'Delete', keys: [A, B] })).toMatchObject({
      op: 'remove-batch',
      key,
      value: [A, B],
    });
    expect(describeRequest(G, 'read', { type: 'get', keys: [A, B] })).toMatchObject({
      op: 'get-batch',
      key,
      value: [A, B],
    });
  });

  it('leaves out requests that can change or show nothing', () => {
    expect(describeRequest(G, 'write', { type: 'Read', keys: [A] })).toBeNull();
    expect(describeRequest(G, 'write', { type: 'Write', keys: [A, B], values: [1] })).toBeNull();
    expect(describeRequest(G, 'write', { type: 'Write', keys: [], values: [] })).toBeNull();
    expect(describeRequest(G, 'read', { type: 'get', keys: [] })).toBeNull();
  });

  it('reads a BatchReadResponse as found or not, and a batch read as it is', () => {
    const get = describeRequest(G, 'read', { type: 'get', keys: [A] })!;
    const hit = ok({ success: true, data: { keys: [A], values: [{ v: 1 }] } });
    expect(describeOutcome(get, hit)).toEqual({
      type: 'ok',
      result: { found: true, value: { v: 1 } },
    });
    const miss = ok({ success: true, data: { keys: [], values: [] } });
    expect(describeOutcome(get, miss)).toEqual({ type: 'ok', result: { found: false } });
    const batch = describeRequest(G, 'read', { type: 'get', keys: [A, B] })!;
    expect(describeOutcome(batch, hit)).toEqual({
      type: 'ok',
      result: { keys: [A], values: [{ v: 1 }] },
    });
  });

  it('counts a put answered success=false as unknown, other refusals as failed', () => {
    const put = describeRequest(G, 'write', { type: 'Write', keys: [A], values: ['x'] })!;
    const refused = ok({
      success: false,
      errMsg: 'errCode: 101, errMsg: Nacos deserialize failed.  ',
    });
    expect(describeOutcome(put, refused).type).toBe('info');
    expect(describeOutcome(put, ok({ success: true }))).toEqual({ type: 'ok', result: null });
    const unsupported = ok({ success: false, errMsg: 'unsupport operation : Read' });
    expect(outcomeType(G, 'write', { type: 'Read', keys: [A] }, unsupported)).toBe('fail');
    const mismatch = ok({ success: false, errMsg: "key's size must be equal to value's size" });
    expect(outcomeType(G, 'write', { type: 'Write', keys: [A, B], values: [1] }, mismatch)).toBe(
      'fail',
    );
    // A refusal before the log, or no answer, as for every group.
    expect(describeOutcome(put, { ok: false, error: 'refused' }).type).toBe('fail');
    expect(describeOutcome(put, null).type).toBe('info');
    const get = describeRequest(G, 'read', { type: 'get', keys: [A, B] })!;
    expect(describeOutcome(get, { ok: false, error: 'timeout', indeterminate: true }).type).toBe(
      'fail',
    );
  });
});
