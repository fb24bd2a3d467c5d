// Messages in flight keep their type's fields; in hold mode, the ones past their due time are
// the held ones (oldest due first), and leave the list when released or discarded.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { emptyState, type ViewState } from './model.ts';
import { reduce } from './reduce.ts';
import { heldMessages, wireMsgId } from './reduceMessages.ts';

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
