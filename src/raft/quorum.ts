// Quorum arithmetic over simple and joint configurations (§6 of the Raft paper): during a
// joint configuration C(old,new), elections and commitment need a majority of BOTH sets.
import type { ConfState, NodeId } from './types.ts';

export type VoteResult = 'won' | 'lost' | 'pending';

/** The largest index acknowledged by a majority of `ids` (Infinity for an empty set). */
export function majorityIndex(ids: readonly NodeId[], acked: (id: NodeId) => number): number {
  if (ids.length === 0) return Infinity;
  const values = ids.map(acked).sort((a, b) => b - a);
  return values[Math.floor(ids.length / 2)];
}

/** The index committed by `conf`: the smaller of the two majorities when joint. */
export function committedIndex(conf: ConfState, acked: (id: NodeId) => number): number {
  return Math.min(majorityIndex(conf.voters, acked), majorityIndex(conf.outgoing, acked));
}

function majorityVote(ids: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (ids.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of ids) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const quorum = Math.floor(ids.length / 2) + 1;
  if (granted >= quorum) return 'won';
  if (granted + missing >= quorum) return 'pending';
  return 'lost';
}

/** The outcome of an election under `conf`, joint-aware. */
export function voteResult(conf: ConfState, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVote(conf.voters, votes);
  const b = majorityVote(conf.outgoing, votes);
  if (a === 'won' && b === 'won') return 'won';
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

/** Every voter of `conf`, incoming and outgoing, without duplicates. */
export function allVoters(conf: ConfState): NodeId[] {
  const out = [...conf.voters];
  for (const id of conf.outgoing) if (!out.includes(id)) out.push(id);
  return out;
}

/** Voters and learners: everyone the leader replicates to. */
export function allMembers(conf: ConfState): NodeId[] {
  const out = allVoters(conf);
  for (const id of conf.learners) if (!out.includes(id)) out.push(id);
  return out;
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.outgoing.includes(id);
}
