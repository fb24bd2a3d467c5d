// Messages in flight as the cluster view draws them: the kind a learner reads (pre-vote, vote,
// append, heartbeat, snapshot, forward, read-index, timeout-now), request or reply, the reply's
// verdict, where along its link a message is at a given cluster time, and the aggregation that
// keeps the view readable (and SVG fast) when more are in flight than a person can follow.
// Invariants: pure; a message's position depends only on its send and delivery times and the
// clock passed in (the same clock the election timers use), and never leaves its link.
import type { MessageView } from '../../state/model.ts';
import type { Point } from './ring.ts';

export type MessageKind =
  | 'pre-vote'
  | 'vote'
  | 'append'
  | 'heartbeat'
  | 'snapshot'
  | 'forward'
  | 'read-index'
  | 'timeout-now'
  | 'other';

export const MESSAGE_KINDS: readonly Exclude<MessageKind, 'other'>[] = [
  'pre-vote',
  'vote',
  'append',
  'heartbeat',
  'snapshot',
  'forward',
  'read-index',
  'timeout-now',
];

/**
 * One colour per kind (Okabe–Ito hues plus a neutral grey for heartbeats, which are many and
 * least interesting). Nodes are coloured by term; a message's shape (filled request, hollow
 * reply) and the legend keep the two apart. Timeout-now is drawn in the page's foreground
 * (Okabe–Ito's black, which would vanish on the dark theme): read colours through kindColor;
 * the value here is the light theme's.
 */
export const KIND_COLORS: Record<MessageKind, string> = {
  'pre-vote': '#CC79A7',
  vote: '#D55E00',
  append: '#0072B2',
  heartbeat: '#8a94a6',
  snapshot: '#009E73',
  forward: '#E69F00',
  'read-index': '#56B4E9',
  'timeout-now': '#1d2430',
  other: '#8a94a6',
};

/** For markup: the page's foreground as CSS sees it, light or dark. */
export const CSS_FG = 'var(--fg)';

/**
 * The colour of a kind, with `fg` the page's foreground: CSS_FG in markup, the palette's fg
 * (readPalette) on a canvas.
 */
export function kindColor(kind: MessageKind, fg: string): string {
  return kind === 'timeout-now' ? fg : KIND_COLORS[kind];
}

export const KIND_LABELS: Record<MessageKind, string> = {
  'pre-vote': 'pre-vote',
  vote: 'vote',
  append: 'append',
  heartbeat: 'heartbeat',
  snapshot: 'snapshot',
  forward: 'forward',
  'read-index': 'read-index',
  'timeout-now': 'timeout-now',
  other: 'other',
};

export function messageKind(m: Pick<MessageView, 'msgType' | 'heartbeat' | 'detail'>): MessageKind {
  switch (m.msgType) {
    case 'RequestVote':
    case 'RequestVoteResponse':
      return m.detail.preVote === true ? 'pre-vote' : 'vote';
    case 'AppendEntries':
    case 'AppendEntriesResponse':
      return m.heartbeat ? 'heartbeat' : 'append';
    case 'InstallSnapshot':
    case 'InstallSnapshotResponse':
      return 'snapshot';
    case 'Forward':
    case 'ForwardResponse':
      return 'forward';
    case 'ReadIndex':
    case 'ReadIndexResponse':
      return 'read-index';
    case 'TimeoutNow':
      return 'timeout-now';
    default:
      return 'other';
  }
}

export function isReply(m: Pick<MessageView, 'msgType'>): boolean {
  return m.msgType.endsWith('Response');
}

/** A reply's verdict: granted/success, refused/reject, or null for requests. */
export function replyVerdict(m: Pick<MessageView, 'msgType' | 'detail'>): 'yes' | 'no' | null {
  if (!isReply(m)) return null;
  if (m.msgType === 'RequestVoteResponse') return m.detail.granted === true ? 'yes' : 'no';
  if (m.msgType === 'ReadIndexResponse') {
    return m.detail.reject !== undefined || (m.detail.index ?? 0) < 0 ? 'no' : 'yes';
  }
  return m.detail.ok === false ? 'no' : 'yes';
}

/** How long a message without a planned delivery time is drawn as travelling (cluster ms). */
export const UNKNOWN_FLIGHT_MS = 200;

/**
 * How far along its link a message is at cluster time `now`: 0 at the sender, 1 at the
 * receiver, clamped; a message past its due time waits at the receiver's end (held, or its
 * arrival not folded in yet).
 */
export function messageProgress(m: Pick<MessageView, 'sentAt' | 'deliverAt'>, now: number): number {
  const end = m.deliverAt ?? m.sentAt + UNKNOWN_FLIGHT_MS;
  const span = end - m.sentAt;
  if (span <= 0) return now >= end ? 1 : 0;
  return Math.min(1, Math.max(0, (now - m.sentAt) / span));
}

/**
 * The point at fraction `p` of the link from `a` to `b`, starting and ending at the node
 * circles' edges (radius `r`), offset sideways by `lane` px so the two directions of a link
 * travel apart (requests and replies do not overlap).
 */
export function pointOnLink(a: Point, b: Point, p: number, r: number, lane: number): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  const usable = Math.max(0, len - 2 * r);
  const along = r + usable * p;
  // The normal to the right of the direction of travel.
  return { x: a.x + ux * along - uy * lane, y: a.y + uy * along + ux * lane };
}

/** A bundle of messages: one direction, one kind, requests or replies, and how many. */
interface BundleOf {
  key: string;
  from: string;
  to: string;
  kind: MessageKind;
  reply: boolean;
  count: number;
}

/** One thing to draw: a single message, or a bundle of messages of one kind on one direction. */
export type FlightMark =
  | { type: 'one'; message: MessageView; kind: MessageKind; progress: number }
  | ({
      type: 'bundle';
      /** Where the bundle is: at about its messages' mean position (see flightMarksAt). */
      progress: number;
    } & BundleOf);

/** A bundle's messages, summed: enough to place it at any time without visiting them again. */
interface FlightBundle extends BundleOf {
  sentSum: number;
  endSum: number;
}

/**
 * The messages in flight grouped for drawing, which depends on the messages only (not on the
 * time): up to `limit` they stay one by one; beyond, one bundle per direction, kind and
 * request/reply. A view may keep a grouping while the messages change little (flightMarksAt
 * places it at any time), so a map of tens of thousands of messages is not visited per frame.
 */
export interface FlightGroups {
  total: number;
  /** The messages one by one (at most `limit`), or null when bundled. */
  ones: MessageView[] | null;
  bundles: FlightBundle[];
}

export function groupFlights(
  messages: Iterable<MessageView>,
  limit: number,
  include: (m: MessageView) => boolean = () => true,
): FlightGroups {
  const list: MessageView[] = [];
  for (const m of messages) if (include(m)) list.push(m);
  if (list.length <= limit) return { total: list.length, ones: list, bundles: [] };
  const groups = new Map<string, FlightBundle>();
  for (const m of list) {
    const kind = messageKind(m);
    const reply = isReply(m);
    const key = `${m.from}>${m.to}|${kind}|${reply ? 'r' : 'q'}`;
    const end = m.deliverAt ?? m.sentAt + UNKNOWN_FLIGHT_MS;
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, {
        key,
        from: m.from,
        to: m.to,
        kind,
        reply,
        count: 1,
        sentSum: m.sentAt,
        endSum: end,
      });
    } else {
      g.count++;
      g.sentSum += m.sentAt;
      g.endSum += end;
    }
  }
  return { total: list.length, ones: null, bundles: [...groups.values()] };
}

/**
 * The marks of a grouping at cluster time `now`. A bundle stands where a message sent at its
 * messages' mean send time and due at their mean delivery time would be: about their mean
 * position, computed from two sums rather than from every message.
 */
export function flightMarksAt(
  g: FlightGroups,
  now: number,
): { marks: FlightMark[]; total: number; bundled: boolean } {
  if (g.ones !== null) {
    return {
      marks: g.ones.map((m) => ({
        type: 'one',
        message: m,
        kind: messageKind(m),
        progress: messageProgress(m, now),
      })),
      total: g.total,
      bundled: false,
    };
  }
  const marks: FlightMark[] = g.bundles.map(({ sentSum, endSum, ...b }) => ({
    type: 'bundle',
    ...b,
    progress: messageProgress({ sentAt: sentSum / b.count, deliverAt: endSum / b.count }, now),
  }));
  return { marks, total: g.total, bundled: true };
}

/**
 * The marks to draw for the messages in flight. Up to `limit` messages are drawn one by one;
 * beyond, messages are bundled by direction, kind and request/reply (one mark with a count at
 * about their mean position), which a person can still follow and SVG draws at full frame rate.
 */
export function flightMarks(
  messages: Iterable<MessageView>,
  now: number,
  limit: number,
  include: (m: MessageView) => boolean = () => true,
): { marks: FlightMark[]; total: number; bundled: boolean } {
  return flightMarksAt(groupFlights(messages, limit, include), now);
}

/** A flight mark placed on the stage: where it is drawn and how big, for drawing and picking. */
export interface PlacedFlight {
  mark: FlightMark;
  x: number;
  y: number;
  /** The drawn dot's radius (px). */
  rad: number;
}

/** The dot radius of a single message (heartbeats smaller) and of a bundle (px). */
export const FLIGHT_RADIUS = { heartbeat: 3.5, message: 5.5, bundle: 7 } as const;

/** How far from a message's centre a click still picks it (px). */
export const FLIGHT_HIT_PX = 9;

/** How far sideways the two directions of a link travel apart (px). */
export const FLIGHT_LANE_PX = 5;

/**
 * The marks placed on their links (between the node circles of radius `r`), in drawing order;
 * a mark whose nodes have no position is left out.
 */
export function placeFlights(
  marks: readonly FlightMark[],
  positions: ReadonlyMap<string, Point>,
  r: number,
): PlacedFlight[] {
  const out: PlacedFlight[] = [];
  for (const mark of marks) {
    const from = mark.type === 'one' ? mark.message.from : mark.from;
    const to = mark.type === 'one' ? mark.message.to : mark.to;
    const a = positions.get(from);
    const b = positions.get(to);
    if (a === undefined || b === undefined) continue;
    const { x, y } = pointOnLink(a, b, mark.progress, r + 2, FLIGHT_LANE_PX);
    const rad =
      mark.type === 'bundle'
        ? FLIGHT_RADIUS.bundle
        : mark.kind === 'heartbeat'
          ? FLIGHT_RADIUS.heartbeat
          : FLIGHT_RADIUS.message;
    out.push({ mark, x, y, rad });
  }
  return out;
}

/**
 * The mark a click at `p` picks: the nearest within FLIGHT_HIT_PX (or its bundle's radius),
 * the one drawn last (on top) among equals; null when none is that close.
 */
export function flightAt(placed: readonly PlacedFlight[], p: Point): PlacedFlight | null {
  let best: PlacedFlight | null = null;
  let bestD = Infinity;
  for (const f of placed) {
    const d = Math.hypot(f.x - p.x, f.y - p.y);
    if (d <= Math.max(FLIGHT_HIT_PX, f.rad) && d <= bestD) {
      best = f;
      bestD = d;
    }
  }
  return best;
}

/** What a mark is, in words: its tooltip and its screen-reader text. */
export function flightLabel(mark: FlightMark): string {
  if (mark.type === 'bundle') {
    return `${mark.count} ${KIND_LABELS[mark.kind]} ${mark.reply ? 'replies' : 'requests'} ${mark.from}→${mark.to}`;
  }
  const m = mark.message;
  const verdict = replyVerdict(m);
  return `${m.msgType}${m.detail.preVote === true ? ' (pre-vote)' : ''} ${m.from}→${m.to}, term ${m.term}${verdict === 'no' ? ', refused/rejected' : verdict === 'yes' ? ', granted/ok' : ''}`;
}
