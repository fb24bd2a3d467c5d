// The marks of the time bar: which trace events are worth a tick on the track and a jump key.
// An election (a node became leader), a fault (something a person or a scenario did to the
// cluster, or a host failure), a failed request (a client's fail or unknown outcome, or a console
// request whose origin answered with an error) and an invariant violation (the simulator's
// invariant checks, a scenario expectation that did not hold).
// Invariants: pure; a mark depends only on the event and the state folded before it (the same
// state model every view reads), so folding a trace again gives the same marks.
import type { TraceEvent } from '../trace/events.ts';
import type { ViewState } from './model.ts';

export type MarkKind = 'election' | 'fault' | 'failed' | 'violation';

export const MARK_KINDS: readonly MarkKind[] = ['election', 'fault', 'failed', 'violation'];

/** What a mark is called on screen (singular and plural). */
export const MARK_LABELS: Record<MarkKind, { one: string; many: string }> = {
  election: { one: 'election', many: 'elections' },
  fault: { one: 'fault', many: 'faults' },
  failed: { one: 'failed request', many: 'failed requests' },
  violation: { one: 'invariant violation', many: 'invariant violations' },
};

/** One mark: the event's seq and cluster time. */
export interface Mark {
  seq: number;
  t: number;
}

/**
 * Host controls that change pacing or durability, not the cluster's behaviour: no mark (a speed
 * change every few seconds would bury the faults that matter).
 */
const QUIET_FAULTS = new Set(['speed', 'pause-cluster', 'resume-cluster', 'durability']);

/** The kind of mark `e` makes, given the state folded before it; null for most events. */
export function markOf(before: ViewState, e: TraceEvent): MarkKind | null {
  switch (e.type) {
    case 'role':
      return e.to === 'leader' ? 'election' : null;
    case 'fault':
      return QUIET_FAULTS.has(e.fault) ? null : 'fault';
    case 'fail':
    case 'info':
      return 'failed';
    case 'reply': {
      // A console request has no client history: its origin's reply settles it (as the model
      // settles it in reduceRequests.ts).
      if (e.ok) return null;
      const r = before.requests.get(e.requestId);
      return r !== undefined && !r.client && r.node === e.node ? 'failed' : null;
    }
    case 'violation':
      return 'violation';
    case 'expect':
      return e.passed ? null : 'violation';
    default:
      return null;
  }
}

/** The first mark with seq > `seq` (dir 1) or the last with seq < `seq` (dir −1), or null. */
export function neighbourMark(marks: readonly Mark[], seq: number, dir: 1 | -1): Mark | null {
  // Marks are in seq order: binary search for the first with seq > `seq` (or ≥ for dir −1).
  let lo = 0;
  let hi = marks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dir === 1 ? marks[mid].seq <= seq : marks[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  if (dir === 1) return lo < marks.length ? marks[lo] : null;
  return lo > 0 ? marks[lo - 1] : null;
}
