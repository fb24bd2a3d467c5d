// The folded history of one trace: the events in order, the current state, and a checkpoint
// (the state itself; structural sharing makes keeping it nearly free) every `every` events, so
// any past point (a seq or a cluster time) is rebuilt by folding at most `every` events from
// the checkpoint before it: the basis of scrubbing and replay.
// Invariants: checkpoint k is the state after the first k·every events held; stateAt(seq) is
// exactly what folding every event up to seq from the start gives (reduce is pure), and never
// changes the current state. With a limit, the oldest window of events and its checkpoint are
// forgotten together, so the earliest reachable point is always a checkpoint.
// The timeline also indexes the marks of the time bar (marks.ts: elections, faults, failed
// requests, violations) as it folds, each list in seq order, forgotten with its window.
// Moving a cursor forward by a few events folds on from the last state rebuilt rather than from
// its checkpoint, so playing the past forward costs about one reduce per event shown.
import type { TraceEvent } from '../trace/events.ts';
import { trimmedSize } from '../trace/recorder.ts';
import type { ViewState } from './model.ts';
import { withTransientMaps } from './maps.ts';
import { MARK_KINDS, markOf, neighbourMark, type Mark, type MarkKind } from './marks.ts';
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
  private readonly markLists: Record<MarkKind, Mark[]> = {
    election: [],
    fault: [],
    failed: [],
    violation: [],
  };
  /** The last past state rebuilt, after how many events held (-1: none). */
  private lastBuilt: { n: number; state: ViewState } | null = null;

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
        const mark = markOf(s, e);
        if (mark !== null) this.markLists[mark].push({ seq: e.seq, t: e.t });
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
    n = Math.max(0, n);
    const k = Math.floor(n / this.every);
    let from = k * this.every;
    let s = this.checkpoints[k];
    // Folding on from the last state rebuilt is shorter when it lies between the checkpoint and n.
    const last = this.lastBuilt;
    if (last !== null && last.n <= n && last.n > from) {
      from = last.n;
      s = last.state;
    }
    withTransientMaps(() => {
      for (let i = from; i < n; i++) s = reduce(s, this.events[i]);
    });
    this.lastBuilt = { n, state: s };
    return s;
  }

  /**
   * Keep only the first `n` events held (their checkpoints and marks with them): a trace that
   * was replaced by one sharing that prefix (a fork, a replay seeking back) folds on from there.
   */
  truncate(n: number): ViewState {
    if (n >= this.events.length) return this.head;
    n = Math.max(0, n);
    const state = this.stateAfter(n);
    this.events.length = n;
    this.checkpoints.length = Math.floor(n / this.every) + 1;
    this.lastBuilt = null;
    const last = n > 0 ? this.events[n - 1].seq : -Infinity;
    for (const kind of MARK_KINDS) {
      const list = this.markLists[kind];
      let keep = list.length;
      while (keep > 0 && list[keep - 1].seq > last) keep--;
      list.length = keep;
    }
    this.head = state;
    return state;
  }

  /** How many events held have seq ≤ `seq`. */
  countAt(seq: number): number {
    return this.countUpTo((e) => e.seq <= seq);
  }

  /** How many events held have time ≤ `t`. */
  countAtTime(t: number): number {
    return this.countUpTo((e) => e.t <= t);
  }

  /** The event at position `i` of those held (0 is the oldest held), if any. */
  eventAt(i: number): TraceEvent | undefined {
    return this.events[i];
  }

  /** The cluster time of the oldest event held, and of the newest (null when none is held). */
  get span(): { first: number; last: number } | null {
    if (this.events.length === 0) return null;
    return { first: this.events[0].t, last: this.events[this.events.length - 1].t };
  }

  /** The marks of `kind` among the events held, in seq order (do not modify). */
  marks(kind: MarkKind): readonly Mark[] {
    return this.markLists[kind];
  }

  /** The next mark of `kind` after seq (dir 1), or the one before it (dir −1); null if none. */
  nextMark(kind: MarkKind, seq: number, dir: 1 | -1): Mark | null {
    return neighbourMark(this.markLists[kind], seq, dir);
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

  /**
   * Forget the oldest windows of events down to trimmedSize(limit), with their checkpoints: the
   * held array is copied once per tenth of the limit, not once per window (amortized).
   */
  private dropOldest(): void {
    const keep = Math.max(this.every, trimmedSize(this.limit));
    const windows = Math.ceil((this.events.length - keep) / this.every);
    this.events = this.events.slice(windows * this.every);
    this.checkpoints = this.checkpoints.slice(windows);
    this.lastBuilt = null;
    const first = this.events[0]?.seq ?? Infinity;
    for (const kind of MARK_KINDS) {
      const list = this.markLists[kind];
      let drop = 0;
      while (drop < list.length && list[drop].seq < first) drop++;
      if (drop > 0) this.markLists[kind] = list.slice(drop);
    }
  }
}
