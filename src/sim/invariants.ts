// Raft's safety properties (§5.2–5.4, Figure 3) and those of membership changes (§6), checked
// incrementally after every event. Each check looks only at what the event changed on the one
// node that processed it, so the cost per event is a few comparisons; whole-log scans happen only
// when a node starts, and backward scans only when a leader appends a configuration entry.
// Registries per group:
// - leaders by term (election safety), and the votes granted per term and candidate;
// - every (index, term) ever written to a log, with its entry and its predecessor's term: by
//   induction, two logs holding the same (index, term) are then identical up to it (log matching);
// - the committed prefix: entry, and the lowest term of a node seen holding it committed, an
//   upper bound on the term of the leader that committed it (leader completeness checks leaders of
//   higher terms only, so a stale leader elected late cannot raise a false alarm).
// Per-index records are kept in windows that the simulator prunes below the lowest snapshot
// point of any member (prune()): no log can hold those indexes again, so the checker's memory
// stays bounded by the snapshot interval rather than growing with the run.
//
// Commit index and durability. Within one incarnation a node's commit and applied indexes never
// decrease. A restarted node starts again from the commit index it persisted, which may be lower
// than what it knew before the crash, and that is not a violation: commit is knowledge, and the
// node relearns it from the leader. What must never happen is losing a committed entry. That is
// checked by (1) commit agreement: whenever any node, in any incarnation, counts index i as
// committed, its entry at i must be the one committed there (a restarted node is re-checked
// from its first index, so a disk that lost or changed a committed entry is caught); (2) leader
// completeness: every leader holds every entry committed in a lower term, so an entry lost from a
// majority shows up the moment a leader lacking it is elected; (3) commit quorum: when a leader's
// commit index advances, the entry there is on the disks of a majority of its configuration, of
// both majorities while the configuration is joint (§6); and (4) the random runner's final check
// that every acknowledged write was committed. The global commit index (the highest any node has
// reported) therefore never decreases by construction.
//
// Membership (§6, thesis §4). At most one configuration change is in flight: a leader appends a
// configuration entry only when every earlier one is committed, a joint entry only from a simple
// configuration, and the stable C(new) only right after its joint C(old,new). Learners never vote
// and only voters campaign: no node that is a learner in its own configuration grants a vote,
// none that is not a voter of its configuration becomes (pre-)candidate or leader, and every
// leader won the votes of a majority of its configuration (of both majorities when joint).
// A node that does not know yet that it was added may grant a vote (etcd allows it for the same
// reason: a promoted node must be able to vote before it hears of its promotion); the vote only
// counts for a candidate whose configuration holds it as a voter.
import type { ConfChange, ConfState, Entry, GroupId, NodeId, Role } from '../raft/types.ts';
import type { PersistBatch } from '../node/types.ts';

export type InvariantName =
  | 'election-safety'
  | 'log-matching'
  | 'leader-completeness'
  | 'state-machine-safety'
  | 'commit-monotonic'
  | 'conf-change-in-flight'
  | 'learner-vote'
  | 'joint-quorum'
  | 'term-origin'
  | 'double-vote'
  | 'disruption'
  | 'state-machine-divergence';

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
  /** The configuration in force on this node (the last one in its log). */
  conf: ConfState;
}

/** One node's groups, in the order of the checker's `groups`. */
export type NodeView = readonly GroupView[];

/** A granted or refused vote as it leaves a node (a RequestVoteResponse). */
export interface VoteSent {
  group: GroupId;
  to: NodeId;
  term: number;
  preVote: boolean;
  granted: boolean;
}

/**
 * Does node's disk hold entry (index, term) of the group, or a snapshot that covers it? The
 * simulator answers from its disks; without it the commit-quorum check is skipped.
 */
export type DurableLookup = (node: NodeId, group: GroupId, index: number, term: number) => boolean;

export interface CheckerOptions {
  durable?: DurableLookup;
  /**
   * Check that every term a node holds was reached by some node campaigning in it (see
   * checkTermOrigin). Off by default for hand-built views that set terms directly; the
   * simulator turns it on.
   */
  termOrigin?: boolean;
}

/** What the checker remembers of one group on one node, for one incarnation. */
interface NodeTrack {
  role: Role;
  term: number;
  commit: number;
  applied: number;
  first: number;
  /** The configuration object at the last check (the core replaces it on every change). */
  conf: ConfState | null;
}

interface SeenRecord {
  term: number;
  entry: Entry | undefined;
  prevTerm: number;
}

interface CommitRecord {
  term: number;
  entry: Entry | undefined;
  /** The lowest term of any node seen counting the index as committed. */
  obsTerm: number;
}

/**
 * Records per log index from `base` on. Records below it were pruned: reads give undefined and
 * writes are dropped, so a check over a pruned index is skipped rather than misjudged.
 */
class IndexWindow<T> {
  private base = 0;
  private items: (T | undefined)[] = [];

  get(i: number): T | undefined {
    return i < this.base ? undefined : this.items[i - this.base];
  }

  set(i: number, v: T): void {
    if (i >= this.base) this.items[i - this.base] = v;
  }

  /** Forget records below `index`; shifts only when a good share is prunable (amortized). */
  pruneBelow(index: number): void {
    const n = index - this.base;
    if (n < 1024 || n * 4 < this.items.length) return;
    this.items.splice(0, n);
    this.base = index;
  }

  /** Records held (for tests of boundedness). */
  get size(): number {
    return this.items.length;
  }
}

class GroupRegistry {
  readonly leaderByTerm = new Map<number, NodeId>();
  /** Nodes whose last seen role in this group is leader, with their term and log. */
  readonly leaders = new Map<NodeId, GroupView>();
  /** First (index, term) seen per index, with its entry and predecessor's term. */
  readonly seen = new IndexWindow<SeenRecord>();
  /** Further terms seen at an index (logs that diverged and were later repaired). */
  readonly seenMore = new Map<number, SeenRecord[]>();
  readonly committed = new IndexWindow<CommitRecord>();
  /** Granted votes (not pre-votes): term → candidate → voters. */
  readonly votes = new Map<number, Map<NodeId, Set<NodeId>>>();
  /** Granted votes (not pre-votes) by voter, over every incarnation: voter → term → candidate. */
  readonly votedFor = new Map<NodeId, Map<number, NodeId>>();
  /** Terms some node campaigned in (was candidate or leader of), or held on its first start. */
  readonly campaignTerms = new Set<number>([0]);
  globalCommit = 0;
}

export class InvariantChecker {
  private readonly registries: GroupRegistry[];
  private readonly groupIndex = new Map<GroupId, number>();
  private readonly tracks = new Map<NodeId, NodeTrack[]>();
  private readonly durable: DurableLookup | null;
  private readonly termOrigin: boolean;
  /** Nodes started at least once (their first start may bring a seeded term). */
  private readonly startedOnce = new Set<NodeId>();
  /** Called once per index, the first time any node counts it committed (with its entry when known). */
  onCommitted: ((group: GroupId, index: number, entry: Entry | undefined) => void) | null = null;

  constructor(
    readonly groups: readonly GroupId[],
    opts: CheckerOptions = {},
  ) {
    this.registries = groups.map(() => new GroupRegistry());
    groups.forEach((g, k) => this.groupIndex.set(g, k));
    this.durable = opts.durable ?? null;
    this.termOrigin = opts.termOrigin ?? false;
  }

  /** Leaders seen per term, for summaries. */
  leadersByTerm(group: GroupId): Map<number, NodeId> {
    return this.registry(group).leaderByTerm;
  }

  /** The highest commit index any node has reported for the group. */
  globalCommit(group: GroupId): number {
    return this.registry(group).globalCommit;
  }

  /** The committed entry at `index`, as first seen committed (undefined once pruned). */
  committedEntry(group: GroupId, index: number): Entry | undefined {
    return this.registry(group).committed.get(index)?.entry;
  }

  /** How many per-index records the checker holds for the group (for boundedness tests). */
  recordCount(group: GroupId): number {
    const reg = this.registry(group);
    return reg.seen.size + reg.committed.size + reg.seenMore.size;
  }

  /**
   * No log will hold an index below `index` again (every member's snapshot covers it): forget
   * what the checker recorded for those indexes.
   */
  prune(group: GroupId, index: number): void {
    const reg = this.registry(group);
    reg.seen.pruneBelow(index);
    reg.committed.pruneBelow(index);
    for (const i of reg.seenMore.keys()) if (i < index) reg.seenMore.delete(i);
  }

  /**
   * A node (re)started: forget the previous incarnation and check its whole durable log and the
   * commit index it came back with, as if every entry had just been written and committed.
   */
  onStart(id: NodeId, view: NodeView): Violation | null {
    this.onCrash(id);
    if (!this.startedOnce.has(id)) {
      // A term on a first start was seeded (a scenario's initial state): it has no campaign to
      // show for itself. A restart's term was checked when the node first held it.
      this.startedOnce.add(id);
      for (let k = 0; k < this.groups.length; k++) {
        this.registries[k].campaignTerms.add(view[k].term);
      }
    }
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

  /**
   * The node is writing entries to its log (a persist effect): log matching for each entry, and
   * for a leader's own configuration entries, one change at a time.
   */
  onPersist(id: NodeId, view: NodeView, batch: PersistBatch): Violation | null {
    for (const gb of batch.groups) {
      const k = this.groupIndex.get(gb.group);
      if (gb.entries.length === 0 || k === undefined) continue;
      const gv = view[k];
      const prevTerm = gv.log.term(gb.entries[0].index - 1);
      const v = this.checkEntries(id, k, gb.entries, prevTerm);
      if (v !== null) return v;
      if (gv.role !== 'leader') continue;
      for (const e of gb.entries) {
        if (e.type !== 'conf' || e.term !== gv.term) continue;
        const w = this.checkConfEntry(id, k, gv, e);
        if (w !== null) return w;
      }
    }
    return null;
  }

  /** A vote (or pre-vote) answer leaves node `id`: learners never grant; remember real votes. */
  onVote(id: NodeId, view: NodeView, vote: VoteSent): Violation | null {
    if (!vote.granted) return null;
    const k = this.groupIndex.get(vote.group);
    if (k === undefined) return null;
    const conf = view[k].conf;
    if (conf.learners.includes(id) && !isVoter(conf, id)) {
      const what = vote.preVote ? 'pre-vote' : 'vote';
      const detail = `${id}, a learner of ${vote.group} (${describeConf(conf)}), granted its ${what} to ${vote.to} for term ${vote.term}`;
      return this.violation('learner-vote', k, id, detail);
    }
    if (vote.preVote) return null;
    const reg = this.registries[k];
    // §5.2: one vote per term, across crashes too (votedFor is durable, Figure 2).
    let mine = reg.votedFor.get(id);
    if (mine === undefined) {
      mine = new Map();
      reg.votedFor.set(id, mine);
    }
    const before = mine.get(vote.term);
    if (before !== undefined && before !== vote.to) {
      const detail = `${id} granted its vote of term ${vote.term} in ${vote.group} to ${before} and then to ${vote.to}`;
      return this.violation('double-vote', k, id, detail);
    }
    mine.set(vote.term, vote.to);
    let byCandidate = reg.votes.get(vote.term);
    if (byCandidate === undefined) {
      byCandidate = new Map();
      reg.votes.set(vote.term, byCandidate);
    }
    let voters = byCandidate.get(vote.to);
    if (voters === undefined) {
      voters = new Set();
      byCandidate.set(vote.to, voters);
    }
    voters.add(id);
    return null;
  }

  /** Check what an event changed on node `id`: roles, snapshot point, commit and apply progress. */
  afterEvent(id: NodeId, view: NodeView): Violation | null {
    let tracks = this.tracks.get(id);
    if (tracks === undefined) {
      tracks = this.groups.map(() => ({
        role: 'follower' as Role,
        term: -1,
        commit: 0,
        applied: 0,
        first: 1,
        conf: null,
      }));
      this.tracks.set(id, tracks);
    }
    for (let k = 0; k < tracks.length; k++) {
      const gv = view[k];
      const tr = tracks[k];
      const log = gv.log;
      if (
        gv.role === tr.role &&
        gv.term === tr.term &&
        log.committed === tr.commit &&
        log.applied === tr.applied &&
        gv.conf === tr.conf &&
        log.firstIndex() === tr.first
      ) {
        continue;
      }
      const v = this.checkGroup(id, k, gv, tr);
      if (v !== null) return v;
    }
    return null;
  }

  private checkGroup(id: NodeId, k: number, gv: GroupView, tr: NodeTrack): Violation | null {
    let v: Violation | null = null;
    const { committed, applied } = gv.log;
    const first = gv.log.firstIndex();
    if (gv.role !== tr.role || gv.term !== tr.term) v = this.checkRole(id, k, gv);
    if (v === null && gv.term !== tr.term && this.termOrigin) v = this.checkTermOrigin(id, k, gv);
    if (v === null && first !== tr.first) v = this.checkSnapshotPoint(id, k, gv);
    if (v === null && committed !== tr.commit) v = this.checkCommit(id, k, gv, tr);
    if (v === null && applied !== tr.applied) v = this.checkApplied(id, k, gv, tr);
    tr.role = gv.role;
    tr.term = gv.term;
    tr.commit = committed;
    tr.applied = applied;
    tr.first = first;
    tr.conf = gv.conf;
    return v;
  }

  /**
   * Only voters campaign; §5.2 election safety and the election quorum on becoming leader, then
   * §5.4 leader completeness.
   */
  private checkRole(id: NodeId, k: number, gv: GroupView): Violation | null {
    const reg = this.registries[k];
    if (gv.role !== 'follower' && !isVoter(gv.conf, id)) {
      const detail = `${id} became ${gv.role} of ${this.groups[k]} in term ${gv.term} but is not a voter of its configuration (${describeConf(gv.conf)})`;
      return this.violation('learner-vote', k, id, detail);
    }
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
    const v = this.checkElectionQuorum(id, k, gv);
    if (v !== null) return v;
    return this.checkLeaderHolds(id, k, gv, 1, reg.globalCommit);
  }

  /** §6: a leader won the votes of a majority of its configuration, of both halves when joint. */
  private checkElectionQuorum(id: NodeId, k: number, gv: GroupView): Violation | null {
    const granted = this.registries[k].votes.get(gv.term)?.get(id);
    const voted = (n: NodeId): boolean => n === id || granted?.has(n) === true;
    const short = shortOfMajority(gv.conf, voted);
    if (short === null) return null;
    const got = [id, ...(granted ?? [])].join(', ');
    const detail = `${id} became leader of ${this.groups[k]} in term ${gv.term} with votes of ${got} only, no majority of ${short} (${describeConf(gv.conf)})`;
    return this.violation('joint-quorum', k, id, detail);
  }

  /**
   * A term only exists because some node campaigned in it: a node's term rises by becoming
   * candidate (§5.2) or by adopting a term it saw in a message, which its sender held. A term
   * that no node ever campaigned in was made up, e.g. by a receiver raising its term on a
   * pre-vote request (thesis §9.6: a pre-vote must not change the receiver's term), which
   * deposes healthy leaders for nothing.
   */
  private checkTermOrigin(id: NodeId, k: number, gv: GroupView): Violation | null {
    const terms = this.registries[k].campaignTerms;
    if (gv.role === 'candidate' || gv.role === 'leader') {
      terms.add(gv.term);
      return null;
    }
    if (terms.has(gv.term)) return null;
    const detail = `${id} is ${gv.role} of ${this.groups[k]} in term ${gv.term}, a term no node campaigned in`;
    return this.violation('term-origin', k, id, detail);
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
      const c = reg.committed.get(i);
      if (c === undefined || c.obsTerm >= gv.term) continue;
      const have = log.term(i);
      if (have !== c.term) {
        const what = have === undefined ? 'lacks it' : `has term ${have} there`;
        const detail =
          `${id} leads ${this.groups[k]} in term ${gv.term} but entry ${i} (term ` +
          `${c.term}), committed by term ${c.obsTerm} at the latest, ${what}`;
        return this.violation('leader-completeness', k, id, detail);
      }
    }
    return null;
  }

  /**
   * The log now starts after a snapshot point (compaction or InstallSnapshot): the point must be
   * committed on this node and agree with what was committed there.
   */
  private checkSnapshotPoint(id: NodeId, k: number, gv: GroupView): Violation | null {
    const log = gv.log;
    const s = log.firstIndex() - 1;
    if (s <= 0) return null;
    if (s > log.committed) {
      const detail = `${id}'s log of ${this.groups[k]} starts after a snapshot at ${s}, beyond its commit index ${log.committed}`;
      return this.violation('state-machine-safety', k, id, detail);
    }
    const reg = this.registries[k];
    const before = reg.globalCommit;
    const t = log.term(s)!;
    const v = this.checkCommitted(id, k, s, t, this.seenEntry(k, s, t), gv.term);
    if (v !== null) return v;
    return before < reg.globalCommit ? this.checkLeadersHold(k, before + 1) : null;
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
    let from = tr.commit + 1;
    const first = log.firstIndex();
    if (from < first) {
      // Committed, applied and compacted within one event (the commit index needs no disk
      // write before applying): recover those entries from what their logs wrote.
      const v = this.checkCompactedCommits(id, k, log, from, first - 1, gv.term);
      if (v !== null) return v;
      from = first;
    }
    for (let i = from; i <= commit; i++) {
      const v = this.checkCommitted(id, k, i, log.term(i)!, log.entry(i), gv.term);
      if (v !== null) return v;
    }
    // A leader decided this commit with the configuration it had before the event (the core
    // changes its configuration after counting, e.g. appending C(new) once C(old,new) commits).
    if (tr.role === 'leader' && tr.term === gv.term) {
      const v = this.checkCommitQuorum(id, k, tr.conf ?? gv.conf, commit, log.term(commit)!);
      if (v !== null) return v;
    }
    return before < reg.globalCommit ? this.checkLeadersHold(k, before + 1) : null;
  }

  /** §5.3/§6: a leader's commit point is durable on a majority of each of its majorities. */
  private checkCommitQuorum(
    id: NodeId,
    k: number,
    conf: ConfState,
    index: number,
    term: number,
  ): Violation | null {
    const durable = this.durable;
    if (durable === null) return null;
    const g = this.groups[k];
    const holds = (n: NodeId): boolean => durable(n, g, index, term);
    const short = shortOfMajority(conf, holds);
    if (short === null) return null;
    const have = [...conf.voters, ...conf.outgoing].filter((n, j, all) => all.indexOf(n) === j);
    const holders = have.filter(holds).join(', ') || 'none';
    const detail = `${id} committed entry ${index} (term ${term}) of ${g}, but only ${holders} hold it on disk: no majority of ${short} (${describeConf(conf)})`;
    return this.violation('joint-quorum', k, id, detail);
  }

  /**
   * Entries lo..hi are committed on node id but already compacted into its snapshot (whose point
   * is hi): walk back from the snapshot point along the predecessor terms the logs wrote, so each
   * index is checked with the term and entry it must have had (log matching).
   */
  private checkCompactedCommits(
    id: NodeId,
    k: number,
    log: LogView,
    lo: number,
    hi: number,
    term: number,
  ): Violation | null {
    const chain: { i: number; t: number; entry: Entry | undefined }[] = [];
    let t: number | undefined = log.term(hi);
    for (let i = hi; i >= lo && t !== undefined && t >= 0; i--) {
      const rec = this.seenRecord(k, i, t);
      chain.push({ i, t, entry: rec?.entry });
      t = rec?.prevTerm;
    }
    for (let j = chain.length - 1; j >= 0; j--) {
      const c = chain[j];
      const v = this.checkCommitted(id, k, c.i, c.t, c.entry, term);
      if (v !== null) return v;
    }
    return null;
  }

  /** What a log wrote at (i, t), if the checker saw it (and has not pruned it). */
  private seenRecord(k: number, i: number, t: number): SeenRecord | undefined {
    const reg = this.registries[k];
    const first = reg.seen.get(i);
    if (first === undefined || first.term === t) return first;
    return reg.seenMore.get(i)?.find((m) => m.term === t);
  }

  private seenEntry(k: number, i: number, t: number): Entry | undefined {
    return this.seenRecord(k, i, t)?.entry;
  }

  /**
   * Entry i, of term t, is committed on node id (in term `term`): it must agree with the
   * committed prefix. `entry` is undefined when unknown (a snapshot point).
   */
  private checkCommitted(
    id: NodeId,
    k: number,
    i: number,
    t: number,
    entry: Entry | undefined,
    term: number,
  ): Violation | null {
    const reg = this.registries[k];
    const known = reg.committed.get(i);
    if (known === undefined) {
      // First report of i (or i was below a first report made from a compacted log, or pruned).
      reg.committed.set(i, { term: t, entry, obsTerm: term });
      if (i > reg.globalCommit) reg.globalCommit = i;
      this.onCommitted?.(this.groups[k], i, entry);
      return null;
    }
    if (known.term !== t) {
      const detail = `${id} committed entry ${i} of ${this.groups[k]} with term ${t}, but term ${known.term} was committed there`;
      return this.violation('state-machine-safety', k, id, detail);
    }
    if (known.entry === undefined) {
      // First seen as a snapshot point; now that a log shows the entry, keep it for comparisons.
      if (entry !== undefined) {
        known.entry = entry;
        this.onCommitted?.(this.groups[k], i, entry);
      }
    }
    if (term < known.obsTerm) known.obsTerm = term;
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
      const want = reg.committed.get(i)?.entry;
      if (e !== undefined && want !== undefined && !sameEntry(e, want)) {
        const detail = `${id} applied ${describe(e)} at ${i} of ${g}, but ${describe(want)} was committed there`;
        return this.violation('state-machine-safety', k, id, detail);
      }
    }
    return null;
  }

  /**
   * §6, one change at a time: leader `id` appends configuration entry `e` of its term. Every
   * earlier configuration entry must be committed; a joint entry must follow a simple
   * configuration, and the stable C(new) must follow its joint C(old,new).
   */
  private checkConfEntry(id: NodeId, k: number, gv: GroupView, e: Entry): Violation | null {
    const log = gv.log;
    const g = this.groups[k];
    const cc = e.data as ConfChange;
    let prev: Entry | undefined;
    for (let i = e.index - 1; i >= log.firstIndex(); i--) {
      const p = log.entry(i);
      if (p !== undefined && p.type === 'conf') {
        prev = p;
        break;
      }
    }
    if (prev === undefined) return null; // The previous configuration is in the snapshot or bootstrap.
    const pc = (prev.data as ConfChange).conf;
    if (cc.phase === 'leader') {
      // A new leader's first entry under the 'nacos' fidelity (SOFAJRaft's ConfigurationCtx#flush)
      // restates the configuration in force, committed or not: it changes no majority, so it is
      // no second change in flight, as long as it restates exactly the configuration before it.
      if (sameConf(pc, cc.conf)) return null;
    }
    const fail = (what: string): Violation =>
      this.violation(
        'conf-change-in-flight',
        k,
        id,
        `${id}, leader of ${g} in term ${gv.term}, appended ${cc.phase} configuration ${describeConf(cc.conf)} at ${e.index} ${what}`,
      );
    if (prev.index > log.committed) {
      return fail(
        `while the configuration entry at ${prev.index} (${describeConf(pc)}) is not committed (commit ${log.committed})`,
      );
    }
    if (cc.phase === 'stable') {
      if (pc.outgoing.length === 0) {
        return fail(`but the configuration before it (${describeConf(pc)}) is not joint`);
      }
      if (!sameSet(pc.voters, cc.conf.voters) || cc.conf.outgoing.length > 0) {
        return fail(`which is not the C(new) of the joint ${describeConf(pc)} before it`);
      }
    } else if (pc.outgoing.length > 0) {
      return fail(`while the joint configuration ${describeConf(pc)} is still in force`);
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
    const first = reg.seen.get(i);
    if (first === undefined) {
      reg.seen.set(i, { term: t, entry: e, prevTerm: prev });
      return null;
    }
    if (first.term === t) return this.compareSeen(id, k, i, t, e, prev, first);
    const more = reg.seenMore.get(i) ?? [];
    const found = more.find((m) => m.term === t);
    if (found === undefined) {
      more.push({ term: t, entry: e, prevTerm: prev });
      reg.seenMore.set(i, more);
      return null;
    }
    return this.compareSeen(id, k, i, t, e, prev, found);
  }

  private compareSeen(
    id: NodeId,
    k: number,
    i: number,
    t: number,
    e: Entry | undefined,
    prev: number,
    seen: SeenRecord,
  ): Violation | null {
    const g = this.groups[k];
    if (prev !== -1 && seen.prevTerm !== -1 && prev !== seen.prevTerm) {
      const detail = `${id} holds entry (${i}, term ${t}) of ${g} after term ${prev}, another log after term ${seen.prevTerm}`;
      return this.violation('log-matching', k, id, detail);
    }
    if (e !== undefined && seen.entry !== undefined && !sameEntry(e, seen.entry)) {
      const detail = `${id} holds ${describe(e)} at (${i}, term ${t}) of ${g}, another log holds ${describe(seen.entry)}`;
      return this.violation('log-matching', k, id, detail);
    }
    if (e !== undefined && seen.entry === undefined) seen.entry = e;
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

function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.outgoing.includes(id);
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * Which majority of `conf` the nodes satisfying `ok` fail to form: 'C(new) {…}' or 'C(old) {…}'
 * (the voters, or the outgoing voters of a joint configuration), or null when both are formed.
 */
function shortOfMajority(conf: ConfState, ok: (id: NodeId) => boolean): string | null {
  const majority = (ids: readonly NodeId[]): boolean =>
    ids.length === 0 || ids.filter(ok).length * 2 > ids.length;
  if (!majority(conf.voters)) return `the voters {${conf.voters.join(', ')}}`;
  if (!majority(conf.outgoing)) return `the outgoing voters {${conf.outgoing.join(', ')}}`;
  return null;
}

/** A configuration as violations show it: voters, then outgoing voters and learners if any. */
export function describeConf(c: ConfState): string {
  let s = `voters {${c.voters.join(', ')}}`;
  if (c.outgoing.length > 0) s += ` joint with {${c.outgoing.join(', ')}}`;
  if (c.learners.length > 0) s += `, learners {${c.learners.join(', ')}}`;
  return s;
}

function describe(e: Entry): string {
  const data = e.data === undefined ? '' : ` ${JSON.stringify(e.data)}`;
  return `${e.type} entry (${e.index}, term ${e.term})${data}`;
}

/** Do two configurations have the same voters, outgoing voters and learners? */
function sameConf(a: ConfChange['conf'], b: ConfChange['conf']): boolean {
  return (
    sameSet(a.voters, b.voters) &&
    sameSet(a.outgoing, b.outgoing) &&
    sameSet(a.learners, b.learners)
  );
}
