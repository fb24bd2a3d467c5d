// The cluster state as plain text, one line per node and group, read from the view model only
// (the page's status region until the visual views arrive; it replaces runtime/eventView.ts).
// Invariant: a pure function of the state: the same state gives the same text.
import type { GroupId } from '../raft/types.ts';
import type { ViewState } from './model.ts';

/** Nodes ordered by their number (n2 before n10). */
export function nodeOrder(state: ViewState): string[] {
  return Object.keys(state.nodes).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

export function statusText(state: ViewState, groups: readonly GroupId[]): string {
  const ids = nodeOrder(state);
  if (ids.length === 0) return 'No node has reported yet.';
  const lines: string[] = [];
  for (const id of ids) {
    const n = state.nodes[id];
    const flags = n.status !== 'up' ? ` [${n.status}${n.note ? `: ${n.note}` : ''}]` : '';
    const paused = (n.paused ? ' [paused]' : '') + (n.removed ? ' [removed]' : '');
    for (const g of groups) {
      const s = n.groups[g];
      const text =
        s === undefined
          ? '-'
          : `${s.role.padEnd(14)} term ${String(s.term).padStart(3)}  commit ${String(s.log.commit).padStart(5)}${s.error ? `  ERROR ${s.error}` : ''}`;
      lines.push(
        `${id.padEnd(3)} ${g.padEnd(30)} ${n.status === 'up' ? text : '-'}${flags}${paused}`,
      );
    }
  }
  return lines.join('\n');
}
