// The log activity the views replay as it happens: per node and group, the stream of applied
// operations with their results (from `apply` events), and the recent truncations with the
// entries they removed (from `truncate` events, read off the log just before the cut). The
// main fold (reduce.ts) calls recordApply and recordTruncate after its own work on those events.
// Invariants: pure and copy-on-write like reduce.ts (an untouched stream keeps its reference);
// every list is bounded (APPLY_STREAM_LIMIT per node and group, TRUNCATION_LIMIT overall), so a
// long run costs constant memory here; records are in the order the events were folded.
import { opLabel } from '../node/traceEvents.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { EntryView, LogView, ViewState } from './model.ts';
import { edit } from './maps.ts';
import { plAppendBounded, plEmpty, plGet, plPushBounded, type PList } from './plist.ts';

/** One operation a node applied to a group's state machine, and what the state machine said. */
export interface ApplyRecord {
  index: number;
  term: number;
  /** Cluster ms of the apply. */
  t: number;
  /** A short name of the operation ("publish app.yaml"), as the log shows it. */
  label: string;
  /** Nacos's Response.success: false answers are applied too, but reported as failures. */
  ok: boolean;
  /** The result in a few words: the error message, or the data returned, or "ok". */
  result: string;
  requestId: string | null;
}

/** Entries a node removed from its log because they conflicted with the leader's (§5.3). */
export interface TruncationRecord {
  seq: number;
  t: number;
  node: NodeId;
  group: GroupId;
  /** Every entry with index ≥ from was removed. */
  from: number;
  /** The removed entries (the first TRUNCATED_KEPT of them). */
  removed: readonly EntryView[];
  /** How many entries were removed in all. */
  count: number;
}

export interface LogActivity {
  /** Per streamKey(node, group): the most recent applies, oldest first. */
  applies: Readonly<Record<string, PList<ApplyRecord>>>;
  /** The most recent truncations, oldest first. */
  truncations: PList<TruncationRecord>;
}

export const APPLY_STREAM_LIMIT = 300;
export const TRUNCATION_LIMIT = 100;
export const TRUNCATED_KEPT = 64;
const RESULT_CHARS = 80;

export function emptyActivity(): LogActivity {
  return { applies: {}, truncations: plEmpty() };
}

export function streamKey(node: NodeId, group: GroupId): string {
  return `${node}/${group}`;
}

/** The apply stream of one node and group (empty when it applied nothing yet). */
export function applyStream(s: ViewState, node: NodeId, group: GroupId): PList<ApplyRecord> {
  return s.activity.applies[streamKey(node, group)] ?? plEmpty();
}

type Ev<T extends TraceEvent['type']> = Extract<TraceEvent, { type: T }>;

/** The result of an apply in a few words. */
export function resultText(result: unknown): { ok: boolean; text: string } {
  if (typeof result !== 'object' || result === null) return { ok: true, text: 'ok' };
  const r = result as { success?: unknown; data?: unknown; errMsg?: unknown };
  const ok = r.success !== false;
  let text: string;
  if (!ok) text = typeof r.errMsg === 'string' && r.errMsg !== '' ? r.errMsg : 'failed';
  else if (r.data === undefined || r.data === null) text = 'ok';
  else text = typeof r.data === 'string' ? r.data : JSON.stringify(r.data);
  return { ok, text: text.length > RESULT_CHARS ? `${text.slice(0, RESULT_CHARS - 1)}…` : text };
}

/** `s` (the state after the main fold of `e`) with the apply added to the node's stream. */
export function recordApply(s: ViewState, node: NodeId, e: Ev<'apply'>): ViewState {
  const key = streamKey(node, e.group);
  const { ok, text } = resultText(e.result);
  const rec: ApplyRecord = {
    index: e.index,
    term: e.term,
    t: e.t,
    label: opLabel(e.op),
    ok,
    result: text,
    requestId: e.requestId ?? null,
  };
  const stream = plAppendBounded(s.activity.applies[key] ?? plEmpty(), rec, APPLY_STREAM_LIMIT);
  const out = edit(s);
  const activity = edit(s.activity);
  const applies = edit(s.activity.applies);
  applies[key] = stream;
  activity.applies = applies;
  out.activity = activity;
  return out;
}

/**
 * `after` (the state after the main fold of `e`) with the truncation recorded; the removed
 * entries are read from `log`, the node's log before the event.
 */
export function recordTruncate(
  log: LogView | undefined,
  after: ViewState,
  node: NodeId,
  e: Ev<'truncate'>,
): ViewState {
  if (log === undefined) return after;
  const first = Math.max(0, e.from - log.snapshotIndex - 1);
  const count = log.entries.length - first;
  if (count <= 0) return after;
  const removed: EntryView[] = [];
  for (let i = first; i < log.entries.length && removed.length < TRUNCATED_KEPT; i++) {
    removed.push(plGet(log.entries, i)!);
  }
  const rec: TruncationRecord = {
    seq: e.seq,
    t: e.t,
    node,
    group: e.group,
    from: e.from,
    removed,
    count,
  };
  return {
    ...after,
    activity: {
      ...after.activity,
      truncations: plPushBounded(after.activity.truncations, rec, TRUNCATION_LIMIT),
    },
  };
}
