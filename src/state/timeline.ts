// The folded history of one trace: the events in order, the current state, and a checkpoint
// (the state itself; structural sharing makes keeping it nearly free) every `every` events, so
// any past point (a seq or a cluster time) is rebuilt by folding at most `every` events from
// the checkpoint before it: the basis of scrubbing and replay.
// Invariants: checkpoint k is the state after the first k·every events held; stateAt(seq) is
// exactly what folding every event up to seq from the start gives (reduce is pure), and never
// changes the current state. With a limit, the oldest window of events and its checkpoint are
// forgotten together, so the earliest reachable point is always a checkpoint.
import type { TraceEvent } from '../trace/events.ts';
import type { ViewState } from './model.ts';
import { withTransientMaps } from './maps.ts';
import { reduce } from './reduce.ts';

export interface TimelineOptions {
  /** Events between checkpoints (default 1000). */
  every?: number;
  /** Keep at most about this many events (whole windows are dropped); default unbounded. */
  limit?: number;
}

export class Timeline {
  readonly every: number;
  private readonly limit: number;
  private events: TraceEvent[] = [];
  /** checkpoints[k]: the state after events[0 .. k·every − 1]. */
  private checkpoints: ViewState[];
  private head: ViewState;

  constructor(initial: ViewState, options: TimelineOptions = {}) {
    const every = options.every ?? 1000;
    if (!(Number.isInteger(every) && every >= 1)) {
      throw new RangeError(`Timeline: every must be an integer >= 1, got ${every}`);
    }
    this.every = every;
    this.limit = Math.max(options.limit ?? Infinity, 2 * every);
    this.checkpoints = [initial];
    this.head = initial;
  }

  /** The state after every event appended so far. */
  get current(): ViewState {
    return this.head;
  }

  /** Events held (after any the limit dropped). */
  get size(): number {
    return this.events.length;
  }

  /** The seq of the first event held, or null when none is. */
  get firstSeq(): number | null {
    return this.events.length === 0 ? null : this.events[0].seq;
  }

  /**
   * The events held, in seq order (read-only: views that draw the whole trace, such as the
   * space-time diagram, read them here rather than from the engine).
   */
  get held(): readonly TraceEvent[] {
    return this.events;
  }

  /** Fold `batch` (in seq order, after every event held) into the current state. */
  append(batch: readonly TraceEvent[]): ViewState {
    let s = this.head;
    // Maps the batch creates are updated in place until a state escapes (maps.ts).
    withTransientMaps((seal) => {
      for (const e of batch) {
        s = reduce(s, e);
        this.events.push(e);
        if (this.events.length % this.every === 0) {
          seal();
          this.checkpoints.push(s);
        }
      }
    });
    this.head = s;
    if (this.events.length > this.limit) this.dropOldest();
    return s;
  }

  /** The state right after the event with the highest seq ≤ `seq` (the earliest held state before all). */
  stateAt(seq: number): ViewState {
    return this.stateAfter(this.countUpTo((e) => e.seq <= seq));
  }

  /** The state at cluster time `t`: after every event with time ≤ t. */
  stateAtTime(t: number): ViewState {
    return this.stateAfter(this.countUpTo((e) => e.t <= t));
  }

  /** The state after the first `n` events held. */
  stateAfter(n: number): ViewState {
    if (n >= this.events.length) return this.head;
    const k = Math.floor(Math.max(0, n) / this.every);
    let s = this.checkpoints[k];
    withTransientMaps(() => {
      for (let i = k * this.every; i < n; i++) s = reduce(s, this.events[i]);
    });
    return s;
  }

  /** How many leading events satisfy `pred` (a predicate monotone along the trace). */
  private countUpTo(pred: (e: TraceEvent) => boolean): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pred(this.events[mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forget the oldest windows of events down to the limit, with their checkpoints. */
  private dropOldest(): void {
    const windows = Math.ceil((this.events.length - this.limit) / this.every);
    this.events = this.events.slice(windows * this.every);
    this.checkpoints = this.checkpoints.slice(windows);
  }
}
