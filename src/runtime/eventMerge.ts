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
// Invariants: each stream's events leave in the order they came; a release never returns an
// event whose time is below one already released from a batch that had arrived by then.
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
}

export class EventMerge {
  private readonly streams = new Map<string, Stream>();
  private arrivals = 0;
  private held = 0;

  /** How many events are held. */
  get size(): number {
    return this.held;
  }

  /** A batch of `source`'s events (in its own order), arrived at `arrivedMs`. */
  push(source: string, arrivedMs: number, events: TraceEvent[]): void {
    if (events.length === 0) return;
    let s = this.streams.get(source);
    if (s === undefined) {
      s = { batches: [], head: 0 };
      this.streams.set(source, s);
    }
    s.batches.push({ arrivedMs, order: this.arrivals++, events, pos: 0 });
    this.held += events.length;
  }

  /**
   * Release, in time order, every held event up to the latest time of a batch that arrived at
   * or before `cutoffMs`; with null, every held event.
   */
  take(cutoffMs: number | null): TraceEvent[] {
    if (this.held === 0) return [];
    let limit = Infinity;
    if (cutoffMs !== null) {
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
      if (s.head === s.batches.length) this.streams.delete(key);
      else if (s.head > 32) {
        s.batches = s.batches.slice(s.head);
        s.head = 0;
      }
    }
    return out;
  }
}
