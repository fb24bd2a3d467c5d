// The path of a client request through the cluster, for the cluster view to highlight when the
// request is selected: the node the client called, the leader that proposed it (reached by a
// Forward when they differ), and the nodes that applied its entry.
// Invariant: pure; read from the request's stages as the model folded them, nothing inferred.
import type { NodeId, RequestView, ViewState } from '../../state/model.ts';
import { plGet } from '../../state/plist.ts';

export interface RequestPath {
  id: string;
  origin: NodeId | null;
  /** The node that proposed the entry (the leader), when it got that far. */
  leader: NodeId | null;
  forwarded: boolean;
  appliedOn: readonly NodeId[];
  outcome: RequestView['outcome'];
}

export function requestPath(r: RequestView): RequestPath {
  let leader: NodeId | null = null;
  let forwarded = false;
  const applied = new Set<NodeId>();
  for (const st of r.stages) {
    if (st.stage === 'forward') forwarded = true;
    if (st.stage === 'propose' && st.node !== null) leader = st.node;
    if (st.stage === 'forward-recv' && st.node !== null && leader === null) leader = st.node;
    if (st.stage === 'apply' && st.node !== null) applied.add(st.node);
  }
  return {
    id: r.id,
    origin: r.node,
    leader,
    forwarded,
    appliedOn: [...applied],
    outcome: r.outcome,
  };
}

/** The selected request, open or recently settled (newest first), or null. */
export function findRequest(s: ViewState, id: string | null): RequestView | null {
  if (id === null) return null;
  const open = s.requests.get(id);
  if (open !== undefined) return open;
  const recent = s.recentRequests;
  for (let i = recent.length - 1; i >= 0; i--) {
    const r = plGet(recent, i);
    if (r?.id === id) return r;
  }
  return null;
}
