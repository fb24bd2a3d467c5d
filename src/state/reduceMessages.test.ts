// Messages in flight keep their type's fields; in hold mode, the ones past their due time are
// the held ones (oldest due first), and leave the list when released or discarded.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { emptyState, type ViewState } from './model.ts';
import { reduce } from './reduce.ts';
import { EARLY_LIMIT, heldMessages, wireMsgId } from './reduceMessages.ts';

const G = 'nacos_config';
let seq = 0;
function ev(t: number, node: string | null, body: Record<string, unknown>): TraceEvent {
  return { seq: seq++, t, node, ...body } as unknown as TraceEvent;
}
const send = (t: number, msgId: number, deliverAt: number, extra: Record<string, unknown> = {}) =>
  ev(t, 'n1', {
    type: 'send',
    group: G,
    deliverAt,
    msgId,
    from: 'n1',
    to: 'n2',
    msgType: 'RequestVoteResponse',
    term: 2,
    entries: null,
    preVote: false,
    granted: false,
    reject: 'log-behind',
    ...extra,
  });

function fold(events: TraceEvent[], s: ViewState = emptyState([G])): ViewState {
  for (const e of events) s = reduce(s, e);
  return s;
}

describe('messages in flight', () => {
  it("keep the summary's own fields", () => {
    const s = fold([send(0, 7, 50)]);
    const m = s.messages.get('n1:7')!;
    expect(m.detail).toEqual({ preVote: false, granted: false, reject: 'log-behind' });
    expect(wireMsgId(m)).toBe(7);
  });

  it('are held once due in hold mode, and leave the queue when discarded', () => {
    const s = fold([
      ev(0, null, { type: 'fault', fault: 'hold', on: true }),
      send(1, 1, 30),
      send(2, 2, 20),
      send(3, 3, 500),
      ev(100, 'n2', { type: 'timer', group: G, timeoutMs: 1000 }),
    ]);
    expect(heldMessages(s).map((m) => m.id)).toEqual(['n1:2', 'n1:1']);
    const after = fold([ev(101, null, { type: 'fault', fault: 'discard', msgId: 2 })], s);
    expect(heldMessages(after).map((m) => m.id)).toEqual(['n1:1']);
  });

  it('are never held without hold mode', () => {
    const s = fold([send(1, 1, 30), ev(100, 'n2', { type: 'timer', group: G, timeoutMs: 1000 })]);
    expect(heldMessages(s)).toEqual([]);
  });
});

describe('a receipt folded before its send', () => {
  // The live page merges the workers' streams by time: a worker's batch that reaches the page
  // late can put a message's receipt before its send. The message must not stay in flight.
  const recv = (t: number, msgId: number) =>
    ev(t, 'n2', {
      type: 'recv',
      group: G,
      msgId,
      from: 'n1',
      to: 'n2',
      msgType: 'RequestVoteResponse',
      term: 2,
    });
  const drop = (t: number, msgId: number) =>
    ev(t, null, { type: 'drop', group: G, msgId, from: 'n1', to: 'n2', reason: 'loss' });

  it('leaves nothing in flight, whether received or dropped first', () => {
    const s = fold([recv(12, 1), send(10, 1, 12), drop(20, 2), send(19, 2, 25), send(30, 3, 40)]);
    expect([...s.messages.keys()]).toEqual(['n1:3']);
    expect(s.arrivedEarly.size).toBe(0);
    // Sent messages still count in the charts' series.
    expect(s.series.current?.messages).toBe(3);
  });

  it('remembers early receipts with a bound, the oldest let go first', () => {
    const events: TraceEvent[] = [];
    for (let i = 0; i < 3 * EARLY_LIMIT; i++) events.push(recv(i, 1_000 + i));
    const s = fold(events);
    expect(s.arrivedEarly.size).toBeLessThanOrEqual(EARLY_LIMIT);
    expect(s.arrivedEarly.has(`n1:${1_000 + 3 * EARLY_LIMIT - 1}`)).toBe(true);
    expect(s.arrivedEarly.has('n1:1000')).toBe(false);
    // A late send of a receipt still remembered is not in flight.
    const t = 3 * EARLY_LIMIT;
    const after = fold([send(t, 1_000 + t - 1, t + 5)], s);
    expect(after.messages.size).toBe(0);
  });
});
