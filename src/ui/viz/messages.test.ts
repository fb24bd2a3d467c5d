import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../state/model.ts';
import {
  FLIGHT_HIT_PX,
  FLIGHT_RADIUS,
  flightAt,
  flightLabel,
  flightMarks,
  flightMarksAt,
  groupFlights,
  KIND_COLORS,
  kindColor,
  MESSAGE_KINDS,
  messageKind,
  messageProgress,
  placeFlights,
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

  it('draws timeout-now in the page foreground, so the dark theme shows it too', () => {
    expect(kindColor('timeout-now', '#e4e8ee')).toBe('#e4e8ee');
    expect(kindColor('timeout-now', 'var(--fg)')).toBe('var(--fg)');
    for (const k of MESSAGE_KINDS) {
      if (k !== 'timeout-now') expect(kindColor(k, '#e4e8ee')).toBe(KIND_COLORS[k]);
    }
    // Each kind in the legend has a colour of its own.
    const drawn = MESSAGE_KINDS.map((k) => kindColor(k, '#e4e8ee'));
    expect(new Set(drawn).size).toBe(drawn.length);
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

describe('placing and picking on the stage', () => {
  // n1 at the left, n2 at the right: a link 200 px long along y = 100.
  const positions = new Map([
    ['n1', { x: 0, y: 100 }],
    ['n2', { x: 200, y: 100 }],
  ]);
  const r = 20;
  const one = (over: Partial<MessageView>, progress: number) =>
    ({ type: 'one', message: msg(over), kind: messageKind(msg(over)), progress }) as const;

  it('places each mark on its link, sized by kind, leaving out unknown nodes', () => {
    const placed = placeFlights(
      [
        one({ id: 'n1:1' }, 0.5),
        one({ id: 'n1:2', heartbeat: true }, 0),
        one({ id: 'n1:3', to: 'n9' }, 0.5),
        {
          type: 'bundle',
          key: 'b',
          from: 'n2',
          to: 'n1',
          kind: 'append',
          reply: true,
          count: 12,
          progress: 1,
        },
      ],
      positions,
      r,
    );
    expect(placed.map((f) => f.rad)).toEqual([
      FLIGHT_RADIUS.message,
      FLIGHT_RADIUS.heartbeat,
      FLIGHT_RADIUS.bundle,
    ]);
    const [mid, start, bundle] = placed;
    expect(mid.x).toBeCloseTo(100);
    // Between the node edges (radius + 2), each direction in its own lane off the link.
    expect(start.x).toBeCloseTo(r + 2);
    expect(bundle.x).toBeCloseTo(r + 2);
    expect(Math.abs(mid.y - 100)).toBeCloseTo(5);
    expect(Math.sign(bundle.y - 100)).toBe(-Math.sign(mid.y - 100));
  });

  it('picks the nearest mark within reach, the one on top among equals, none beyond', () => {
    const placed = placeFlights(
      [one({ id: 'n1:1' }, 0.5), one({ id: 'n1:2' }, 0.52), one({ id: 'n1:3' }, 0.5)],
      positions,
      r,
    );
    const id = (p: { x: number; y: number }) => {
      const f = flightAt(placed, p);
      return f === null ? null : f.mark.type === 'one' ? f.mark.message.id : f.mark.key;
    };
    const { x, y } = placed[0];
    // Two marks at the same point: the later one is drawn over the earlier, and picked.
    expect(id({ x, y })).toBe('n1:3');
    expect(id({ x: placed[1].x + 1, y: placed[1].y })).toBe('n1:2');
    expect(id({ x, y: y + FLIGHT_HIT_PX - 0.5 })).toBe('n1:3');
    expect(id({ x, y: y + FLIGHT_HIT_PX + 0.5 })).toBeNull();
    expect(flightAt([], { x, y })).toBeNull();
  });

  it('says what a mark is in words', () => {
    expect(
      flightLabel(one({ msgType: 'RequestVoteResponse', term: 3, detail: { granted: false } }, 0)),
    ).toBe('RequestVoteResponse n1→n2, term 3, refused/rejected');
    expect(
      flightLabel({
        type: 'bundle',
        key: 'b',
        from: 'n2',
        to: 'n1',
        kind: 'heartbeat',
        reply: true,
        count: 40,
        progress: 0.5,
      }),
    ).toMatch(/^40 .* replies n2→n1$/);
  });
});
