import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../state/model.ts';
import {
  flightMarks,
  flightMarksAt,
  groupFlights,
  messageKind,
  messageProgress,
  pointOnLink,
  replyVerdict,
  UNKNOWN_FLIGHT_MS,
} from './messages.ts';

function msg(over: Partial<MessageView>): MessageView {
  return {
    id: 'n1:1',
    group: 'g',
    from: 'n1',
    to: 'n2',
    msgType: 'AppendEntries',
    term: 1,
    sentAt: 100,
    deliverAt: 200,
    entries: null,
    heartbeat: false,
    copyOf: null,
    detail: {},
    ...over,
  };
}

describe('message kinds and verdicts', () => {
  it('names the kind a learner reads', () => {
    expect(messageKind(msg({ msgType: 'RequestVote', detail: { preVote: true } }))).toBe(
      'pre-vote',
    );
    expect(messageKind(msg({ msgType: 'RequestVoteResponse', detail: { preVote: false } }))).toBe(
      'vote',
    );
    expect(messageKind(msg({ heartbeat: true }))).toBe('heartbeat');
    expect(messageKind(msg({}))).toBe('append');
    expect(messageKind(msg({ msgType: 'InstallSnapshot' }))).toBe('snapshot');
    expect(messageKind(msg({ msgType: 'ForwardResponse' }))).toBe('forward');
    expect(messageKind(msg({ msgType: 'ReadIndex' }))).toBe('read-index');
    expect(messageKind(msg({ msgType: 'TimeoutNow' }))).toBe('timeout-now');
  });

  it('marks replies granted/refused and success/reject; requests have none', () => {
    expect(replyVerdict(msg({}))).toBeNull();
    expect(replyVerdict(msg({ msgType: 'RequestVoteResponse', detail: { granted: true } }))).toBe(
      'yes',
    );
    expect(replyVerdict(msg({ msgType: 'RequestVoteResponse', detail: { granted: false } }))).toBe(
      'no',
    );
    expect(replyVerdict(msg({ msgType: 'AppendEntriesResponse', detail: { ok: false } }))).toBe(
      'no',
    );
    expect(replyVerdict(msg({ msgType: 'AppendEntriesResponse', detail: { ok: true } }))).toBe(
      'yes',
    );
    expect(replyVerdict(msg({ msgType: 'ReadIndexResponse', detail: { index: -1 } }))).toBe('no');
  });
});

describe('message position', () => {
  it('interpolates from send to delivery and clamps at both ends', () => {
    const m = msg({ sentAt: 100, deliverAt: 300 });
    expect(messageProgress(m, 50)).toBe(0);
    expect(messageProgress(m, 150)).toBeCloseTo(0.25);
    expect(messageProgress(m, 300)).toBe(1);
    expect(messageProgress(m, 1000)).toBe(1);
  });

  it('gives a message without a planned delivery a short nominal flight', () => {
    const m = msg({ sentAt: 100, deliverAt: null });
    expect(messageProgress(m, 100 + UNKNOWN_FLIGHT_MS / 2)).toBeCloseTo(0.5);
  });

  it('stays on its link between the node edges, each direction in its own lane', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 100, y: 0 };
    expect(pointOnLink(a, b, 0, 10, 0)).toEqual({ x: 10, y: 0 });
    expect(pointOnLink(a, b, 1, 10, 0)).toEqual({ x: 90, y: 0 });
    const there = pointOnLink(a, b, 0.5, 10, 4);
    const back = pointOnLink(b, a, 0.5, 10, 4);
    expect(there.x).toBeCloseTo(50);
    expect(back.x).toBeCloseTo(50);
    expect(there.y).toBeCloseTo(-back.y);
    expect(Math.abs(there.y)).toBeCloseTo(4);
  });
});

describe('aggregation', () => {
  const many = Array.from({ length: 30 }, (_, i) =>
    msg({
      id: `n1:${i}`,
      to: i % 2 === 0 ? 'n2' : 'n3',
      heartbeat: i < 20,
      sentAt: 0,
      deliverAt: 100,
    }),
  );

  it('draws messages one by one up to the limit', () => {
    const r = flightMarks(many, 50, 30);
    expect(r.bundled).toBe(false);
    expect(r.marks).toHaveLength(30);
    expect(r.marks.every((m) => m.type === 'one')).toBe(true);
  });

  it('bundles by direction, kind and request/reply beyond the limit, counting every message', () => {
    const r = flightMarks(many, 50, 10);
    expect(r.bundled).toBe(true);
    expect(r.total).toBe(30);
    // n1→n2 and n1→n3, each with heartbeats and appends: four bundles.
    expect(r.marks).toHaveLength(4);
    let count = 0;
    for (const m of r.marks) {
      expect(m.type).toBe('bundle');
      if (m.type === 'bundle') {
        count += m.count;
        expect(m.progress).toBeCloseTo(0.5);
      }
    }
    expect(count).toBe(30);
  });

  it('places a kept grouping at any time without visiting the messages again', () => {
    const g = groupFlights(many, 10);
    expect(g.ones).toBeNull();
    for (const [t, p] of [
      [0, 0],
      [25, 0.25],
      [100, 1],
      [400, 1],
    ] as const) {
      const r = flightMarksAt(g, t);
      expect(r.total).toBe(30);
      for (const m of r.marks) expect(m.progress).toBeCloseTo(p);
    }
    // Under the limit the grouping keeps the messages themselves, placed one by one.
    const few = groupFlights(many.slice(0, 5), 10);
    expect(flightMarksAt(few, 50).marks.map((m) => m.type)).toEqual(Array(5).fill('one'));
  });

  it('leaves out messages the filter rejects', () => {
    expect(flightMarks(many, 50, 100, (m) => m.to === 'n2').total).toBe(15);
  });
});
