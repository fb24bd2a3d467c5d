// A plain view of the cluster built only from the merged event stream (role, commit, metadata,
// node lifecycle and fault events), as every view of the app must be: what a trace shows can
// be rebuilt from the trace. The page's live status text uses it until the real store
// (src/state/) arrives.
// Invariant: folding the same events in the same order gives the same view.
import type { GroupId, NodeId, Role } from '../raft/types.ts';
import type { FaultBody, TraceEvent } from '../trace/events.ts';

export interface GroupView {
  role: Role;
  term: number;
  leader: NodeId | null;
  commit: number;
  errMsg: string | null;
}

export interface NodeView {
  id: NodeId;
  state: 'up' | 'crashed' | 'failed' | 'removed';
  paused: boolean;
  /** Why it crashed or failed. */
  note: string | null;
  groups: Record<GroupId, GroupView>;
}

export interface ClusterView {
  nodes: Record<NodeId, NodeView>;
  /** The last seq folded in (-1 before any). */
  seq: number;
  /** Cluster time of the last event. */
  t: number;
  paused: boolean;
}

export function emptyView(): ClusterView {
  return { nodes: {}, seq: -1, t: 0, paused: false };
}

function nodeView(view: ClusterView, id: NodeId): NodeView {
  return (view.nodes[id] ??= { id, state: 'up', paused: false, note: null, groups: {} });
}

function groupView(n: NodeView, g: GroupId): GroupView {
  return (n.groups[g] ??= { role: 'follower', term: 0, leader: null, commit: 0, errMsg: null });
}

/** Fold `events` (in seq order) into `view`, in place; returns it. */
export function foldEvents(view: ClusterView, events: readonly TraceEvent[]): ClusterView {
  for (const e of events) {
    view.seq = e.seq;
    view.t = e.t;
    const id = e.node;
    switch (e.type) {
      case 'node-start':
      case 'node-restart': {
        const n = nodeView(view, id!);
        n.state = 'up';
        n.paused = false;
        n.note = null;
        if (e.type === 'node-restart') n.groups = {};
        break;
      }
      case 'node-crash': {
        const n = nodeView(view, id!);
        n.state = 'crashed';
        n.note = e.reason ?? null;
        for (const g of Object.values(n.groups)) g.role = 'follower';
        break;
      }
      case 'role': {
        const g = groupView(nodeView(view, id!), e.group);
        g.role = e.to;
        g.term = e.term;
        g.leader = e.leader;
        break;
      }
      case 'metadata': {
        const g = groupView(nodeView(view, id!), e.group);
        g.term = e.term;
        g.leader = e.leader;
        g.errMsg = e.errMsg;
        break;
      }
      case 'commit':
        groupView(nodeView(view, id!), e.group).commit = e.index;
        break;
      case 'fault':
        foldFault(view, id, e);
        break;
      default:
        break;
    }
  }
  return view;
}

function foldFault(view: ClusterView, id: NodeId | null, f: FaultBody): void {
  switch (f.fault) {
    case 'pause':
      if (id !== null) nodeView(view, id).paused = true;
      break;
    case 'resume':
      if (id !== null) nodeView(view, id).paused = false;
      break;
    case 'pause-cluster':
      view.paused = true;
      break;
    case 'resume-cluster':
      view.paused = false;
      break;
    case 'node-error':
      if (id !== null) {
        const n = nodeView(view, id);
        n.state = 'failed';
        n.note = f.message;
      }
      break;
    case 'removed':
      if (id !== null) nodeView(view, id).state = 'removed';
      break;
    default:
      break;
  }
}

/** The view as plain text: one line per node and group. */
export function viewText(view: ClusterView, groups: readonly GroupId[]): string {
  const ids = Object.keys(view.nodes).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  if (ids.length === 0) return 'No node has reported yet.';
  const lines: string[] = [];
  for (const id of ids) {
    const n = view.nodes[id];
    const flags = n.state !== 'up' ? ` [${n.state}${n.note ? `: ${n.note}` : ''}]` : '';
    const paused = n.paused ? ' [paused]' : '';
    for (const g of groups) {
      const s = n.groups[g];
      const text =
        s === undefined
          ? '-'
          : `${s.role.padEnd(14)} term ${String(s.term).padStart(3)}  commit ${String(s.commit).padStart(5)}${s.errMsg ? `  ERROR ${s.errMsg}` : ''}`;
      lines.push(
        `${id.padEnd(3)} ${g.padEnd(30)} ${n.state === 'up' ? text : '-'}${flags}${paused}`,
      );
    }
  }
  return lines.join('\n');
}
