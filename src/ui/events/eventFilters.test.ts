// Tests of the events list's filters and lines, and of the linearizability verdict's summary
// on small histories (linearizable, not linearizable with its offending operations).
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../trace/events.ts';
import { plFrom } from '../../state/plist.ts';
import { eventLine, filterEvents, matches, NO_FILTER } from './eventFilters.ts';
import { checkClientHistory } from './linVerdict.ts';

const G = 'nacos_config';
const send: TraceEvent = {
  seq: 1,
  t: 1234,
  node: 'n1',
  type: 'send',
  group: G,
  msgId: 41,
  from: 'n1',
  to: 'n2',
  msgType: 'AppendEntries',
  term: 3,
  entries: [5, 7],
};
const vote: TraceEvent = {
  seq: 2,
  t: 1300,
  node: 'n3',
  type: 'vote',
  group: 'other',
  candidate: 'n2',
  term: 4,
  preVote: false,
  granted: false,
  reject: 'log-behind',
};
const crash: TraceEvent = { seq: 3, t: 2000, node: 'n2', type: 'fault', fault: 'crash' };

describe('event filters', () => {
  it('writes one readable line per event', () => {
    expect(eventLine(send)).toBe(
      '    1.234 n1 nacos_config send AppendEntries n1→n2 term 3 [5..7] #41',
    );
    expect(eventLine(vote)).toBe(
      '    1.300 n3 other vote vote for n2 term 4: refused (log-behind)',
    );
    expect(eventLine(crash)).toBe('    2.000 n2 fault crash');
  });

  it('filters by category, type, node (both ends of a message), group and text', () => {
    const all = plFrom([send, vote, crash]);
    expect(filterEvents(all, NO_FILTER)).toEqual([send, vote, crash]);
    expect(filterEvents(all, { ...NO_FILTER, type: 'elections' })).toEqual([vote]);
    expect(filterEvents(all, { ...NO_FILTER, type: 'fault' })).toEqual([crash]);
    expect(filterEvents(all, { ...NO_FILTER, node: 'n2' })).toEqual([send, crash]);
    // Events without a group pass a group filter.
    expect(filterEvents(all, { ...NO_FILTER, group: G })).toEqual([send, crash]);
    expect(filterEvents(all, { ...NO_FILTER, text: 'LOG-BEHIND' })).toEqual([vote]);
    expect(matches(send, { ...NO_FILTER, type: 'messages', node: 'n3' })).toBe(false);
  });
});

describe('linearizability verdict', () => {
  const key = 'a/DEFAULT_GROUP/';
  let seq = 0;
  const ev = (
    type: 'invoke' | 'ok',
    process: string,
    op: string,
    value: unknown,
    result?: unknown,
  ) =>
    ({
      seq: seq++,
      t: seq,
      node: 'n1',
      type,
      group: G,
      process,
      op,
      key,
      value,
      requestId: process,
      ...(type === 'ok' ? { result } : {}),
    }) as TraceEvent;

  it('says linearizable for an empty or a sequential history', () => {
    expect(checkClientHistory([]).kind).toBe('linearizable');
    seq = 0;
    const h = [ev('invoke', 'c1', 'put', 'v1'), ev('ok', 'c1', 'put', 'v1', 'md5')];
    const v = checkClientHistory(h);
    expect(v.kind).toBe('linearizable');
    expect(v.events).toBe(2);
  });

  it('names the offending operations of a history that is not linearizable', () => {
    seq = 0;
    // A read after a completed put sees nothing: impossible.
    const h = [
      ev('invoke', 'c1', 'put', 'v1'),
      ev('ok', 'c1', 'put', 'v1', 'md5'),
      ev('invoke', 'c2', 'get', null),
      ev('ok', 'c2', 'get', null, { found: false }),
    ];
    const v = checkClientHistory(h);
    expect(v.kind).toBe('not-linearizable');
    expect(v.offending.map((o) => o.process).sort()).toEqual(['c1', 'c2']);
    expect(v.text).toMatch(/NOT linearizable/);
  });
});
