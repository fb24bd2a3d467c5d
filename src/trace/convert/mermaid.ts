// Trace → a Mermaid sequence diagram (https://mermaid.js.org/syntax/sequenceDiagram.html) of a
// time window: one participant per node, each message an arrow drawn when it arrives (replies
// dashed, dropped ones ending in a cross), faults and role changes as notes.
// Invariants: every line is one Mermaid statement (the header, a participant, an arrow, a note
// or a %% comment); labels are one line with the characters Mermaid reads as syntax (; # % < >)
// replaced; at most `maxStatements` arrows and notes, and when the window holds more a final
// note says how many were left out and from which time, so a reader never takes a cut diagram
// for the whole window.
import type { TraceEvent } from '../events.ts';
import type { ConvertOptions } from './common.ts';
import {
  describeFault,
  describeMessage,
  eventsInWindow,
  isResponse,
  oneLine,
  traceGroups,
  traceNodes,
} from './common.ts';
import type { Trace } from './read.ts';

export interface MermaidOptions extends ConvertOptions {
  /** Arrows and notes drawn at most (default 400): Mermaid renders far more slowly beyond. */
  maxStatements?: number;
}

export const MERMAID_STATEMENTS_DEFAULT = 400;

/** Words Mermaid's sequence grammar reserves; a node named so gets an alias. */
const RESERVED = new Set([
  'end',
  'loop',
  'alt',
  'else',
  'opt',
  'par',
  'and',
  'rect',
  'critical',
  'break',
  'box',
  'note',
  'participant',
  'actor',
  'activate',
  'deactivate',
  'autonumber',
  'title',
  'create',
  'destroy',
  'over',
  'left',
  'right',
  'of',
  'as',
  'links',
  'link',
  'properties',
  'details',
]);

/** A label Mermaid shows as text: one line, no statement separators, entities or HTML. */
export function mermaidText(text: string): string {
  return oneLine(text, 160)
    .replace(/;/g, ',')
    .replace(/#/g, 'no.')
    .replace(/%/g, ' pct')
    .replace(/</g, '‹')
    .replace(/>/g, '›');
}

/** The participant id of a node: the node id when Mermaid can read it as one, else P<i>. */
function participantIds(nodes: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  nodes.forEach((n, i) => {
    const plain = /^[A-Za-z][A-Za-z0-9_]*$/.test(n) && !RESERVED.has(n.toLowerCase());
    ids.set(n, plain ? n : `P${i + 1}`);
  });
  return ids;
}

/** The sequence diagram of the trace's window (see the file header). */
export function toMermaid(trace: Trace, options: MermaidOptions = {}): string {
  const max = options.maxStatements ?? MERMAID_STATEMENTS_DEFAULT;
  const events = eventsInWindow(trace.events, options);
  const nodes = traceNodes(trace.header, events);
  const ids = participantIds(nodes);
  const manyGroups = traceGroups(trace.header, events).length > 1;
  const from = options.fromMs ?? (events.length > 0 ? events[0].t : 0);
  const to = options.toMs ?? (events.length > 0 ? events[events.length - 1].t : 0);
  const lines = [
    'sequenceDiagram',
    `    %% raft-playground trace, seed ${trace.header.seed ?? 'none'}, ${from}–${to} ms of cluster time`,
  ];
  for (const n of nodes) {
    const id = ids.get(n)!;
    lines.push(id === n ? `    participant ${n}` : `    participant ${id} as ${mermaidText(n)}`);
  }
  const first = ids.get(nodes[0] ?? '');
  const last = ids.get(nodes[nodes.length - 1] ?? '');
  const span = first === undefined ? null : first === last ? first : `${first},${last}`;
  const group = (g: string): string => (manyGroups ? ` [${g}]` : '');
  const id = (n: string): string => ids.get(n)!;

  let shown = 0;
  let leftOut = 0;
  let leftOutFrom: number | null = null;
  const add = (e: TraceEvent, statement: string): void => {
    if (shown < max) {
      shown++;
      lines.push(`    ${statement}`);
      return;
    }
    leftOut++;
    leftOutFrom ??= e.t;
  };
  for (const e of events) {
    switch (e.type) {
      case 'recv':
      case 'drop': {
        if (!ids.has(e.from) || !ids.has(e.to)) break;
        const reply = isResponse(e);
        const arrow = e.type === 'recv' ? (reply ? '-->>' : '->>') : reply ? '--x' : '-x';
        const dropped = e.type === 'drop' ? ` DROPPED (${e.reason})` : '';
        const label = `${describeMessage(e)}${dropped}${group(e.group)} @${e.t} ms`;
        add(e, `${id(e.from)}${arrow}${id(e.to)}: ${mermaidText(label)}`);
        break;
      }
      case 'role':
        if (e.node === null) break;
        add(
          e,
          `Note right of ${id(e.node)}: ${mermaidText(`${e.to} term ${e.term}${group(e.group)} @${e.t} ms`)}`,
        );
        break;
      case 'fault': {
        const where = e.node !== null ? id(e.node) : span;
        if (where === null) break;
        add(e, `Note over ${where}: ${mermaidText(`${describeFault(e)} @${e.t} ms`)}`);
        break;
      }
      case 'violation':
        if (span === null) break;
        add(e, `Note over ${span}: ${mermaidText(`VIOLATION ${e.invariant}: ${e.detail}`)}`);
        break;
      default:
        break;
    }
  }
  if (leftOut > 0 && span !== null) {
    lines.push(
      `    Note over ${span}: ${mermaidText(
        `${leftOut} more arrows and notes from ${leftOutFrom} ms to ${to} ms not shown ` +
          `(at most ${max}), narrow the window with --from-ms and --to-ms`,
      )}`,
    );
  }
  return lines.join('\n') + '\n';
}
