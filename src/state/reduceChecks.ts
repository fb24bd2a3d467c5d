// The raw side of the view model: the most recent trace events (for the events list), the
// client history from its start (for the linearizability check) and the invariant checks and
// scenario expectations (violation and expect events).
// Invariants: pure; `events` holds the most recent events in seq order and counts what it let
// go; `history` is always a prefix of the run's client history (past its bound nothing more is
// kept, so a check of it stays sound); `checks` keeps the most recent ones.
import type { TraceEvent } from '../trace/events.ts';
import type { ViewState } from './model.ts';
import { HISTORY_EVENTS, RECENT_CHECKS, RECENT_EVENTS } from './model.ts';
import { edit } from './maps.ts';
import { plAppend, plDrop, plPush } from './plist.ts';

/** Events let go at once when `events` overflows, so dropping is amortized over many pushes. */
const EVENTS_DROP_BATCH = 1024;

/** The state with `e` recorded among the raw events, and in the history or checks if it is one. */
export function recordRaw(s: ViewState, e: TraceEvent): ViewState {
  const c = s.checks;
  let events = plAppend(c.events, e);
  let eventsDropped = c.eventsDropped;
  if (events.length > RECENT_EVENTS + EVENTS_DROP_BATCH) {
    const drop = events.length - RECENT_EVENTS;
    events = plDrop(events, drop);
    eventsDropped += drop;
  }
  const next = edit(c);
  next.events = events;
  next.eventsDropped = eventsDropped;
  switch (e.type) {
    case 'invoke':
    case 'ok':
    case 'fail':
    case 'info':
      if (c.history.length >= HISTORY_EVENTS) next.historyDropped = c.historyDropped + 1;
      else next.history = plAppend(c.history, e);
      break;
    case 'violation':
    case 'expect': {
      const checks = plPush(c.checks, e);
      next.checks =
        checks.length > RECENT_CHECKS ? plDrop(checks, checks.length - RECENT_CHECKS) : checks;
      break;
    }
    default:
      break;
  }
  const out = edit(s);
  out.checks = next;
  return out;
}
