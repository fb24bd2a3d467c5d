// The Worker entry that checks the client history for linearizability off the page's thread:
// the search can take seconds on a long history. The page sends the history in increments
// (append) and asks for a verdict every few seconds; exposed with comlink, the page imports
// only the API type.
import { expose } from 'comlink';
import type { TraceEvent } from '../src/trace/events.ts';
import { checkClientHistory, type LinVerdict } from '../src/ui/events/linVerdict.ts';

export interface LinCheckApi {
  /** Forget the history (a new run, or a store that started over). */
  reset(): void;
  /** Add the next client history events, in seq order. */
  append(events: readonly TraceEvent[]): number;
  /** The verdict on the history so far. */
  check(): LinVerdict;
}

let history: TraceEvent[] = [];

const api: LinCheckApi = {
  reset() {
    history = [];
  },
  append(events) {
    for (const e of events) history.push(e);
    return history.length;
  },
  check() {
    return checkClientHistory(history);
  },
};

expose(api);
