// The logs view's layout, as pure functions of the view model: which log indexes the side-by-side
// logs span, what each node shows at an index (an entry, committed or not, applied or not; a
// compacted index behind the snapshot boundary; nothing yet), the leader of a group and its
// next/match marks per follower, the truncation ghosts still worth showing, and when the view
// should keep following the tail.
// Invariants: the same state gives the same layout; the index window covers every entry any
// node holds (and the snapshot boundaries), so side by side the same index is in the same column.
import type {
  EntryView,
  GroupId,
  GroupView,
  LogView,
  NodeId,
  ViewState,
} from '../../state/model.ts';
import { plGet, plToArray } from '../../state/plist.ts';
import type { TruncationRecord } from '../../state/reduceApplyStream.ts';

/** The first and last log index shown (last < first when no node holds anything). */
export interface LogWindow {
  first: number;
  last: number;
}

export function lastIndex(log: LogView): number {
  return log.snapshotIndex + log.entries.length;
}

/** The entry at `index` of a log, or undefined when compacted away or not there yet. */
export function entryAt(log: LogView, index: number): EntryView | undefined {
  return plGet(log.entries, index - log.snapshotIndex - 1);
}

/**
 * The span of indexes to lay out: from just after the lowest snapshot boundary (or just at it,
 * so a compacted prefix shows as one boundary column) to the highest last index.
 */
export function logWindow(logs: readonly LogView[]): LogWindow {
  if (logs.length === 0) return { first: 1, last: 0 };
  let low = Infinity;
  let high = 0;
  for (const l of logs) {
    low = Math.min(low, l.snapshotIndex);
    high = Math.max(high, lastIndex(l));
  }
  // The boundary column of the lowest snapshot is shown, so a compacted prefix stays visible.
  return { first: Math.max(1, low), last: high };
}

export type LogCell =
  | { type: 'entry'; entry: EntryView; committed: boolean; applied: boolean }
  /** At or behind the node's snapshot boundary: `boundary` at the boundary index itself. */
  | { type: 'compacted'; boundary: boolean; term: number }
  | { type: 'empty' };

/** What node's log shows at `index`. */
export function cellAt(log: LogView, index: number): LogCell {
  if (index <= log.snapshotIndex) {
    return {
      type: 'compacted',
      boundary: index === log.snapshotIndex,
      term: index === log.snapshotIndex ? log.snapshotTerm : 0,
    };
  }
  const entry = entryAt(log, index);
  if (entry === undefined) return { type: 'empty' };
  return { type: 'entry', entry, committed: index <= log.commit, applied: index <= log.applied };
}

/** The node that leads `group` now: a running node in the leader role, the highest term first. */
export function leaderOf(s: ViewState, group: GroupId): NodeId | null {
  let best: NodeId | null = null;
  let bestTerm = -1;
  for (const n of Object.values(s.nodes)) {
    const g = n.groups[group];
    if (n.status !== 'up' || g === undefined || g.role !== 'leader') continue;
    if (g.term > bestTerm) {
      best = n.id;
      bestTerm = g.term;
    }
  }
  return best;
}

/** The leader's marks on one follower's row: the next index it sends, the highest it knows. */
export interface FollowerMarks {
  next: number;
  match: number;
  state: 'probe' | 'replicate' | 'snapshot';
}

export function marksFor(leader: GroupView | undefined, node: NodeId): FollowerMarks | null {
  const p = leader?.progress[node];
  return p === undefined ? null : { next: p.next, match: p.match, state: p.state };
}

/** How long (cluster ms) a truncation stays drawn as a struck ghost after it happened. */
export const GHOST_MS = 3000;

/** Recent truncations as a plain array (the model keeps them in a persistent list). */
export function recentTruncations(s: ViewState, now: number): TruncationRecord[] {
  const out: TruncationRecord[] = [];
  for (const r of plToArray(s.activity.truncations)) if (now - r.t <= GHOST_MS) out.push(r);
  return out;
}

/** The entry a recent truncation removed at `index`, the newest one when several did. */
export function ghostAt(ghosts: readonly TruncationRecord[], index: number): EntryView | null {
  for (let i = ghosts.length - 1; i >= 0; i--) {
    const g = ghosts[i];
    const k = index - g.from;
    if (k >= 0 && k < g.removed.length) return g.removed[k];
  }
  return null;
}

/** How often (ms) the grid catches up with its tail while following, normally. */
export const FOLLOW_EVERY_MS = 200;
/**
 * ... and while entries stream in faster than a screenful per catch-up: each catch-up then
 * replaces every cell on screen, and windows shown for a fifth of a second each can be read no
 * better than one a second, at five times the cost.
 */
export const FOLLOW_STREAMING_MS = 1000;

/**
 * The wait before the next catch-up, given how many columns the last one moved the view
 * (null: it was the first) and how many columns the screen shows.
 */
export function followEvery(movedColumns: number | null, screenful: number): number {
  return movedColumns !== null && movedColumns > screenful ? FOLLOW_STREAMING_MS : FOLLOW_EVERY_MS;
}

/**
 * Whether a scroller at `scrollStart` shows its end (within `slackPx`): the view follows the tail
 * while this holds, and stops following once the person scrolls away from it.
 */
export function atTail(
  scrollStart: number,
  viewport: number,
  content: number,
  slackPx: number,
): boolean {
  return scrollStart + viewport >= content - slackPx;
}
