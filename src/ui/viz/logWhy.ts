// "Why", for one entry of one node's log: a sentence that says whether it is committed, and if
// not, what stands in the way, citing the Raft paper (§5.3 replication, §5.4.2 committing
// entries from previous terms, §5.2 elections, §7 compaction). A pure function of the view model.
// Invariant: the sentence only states what the model holds (the leader's log, its progress per
// follower, the configuration); it never guesses at what the trace does not say.
import type { GroupId, NodeId, ViewState } from '../../state/model.ts';
import { cellAt, entryAt, lastIndex, leaderOf } from './logLayout.ts';

/** The voters of the group as the leader (or else the node) knows them. */
export function votersOf(s: ViewState, group: GroupId, node: NodeId): NodeId[] {
  const g = s.nodes[node]?.groups[group];
  const conf = g?.conf;
  if (conf !== null && conf !== undefined && conf.voters.length > 0) {
    return [...new Set([...conf.voters, ...conf.outgoing])].sort();
  }
  if (g?.metadata !== null && g?.metadata !== undefined && g.metadata.members.length > 0) {
    return [...g.metadata.members];
  }
  return Object.values(s.nodes)
    .filter((n) => !n.removed && n.groups[group] !== undefined)
    .map((n) => n.id);
}

/** Nodes the leader knows hold the entry at `index`: itself, and followers whose match ≥ index. */
export function replicasOf(s: ViewState, group: GroupId, leader: NodeId, index: number): NodeId[] {
  const g = s.nodes[leader]?.groups[group];
  if (g === undefined) return [];
  const out: NodeId[] = lastIndex(g.log) >= index ? [leader] : [];
  for (const [peer, p] of Object.entries(g.progress)) if (p.match >= index) out.push(peer);
  return out;
}

/** One sentence on the entry at `index` of `node`'s log in `group`. */
export function explainEntry(s: ViewState, group: GroupId, node: NodeId, index: number): string {
  const n = s.nodes[node];
  const g = n?.groups[group];
  if (n === undefined || g === undefined) return `${node} holds no log of ${group}.`;
  const cell = cellAt(g.log, index);
  if (cell.type === 'compacted') {
    return `index ${index} is inside ${node}'s snapshot (compacted up to ${g.log.snapshotIndex}, term ${g.log.snapshotTerm}): committed and applied (§7).`;
  }
  if (cell.type === 'empty') {
    return `${node} has no entry at index ${index} yet (its log ends at ${lastIndex(g.log)}).`;
  }
  const e = cell.entry;
  const what = `index ${index} (term ${e.term}${e.label !== '' ? `, ${e.label}` : ''})`;
  if (cell.committed) {
    const applied = cell.applied
      ? `applied on ${node}`
      : `not yet applied on ${node} (applied up to ${g.log.applied})`;
    return `${what} is committed: stored on a majority, it survives every later leader (§5.4); ${applied}.`;
  }
  const leader = leaderOf(s, group);
  if (leader === null) {
    return `${what} not committed: no leader in ${group} to replicate it; an election comes first (§5.2).`;
  }
  const lg = s.nodes[leader].groups[group];
  if (leader !== node) {
    const theirs = entryAt(lg.log, index);
    if (index <= lg.log.snapshotIndex) {
      return lg.log.commit >= index
        ? `${what} not yet committed on ${node}: leader ${leader} committed up to ${lg.log.commit}; ${node} learns it with the next AppendEntries or heartbeat (§5.3).`
        : `${what} not committed on ${node}.`;
    }
    if (theirs === undefined) {
      return `${what} not committed: leader ${leader} (term ${lg.term}) has no entry at ${index}; ${node}'s entry will be removed when the leader's log reaches it (§5.3).`;
    }
    if (theirs.term !== e.term) {
      return `${what} conflicts with leader ${leader}'s entry of term ${theirs.term} there: it will be replaced (§5.3).`;
    }
    if (lg.log.commit >= index) {
      return `${what} committed by leader ${leader} (commit ${lg.log.commit}); ${node} learns it with the next AppendEntries or heartbeat (§5.3).`;
    }
  }
  if (e.term < lg.term) {
    return `${what} not committed: entry of term ${e.term}, leader ${leader} in term ${lg.term}; it commits only once an entry of term ${lg.term} after it does (§5.4.2).`;
  }
  const voters = votersOf(s, group, leader);
  const holders = replicasOf(s, group, leader, index).filter((id) => voters.includes(id));
  const needed = Math.floor(voters.length / 2) + 1;
  return `${what} not committed: replicated on ${holders.length} of ${voters.length}, needs ${needed} (§5.3).`;
}
