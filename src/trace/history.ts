// Client histories: turns the `invoke` / `ok` / `fail` / `info` trace events into operations,
// one list per (group, key), for the linearizability checker. Validates as it goes: every
// completion must answer the pending invoke of its process with the same group, op and key, a
// process has at most one op pending, and every value and result fits its group's model. A call
// over several keys (a batch, where its model has splitCall) counts once in each key's history.
//
// Invariants of the output: operations of one key are sorted by call (ties by invoke seq) and
// numbered 0..n-1 in that order; call <= return; a `fail` op is dropped (it definitely did not
// take effect); an `info` op, or an invoke still pending when the trace ends, has return =
// Infinity and an unknown output (it may take effect at any point after its call); an unknown
// outcome of a read-only op is dropped, since it can change nothing.
import type { TraceEvent } from './events.ts';
import type { AnyModel, KeyPart } from './models.ts';

/** Which clock orders calls and returns: the trace's total order (default) or cluster ms. */
export type HistoryTime = 'seq' | 't';

/** One client operation of one key, as the checker sees it. */
export interface Operation<I = unknown, O = unknown> {
  /** Position in its key's history (sorted by call). */
  id: number;
  group: string;
  key: string;
  process: string;
  op: string;
  input: I;
  /** Undefined when the outcome is unknown (`info`, or still pending at the end). */
  output: O | undefined;
  outcome: 'ok' | 'info';
  /** When the op was invoked, on the chosen clock. */
  call: number;
  /** When it returned, on the chosen clock; Infinity when the outcome is unknown. */
  return: number;
  invokeSeq: number;
  /** Seq of the completing event, or null when the trace ended with the op pending. */
  returnSeq: number | null;
}

/** All operations of one key of one group. */
export interface KeyHistory {
  group: string;
  key: string;
  operations: Operation[];
}

export interface HistoryError {
  /** Seq of the offending event, or null for an error about the whole history. */
  seq: number | null;
  message: string;
}

export type HistoryResult =
  | {
      ok: true;
      /** Sorted by group, then key. */
      histories: KeyHistory[];
      /** Client events of groups without a model: not checked. */
      skippedEvents: number;
      /** Ops dropped: `fail`, and unknown outcomes of read-only ops. */
      droppedOps: number;
    }
  | { ok: false; errors: HistoryError[] };

type ClientEvent = Extract<TraceEvent, { type: 'invoke' | 'ok' | 'fail' | 'info' }>;
type Completion = Extract<TraceEvent, { type: 'ok' | 'fail' | 'info' }>;

function isClientEvent(e: TraceEvent): e is ClientEvent {
  return e.type === 'invoke' || e.type === 'ok' || e.type === 'fail' || e.type === 'info';
}

interface Pending {
  invoke: Extract<TraceEvent, { type: 'invoke' }>;
}

/** The history key of (group, key); `\u0000` cannot occur in either for a sane generator. */
function historyKey(group: string, key: string): string {
  return `${group}\u0000${key}`;
}

const ERRORS_MAX = 20;

/**
 * Collect the client operations of `events` per (group, key) of the groups in `models`.
 * Events may come in any order; they are taken in seq order. Errors name the event's seq.
 */
export function collectHistories(
  events: readonly TraceEvent[],
  models: Readonly<Record<string, AnyModel>>,
  time: HistoryTime = 'seq',
): HistoryResult {
  const client = events.filter(isClientEvent).sort((a, b) => a.seq - b.seq);
  const errors: HistoryError[] = [];
  const report = (seq: number | null, message: string): void => {
    if (errors.length < ERRORS_MAX) errors.push({ seq, message });
  };
  const pending = new Map<string, Pending>();
  const byKey = new Map<string, KeyHistory>();
  let skippedEvents = 0;
  let droppedOps = 0;

  const add = (invoke: Pending['invoke'], end: Completion | null): void => {
    const outcome = end === null ? 'info' : end.type;
    const model = models[invoke.group];
    const result = end === null ? undefined : end.result;
    // A call over several keys counts in each key's history (Model.splitCall).
    const parts = model.splitCall?.(invoke.op, invoke.value, result, outcome);
    if (typeof parts === 'string') {
      report(end?.seq ?? invoke.seq, `process ${invoke.process}, key ${invoke.key}: ${parts}`);
      return;
    }
    if (parts === undefined) {
      addPart(invoke, end, { key: invoke.key, op: invoke.op, value: invoke.value, result });
    } else {
      for (const part of parts) addPart(invoke, end, part);
    }
  };

  const addPart = (invoke: Pending['invoke'], end: Completion | null, part: KeyPart): void => {
    const outcome = end === null ? 'info' : end.type;
    const model = models[invoke.group];
    const parsed = model.parse(part.op, part.value, part.result, outcome);
    if (typeof parsed === 'string') {
      report(end?.seq ?? invoke.seq, `process ${invoke.process}, key ${part.key}: ${parsed}`);
      return;
    }
    if (outcome === 'fail' || (outcome === 'info' && model.readOnly(parsed.input, undefined))) {
      droppedOps++;
      return;
    }
    const hk = historyKey(invoke.group, part.key);
    let history = byKey.get(hk);
    if (history === undefined) {
      history = { group: invoke.group, key: part.key, operations: [] };
      byKey.set(hk, history);
    }
    const known = end !== null && outcome === 'ok';
    history.operations.push({
      id: -1,
      group: invoke.group,
      key: part.key,
      process: invoke.process,
      op: part.op,
      input: parsed.input,
      output: known ? parsed.output : undefined,
      outcome: known ? 'ok' : 'info',
      call: time === 'seq' ? invoke.seq : invoke.t,
      return: known ? (time === 'seq' ? end.seq : end.t) : Infinity,
      invokeSeq: invoke.seq,
      returnSeq: end?.seq ?? null,
    });
  };

  let previousSeq = -Infinity;
  for (const e of client) {
    if (e.seq === previousSeq) report(e.seq, `two client events share seq ${e.seq}`);
    previousSeq = e.seq;
    if (!Object.hasOwn(models, e.group)) {
      skippedEvents++;
      continue;
    }
    const open = pending.get(e.process);
    if (e.type === 'invoke') {
      if (open !== undefined) {
        report(
          e.seq,
          `process ${e.process} invokes ${e.op} on ${e.key} while its ${open.invoke.op} ` +
            `invoked at seq ${open.invoke.seq} is still pending`,
        );
        continue;
      }
      pending.set(e.process, { invoke: e });
      continue;
    }
    if (open === undefined) {
      report(
        e.seq,
        `process ${e.process}: ${e.type} for ${e.op} on ${e.key} without a pending invoke`,
      );
      continue;
    }
    const inv = open.invoke;
    if (inv.group !== e.group || inv.op !== e.op || inv.key !== e.key) {
      report(
        e.seq,
        `process ${e.process}: ${e.type} for ${e.group} ${e.op} ${e.key} answers an invoke of ` +
          `${inv.group} ${inv.op} ${inv.key} (seq ${inv.seq})`,
      );
      pending.delete(e.process);
      continue;
    }
    if (e.t < inv.t)
      report(e.seq, `process ${e.process}: ${e.type} at t=${e.t} precedes its invoke`);
    pending.delete(e.process);
    add(inv, e);
  }
  // Still pending when the trace ends: the outcome is unknown, as for `info`.
  for (const { invoke } of pending.values()) add(invoke, null);

  if (errors.length > 0) return { ok: false, errors };
  const histories = [...byKey.values()].sort((a, b) =>
    a.group === b.group ? compareStrings(a.key, b.key) : compareStrings(a.group, b.group),
  );
  for (const h of histories) {
    h.operations.sort((a, b) => a.call - b.call || a.invokeSeq - b.invokeSeq);
    h.operations.forEach((op, i) => (op.id = i));
  }
  return { ok: true, histories, skippedEvents, droppedOps };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Human-readable history errors, one per line. */
export function formatHistoryErrors(errors: readonly HistoryError[]): string {
  const lines = errors.map((e) => (e.seq === null ? e.message : `seq ${e.seq}: ${e.message}`));
  if (errors.length >= ERRORS_MAX) lines.push(`(stopped after ${ERRORS_MAX} errors)`);
  return lines.join('\n');
}
