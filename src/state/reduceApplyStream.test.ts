// The apply stream and the truncation record folded from trace events: each apply with its
// result per node and group, bounded; a truncation keeps the entries it removed.
import { describe, expect, it } from 'vitest';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { emptyState, type ViewState } from './model.ts';
import { plToArray } from './plist.ts';
import { reduce } from './reduce.ts';
import { APPLY_STREAM_LIMIT, applyStream, resultText } from './reduceApplyStream.ts';

const G = 'nacos_config';

function fold(bodies: readonly [string, TraceBody][]): ViewState {
  let s = emptyState([G]);
  bodies.forEach(([node, b], seq) => {
    s = reduce(s, { ...b, seq, t: seq * 10, node } as TraceEvent);
  });
  return s;
}

const publish = (dataId: string) => ({ type: 'publish', dataId, content: 'x' });

describe('apply stream', () => {
  it('records each apply with its operation and result, per node and group', () => {
    const s = fold([
      ['n1', { type: 'append', group: G, entries: [[1, 1, 'normal', 'publish a', 'r1']] }],
      ['n1', { type: 'commit', group: G, index: 1 }],
      [
        'n1',
        {
          type: 'apply',
          group: G,
          index: 1,
          term: 1,
          op: publish('a'),
          result: { success: true, data: 'abc' },
          requestId: 'r1',
        },
      ],
      [
        'n2',
        {
          type: 'apply',
          group: G,
          index: 1,
          term: 1,
          op: publish('a'),
          result: { success: false, errMsg: 'md5 mismatch' },
        },
      ],
    ]);
    expect(plToArray(applyStream(s, 'n1', G))).toEqual([
      {
        index: 1,
        term: 1,
        t: 20,
        label: 'publish a',
        ok: true,
        result: 'abc',
        requestId: 'r1',
      },
    ]);
    expect(plToArray(applyStream(s, 'n2', G))[0]).toMatchObject({
      ok: false,
      result: 'md5 mismatch',
    });
    expect(applyStream(s, 'n3', G).length).toBe(0);
  });

  it('keeps only the most recent applies', () => {
    const bodies: [string, TraceBody][] = [];
    for (let i = 1; i <= APPLY_STREAM_LIMIT + 20; i++) {
      bodies.push([
        'n1',
        { type: 'apply', group: G, index: i, term: 1, op: publish('k'), result: { success: true } },
      ]);
    }
    const stream = plToArray(applyStream(fold(bodies), 'n1', G));
    expect(stream).toHaveLength(APPLY_STREAM_LIMIT);
    expect(stream[0].index).toBe(21);
    expect(stream.at(-1)?.index).toBe(APPLY_STREAM_LIMIT + 20);
  });

  it('says a result in a few words', () => {
    expect(resultText({ success: true })).toEqual({ ok: true, text: 'ok' });
    expect(resultText({ success: false })).toEqual({ ok: false, text: 'failed' });
    expect(resultText({ success: true, data: { found: true } })).toEqual({
      ok: true,
      text: '{"found":true}',
    });
    expect(resultText({ success: true, data: 'y'.repeat(200) }).text).toHaveLength(80);
  });
});

describe('truncations', () => {
  it('records the entries a truncate removed, read before the cut', () => {
    const s = fold([
      [
        'n2',
        {
          type: 'append',
          group: G,
          entries: [
            [1, 1, 'normal', 'a'],
            [2, 2, 'normal', 'b'],
            [3, 2, 'normal', 'c'],
          ],
        },
      ],
      ['n2', { type: 'truncate', group: G, from: 2 }],
      ['n2', { type: 'append', group: G, entries: [[2, 3, 'noop', '']] }],
      ['n2', { type: 'truncate', group: G, from: 9 }],
    ]);
    const recs = plToArray(s.activity.truncations);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ node: 'n2', group: G, from: 2, count: 2, seq: 1 });
    expect(recs[0].removed.map((e) => [e.index, e.term, e.label])).toEqual([
      [2, 2, 'b'],
      [3, 2, 'c'],
    ]);
    expect(plToArray(s.nodes.n2.groups[G].log.entries).map((e) => e.term)).toEqual([1, 3]);
  });
});
