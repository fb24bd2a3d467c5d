// "Why, not just what": one sentence for a refused vote or pre-vote and for a rejected
// AppendEntries, citing the Raft paper's section (or JRaft/Nacos behaviour) the rule comes from.
// Invariants: pure; every refusal reason the core defines (VoteRefusal, AppendRefusal in
// src/raft/types.ts) has its sentence; facts missing from the trace are left out, never guessed.
import type { CampaignView, MessageView, VoteMark } from '../../state/model.ts';

/**
 * Why `mark.voter` refused `campaign.candidate`, or what a grant means. `mark.term` is the
 * term asked for; a pre-vote asks for the candidate's term + 1 without changing any term.
 */
export function voteWhy(campaign: CampaignView, mark: VoteMark): string {
  const what = campaign.preVote ? 'pre-vote' : 'vote';
  const c = campaign.candidate;
  const v = mark.voter;
  if (mark.granted) {
    return campaign.preVote
      ? `${v} granted ${c} a pre-vote for term ${mark.term}: it has not heard from a leader within its election timeout and ${c}'s log is at least as up to date as its own (§9.6, §5.4.1).`
      : `${v} voted for ${c} in term ${mark.term}: it had not voted for anyone else in that term and ${c}'s log is at least as up to date as its own (§5.2, §5.4.1).`;
  }
  switch (mark.reject) {
    case 'stale-term':
      return `${what} refused: ${c} asked for term ${mark.term}, older than ${v}'s term ${mark.voterTerm} (§5.1).`;
    case 'in-lease':
      return `${what} refused: ${v} heard from a live leader within its election timeout, so it will not help unseat it (§9.6, leader lease / check-quorum).`;
    case 'voted':
      return `${what} refused: ${v} already ${mark.votedFor === v ? 'voted for itself' : mark.votedFor !== null ? `voted for ${mark.votedFor}` : 'voted for another candidate or follows a leader'} in term ${mark.term}; one vote per term (§5.2).`;
    case 'log-behind': {
      const cl = campaign.candidateLast;
      const vl = mark.voterLast;
      const detail =
        cl[1] !== vl[1]
          ? `last term ${cl[1]} < ${vl[1]}`
          : `same last term ${cl[1]}, but last index ${cl[0]} < ${vl[0]}`;
      return `${what} refused: ${c}'s log is behind ${v}'s, ${detail} (§5.4.1).`;
    }
    case 'error':
      return `${what} refused: ${v}'s group is in the ERROR state (its state machine failed), so it takes no part in elections (JRaft).`;
    case 'learner':
      return `${what} refused: ${v} is a learner; learners replicate the log but never vote (§6).`;
    default:
      return `${what} refused by ${v} (the trace gives no reason).`;
  }
}

/** Why an AppendEntriesResponse (or an InstallSnapshotResponse) says reject; null if it succeeded. */
export function appendWhy(m: MessageView): string | null {
  if (m.msgType !== 'AppendEntriesResponse' && m.msgType !== 'InstallSnapshotResponse') {
    return null;
  }
  const d = m.detail;
  if (d.ok !== false) return null;
  const follower = m.from;
  const leader = m.to;
  const at = d.index;
  switch (d.reject) {
    case 'stale-term':
      return `append rejected: ${leader}'s term is older than ${follower}'s term ${m.term}; the old leader steps down when this reply reaches it (§5.1).`;
    case 'log-missing':
      return `append rejected: ${follower} has no entry at index ${at ?? '?'}${d.hintIndex !== undefined ? ` (its log ends at ${d.hintIndex})` : ''}, so the entries cannot follow; ${leader} backs up nextIndex and retries (§5.3).`;
    case 'log-mismatch':
      return `append rejected: ${follower}'s entry at index ${at ?? '?'} has ${d.hintTerm !== undefined ? `term ${d.hintTerm}` : 'another term'}, not the leader's; logs must agree before an entry (Log Matching, §5.3), so ${leader} backs up to where they do.`;
    default:
      return m.msgType === 'InstallSnapshotResponse'
        ? `snapshot refused by ${follower} (the trace gives no reason).`
        : `append rejected by ${follower} (the trace gives no reason).`;
  }
}

/** The one sentence a message popover shows under its fields, when its outcome has a why. */
export function messageWhy(m: MessageView): string | null {
  const a = appendWhy(m);
  if (a !== null) return a;
  if (m.msgType === 'RequestVoteResponse' && m.detail.granted === false) {
    const what = m.detail.preVote === true ? 'pre-vote' : 'vote';
    return `${what} refused by ${m.from}${m.detail.reject !== undefined ? ` (${m.detail.reject})` : ''}: click ${m.to}'s vote marks for the full reason.`;
  }
  if (m.msgType === 'ForwardResponse' && m.detail.ok === false) {
    return `the leader answered the forwarded request with an error: ${m.detail.reject ?? 'unknown'} (Nacos returns it to the client as is).`;
  }
  if (m.msgType === 'ReadIndexResponse' && m.detail.reject !== undefined) {
    return `ReadIndex refused: ${m.detail.reject}; Nacos then reads through the log instead (§8).`;
  }
  return null;
}
