// The space-time diagram's data and geometry, as pure functions: what the trace says happened
// on each node's lane (message arrows from send to receipt or loss, role changes, faults,
// commits, client requests and their outcomes), and which of it falls inside a time window, so
// the canvas draws only what is in view. The builder takes events incrementally (the view
// store's timeline grows by a batch per frame); queries are binary searches over arrays sorted
// by time, so a 100,000-event trace costs the window's share, not the trace's.
// Invariants: arrows, marks and role changes are kept sorted by their start time (t); an arrow
// is identified as the view model identifies the message ("from:msgId", src/state/reduce.ts),
// so a click selects the same message the cluster view shows; nothing here reads a clock.
import type { TraceEvent } from '../../trace/events.ts';
import type { GroupId, NodeId } from '../../state/model.ts';
import { messageKind, type MessageKind } from '../viz/messages.ts';

/** One message copy: from its send to its receipt, its loss, or (end null) still in flight. */
export interface StArrow {
  /** As the view model names the message: "from:msgId". */
  id: string;
  group: GroupId;
  from: NodeId;
  to: NodeId;
  /** Lane indexes of from and to (lanes are only ever appended, so these stay valid). */
  fromLane: number;
  toLane: number;
  msgType: string;
  kind: MessageKind;
  reply: boolean;
  sendT: number;
  sendSeq: number;
  /** When it arrived or was lost (cluster ms); null while in flight. */
  endT: number | null;
  /** Lost on the way: the drop's reason (partition, loss, down, dropped by hand, ...). */
  dropped: string | null;
  /** A Forward or ForwardResponse carries the client request it belongs to. */
  requestId: string | null;
}

export type StMarkKind = 'fault' | 'commit' | 'request' | 'outcome';

/** Something that happened at one moment on one lane (node null: the whole cluster). */
export interface StMark {
  kind: StMarkKind;
  node: NodeId | null;
  /** null: not tied to a group (most faults). */
  group: GroupId | null;
  t: number;
  seq: number;
  label: string;
  requestId: string | null;
  /** For outcomes: ok, fail or info; for requests: write or read. */
  detail: string;
}

/** A node's role in a group from `t` on (until the next change on the same lane and group). */
export interface StRole {
  node: NodeId;
  group: GroupId;
  t: number;
  seq: number;
  role: string;
  term: number;
}

/** A node is down from `t` (a crash) until the next `up` on its lane. */
export interface StLife {
  node: NodeId;
  t: number;
  up: boolean;
}

export interface SpacetimeData {
  /** The nodes, in the order they first appear (the header's order first). */
  lanes: NodeId[];
  arrows: StArrow[];
  marks: StMark[];
  roles: StRole[];
  life: StLife[];
  /** Arrows still in flight (neither received nor lost yet), by id. */
  open: Map<string, StArrow>;
  /** The longest send→end span so far: how far before a window an arrow may start and show. */
  maxSpanMs: number;
  /** First and last event time. */
  t0: number;
  t1: number;
  /** Events taken so far. */
  count: number;
  /** The seq of the first event taken (a rebuild is needed when the source dropped it). */
  firstSeq: number | null;
}

export function emptySpacetime(lanes: readonly NodeId[] = []): SpacetimeData {
  return {
    lanes: [...lanes],
    arrows: [],
    marks: [],
    roles: [],
    life: [],
    open: new Map(),
    maxSpanMs: 0,
    t0: 0,
    t1: 0,
    count: 0,
    firstSeq: null,
  };
}

/** Insert keeping the array sorted by t (appends in the usual case: events come in time order). */
function insertByT<T extends { t: number }>(list: T[], item: T): void {
  let i = list.length;
  if (i === 0 || list[i - 1].t <= item.t) {
    list.push(item);
    return;
  }
  while (i > 0 && list[i - 1].t > item.t) i--;
  list.splice(i, 0, item);
}

function insertArrow(list: StArrow[], a: StArrow): void {
  let i = list.length;
  if (i === 0 || list[i - 1].sendT <= a.sendT) {
    list.push(a);
    return;
  }
  while (i > 0 && list[i - 1].sendT > a.sendT) i--;
  list.splice(i, 0, a);
}

const REPLY_TYPES = new Set([
  'RequestVoteResponse',
  'AppendEntriesResponse',
  'InstallSnapshotResponse',
  'ReadIndexResponse',
  'ForwardResponse',
]);

/** Which fault kinds mark a whole cluster change drawn across every lane. */
function faultLabel(e: Extract<TraceEvent, { type: 'fault' }>): string {
  switch (e.fault) {
    case 'partition':
      return `partition ${e.sides.map((s) => s.join(' ')).join(' | ')}`;
    case 'cut':
    case 'link':
      return `${e.fault} ${e.from}→${e.to}`;
    case 'skew':
      return `skew ×${e.rate}`;
    case 'network':
      return 'network settings';
    case 'transfer-leader':
      return `transfer to ${e.to}`;
    case 'hold':
      return e.on ? 'hold on' : 'hold off';
    case 'speed':
      return `speed ${e.speed}×`;
    case 'step-error':
    case 'worker-error':
      return `${e.fault}: ${e.message}`;
    case 'node-error':
      return `${e.kind}: ${e.message}`;
    case 'disk-stall':
      return `disk stalled ${Math.round(e.waitedMs)} ms`;
    case 'disk-resume':
      return `disk answered after ${Math.round(e.waitedMs)} ms`;
    default:
      return e.fault;
  }
}

/** Faults that are host pacing rather than something done to the cluster: not drawn. */
const QUIET_FAULTS = new Set(['speed', 'durability', 'release', 'discard']);

/**
 * Builds SpacetimeData from trace events, one batch at a time. Mutates the data it owns (the
 * arrays stay sorted); callers treat `data` as read-only and redraw after each append.
 */
export class SpacetimeBuilder {
  readonly data: SpacetimeData;
  private readonly laneIndex = new Map<NodeId, number>();
  /** Per node, per group, the term of its last role: a crash ends the role ('down'). */
  private readonly lastTerm = new Map<NodeId, Map<GroupId, number>>();

  constructor(lanes: readonly NodeId[] = []) {
    this.data = emptySpacetime(lanes);
    this.data.lanes.forEach((n, i) => this.laneIndex.set(n, i));
  }

  private lane(node: NodeId | null): number {
    if (node === null) return -1;
    const i = this.laneIndex.get(node);
    if (i !== undefined) return i;
    this.laneIndex.set(node, this.data.lanes.length);
    this.data.lanes.push(node);
    return this.data.lanes.length - 1;
  }

  append(events: readonly TraceEvent[]): void {
    const d = this.data;
    for (const e of events) {
      if (d.count === 0) {
        d.t0 = e.t;
        d.firstSeq = e.seq;
      }
      d.count++;
      if (e.t > d.t1) d.t1 = e.t;
      if (e.t < d.t0) d.t0 = e.t;
      this.lane(e.node);
      this.take(e);
    }
  }

  /** A crashed node holds no role until it says so again (its role events after a restart). */
  private endRoles(node: NodeId, t: number, seq: number): void {
    const terms = this.lastTerm.get(node);
    if (terms === undefined) return;
    for (const [group, term] of terms) {
      insertByT(this.data.roles, { node, group, t, seq, role: 'down', term });
    }
    this.lastTerm.delete(node);
  }

  private take(e: TraceEvent): void {
    const d = this.data;
    switch (e.type) {
      case 'send': {
        const toLane = this.lane(e.to);
        const fromLane = this.lane(e.from);
        const id = `${e.from}:${e.msgId}`;
        const a: StArrow = {
          id,
          group: e.group,
          from: e.from,
          to: e.to,
          fromLane,
          toLane,
          msgType: e.msgType,
          kind: messageKind({
            msgType: e.msgType,
            heartbeat: e.hb === true,
            detail: e.preVote === undefined ? {} : { preVote: e.preVote },
          }),
          reply: REPLY_TYPES.has(e.msgType),
          sendT: e.t,
          sendSeq: e.seq,
          endT: null,
          dropped: null,
          requestId: e.rid ?? null,
        };
        this.data.open.set(id, a);
        insertArrow(d.arrows, a);
        return;
      }
      case 'recv':
      case 'drop': {
        const id = `${e.from}:${e.msgId}`;
        const a = d.open.get(id);
        if (a === undefined) return;
        d.open.delete(id);
        a.endT = Math.max(e.t, a.sendT);
        if (e.type === 'drop') a.dropped = e.reason;
        if (a.endT - a.sendT > d.maxSpanMs) d.maxSpanMs = a.endT - a.sendT;
        return;
      }
      case 'role':
        if (e.node !== null) {
          let terms = this.lastTerm.get(e.node);
          if (terms === undefined) this.lastTerm.set(e.node, (terms = new Map()));
          terms.set(e.group, e.term);
        }
        insertByT(d.roles, {
          node: e.node ?? '?',
          group: e.group,
          t: e.t,
          seq: e.seq,
          role: e.to,
          term: e.term,
        });
        return;
      case 'commit':
        insertByT(d.marks, mark('commit', e, e.group, `commit ${e.index}`, null, ''));
        return;
      case 'request':
        insertByT(d.marks, mark('request', e, e.group, e.label, e.requestId, e.kind));
        return;
      case 'ok':
      case 'fail':
      case 'info':
        insertByT(
          d.marks,
          mark('outcome', e, e.group, `${e.type} ${e.op} ${e.key}`, e.requestId ?? null, e.type),
        );
        return;
      case 'fault': {
        if (QUIET_FAULTS.has(e.fault)) return;
        if (e.fault === 'crash' && e.node !== null) {
          insertByT(d.life, { node: e.node, t: e.t, up: false });
          this.endRoles(e.node, e.t, e.seq);
        } else if (e.fault === 'restart' && e.node !== null) {
          insertByT(d.life, { node: e.node, t: e.t, up: true });
        }
        const group = 'group' in e && typeof e.group === 'string' ? e.group : null;
        insertByT(d.marks, mark('fault', e, group, faultLabel(e), null, e.fault));
        return;
      }
      case 'node-start':
        insertByT(d.life, { node: e.node ?? '?', t: e.t, up: true });
        return;
      case 'node-crash':
        insertByT(d.life, { node: e.node ?? '?', t: e.t, up: false });
        if (e.node !== null) this.endRoles(e.node, e.t, e.seq);
        return;
      default:
        return;
    }
  }
}

function mark(
  kind: StMarkKind,
  e: TraceEvent,
  group: GroupId | null,
  label: string,
  requestId: string | null,
  detail: string,
): StMark {
  return { kind, node: e.node, group, t: e.t, seq: e.seq, label, requestId, detail };
}

/** Build the whole diagram of a trace at once. */
export function buildSpacetime(
  events: readonly TraceEvent[],
  lanes: readonly NodeId[] = [],
): SpacetimeData {
  const b = new SpacetimeBuilder(lanes);
  b.append(events);
  return b.data;
}

/** The first index whose key is ≥ t, in an array sorted by key. */
export function lowerBound<T>(list: readonly T[], t: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The time window [from, to] in cluster ms, and the group shown (null: every group). */
export interface Window {
  from: number;
  to: number;
  group: GroupId | null;
}

/**
 * The arrows that cross the window: sent before its end, and ended (or still in flight at
 * `now`) after its start. Only arrows sent after from − maxSpanMs are looked at; in-flight
 * arrows are few and are found among the last ones sent.
 */
export function visibleArrows(d: SpacetimeData, w: Window, now: number): StArrow[] {
  const out: StArrow[] = [];
  const start = lowerBound(d.arrows, w.from - d.maxSpanMs, (a) => a.sendT);
  const end = lowerBound(d.arrows, w.to + 1e-9, (a) => a.sendT);
  for (let i = start; i < end; i++) {
    const a = d.arrows[i];
    if (w.group !== null && a.group !== w.group) continue;
    const endT = a.endT ?? now;
    if (endT >= w.from) out.push(a);
  }
  // Arrows still in flight may have been sent before from − maxSpanMs (the loop above did not
  // look at them); they are few.
  if (now >= w.from) {
    const before = w.from - d.maxSpanMs;
    for (const a of d.open.values()) {
      if (a.sendT < before && (w.group === null || a.group === w.group)) out.push(a);
    }
  }
  return out;
}

/** The marks inside the window (group-less marks are always shown). */
export function visibleMarks(d: SpacetimeData, w: Window): StMark[] {
  const out: StMark[] = [];
  const end = lowerBound(d.marks, w.to + 1e-9, (m) => m.t);
  for (let i = lowerBound(d.marks, w.from, (m) => m.t); i < end; i++) {
    const m = d.marks[i];
    if (w.group !== null && m.group !== null && m.group !== w.group) continue;
    out.push(m);
  }
  return out;
}

/** A role held on one lane from `from` to `to` (clipped to the window). */
export interface RoleSpan {
  node: NodeId;
  role: string;
  term: number;
  from: number;
  to: number;
  /** The change itself is inside the window (a label is drawn at `from`). */
  starts: boolean;
}

/**
 * Per lane, the role segments of `group` over the window: the role in force at its start (the
 * last change before it), then each change inside it. A lane with no change before the window
 * end has none. Costs the window's changes plus one binary search per lane.
 */
export function roleSpans(d: SpacetimeData, group: GroupId, w: Window, now: number): RoleSpan[] {
  const out: RoleSpan[] = [];
  const endIdx = lowerBound(d.roles, w.to + 1e-9, (r) => r.t);
  const startIdx = lowerBound(d.roles, w.from, (r) => r.t);
  const current = new Map<NodeId, StRole>();
  // The role in force at the window's start: the last change per lane before it. Walk back
  // until every lane is found (or the list starts), which is short in practice.
  for (let i = startIdx - 1; i >= 0 && current.size < d.lanes.length; i--) {
    const r = d.roles[i];
    if (r.group === group && !current.has(r.node)) current.set(r.node, r);
  }
  const open = new Map<NodeId, { r: StRole; from: number; starts: boolean }>();
  for (const [node, r] of current) open.set(node, { r, from: w.from, starts: false });
  const close = (node: NodeId, to: number): void => {
    const o = open.get(node);
    if (o === undefined) return;
    if (to > o.from || o.starts) {
      out.push({ node, role: o.r.role, term: o.r.term, from: o.from, to, starts: o.starts });
    }
    open.delete(node);
  };
  for (let i = startIdx; i < endIdx; i++) {
    const r = d.roles[i];
    if (r.group !== group) continue;
    close(r.node, r.t);
    open.set(r.node, { r, from: r.t, starts: true });
  }
  const last = Math.min(w.to, Math.max(now, w.from));
  for (const node of [...open.keys()]) close(node, Math.max(last, open.get(node)!.from));
  return out;
}

/** When each lane was down inside the window: [from, to] spans. */
export function downSpans(
  d: SpacetimeData,
  w: Window,
  now: number,
): { node: NodeId; from: number; to: number }[] {
  const down = new Map<NodeId, number>();
  const out: { node: NodeId; from: number; to: number }[] = [];
  for (const l of d.life) {
    if (l.t > w.to) break;
    if (!l.up) {
      if (!down.has(l.node)) down.set(l.node, l.t);
    } else {
      const since = down.get(l.node);
      if (since !== undefined && l.t >= w.from)
        out.push({ node: l.node, from: Math.max(since, w.from), to: l.t });
      down.delete(l.node);
    }
  }
  const end = Math.min(w.to, now);
  for (const [node, since] of down)
    if (end >= w.from) out.push({ node, from: Math.max(since, w.from), to: end });
  return out;
}

/**
 * Thin the arrows when more are in view than pixels can show: keep one per (sender lane,
 * receiver lane, `bucketPx` column of its send x, lost or not). Zoomed in, every arrow keeps its
 * own column, so nothing is hidden; zoomed far out, a thousand heartbeats per pixel draw once.
 */
export function thinArrows(
  arrows: readonly StArrow[],
  xOf: (t: number) => number,
  lanes: number,
  bucketPx: number,
  keep: (a: StArrow) => boolean = () => false,
): StArrow[] {
  lanes = Math.max(1, lanes);
  // Arrows come sorted by send time, so each (lane pair, lost) slot only needs the last column
  // it drew; the rare arrow out of order (an in-flight one appended at the end) is kept.
  const lastCol = new Float64Array(lanes * lanes * 2).fill(-Infinity);
  const out: StArrow[] = [];
  for (const a of arrows) {
    if (keep(a)) {
      out.push(a);
      continue;
    }
    const col = Math.floor(xOf(a.sendT) / bucketPx);
    const slot = (a.fromLane * lanes + a.toLane) * 2 + (a.dropped === null ? 0 : 1);
    if (lastCol[slot] === col) continue;
    lastCol[slot] = col;
    out.push(a);
  }
  return out;
}

/** The y of lane i's line, with lanes evenly spread between top and bottom margins. */
export function laneY(i: number, lanes: number, height: number, top = 28, bottom = 16): number {
  if (lanes <= 1) return top + (height - top - bottom) / 2;
  return top + (i * (height - top - bottom)) / (lanes - 1);
}

/** Distance from point (px, py) to the segment (x0, y0)–(x1, y1). */
export function segmentDistance(
  px: number,
  py: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  const cx = x0 + u * dx;
  const cy = y0 + u * dy;
  return Math.hypot(px - cx, py - cy);
}

export type Hit =
  { type: 'arrow'; arrow: StArrow } | { type: 'mark'; mark: StMark } | { type: 'none'; t: number };

/**
 * What a click at (x, y) hits: a request or outcome mark within `radius` px first (they are
 * small targets), then the nearest arrow within it; otherwise the cluster time under x.
 */
export function hitTest(
  x: number,
  y: number,
  arrows: readonly StArrow[],
  marks: readonly StMark[],
  geom: { xOf: (t: number) => number; tOf: (x: number) => number; yOf: (n: NodeId) => number },
  now: number,
  radius = 5,
): Hit {
  let best: Hit = { type: 'none', t: geom.tOf(x) };
  let bestD = radius;
  for (const m of marks) {
    if (m.node === null || (m.kind !== 'request' && m.kind !== 'outcome')) continue;
    const d = Math.hypot(geom.xOf(m.t) - x, geom.yOf(m.node) - y);
    if (d <= bestD) {
      best = { type: 'mark', mark: m };
      bestD = d;
    }
  }
  if (best.type === 'mark') return best;
  for (const a of arrows) {
    const d = segmentDistance(
      x,
      y,
      geom.xOf(a.sendT),
      geom.yOf(a.from),
      geom.xOf(a.endT ?? now),
      geom.yOf(a.to),
    );
    if (d <= bestD) {
      best = { type: 'arrow', arrow: a };
      bestD = d;
    }
  }
  return best;
}
