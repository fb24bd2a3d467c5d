// Raft's safety properties (§5.2–5.4, Figure 3), checked incrementally after every event.
// Each check looks only at what the event changed on the one node that processed it, so the cost
// per event is a few comparisons; whole-log scans happen only when a node starts or wins an
// election. Registries per group:
// - leaders by term (election safety);
// - every (index, term) ever written to a log, with its entry and its predecessor's term: by
//   induction, two logs holding the same (index, term) are then identical up to it (log matching);
// - the committed prefix: entry, and the lowest term of a node seen holding it committed, an
//   upper bound on the term of the leader that committed it (leader completeness checks leaders of
//   higher terms only, so a stale leader elected late cannot raise a false alarm).
//
// Commit index and durability. Within one incarnation a node's commit and applied indexes never
// decrease. A restarted node starts again from the commit index it persisted, which may be lower
// than what it knew before the crash, and that is not a violation: commit is knowledge, and the
// node relearns it from the leader. What must never happen is losing a committed entry. That is
// checked by (1) commit agreement: whenever any node, in any incarnation, counts index i as
// committed, its entry at i must be the one committed there (a restarted node is re-checked
// from index 1, so a disk that lost or changed a committed entry is caught); (2) leader
// completeness: every leader holds every entry committed in a lower term, so an entry lost from a
// majority shows up the moment a leader lacking it is elected; and (3) the random runner's final
// check that every acknowledged write is in the committed log. The global commit index (the
// highest any node has reported) therefore never decreases by construction.
import type { Entry, GroupId, NodeId, Role } from '../raft/types.ts';
import type { PersistBatch } from '../node/types.ts';

export type InvariantName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'commit-monotonic';

export interface Violation {
  invariant: InvariantName;
  group: GroupId;
  node: NodeId;
  detail: string;
}

/**
 * What the checker reads of one group's log on one node. The core's RaftLog satisfies it, so the
 * simulator hands the checker the live objects and a check allocates nothing.
 */
export interface LogView {
  committed: number;
  applied: number;
  firstIndex(): number;
  lastIndex(): number;
  term(i: number): number | undefined;
  entry(i: number): Entry | undefined;
}

/** What the checker reads of one group on one node (the core's Raft satisfies it). */
export interface GroupView {
  role: Role;
  term: number;
  log: LogView;
}

/** One node's groups, in the order of the checker's `groups`. */
export type NodeView = readonly GroupView[];

/** What the checker remembers of one group on one node, for one incarnation. */
interface NodeTrack {
  role: Role;
  term: number;
  commit: number;
  applied: number;
}

class GroupRegistry {
  readonly leaderByTerm = new Map<number, NodeId>();
  /** Nodes whose last seen role in this group is leader, with their term and log. */
  readonly leaders = new Map<NodeId, GroupView>();
  /** First (index, term) seen per index, with its entry and predecessor's term. */
  readonly seenTerm: number[] = [];
  readonly seenEntry: (Entry | undefined)[] = [];
  readonly seenPrevTerm: number[] = [];
  /** Further terms seen at an index (logs that diverged and were later repaired). */
  readonly seenMore = new Map<
    number,
    { term: number; entry: Entry | undefined; prevTerm: number }[]
  >();
  readonly committedTerm: number[] = [];
  readonly committedEntry: (Entry | undefined)[] = [];
  /** The lowest term of any node seen counting the index as committed. */
  readonly commitObsTerm: number[] = [];
  globalCommit = 0;
}

export class InvariantChecker {
  private readonly registries: GroupRegistry[];
  private readonly groupIndex = new Map<GroupId, number>();
  private readonly tracks = new Map<NodeId, NodeTrack[]>();

  constructor(readonly groups: readonly GroupId[]) {
    this.registries = groups.map(() => new GroupRegistry());
    groups.forEach((g, k) => this.groupIndex.set(g, k));
  }

  /** Leaders seen per term, for summaries. */
  leadersByTerm(group: GroupId): Map<number, NodeId> {
    return this.registry(group).leaderByTerm;
  }

  /** The highest commit index any node has reported for the group. */
  globalCommit(group: GroupId): number {
    return this.registry(group).globalCommit;
  }

  /** The committed entry at `index`, as first seen committed. */
  committedEntry(group: GroupId, index: number): Entry | undefined {
    return this.registry(group).committedEntry[index];
  }

  /**
   * A node (re)started: forget the previous incarnation and check its whole durable log and the
   * commit index it came back with, as if every entry had just been written and committed.
   */
  onStart(id: NodeId, view: NodeView): Violation | null {
    this.onCrash(id);
    for (let k = 0; k < this.groups.length; k++) {
      const log = view[k].log;
      const v = this.checkAppended(id, k, log, log.firstIndex(), log.lastIndex());
      if (v !== null) return v;
    }
    return this.afterEvent(id, view);
  }

  /** The node's process died: it is no longer anyone's leader. */
  onCrash(id: NodeId): void {
    this.tracks.delete(id);
    for (const reg of this.registries) reg.leaders.delete(id);
  }

  /** The node is writing entries to its log (a persist effect): log matching for each entry. */
  onPersist(id: NodeId, view: NodeView, batch: PersistBatch): Violation | null {
    for (const gb of batch.groups) {
      const k = this.groupIndex.get(gb.group);
      if (gb.entries.length === 0 || k === undefined) continue;
      const prevTerm = view[k].log.term(gb.entries[0].index - 1);
      const v = this.checkEntries(id, k, gb.entries, prevTerm);
      if (v !== null) return v;
    }
    return null;
  }

  /** Check what an event changed on node `id`: roles, commit and apply progress. */
  afterEvent(id: NodeId, view: NodeView): Violation | null {
    let tracks = this.tracks.get(id);
    if (tracks === undefined) {
      tracks = this.groups.map(() => ({
        role: 'follower' as Role,
        term: -1,
        commit: 0,
        applied: 0,
      }));
      this.tracks.set(id, tracks);
    }
    for (let k = 0; k < tracks.length; k++) {
      const gv = view[k];
      const tr = tracks[k];
      const log = gv.log;
      if (gv.role === tr.role && gv.term === tr.term && log.committed === tr.commit) {
        if (log.applied === tr.applied) continue;
      }
      const v = this.checkGroup(id, k, gv, tr);
      if (v !== null) return v;
    }
    return null;
  }

  private checkGroup(id: NodeId, k: number, gv: GroupView, tr: NodeTrack): Violation | null {
    let v: Violation | null = null;
    const { committed, applied } = gv.log;
    if (gv.role !== tr.role || gv.term !== tr.term) v = this.checkRole(id, k, gv);
    if (v === null && committed !== tr.commit) v = this.checkCommit(id, k, gv, tr);
    if (v === null && applied !== tr.applied) v = this.checkApplied(id, k, gv, tr);
    tr.role = gv.role;
    tr.term = gv.term;
    tr.commit = committed;
    tr.applied = applied;
    return v;
  }

  /** §5.2 election safety on becoming leader, then §5.4 leader completeness. */
  private checkRole(id: NodeId, k: number, gv: GroupView): Violation | null {
    const reg = this.registries[k];
    if (gv.role !== 'leader') {
      reg.leaders.delete(id);
      return null;
    }
    reg.leaders.set(id, gv);
    const other = reg.leaderByTerm.get(gv.term);
    if (other !== undefined && other !== id) {
      const detail = `${other} and ${id} are both leader of ${this.groups[k]} in term ${gv.term}`;
      return this.violation('election-safety', k, id, detail);
    }
    reg.leaderByTerm.set(gv.term, id);
    return this.checkLeaderHolds(id, k, gv, 1, reg.globalCommit);
  }

  /** A leader must hold every entry in [lo, hi] committed in a term lower than its own. */
  private checkLeaderHolds(
    id: NodeId,
    k: number,
    gv: GroupView,
    lo: number,
    hi: number,
  ): Violation | null {
    const reg = this.registries[k];
    const log = gv.log;
    for (let i = Math.max(lo, log.firstIndex()); i <= hi; i++) {
      if (reg.committedTerm[i] === undefined || reg.commitObsTerm[i] >= gv.term) continue;
      const have = log.term(i);
      if (have !== reg.committedTerm[i]) {
        const what = have === undefined ? 'lacks it' : `has term ${have} there`;
        const detail =
          `${id} leads ${this.groups[k]} in term ${gv.term} but entry ${i} (term ` +
          `${reg.committedTerm[i]}), committed by term ${reg.commitObsTerm[i]} at the latest, ${what}`;
        return this.violation('leader-completeness', k, id, detail);
      }
    }
    return null;
  }

  private checkCommit(id: NodeId, k: number, gv: GroupView, tr: NodeTrack): Violation | null {
    const g = this.groups[k];
    const log = gv.log;
    const commit = log.committed;
    if (commit < tr.commit) {
      const detail = `${id}'s commit index of ${g} went from ${tr.commit} down to ${commit}`;
      return this.violation('commit-monotonic', k, id, detail);
    }
    if (commit > log.lastIndex()) {
      const detail = `${id} commits ${g} up to ${commit} but its log ends at ${log.lastIndex()}`;
      return this.violation('commit-monotonic', k, id, detail);
    }
    const reg = this.registries[k];
    const before = reg.globalCommit;
    for (let i = Math.max(tr.commit + 1, log.firstIndex()); i <= commit; i++) {
      const v = this.checkCommitted(id, k, log, i, gv.term);
      if (v !== null) return v;
    }
    return before < reg.globalCommit ? this.checkLeadersHold(k, before + 1) : null;
  }

  /** Entry i is committed on node id (in term `term`): it must agree with the committed prefix. */
  private checkCommitted(
    id: NodeId,
    k: number,
    log: LogView,
    i: number,
    term: number,
  ): Violation | null {
    const reg = this.registries[k];
    const t = log.term(i)!;
    const known = reg.committedTerm[i];
    if (known === undefined) {
      // First report of i (or i was below a first report made from a compacted log).
      reg.committedTerm[i] = t;
      reg.committedEntry[i] = log.entry(i);
      reg.commitObsTerm[i] = term;
      if (i > reg.globalCommit) reg.globalCommit = i;
      return null;
    }
    if (known !== t) {
      const detail = `${id} committed entry ${i} of ${this.groups[k]} with term ${t}, but term ${known} was committed there`;
      return this.violation('state-machine-safety', k, id, detail);
    }
    if (term < reg.commitObsTerm[i]) reg.commitObsTerm[i] = term;
    return null;
  }

  /** Newly committed entries from `lo`: every current leader of a higher term must hold them. */
  private checkLeadersHold(k: number, lo: number): Violation | null {
    const reg = this.registries[k];
    for (const [leader, gv] of reg.leaders) {
      const v = this.checkLeaderHolds(leader, k, gv, lo, reg.globalCommit);
      if (v !== null) return v;
    }
    return null;
  }

  /** §5.4.3 state machine safety: what a node applies at i is the entry committed at i. */
  private checkApplied(id: NodeId, k: number, gv: GroupView, tr: NodeTrack): Violation | null {
    const g = this.groups[k];
    const log = gv.log;
    const applied = log.applied;
    if (applied < tr.applied) {
      const detail = `${id}'s applied index of ${g} went from ${tr.applied} down to ${applied}`;
      return this.violation('commit-monotonic', k, id, detail);
    }
    if (applied > log.committed) {
      const detail = `${id} applied ${g} up to ${applied}, beyond its commit index ${log.committed}`;
      return this.violation('state-machine-safety', k, id, detail);
    }
    const reg = this.registries[k];
    for (let i = Math.max(tr.applied + 1, log.firstIndex()); i <= applied; i++) {
      const e = log.entry(i);
      const want = reg.committedEntry[i];
      if (e !== undefined && want !== undefined && !sameEntry(e, want)) {
        const detail = `${id} applied ${describe(e)} at ${i} of ${g}, but ${describe(want)} was committed there`;
        return this.violation('state-machine-safety', k, id, detail);
      }
    }
    return null;
  }

  private violation(invariant: InvariantName, k: number, node: NodeId, detail: string): Violation {
    return { invariant, group: this.groups[k], node, detail };
  }

  /** Log matching over a node's existing log range [lo, hi] (at start). */
  private checkAppended(
    id: NodeId,
    k: number,
    log: LogView,
    lo: number,
    hi: number,
  ): Violation | null {
    let prevTerm = log.term(lo - 1);
    for (let i = lo; i <= hi; i++) {
      const e = log.entry(i);
      const t = log.term(i)!;
      const v = this.checkSeen(id, k, i, t, e, prevTerm);
      if (v !== null) return v;
      prevTerm = t;
    }
    return null;
  }

  /** Log matching for entries being written contiguously after a predecessor of `prevTerm`. */
  private checkEntries(
    id: NodeId,
    k: number,
    entries: Entry[],
    prevTerm: number | undefined,
  ): Violation | null {
    let prev = prevTerm;
    for (let j = 0; j < entries.length; j++) {
      const e = entries[j];
      const v = this.checkSeen(id, k, e.index, e.term, e, prev);
      if (v !== null) return v;
      prev = e.term;
    }
    return null;
  }

  /**
   * §5.3 log matching: an (index, term) pair names one entry with one predecessor term, on every
   * node and forever. A predecessor that is unknown (compacted) is not compared.
   */
  private checkSeen(
    id: NodeId,
    k: number,
    i: number,
    t: number,
    e: Entry | undefined,
    prevTerm: number | undefined,
  ): Violation | null {
    const reg = this.registries[k];
    const prev = prevTerm ?? -1;
    const firstTerm = reg.seenTerm[i];
    if (firstTerm === undefined) {
      reg.seenTerm[i] = t;
      reg.seenEntry[i] = e;
      reg.seenPrevTerm[i] = prev;
      return null;
    }
    if (firstTerm === t)
      return this.compareSeen(id, k, i, t, e, prev, reg.seenEntry[i], reg.seenPrevTerm[i]);
    const more = reg.seenMore.get(i) ?? [];
    const found = more.find((m) => m.term === t);
    if (found === undefined) {
      more.push({ term: t, entry: e, prevTerm: prev });
      reg.seenMore.set(i, more);
      return null;
    }
    return this.compareSeen(id, k, i, t, e, prev, found.entry, found.prevTerm);
  }

  private compareSeen(
    id: NodeId,
    k: number,
    i: number,
    t: number,
    e: Entry | undefined,
    prev: number,
    seenEntry: Entry | undefined,
    seenPrev: number,
  ): Violation | null {
    const g = this.groups[k];
    if (prev !== -1 && seenPrev !== -1 && prev !== seenPrev) {
      const detail = `${id} holds entry (${i}, term ${t}) of ${g} after term ${prev}, another log after term ${seenPrev}`;
      return this.violation('log-matching', k, id, detail);
    }
    if (e !== undefined && seenEntry !== undefined && !sameEntry(e, seenEntry)) {
      const detail = `${id} holds ${describe(e)} at (${i}, term ${t}) of ${g}, another log holds ${describe(seenEntry)}`;
      return this.violation('log-matching', k, id, detail);
    }
    return null;
  }

  private registry(g: GroupId): GroupRegistry {
    const k = this.groupIndex.get(g);
    if (k === undefined) throw new Error(`invariants: unknown group ${g}`);
    return this.registries[k];
  }
}

/** Same entry: identical object, or equal index, term, type and data (compared as JSON). */
export function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (a.index !== b.index || a.term !== b.term || a.type !== b.type) return false;
  return a.data === b.data || JSON.stringify(a.data) === JSON.stringify(b.data);
}

function describe(e: Entry): string {
  const data = e.data === undefined ? '' : ` ${JSON.stringify(e.data)}`;
  return `${e.type} entry (${e.index}, term ${e.term})${data}`;
}
