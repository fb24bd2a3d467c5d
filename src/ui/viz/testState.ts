// Small hand-built view states for the views' unit tests: nodes with one group's log, commit,
// applied, role, term and a leader's progress, without running a cluster.
// Invariant: test-only; builds states the fold could produce (entries indexed from the
// snapshot boundary, commit ≤ last index, applied ≤ commit).
import {
  emptyState,
  type EntryView,
  type GroupView,
  type NodeId,
  type ViewState,
} from '../../state/model.ts';
import { plFrom } from '../../state/plist.ts';
import { emptyGroup } from '../../state/reduce.ts';

export const G = 'nacos_config';

export interface NodeSpec {
  role?: GroupView['role'];
  term?: number;
  /** Entry terms from index snapshotIndex + 1 on. */
  terms: number[];
  commit?: number;
  applied?: number;
  snapshotIndex?: number;
  snapshotTerm?: number;
  progress?: Record<NodeId, { next: number; match: number }>;
  voters?: NodeId[];
  status?: 'up' | 'crashed';
}

export function entries(terms: readonly number[], from = 1): EntryView[] {
  return terms.map((term, k) => ({
    index: from + k,
    term,
    kind: 'normal',
    label: `op${from + k}`,
    requestId: null,
  }));
}

export function testState(spec: Record<NodeId, NodeSpec>): ViewState {
  const s = emptyState([G]);
  const nodes: Record<NodeId, ViewState['nodes'][string]> = {};
  for (const [id, n] of Object.entries(spec)) {
    const snap = n.snapshotIndex ?? 0;
    const commit = n.commit ?? 0;
    const g: GroupView = {
      ...emptyGroup(G),
      role: n.role ?? 'follower',
      term: n.term ?? Math.max(0, ...n.terms),
      log: {
        snapshotIndex: snap,
        snapshotTerm: n.snapshotTerm ?? 0,
        entries: plFrom(entries(n.terms, snap + 1)),
        commit,
        applied: n.applied ?? commit,
      },
      progress: Object.fromEntries(
        Object.entries(n.progress ?? {}).map(([p, x]) => [
          p,
          { ...x, state: 'replicate' as const, inflight: 0 },
        ]),
      ),
      conf: n.voters === undefined ? null : { voters: n.voters, outgoing: [], learners: [] },
    };
    nodes[id] = {
      id,
      status: n.status ?? 'up',
      removed: false,
      paused: false,
      clockRate: 1,
      note: null,
      incarnation: 1,
      groups: { [G]: g },
    };
  }
  return { ...s, nodes };
}
