// What the converters share: the time window, message pairing keys, and short labels for
// messages, faults and client operations, worded as the playground shows them.
// Invariant: pure functions of their arguments; labels are one line, never a payload.
import type { BodyOf, FaultBody, MessageSummary, TraceEvent, TraceHeader } from '../events.ts';

/** Options every converter takes. */
export interface ConvertOptions {
  /** Only events with t ≥ fromMs (cluster ms). */
  fromMs?: number;
  /** Only events with t ≤ toMs (cluster ms). */
  toMs?: number;
}

/** The events inside the window, in seq order (the trace's order). */
export function eventsInWindow(
  events: readonly TraceEvent[],
  options: ConvertOptions,
): readonly TraceEvent[] {
  const from = options.fromMs ?? -Infinity;
  const to = options.toMs ?? Infinity;
  if (from === -Infinity && to === Infinity) return events;
  return events.filter((e) => e.t >= from && e.t <= to);
}

/**
 * The key pairing a message's send with its recv or drop. msgId is unique per copy in both
 * hosts; the sender and group are part of the key so that a host numbering messages per node
 * still pairs them right.
 */
export function messageKey(m: MessageSummary & { group: string }): string {
  return `${m.group}|${m.from}|${m.to}|${m.msgId}`;
}

/** Every node the trace names: the header's, then the others in order of appearance. */
export function traceNodes(header: TraceHeader, events: readonly TraceEvent[]): string[] {
  const nodes = new Set<string>(header.cluster.nodes);
  for (const e of events) if (e.node !== null) nodes.add(e.node);
  return [...nodes];
}

/** Every group the trace names: the header's, then the others in order of appearance. */
export function traceGroups(header: TraceHeader, events: readonly TraceEvent[]): string[] {
  const groups = new Set<string>(header.cluster.groups);
  for (const e of events) if ('group' in e && typeof e.group === 'string') groups.add(e.group);
  return [...groups];
}

/** True for a response RPC (drawn dashed, as a reply). */
export function isResponse(m: MessageSummary): boolean {
  return m.msgType.endsWith('Response');
}

/** "AppendEntries t3 [4..5] commit 3", "RequestVoteResponse t2 granted", ... */
export function describeMessage(m: MessageSummary): string {
  const parts: string[] = [m.preVote ? `Pre${m.msgType}` : m.msgType, `t${m.term}`];
  if (m.hb) parts.push('heartbeat');
  if (m.entries !== null) parts.push(`[${m.entries[0]}..${m.entries[1]}]`);
  if (m.msgType === 'AppendEntries' && m.prevIndex !== undefined) {
    parts.push(`prev ${m.prevIndex}/${m.prevTerm ?? '?'}`);
  }
  if (m.commit !== undefined) parts.push(`commit ${m.commit}`);
  if (m.granted !== undefined) parts.push(m.granted ? 'granted' : 'refused');
  if (m.ok !== undefined) parts.push(m.ok ? 'ok' : 'rejected');
  if (m.index !== undefined && m.msgType !== 'AppendEntries') parts.push(`index ${m.index}`);
  if (m.reject !== undefined) parts.push(`(${m.reject})`);
  if (m.snap !== undefined) parts.push(`snapshot ${m.snap[0]}/${m.snap[1]}`);
  if (m.rid !== undefined) parts.push(`request ${m.rid}`);
  return parts.join(' ');
}

/** A leadership transfer event in words: "transfer to n2: start", "… refused: Not a leader". */
export function transferText(e: Extract<TraceEvent, { type: 'transfer' }>): string {
  const what = `transfer to ${e.target}: ${e.outcome}`;
  return e.outcome === 'refused' ? `${what}: ${e.reason}` : what;
}

/** "crash", "partition n1 n2 | n3 n4 n5", "skew ×1.5", ... */
export function describeFault(f: FaultBody): string {
  switch (f.fault) {
    case 'partition':
      return `partition ${f.sides.map((s) => s.join(' ')).join(' | ')}`;
    case 'cut':
    case 'link':
      return `${f.fault} ${f.from}→${f.to}`;
    case 'skew':
      return `skew ×${f.rate}`;
    case 'network': {
      const change = Object.entries(f.change)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      const dir = f.from !== undefined ? ` ${f.from}→${f.to ?? '*'}` : '';
      return `network${dir} ${change}`;
    }
    case 'hold':
      return f.on ? 'hold messages' : 'stop holding messages';
    case 'release':
    case 'discard':
      return `${f.fault} message ${f.msgId}`;
    case 'transfer-leader':
      return `transfer-leader ${f.group} → ${f.to}`;
    case 'snapshot':
    case 'fail-apply':
    case 'corrupt-snapshot':
      return `${f.fault} ${f.group}`;
    case 'speed':
      return `speed ×${f.speed}`;
    case 'durability':
      return `durability ${f.durability}`;
    case 'worker-error':
    case 'node-error':
    case 'step-error':
      return `${f.fault}: ${f.message}`;
    case 'crash':
      return f.reason !== undefined ? `crash (${f.reason})` : 'crash';
    case 'disk-stall':
      return `disk stalled ${Math.round(f.waitedMs)} ms (${f.entries} entries)`;
    case 'disk-resume':
      return `disk answered after ${Math.round(f.waitedMs)} ms`;
    default:
      return f.fault;
  }
}

export type ClientEvent = BodyOf<'invoke' | 'ok' | 'fail' | 'info'> & {
  seq: number;
  t: number;
  node: string | null;
};

export function isClientEvent(e: TraceEvent): e is ClientEvent {
  return e.type === 'invoke' || e.type === 'ok' || e.type === 'fail' || e.type === 'info';
}

/** Read-only operations of the client models (models.ts): they change no state. */
export const READ_OPS: ReadonlySet<string> = new Set(['get', 'list', 'read']);

/**
 * Jepsen's name for an operation: the register's :read / :write / :cas for the config store,
 * the trace's own name (register, deregister, list, remove, ...) otherwise.
 */
export function jepsenF(op: string): string {
  if (op === 'get') return 'read';
  if (op === 'put') return 'write';
  return op;
}

/** One line, at most `max` characters: labels never carry a payload. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
