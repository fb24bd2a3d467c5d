// The events list's pure parts: one line of text per raw trace event, the categories a person
// filters by, and the filter itself (by category or type, node, group and free text).
// Invariants: pure; eventLine is deterministic and cached per event object (events are never
// modified), so filtering by text a second time costs a lookup; the filtered list keeps seq
// order.
import type { TraceEvent, TraceEventType } from '../../trace/events.ts';
import { plGet, type PList } from '../../state/plist.ts';

/** The categories of the type filter, each a set of event types. */
export const CATEGORIES: Readonly<Record<string, readonly TraceEventType[]>> = {
  messages: ['send', 'recv', 'drop', 'malformed'],
  elections: ['role', 'vote', 'timer', 'step-down', 'transfer'],
  log: ['append', 'truncate', 'persist', 'commit', 'apply', 'snapshot', 'progress'],
  requests: [
    'request',
    'forward',
    'propose',
    'reply',
    'read-index',
    'invoke',
    'ok',
    'fail',
    'info',
  ],
  membership: ['conf-change', 'member-change', 'metadata'],
  faults: ['fault', 'clock', 'node-start', 'node-crash', 'node-restart'],
  checks: ['violation', 'expect', 'narrate'],
};

export interface EventFilter {
  /** A category name, an event type, or '' for all. */
  type: string;
  /** Events of this node ('' for all); a message matches its sender and its receiver. */
  node: string;
  /** Events of this Raft group ('' for all; events without a group always match). */
  group: string;
  /** Case-insensitive text the event's line must contain ('' for any). */
  text: string;
}

export const NO_FILTER: EventFilter = { type: '', node: '', group: '', text: '' };

function fmtT(t: number): string {
  return (t / 1000).toFixed(3).padStart(9);
}

const lines = new WeakMap<TraceEvent, string>();

function rest(e: TraceEvent, omit: readonly string[]): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'seq' || k === 't' || k === 'node' || k === 'type' || omit.includes(k)) continue;
    if (v === undefined) continue;
    const text =
      typeof v === 'string'
        ? v
        : typeof v === 'number' && !Number.isInteger(v)
          ? v.toFixed(1)
          : JSON.stringify(v);
    out.push(`${k}=${text}`);
  }
  return out.join(' ');
}

function body(e: TraceEvent): string {
  switch (e.type) {
    case 'send':
    case 'recv':
    case 'drop': {
      const what = `${e.msgType} ${e.from}→${e.to} term ${e.term}`;
      const entries = e.entries === null ? '' : ` [${e.entries[0]}..${e.entries[1]}]`;
      const extra = rest(e, ['msgType', 'from', 'to', 'term', 'entries', 'msgId', 'group']);
      return `${what}${entries} #${e.msgId}${extra ? ` ${extra}` : ''}`;
    }
    case 'role':
      return `${e.from} → ${e.to} term ${e.term} leader ${e.leader ?? '-'}`;
    case 'vote':
      return (
        `${e.preVote ? 'pre-vote' : 'vote'} for ${e.candidate} term ${e.term}: ` +
        `${e.granted ? 'granted' : `refused (${e.reject ?? '?'})`}`
      );
    case 'append':
      return e.entries.map((x) => `#${x[0]} t${x[1]} ${x[2]}${x[3] ? ` ${x[3]}` : ''}`).join(', ');
    case 'commit':
      return `commit index ${e.index}`;
    case 'apply':
      return `apply #${e.index} t${e.term}${e.requestId ? ` req ${e.requestId}` : ''} → ${JSON.stringify(e.result)}`;
    case 'fault':
      return `${e.fault} ${rest(e, ['fault'])}`.trim();
    default:
      return rest(e, ['group']);
  }
}

/** "    1.234 n1 nacos_config send AppendEntries n1→n2 term 3 [5..7] #41". */
export function eventLine(e: TraceEvent): string {
  let line = lines.get(e);
  if (line === undefined) {
    const group = 'group' in e && typeof e.group === 'string' ? ` ${e.group}` : '';
    line = `${fmtT(e.t)} ${e.node ?? '-'}${group} ${e.type} ${body(e)}`;
    lines.set(e, line);
  }
  return line;
}

/** The node(s) an event is about: a message's sender and receiver, else its `node`. */
function nodesOf(e: TraceEvent): readonly (string | null)[] {
  if (e.type === 'send' || e.type === 'recv' || e.type === 'drop') return [e.from, e.to];
  return [e.node];
}

export function matches(e: TraceEvent, f: EventFilter): boolean {
  if (f.type !== '') {
    const cat = CATEGORIES[f.type];
    if (cat !== undefined ? !cat.includes(e.type) : e.type !== f.type) return false;
  }
  if (f.node !== '' && !nodesOf(e).includes(f.node)) return false;
  if (f.group !== '' && 'group' in e && e.group !== f.group) return false;
  if (f.text !== '' && !eventLine(e).toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}

/** The events that pass the filter, in seq order. */
export function filterEvents(events: PList<TraceEvent>, f: EventFilter): TraceEvent[] {
  const out: TraceEvent[] = [];
  const all = f.type === '' && f.node === '' && f.group === '' && f.text === '';
  for (let i = 0; i < events.length; i++) {
    const e = plGet(events, i)!;
    if (all || matches(e, f)) out.push(e);
  }
  return out;
}
