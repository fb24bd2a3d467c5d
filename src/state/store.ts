// The view store: one zustand store built from slices (zustand's slices pattern), fed by the
// engine's event stream. Incoming events queue up and are folded once per frame: the batching
// scheduler is injected (requestAnimationFrame in the page, a manual or immediate one in
// Node tests), so the store's logic runs without a browser.
// Slices: `model` (the folded view state and the timeline behind it), `trace` (the cursor:
// live or a point in the past, and what the queue holds), `ui` (what the person selected).
// Invariants: events are folded in arrival order, each exactly once; at most one flush is
// scheduled at a time; a flush notifies subscribers once, whatever the batch size; a store
// scrubbed into the past keeps folding live events into its timeline and shows them on return.
// The cursor: null follows the head; a seq shows the state right after that event. Stepping,
// jumping to a mark and seeking never change the timeline, only which of its states is `view`;
// moving the cursor onto the newest event held returns to following the head.
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { MarkKind } from './marks.ts';
import { emptyState, type ViewState } from './model.ts';
import { Timeline, type TimelineOptions } from './timeline.ts';

/** Runs `flush` soon (once per frame in the page); returns a cancel function. */
export type FrameScheduler = (flush: () => void) => () => void;

export interface ModelSlice {
  /** The state the views render: the live head, or the past point the cursor is at. */
  view: ViewState;
  timeline: Timeline;
  /**
   * The newest event folded (seq, cluster time) and how many the timeline holds: changes with
   * every flush, also while the cursor is in the past (the time bar's track grows meanwhile).
   */
  head: HeadInfo;
}

export interface HeadInfo {
  seq: number;
  t: number;
  /** Events the timeline holds, and the cluster time of its oldest one (0 when none). */
  size: number;
  firstT: number;
}

export interface TraceSlice {
  /** null: follow the live head; a number: show the state at that seq. */
  cursor: number | null;
  /**
   * Events queued for the next frame. A function, not a field: queuing must not notify
   * subscribers (every selector of every view would run once per incoming batch, not per frame).
   */
  pending: () => number;
  /** Queue events for the next frame's fold. */
  ingest: (events: readonly TraceEvent[]) => void;
  /** Fold the queued events now (the scheduler calls this). */
  flush: () => void;
  /** Show the state at `seq` (null: back to live). */
  seek: (seq: number | null) => void;
  /** Show the state at cluster time `t` (at or past the head's time: back to live). */
  seekTime: (t: number) => void;
  /**
   * Move the cursor `delta` events (±1: one step); from live, a step back shows the state
   * before the newest event. Reaching the newest event returns to live. Answers the new cursor.
   */
  step: (delta: number) => number | null;
  /**
   * Move to the next (dir 1) or previous (dir −1) mark of `kind` from the cursor (or the head);
   * answers the mark's seq, or null (the cursor stays) when there is none that way.
   */
  jump: (kind: MarkKind, dir: 1 | -1) => number | null;
  /** Start over from an empty model (a new cluster or an imported trace). */
  reset: (groups?: readonly GroupId[]) => void;
  /**
   * Replace everything by `events` (an engine's reset batch). The longest prefix the timeline
   * already holds, identical event for event, is kept with its checkpoints, so a fork or a
   * replay seeking back costs the events that differ, not a fold of the whole trace. Back to live.
   */
  replace: (events: readonly TraceEvent[], groups?: readonly GroupId[]) => void;
}

export interface UiSlice {
  selectedNode: NodeId | null;
  selectedGroup: GroupId | null;
  /** A message in flight the person clicked (its trace id). */
  selectedMessage: string | null;
  /** A client request the person selected: the views highlight its path, entry and applies. */
  selectedRequest: string | null;
  select: (node: NodeId | null, group?: GroupId | null) => void;
  selectMessage: (id: string | null) => void;
  selectRequest: (id: string | null) => void;
}

export type ViewStoreState = ModelSlice & TraceSlice & UiSlice;
export type ViewStore = StoreApi<ViewStoreState>;

export interface ViewStoreOptions extends TimelineOptions {
  groups?: readonly GroupId[];
  /** Default: requestAnimationFrame where it exists, else a microtask-free immediate flush. */
  scheduler?: FrameScheduler;
  /**
   * At most this many events folded by one scheduled flush (default: all queued), the rest in
   * the next frame; a backlog of more than FOLD_CATCH_UP budgets drains a FOLD_CATCH_UP-th of
   * itself a frame, so the view is never more than a few frames behind. Keeps a frame that
   * arrives late (the main thread was busy) from folding everything that piled up at once.
   */
  foldBudget?: number;
}

/** A backlog beyond this many frame budgets is folded in this many frames. */
export const FOLD_CATCH_UP = 4;

type Slice<T> = StateCreator<ViewStoreState, [], [], T>;

const modelSlice =
  (opts: ViewStoreOptions): Slice<ModelSlice> =>
  () => {
    const timeline = new Timeline(emptyState(opts.groups ?? []), opts);
    return { view: timeline.current, timeline, head: headOf(timeline) };
  };

function headOf(timeline: Timeline): HeadInfo {
  const span = timeline.span;
  return {
    seq: timeline.current.seq,
    t: timeline.current.t,
    size: timeline.size,
    firstT: span?.first ?? 0,
  };
}

const traceSlice =
  (opts: ViewStoreOptions, schedule: FrameScheduler): Slice<TraceSlice> =>
  (set, get) => {
    let queue: TraceEvent[] = [];
    let scheduled = false;
    let cancel: (() => void) | null = null;
    const budget = opts.foldBudget ?? Infinity;
    if (!(budget >= 1)) throw new RangeError(`foldBudget must be ≥ 1, got ${budget}`);
    const onFrame = (): void => {
      scheduled = false;
      cancel = null;
      const n = Math.max(budget, Math.ceil(queue.length / FOLD_CATCH_UP));
      if (n >= queue.length) {
        get().flush();
        return;
      }
      fold(queue.splice(0, n));
      scheduleFlush();
    };
    const scheduleFlush = (): void => {
      if (scheduled) return;
      scheduled = true;
      const c = schedule(onFrame);
      // An immediate scheduler has already run the flush (and cleared the flag).
      if (scheduled) cancel = c;
    };
    const flush = (): void => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      fold(batch);
    };
    const fold = (batch: TraceEvent[]): void => {
      const { timeline, cursor } = get();
      const head = timeline.append(batch);
      if (cursor === null) set({ view: head, head: headOf(timeline) });
      else set({ head: headOf(timeline) });
    };
    /** Show the state after the first `n` events held (all of them: live). */
    const showCount = (n: number): number | null => {
      const { timeline } = get();
      if (n >= timeline.size) {
        set({ cursor: null, view: timeline.current });
        return null;
      }
      const view = timeline.stateAfter(n);
      // The cursor names the last event shown; before the first one held, the seq before it.
      const seq = n > 0 ? timeline.eventAt(n - 1)!.seq : (timeline.firstSeq ?? 1) - 1;
      set({ cursor: seq, view });
      return seq;
    };
    return {
      cursor: null,
      pending: () => queue.length,
      ingest: (events) => {
        if (events.length === 0) return;
        for (const e of events) queue.push(e);
        scheduleFlush();
      },
      flush,
      seek: (seq) => {
        const { timeline } = get();
        if (seq === null || timeline.size === 0) set({ cursor: null, view: timeline.current });
        else showCount(timeline.countAt(seq));
      },
      seekTime: (t) => {
        const { timeline } = get();
        showCount(timeline.countAtTime(t));
      },
      step: (delta) => {
        const { timeline, cursor } = get();
        const at = cursor === null ? timeline.size : timeline.countAt(cursor);
        return showCount(Math.max(0, at + Math.trunc(delta)));
      },
      jump: (kind, dir) => {
        const { timeline, cursor } = get();
        const from = cursor ?? timeline.current.seq;
        const mark = timeline.nextMark(kind, from, dir);
        if (mark === null) return null;
        showCount(timeline.countAt(mark.seq));
        return mark.seq;
      },
      replace: (events, groups) => {
        const { timeline } = get();
        const sameGroups =
          groups === undefined || sameList(groups, timeline.current.groups) || timeline.size === 0;
        const keep = sameGroups ? sharedPrefix(timeline, events) : 0;
        if (keep === 0) {
          get().reset(groups);
          get().ingest(events);
          return;
        }
        queue = [];
        cancel?.();
        cancel = null;
        scheduled = false;
        const view = timeline.truncate(keep);
        set({ view, cursor: null, head: headOf(timeline) });
        get().ingest(events.slice(keep));
      },
      reset: (groups) => {
        queue = [];
        cancel?.();
        cancel = null;
        scheduled = false;
        const timeline = new Timeline(emptyState(groups ?? opts.groups ?? []), opts);
        set({ timeline, view: timeline.current, cursor: null, head: headOf(timeline) });
      },
    };
  };

const uiSlice: Slice<UiSlice> = (set) => ({
  selectedNode: null,
  selectedGroup: null,
  selectedMessage: null,
  selectedRequest: null,
  select: (node, group) =>
    set((s) => ({
      selectedNode: node,
      selectedGroup: group === undefined ? s.selectedGroup : group,
    })),
  selectMessage: (id) => set({ selectedMessage: id }),
  selectRequest: (id) => set({ selectedRequest: id }),
});

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** How many leading events of `events` the timeline holds already, identical (0: none). */
function sharedPrefix(timeline: Timeline, events: readonly TraceEvent[]): number {
  const n = Math.min(timeline.size, events.length);
  let i = 0;
  for (; i < n; i++) {
    const a = timeline.eventAt(i)!;
    const b = events[i];
    if (a === b) continue;
    if (a.seq !== b.seq || a.t !== b.t || a.type !== b.type || a.node !== b.node) break;
    if (JSON.stringify(a) !== JSON.stringify(b)) break;
  }
  return i;
}

/** Flush at the next animation frame (the page's scheduler). */
export const animationFrameScheduler: FrameScheduler = (flush) => {
  const id = requestAnimationFrame(() => flush());
  return () => cancelAnimationFrame(id);
};

/** Flush at once (tests and hosts without frames). */
export const immediateScheduler: FrameScheduler = (flush) => {
  flush();
  return () => {};
};

export function createViewStore(opts: ViewStoreOptions = {}): ViewStore {
  const schedule =
    opts.scheduler ??
    (typeof requestAnimationFrame === 'function' ? animationFrameScheduler : immediateScheduler);
  return createStore<ViewStoreState>()((...a) => ({
    ...modelSlice(opts)(...a),
    ...traceSlice(opts, schedule)(...a),
    ...uiSlice(...a),
  }));
}
