// Trace → a ShiViz log (https://bestchai.bitbucket.io/shiviz/): every event a node logs as two
// lines, its description and then `host {"host":n,...}` with the node's vector clock. The file
// opens as ShiViz's upload format asks: the parsing regular expression on the first line, the
// (empty) multiple-executions delimiter on the second, then the log; the same expression is
// what to paste into ShiViz's input page.
// Invariants: each host's own clock entry is 1 on its first event and rises by exactly one per
// event it logs; a receive merges the clock its send carried (entry-wise maximum) before
// ticking, so a receive's clock dominates its send's; cluster-wide events are logged by the
// host "cluster", which exchanges no messages. Description lines are one line each.
import type { TraceEvent } from '../events.ts';
import type { ConvertOptions } from './common.ts';
import {
  describeFault,
  describeMessage,
  eventsInWindow,
  messageKey,
  oneLine,
  transferText,
} from './common.ts';
import type { Trace } from './read.ts';

/** The parsing expression (ShiViz's own default shape: event line, then host and clock). */
export const SHIVIZ_REGEX = String.raw`(?<event>.*)\n(?<host>\S+) (?<clock>\{.*\})`;

/** The host that logs cluster-wide events (faults with no node). */
export const CLUSTER_HOST = 'cluster';

type Clock = Map<string, number>;

/** What a node logs, or null for the events a ShiViz graph would only drown in. */
function describe(e: TraceEvent): string | null {
  switch (e.type) {
    case 'send':
      return `send ${describeMessage(e)} to ${e.to} (${e.group})`;
    case 'recv':
      return `recv ${describeMessage(e)} from ${e.from} (${e.group})`;
    case 'drop':
      return `drop ${describeMessage(e)} ${e.from}→${e.to}: ${e.reason} (${e.group})`;
    case 'role':
      return `${e.from} → ${e.to} term ${e.term} (${e.group})`;
    case 'vote':
      return `${e.granted ? 'grant' : 'refuse'} ${e.preVote ? 'pre-vote' : 'vote'} to ${e.candidate} term ${e.term}${e.reject !== undefined ? ` (${e.reject})` : ''} (${e.group})`;
    case 'append':
      return e.entries.length === 0
        ? null
        : `append ${e.entries[0][0]}..${e.entries[e.entries.length - 1][0]} (${e.group})`;
    case 'truncate':
      return `truncate from ${e.from} (${e.group})`;
    case 'commit':
      return `commit ${e.index} (${e.group})`;
    case 'snapshot':
      return e.stage === 'chunk' ? null : `snapshot ${e.stage} ${e.index}/${e.term} (${e.group})`;
    case 'conf-change':
      return `conf ${e.phase} voters ${e.conf.voters.join(' ')} (${e.group})`;
    case 'step-down':
      return `step down: ${e.reason} (${e.group})`;
    case 'transfer':
      return `${transferText(e)} (${e.group})`;
    case 'node-start':
      return 'start';
    case 'node-crash':
      return 'crash';
    case 'node-restart':
      return `restart term ${e.term} lastIndex ${e.lastIndex}`;
    case 'fault':
      return `fault ${describeFault(e)}`;
    case 'invoke':
      return `invoke ${e.process} ${e.op} ${e.key} ${JSON.stringify(e.value) ?? ''} (${e.group})`;
    case 'ok':
    case 'fail':
    case 'info':
      return `${e.type} ${e.process} ${e.op} ${e.key} → ${JSON.stringify(e.result) ?? ''} (${e.group})`;
    case 'violation':
      return `VIOLATION ${e.invariant}: ${e.detail}`;
    default:
      return null;
  }
}

function clockText(clock: Clock): string {
  const parts: string[] = [];
  for (const [host, n] of clock) parts.push(`${JSON.stringify(host)}:${n}`);
  return `{${parts.join(',')}}`;
}

/** ShiViz reads a host as \S+: a node id with white space in it is written with "_". */
function hostName(node: string): string {
  return node.replace(/\s/g, '_') || '_';
}

/** The ShiViz log of a trace (see the file header). */
export function toShiviz(trace: Trace, options: ConvertOptions = {}): string {
  const events = eventsInWindow(trace.events, options);
  const clocks = new Map<string, Clock>();
  /** The sender's clock at each send, until its receive (or drop) reads it. */
  const inFlight = new Map<string, Clock>();
  const lines: string[] = [SHIVIZ_REGEX, ''];
  for (const e of events) {
    const text = describe(e);
    if (text === null) continue;
    const host = e.node === null ? CLUSTER_HOST : hostName(e.node);
    let clock = clocks.get(host);
    if (clock === undefined) {
      clock = new Map([[host, 0]]);
      clocks.set(host, clock);
    }
    if (e.type === 'recv') {
      const carried = inFlight.get(messageKey(e));
      if (carried !== undefined) {
        inFlight.delete(messageKey(e));
        for (const [h, n] of carried) if ((clock.get(h) ?? 0) < n) clock.set(h, n);
      }
    } else if (e.type === 'drop') {
      inFlight.delete(messageKey(e));
    }
    clock.set(host, clock.get(host)! + 1);
    if (e.type === 'send') inFlight.set(messageKey(e), new Map(clock));
    lines.push(`${oneLine(text, 200)} [seq ${e.seq}, t ${e.t} ms]`, `${host} ${clockText(clock)}`);
  }
  return lines.join('\n') + '\n';
}
