// The live cluster's trace merge: events reach the page in batches, one stream per node worker
// (and one for what the page records itself), each in the order its source emitted them, which
// is also cluster-time order within the stream. A batch from one worker can arrive after a
// later-timed batch from another, so the page holds events back for a short window and then
// releases them in cluster-time order across the streams.
// How: one queue of batches per stream; a release takes, by a k-way merge of the queue heads,
// every held event up to the latest time among the batches that arrived before the cutoff (an
// event from the same moment that arrived later still fits behind it). Ties in time go to the
// batch that arrived first. Nothing is copied or wrapped per event: the events are the objects
// the page parsed, released in place (the recorder stamps their seq).
// A stream may also say how far it has got (`upTo`: none of its later events is earlier; a node
// worker says so with every batch, and every 50 ms when it has nothing to send). While every such
// stream has spoken within STALE_MS, a release takes the held events up to the earliest of their
// `upTo`s instead: none of them can still send anything earlier, so the order is exact even when
// a busy worker's batch reaches the page long after other nodes' later ones (the time window
// alone then put a message's receipt before its send). A stream silent for longer (a worker
// that is stuck) no longer holds the others back: the window rule applies to it again.
// Invariants: each stream's events leave in the order they came; a release never returns an
// event whose time is below one already released from a batch that had arrived by then, nor,
// while the streams that say how far they got keep speaking, below one still to come from them.
import type { TraceEvent } from '../trace/events.ts';

interface Batch {
  /** When it reached the page (wall ms). */
  arrivedMs: number;
  /** Arrival order across all streams: breaks ties in time. */
  order: number;
  events: TraceEvent[];
  /** The next event of this batch to release. */
  pos: number;
}

interface Stream {
  batches: Batch[];
  /** The first batch not yet wholly released. */
  head: number;
  /** How far the source says it has got (its later events are no earlier), if it says so. */
  upTo: number | null;
  /** When it last said so (wall ms). */
  heardMs: number;
  /** Its source is gone (a terminated worker): it constrains nothing any more. */
  closed: boolean;
}

/** A stream that said how far it got but has been silent this long (wall ms) is not waited for. */
export const STALE_MS = 500;

export class EventMerge {
  private readonly streams = new Map<string, Stream>();
  private arrivals = 0;
  private held = 0;

  /** How many events are held. */
  get size(): number {
    return this.held;
  }

  /**
   * A batch of `source`'s events (in its own order, possibly none), arrived at `arrivedMs`;
   * `upTo`: none of the source's later events will be earlier than this.
   */
  push(source: string, arrivedMs: number, events: TraceEvent[], upTo?: number): void {
    let s = this.streams.get(source);
    if (s === undefined) {
      s = { batches: [], head: 0, upTo: null, heardMs: arrivedMs, closed: false };
      this.streams.set(source, s);
    }
    if (upTo !== undefined) {
      s.upTo = Math.max(s.upTo ?? -Infinity, upTo);
      s.heardMs = arrivedMs;
      s.closed = false;
    }
    if (events.length === 0) return;
    s.batches.push({ arrivedMs, order: this.arrivals++, events, pos: 0 });
    this.held += events.length;
  }

  /** `source` is gone: what it sent is still released, but it holds nothing back any more. */
  close(source: string): void {
    const s = this.streams.get(source);
    if (s !== undefined) s.closed = true;
  }

  /**
   * The earliest `upTo` of the open streams that said how far they got and spoke within
   * STALE_MS of `nowMs`; null when there is none.
   */
  private watermark(nowMs: number): number | null {
    let min: number | null = null;
    for (const s of this.streams.values()) {
      if (s.upTo === null || s.closed || nowMs - s.heardMs > STALE_MS) continue;
      if (min === null || s.upTo < min) min = s.upTo;
    }
    return min;
  }

  /**
   * Release, in time order, every held event up to the earliest `upTo` of the streams that say
   * how far they got and spoke within STALE_MS of `nowMs` (default `cutoffMs`), or, when none
   * does, up to the latest time of a batch that arrived at or before `cutoffMs`; with null,
   * every held event.
   */
  take(cutoffMs: number | null, nowMs: number = cutoffMs ?? 0): TraceEvent[] {
    if (this.held === 0) return [];
    let limit = Infinity;
    const mark = cutoffMs === null ? null : this.watermark(nowMs);
    if (mark !== null) limit = mark;
    else if (cutoffMs !== null) {
      limit = -Infinity;
      for (const s of this.streams.values()) {
        for (let i = s.head; i < s.batches.length; i++) {
          const b = s.batches[i];
          if (b.arrivedMs > cutoffMs) break;
          const last = b.events[b.events.length - 1].t;
          if (last > limit) limit = last;
        }
      }
      if (limit === -Infinity) return [];
    }
    const live: Stream[] = [];
    for (const s of this.streams.values()) if (s.head < s.batches.length) live.push(s);
    const out: TraceEvent[] = [];
    for (;;) {
      let best: Stream | null = null;
      let bestT = Infinity;
      let bestOrder = Infinity;
      for (const s of live) {
        if (s.head >= s.batches.length) continue;
        const b = s.batches[s.head];
        const t = b.events[b.pos].t;
        if (t < bestT || (t === bestT && b.order < bestOrder)) {
          best = s;
          bestT = t;
          bestOrder = b.order;
        }
      }
      if (best === null || bestT > limit) break;
      const b = best.batches[best.head];
      out.push(b.events[b.pos++]);
      if (b.pos === b.events.length) best.head++;
    }
    this.held -= out.length;
    for (const [key, s] of this.streams) {
      if (s.head === s.batches.length) {
        // Drained: forget it, unless it says how far it got (that state outlives its batches).
        if (s.upTo === null || s.closed) this.streams.delete(key);
        else {
          s.batches = [];
          s.head = 0;
        }
      } else if (s.head > 32) {
        s.batches = s.batches.slice(s.head);
        s.head = 0;
      }
    }
    return out;
  }
}
