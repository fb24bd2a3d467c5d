// The linearizability verdict as the page shows it: "linearizable", "undecided" or "NOT
// linearizable", a sentence, and the offending operations (with the request id each came from,
// so the request list can highlight them). Computed from src/trace/linearizability.ts's result;
// the check itself runs in workers/linCheck.worker.ts, off the page's thread.
// Invariants: pure; 'undecided' (a spent search budget) is never shown as a violation; an
// empty history is 'linearizable' with nothing checked, said in words.
import type { CheckResult } from '../../trace/linearizability.ts';
import { checkHistory } from '../../trace/linearizability.ts';
import { defaultModels } from '../../trace/models.ts';
import type { TraceEvent } from '../../trace/events.ts';

export type VerdictKind = 'linearizable' | 'undecided' | 'not-linearizable' | 'invalid';

export interface OffendingOperation {
  /** The client process; the playground's hosts use the request id as the process. */
  process: string;
  op: string;
  key: string;
  /** Call and return on the check's clock (trace seq); return null when unknown. */
  call: number;
  ret: number | null;
  outcome: 'ok' | 'info';
}

export interface LinVerdict {
  kind: VerdictKind;
  /** One line for the badge's title and the checks panel. */
  text: string;
  /** The checker's full report when it failed (operations and explanation). */
  detail: string | null;
  group: string | null;
  key: string | null;
  offending: OffendingOperation[];
  /** Client history events the check covered. */
  events: number;
}

export function verdictOf(result: CheckResult, events: number): LinVerdict {
  if (result.ok === true) {
    return {
      kind: 'linearizable',
      text:
        result.operations === 0
          ? 'No client operations to check yet.'
          : `${result.operations} operations over ${result.keys} keys: linearizable.`,
      detail: null,
      group: null,
      key: null,
      offending: [],
      events,
    };
  }
  if (result.ok === 'undecided') {
    return {
      kind: 'undecided',
      text: `Undecided (no verdict, not a violation): ${result.reason}.`,
      detail: null,
      group: result.group,
      key: result.key,
      offending: [],
      events,
    };
  }
  if (result.kind === 'invalid-history') {
    return {
      kind: 'invalid',
      text: `The client history is malformed: ${result.errors[0]?.message ?? 'unknown error'}.`,
      detail: result.message,
      group: null,
      key: null,
      offending: [],
      events,
    };
  }
  return {
    kind: 'not-linearizable',
    text: `${result.group} key ${result.key} is NOT linearizable: ${result.operations.length} operations explain it.`,
    detail: result.message,
    group: result.group,
    key: result.key,
    offending: result.operations.map((o) => ({
      process: o.process,
      op: o.op,
      key: o.key,
      call: o.call,
      ret: o.return === Infinity ? null : o.return,
      outcome: o.outcome,
    })),
    events,
  };
}

/** Check a client history (invoke/ok/fail/info events in seq order) with the default models. */
export function checkClientHistory(history: readonly TraceEvent[]): LinVerdict {
  return verdictOf(checkHistory(history, defaultModels()), history.length);
}
