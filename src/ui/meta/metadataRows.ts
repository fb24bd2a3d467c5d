// The metadata table's rows: per node, the metadata it last published for a group, and which of
// its values disagree with what most nodes publish (so a lagging node or a split shows at once).
// Invariant: pure; nodes that published nothing take no part in the majority.
import type { GroupId, MetadataView, NodeId, ViewState } from '../../state/model.ts';

export interface MetadataRow {
  node: NodeId;
  down: boolean;
  metadata: MetadataView | null;
  /** Which values differ from the most common one among the nodes that published. */
  odd: { leader: boolean; term: boolean; members: boolean };
}

function majority(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestN = 0;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestN) {
      best = v;
      bestN = n;
    }
  }
  return best;
}

export function metadataRows(
  s: ViewState,
  group: GroupId,
  nodes: readonly NodeId[],
): MetadataRow[] {
  const published = nodes
    .map((id) => s.nodes[id]?.groups[group]?.metadata ?? null)
    .filter((m): m is MetadataView => m !== null);
  const leader = majority(published.map((m) => String(m.leader)));
  const term = majority(published.map((m) => String(m.term)));
  const members = majority(published.map((m) => m.members.join(',')));
  return nodes.map((id) => {
    const n = s.nodes[id];
    const m = n?.groups[group]?.metadata ?? null;
    return {
      node: id,
      down: n === undefined || n.status !== 'up',
      metadata: m,
      odd: {
        leader: m !== null && String(m.leader) !== leader,
        term: m !== null && String(m.term) !== term,
        members: m !== null && m.members.join(',') !== members,
      },
    };
  });
}
