// Trace → client history for external linearizability checkers: the trace's invoke / ok /
// fail / info events as Jepsen-style operations, written as Jepsen EDN (`toEdn`, one map per
// line) or as JSON (`toHistoryJson`, an array with one object per line).
// Conventions (Jepsen's): :process is an integer (the trace's process names numbered in order
// of first appearance; `processName` in JSON keeps the name); :f is :read / :write / :cas for
// the config store's get / put / cas and the trace's own op name otherwise; :value is
// [key value], a jepsen.independent tuple, so checkers split the history per key; a completed
// read carries what it read; a CAS that answered false (no effect) is a :fail, as Jepsen records
// it; :time is cluster time in ns. Invariant: every completion follows an invoke of the same
// process (completions whose invoke lies outside the window are left out).
import type { TraceEvent } from '../events.ts';
import type { ClientEvent, ConvertOptions } from './common.ts';
import { READ_OPS, eventsInWindow, isClientEvent, jepsenF } from './common.ts';
import type { Trace } from './read.ts';

/** One operation of the history, in the shape both writers share. */
export interface HistoryOp {
  index: number;
  process: number;
  processName: string;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  group: string;
  key: string;
  value: unknown;
  /** Cluster time in ns. */
  time: number;
  /** Why a fail or info ended so, when the trace says. */
  error?: string;
  node: string | null;
  seq: number;
}

type Rec = Record<string, unknown>;

function rec(x: unknown): Rec | null {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Rec) : null;
}

/** What a completed operation's :value holds (Jepsen: a read's value is what it read). */
function completedValue(e: ClientEvent): unknown {
  if (e.type !== 'ok') return e.value;
  if (e.op === 'get') {
    const r = rec(e.result);
    return r !== null && r.found === true ? (r.content ?? null) : null;
  }
  if (READ_OPS.has(e.op)) return e.result;
  return e.value;
}

/** The client operations of a trace, in trace order. */
export function historyOps(trace: Trace, options: ConvertOptions = {}): HistoryOp[] {
  const events = eventsInWindow(trace.events, options);
  const processes = new Map<string, number>();
  const pending = new Map<string, ClientEvent>();
  const ops: HistoryOp[] = [];
  for (const e of events as readonly TraceEvent[]) {
    if (!isClientEvent(e)) continue;
    if (e.type !== 'invoke' && !pending.has(e.process)) continue;
    let process = processes.get(e.process);
    if (process === undefined) {
      process = processes.size;
      processes.set(e.process, process);
    }
    let type = e.type;
    let error: string | undefined;
    if (e.type === 'invoke') pending.set(e.process, e);
    else {
      pending.delete(e.process);
      if (e.type !== 'ok' && e.result !== undefined && e.result !== null) {
        error = typeof e.result === 'string' ? e.result : JSON.stringify(e.result);
      }
      // A CAS that answered false took no effect: Jepsen records it as a failed CAS.
      if (e.type === 'ok' && e.op === 'cas' && e.result === false) {
        type = 'fail';
        error = 'cas mismatch';
      }
    }
    ops.push({
      index: ops.length,
      process,
      processName: e.process,
      type,
      f: jepsenF(e.op),
      group: e.group,
      key: e.key,
      value: e.type === 'invoke' ? (READ_OPS.has(e.op) ? null : e.value) : completedValue(e),
      time: Math.round(e.t * 1_000_000),
      ...(error !== undefined ? { error } : {}),
      node: e.node,
      seq: e.seq,
    });
  }
  return ops;
}

// ─────────────────────────────────────────── EDN ───────────────────────────────────────────

/** Names written as EDN keywords: a letter (or * ! _ ?) first, then letters, digits, * + ! - _ ? . */
const KEYWORD = /^[A-Za-z*!_?][A-Za-z0-9*+!_?\-.]*$/;

function ednString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** A JSON value as EDN: null → nil, arrays → vectors, objects → maps with keyword keys. */
export function toEdnValue(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'nil';
  if (typeof v === 'string') return ednString(v);
  if (Array.isArray(v)) return `[${v.map(toEdnValue).join(' ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Rec).map(
      ([k, x]) => `${KEYWORD.test(k) ? `:${k}` : ednString(k)} ${toEdnValue(x)}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return ednString(String(v));
}

/** One Jepsen operation map. */
export function ednOp(op: HistoryOp): string {
  const fields = [
    `:index ${op.index}`,
    `:process ${op.process}`,
    `:type :${op.type}`,
    `:f ${KEYWORD.test(op.f) ? `:${op.f}` : ednString(op.f)}`,
    `:value [${ednString(op.key)} ${toEdnValue(op.value)}]`,
    `:time ${op.time}`,
    `:group ${ednString(op.group)}`,
  ];
  if (op.error !== undefined) fields.push(`:error ${ednString(op.error)}`);
  return `{${fields.join(', ')}}`;
}

/** The history as Jepsen EDN, one operation map per line, after a comment saying what it is. */
export function toEdn(trace: Trace, options: ConvertOptions = {}): string {
  const ops = historyOps(trace, options);
  const lines = [
    `; Jepsen history of ${trace.header.scenario ?? 'a raft-playground run'} (seed ${trace.header.seed ?? 'none'}): ` +
      `:value is [key value] (jepsen.independent), :time in ns, :process numbers the trace's processes`,
    ...ops.map(ednOp),
  ];
  return lines.join('\n') + '\n';
}

/** The history as a JSON array, one operation object per line. */
export function toHistoryJson(trace: Trace, options: ConvertOptions = {}): string {
  const ops = historyOps(trace, options);
  if (ops.length === 0) return '[]\n';
  return `[\n${ops.map((op) => JSON.stringify(op)).join(',\n')}\n]\n`;
}
