// The trace recorder: stamps event bodies with the global sequence number and cluster time,
// keeps them, and passes each to an optional listener.
// Invariants: the seq numbers it hands out strictly increase by one over its life (clear() drops
// stored events but does not restart seq), so a trace it exports always re-imports; every event
// it hands out is plain JSON data (a required field is never `undefined`, which JSON.stringify
// would leave out); with a limit it never holds more than `limit` events, dropping the oldest
// and saying so in the exported header, so a long run cannot exhaust the page's memory.
import type { NodeId } from '../raft/types.ts';
import type { TraceBody, TraceDropped, TraceEvent, TraceHeader } from './events.ts';
import { exportTrace } from './jsonl.ts';

export type TraceListener = (event: TraceEvent) => void;

export interface TraceRecorderOptions {
  /** Record at all; when false, record() is a no-op returning null. Default true. */
  enabled?: boolean;
  /** Keep events in memory for events() and toJsonl(); false streams to the listener only. Default true. */
  keep?: boolean;
  /** Called with every recorded event, after it is stored. */
  listener?: TraceListener | null;
  /** The first seq handed out; default 0. */
  firstSeq?: number;
  /**
   * Keep at most this many events (the most recent); older ones are dropped and counted.
   * Default: no bound.
   */
  limit?: number;
}

/**
 * Fields of history and apply events the schema requires but whose value the operation may lack
 * (a malformed write has no `content`): recorded as null, which JSON keeps, instead of undefined,
 * which JSON drops (and a trace missing a required field does not import).
 */
const REQUIRED_VALUES = ['value', 'result', 'op'] as const;

/** `body` with its top-level undefined fields made JSON-safe: required ones null, others gone. */
function jsonSafe(body: TraceBody): TraceBody {
  const b = body as unknown as Record<string, unknown>;
  // A for-in over the few fields allocates nothing in the common case (no undefined field).
  let bad = false;
  for (const k in b) {
    if (b[k] === undefined) {
      bad = true;
      break;
    }
  }
  if (!bad) return body;
  const copy: Record<string, unknown> = {};
  for (const k in b) {
    if (b[k] !== undefined) copy[k] = b[k];
    else if ((REQUIRED_VALUES as readonly string[]).includes(k)) copy[k] = null;
  }
  return copy as unknown as TraceBody;
}

/**
 * `body` as an event of `node` at cluster time `t`, made JSON-safe, with seq 0 until a recorder
 * stamps it (recordEvent): the same fields in the same order as record() gives.
 */
export function traceEvent(node: NodeId | null, t: number, body: TraceBody): TraceEvent {
  return { seq: 0, t, node, ...jsonSafe(body) } as TraceEvent;
}

/**
 * How many events a bounded store keeps when it goes over `limit`: 90 % of it, so the oldest
 * are dropped once per tenth of the limit rather than on every event (amortized O(1) per event,
 * one array). The recorder, the engines' feeds and the view timeline trim to it.
 */
export function trimmedSize(limit: number): number {
  return Math.max(1, Math.floor(limit * 0.9));
}

export class TraceRecorder {
  /** When false, record() does nothing and returns null; seq does not advance. */
  enabled: boolean;
  /** When false, events are not stored (only passed to the listener). */
  keep: boolean;
  listener: TraceListener | null;
  private stored: TraceEvent[] = [];
  private seq: number;
  private readonly limit: number;
  private droppedCount = 0;
  private droppedFirst = -1;
  private droppedLast = -1;

  constructor(options: TraceRecorderOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.keep = options.keep ?? true;
    this.listener = options.listener ?? null;
    this.seq = options.firstSeq ?? 0;
    const limit = options.limit ?? Infinity;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) {
      throw new RangeError(`TraceRecorder: limit must be an integer >= 1, got ${limit}`);
    }
    this.limit = limit;
  }

  /**
   * Stamp `body` with the next seq, time `t` (cluster ms) and `node` (null for cluster-wide
   * events such as faults), store it and tell the listener. Returns the event, or null when
   * the recorder is disabled.
   */
  record(node: NodeId | null, t: number, body: TraceBody): TraceEvent | null {
    if (!this.enabled) return null;
    return this.recordEvent(traceEvent(node, t, body));
  }

  /**
   * Record an event already shaped as one (traceEvent(), or one a node worker built the same
   * way and the page parsed from JSON): its seq is set here, in place. Returns it, or null when
   * the recorder is disabled.
   */
  recordEvent(event: TraceEvent): TraceEvent | null {
    if (!this.enabled) return null;
    (event as { seq: number }).seq = this.seq++;
    if (this.keep) {
      this.stored.push(event);
      if (this.stored.length > this.limit) this.trim();
    }
    if (this.listener !== null) this.listener(event);
    return event;
  }

  /** The stored events in seq order. The array is the recorder's own: do not modify it. */
  events(): readonly TraceEvent[] {
    return this.stored;
  }

  /** How many events are stored. */
  get size(): number {
    return this.stored.length;
  }

  /** The seq the next recorded event will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Drop the oldest events down to trimmedSize(limit). */
  private trim(): void {
    const keep = trimmedSize(this.limit);
    const n = this.stored.length - keep;
    if (this.droppedCount === 0) this.droppedFirst = this.stored[0].seq;
    this.droppedLast = this.stored[n - 1].seq;
    this.droppedCount += n;
    this.stored = this.stored.slice(n);
  }

  /** What the bound dropped so far, or null when nothing was. */
  get dropped(): TraceDropped | null {
    if (this.droppedCount === 0) return null;
    return { events: this.droppedCount, firstSeq: this.droppedFirst, lastSeq: this.droppedLast };
  }

  /** Drop the stored events. Seq keeps counting, so later events still follow earlier ones. */
  clear(): void {
    this.stored = [];
  }

  /**
   * The stored events as a JSON Lines trace file (see exportTrace); when the bound dropped
   * events, the header says which (`dropped`, and a note in words).
   */
  toJsonl(header: TraceHeader): string {
    const d = this.dropped;
    if (d === null) return exportTrace(header, this.stored);
    return exportTrace(
      { ...header, dropped: d, notes: [...(header.notes ?? []), droppedNote(d)] },
      this.stored,
    );
  }
}

/** "events with seq 0–399,999 dropped (…)", for the page and the exported header. */
export function droppedNote(d: TraceDropped): string {
  const f = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (
    `events with seq ${f(d.firstSeq)}–${f(d.lastSeq)} (${f(d.events)} events) were dropped: ` +
    `the in-memory trace keeps only the most recent events, and an export starts after them`
  );
}
