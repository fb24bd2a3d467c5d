// Campaigns and the answers they got: the vote marks the cluster view draws around a candidate
// (pre-vote and vote apart, granted and refused apart) and the facts a "why" sentence needs.
// A campaign begins when a node becomes pre-candidate or candidate (a `role` event) and
// collects the `vote` events that answer it; the next campaign of the same node replaces it.
// Invariant: pure, copy-on-write (untouched groups keep their references); an answer is kept
// only for the campaign it answers (same phase: pre-vote or vote).
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { CampaignView, GroupView, VoteMark, ViewState } from './model.ts';
import { plGet } from './plist.ts';

/** The state with `e`'s effect on campaigns (the same state when `e` has none). */
export function reduceVotes(s: ViewState, e: TraceEvent): ViewState {
  if (e.type === 'role' && e.node !== null) {
    if (e.to !== 'pre-candidate' && e.to !== 'candidate') return s;
    const g = s.nodes[e.node]?.groups[e.group];
    return putCampaign(s, e.group, {
      candidate: e.node,
      preVote: e.to === 'pre-candidate',
      term: e.term,
      since: e.t,
      candidateLast: g === undefined ? [0, 0] : lastEntry(g),
      marks: [],
    });
  }
  if (e.type === 'vote' && e.node !== null) {
    const g = s.nodes[e.node]?.groups[e.group];
    const mark: VoteMark = {
      voter: e.node,
      term: e.term,
      voterTerm: g?.term ?? 0,
      granted: e.granted,
      reject: e.reject ?? null,
      t: e.t,
      voterLast: g === undefined ? [0, 0] : lastEntry(g),
      votedFor: e.reject === 'voted' ? (g?.votedFor ?? null) : null,
    };
    const c = s.campaigns[e.group]?.[e.candidate];
    if (c !== undefined) {
      // An answer to an earlier campaign, or to the other phase, arrived late: not this one's.
      const asked = c.preVote ? c.term + 1 : c.term;
      if (c.preVote !== e.preVote || e.term !== asked) return s;
    }
    // A trace that starts mid-campaign: open one from the answer.
    const base: CampaignView = c ?? {
      candidate: e.candidate,
      preVote: e.preVote,
      term: e.preVote ? e.term - 1 : e.term,
      since: e.t,
      candidateLast: candidateLast(s, e.candidate, e.group),
      marks: [],
    };
    const marks = [...base.marks.filter((m) => m.voter !== e.node), mark];
    return putCampaign(s, e.group, { ...base, marks });
  }
  return s;
}

function candidateLast(s: ViewState, id: NodeId, group: GroupId): readonly [number, number] {
  const g = s.nodes[id]?.groups[group];
  return g === undefined ? [0, 0] : lastEntry(g);
}

/** [index, term] of the last entry of the node's log (the snapshot's when the log is empty). */
export function lastEntry(g: GroupView): readonly [number, number] {
  const log = g.log;
  const n = log.entries.length;
  if (n === 0) return [log.snapshotIndex, log.snapshotTerm];
  const last = plGet(log.entries, n - 1)!;
  return [last.index, last.term];
}

function putCampaign(s: ViewState, group: GroupId, c: CampaignView): ViewState {
  const byNode = s.campaigns[group] ?? {};
  return {
    ...s,
    campaigns: { ...s.campaigns, [group]: { ...byNode, [c.candidate]: c } },
  };
}

/**
 * The campaign to draw around `id` now: while it campaigns, and for `lingerMs` of cluster time
 * after its last answer once it won, so a learner sees the votes that made the leader.
 */
export function visibleCampaign(
  s: ViewState,
  group: GroupId,
  id: NodeId,
  lingerMs: number,
): CampaignView | null {
  const c = s.campaigns[group]?.[id];
  if (c === undefined) return null;
  const role = s.nodes[id]?.groups[group]?.role;
  if (role === 'pre-candidate' || role === 'candidate') return c;
  // A lost campaign is over; a won one stays a moment, so the winning votes are seen.
  if (role !== 'leader' || c.preVote) return null;
  const last = c.marks.length === 0 ? c.since : c.marks[c.marks.length - 1].t;
  return s.t - last <= lingerMs ? c : null;
}
