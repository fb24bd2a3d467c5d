// The rows of the logs view: per node (in node order), its state as the row header shows it, its
// log of the selected group, the leader's marks for it, and its truncations recent enough to draw.
// Invariant: pure; a node without the group has a row with no log (it is still a member of the
// cluster, and the row keeps the rows below it in place).
import type { GroupId, GroupView, NodeId, NodeStatus, ViewState } from '../../state/model.ts';
import type { TruncationRecord } from '../../state/reduceApplyStream.ts';
import { plGet } from '../../state/plist.ts';
import { nodeOrder } from '../../state/statusText.ts';
import {
  leaderOf,
  logWindow,
  marksFor,
  recentTruncations,
  type FollowerMarks,
  type LogWindow,
} from '../viz/logLayout.ts';

export interface LogRowData {
  node: NodeId;
  status: NodeStatus;
  paused: boolean;
  group: GroupView | null;
  /** The leader's next/match for this node (null on the leader's own row, or with no leader). */
  marks: FollowerMarks | null;
  ghosts: readonly TruncationRecord[];
}

export interface LogRows extends LogWindow {
  leader: NodeId | null;
  rows: LogRowData[];
}

export function logRows(s: ViewState, group: GroupId): LogRows {
  const leader = leaderOf(s, group);
  const lg = leader === null ? undefined : s.nodes[leader].groups[group];
  const recent = recentTruncations(s, s.t).filter((r) => r.group === group);
  const rows = nodeOrder(s).map((id): LogRowData => {
    const n = s.nodes[id];
    return {
      node: id,
      status: n.status,
      paused: n.paused,
      group: n.groups[group] ?? null,
      marks: id === leader ? null : marksFor(lg, id),
      ghosts: recent.filter((r) => r.node === id),
    };
  });
  const w = logWindow(rows.flatMap((r) => (r.group === null ? [] : [r.group.log])));
  // A follower's next index may lie past every log's end: keep its column so the mark shows.
  let last = w.last;
  for (const r of rows) if (r.marks !== null) last = Math.max(last, r.marks.next);
  // Entries a node just truncated stay in view while their ghosts are drawn.
  for (const t of recent) last = Math.max(last, t.from + t.removed.length - 1);
  return { first: w.first, last, leader, rows };
}

/** The log index of a request's entry (pending or settled), or null before it was proposed. */
export function requestIndex(s: ViewState, id: string): number | null {
  const open = s.requests.get(id);
  if (open !== undefined) return open.entry?.index ?? null;
  const recent = s.recentRequests;
  for (let i = recent.length - 1; i >= 0; i--) {
    const r = plGet(recent, i)!;
    if (r.id === id) return r.entry?.index ?? null;
  }
  return null;
}
