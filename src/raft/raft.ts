// The Raft state machine for one group on one node, driven like etcd's raft: the host calls
// tick(), step(msg), propose(data), readIndex(ctx); the core answers with a Ready batch that the
// host persists, sends and applies before calling advance(). No clock, no I/O, no randomness
// except the injected generator. Roles swap step and tick functions (becomeFollower sets
// step = stepFollower). Ordering kept: every message in a Ready depends on that Ready's
// persistence, so hosts send only after the batch is durable. While one Ready's write is in
// flight, readyWithoutStorage() hands out what needs no disk (like etcd's asynchronous storage
// writes): committed entries only up to the stable index, so an entry is applied only once it
// is both committed and durable on this node.
import { leaseTicks } from './lease.ts';
import { RaftLog } from './log.ts';
import { Progress } from './progress.ts';
import { allMembers, allVoters, committedIndex, isVoter, voteResult } from './quorum.ts';
import type {
  AppendEntries,
  AppendEntriesResponse,
  ConfChange,
  ConfState,
  CoreEvent,
  DroppedProposal,
  Entry,
  Fidelity,
  HardState,
  InstallSnapshot,
  InstallSnapshotResponse,
  LeaderStart,
  Message,
  NodeId,
  RaftConfig,
  Ready,
  ReadIndexRequest,
  ReadState,
  RequestVote,
  VoteRefusal,
  RequestVoteResponse,
  Rng,
  Role,
  Snapshot,
  SoftState,
} from './types.ts';

type ConfEventPhase = Extract<CoreEvent, { type: 'conf-change' }>['phase'];

/** Durable state a node starts from (empty for a fresh node). */
export interface RaftBootstrap {
  hardState: HardState;
  entries: Entry[];
  snapshot: Snapshot | null;
  /** The configuration when the log holds no conf entry and there is no snapshot. */
  conf: ConfState;
}

export type ProposeResult =
  { ok: true; index: number; term: number } | { ok: false; error: string };

/** Errors a proposal can meet, in the words the CP layer shows users. */
export const NOT_LEADER = 'not leader';
/**
 * A leader transferring its leadership refuses proposals, in both fidelities, with SOFAJRaft's
 * status text (NodeImpl#executeApplyingTasks: EBUSY "Is transferring leadership."); the same
 * text refuses a ReadIndex there under 'nacos' (NodeImpl#handleReadIndexRequest).
 */
export const TRANSFERRING = 'Is transferring leadership.';
export const IN_ERROR = 'group is in error state';
export const CONF_CHANGE_PENDING = 'a configuration change is already in progress';

/** SOFAJRaft's texts where 'nacos' differs (each quoted from 1.3.12, class#method). */
/** NodeImpl#executeApplyingTasks: EPERM, for a node that is not leader (ERROR included). */
export const JRAFT_NOT_LEADER = 'Is not leader.';
/** ClosureQueueImpl#clear, run by BallotBox#clearPendingTasks from NodeImpl#stepDown (EPERM). */
export const JRAFT_LEADER_STEPPED_DOWN = 'Leader stepped down';
/** NodeImpl#transferLeadershipTo: not leader (EPERM), or already transferring (EBUSY). */
export const JRAFT_TRANSFER_NOT_LEADER = 'Not a leader';
/** NodeImpl#transferLeadershipTo while ConfigurationCtx#isBusy (EBUSY). */
export const JRAFT_TRANSFER_CONF_BUSY = 'Changing the configuration';
/** NodeImpl#transferLeadershipTo to a peer outside the configuration (EINVAL). */
export const JRAFT_TRANSFER_NOT_IN_CONF = 'Not in current configuration';
/**
 * NodeImpl#handleRequestVoteRequest, #handlePreVoteRequest, #handleAppendEntriesRequest,
 * #handleInstallSnapshot in STATE_ERROR (EINVAL, "Node %s is not in active state, state %s.",
 * with NodeId#toString `<group/peer>`; the peer is our node id, not ip:port).
 */
export function jraftNotActive(group: string, id: NodeId): string {
  return `Node <${group}/${id}> is not in active state, state STATE_ERROR.`;
}

/** Is `m` an error response (a failed RPC, see `ErrorAnswer`)? */
export function isErrorAnswer(m: Message): boolean {
  return (
    (m.type === 'RequestVoteResponse' ||
      m.type === 'AppendEntriesResponse' ||
      m.type === 'InstallSnapshotResponse') &&
    m.error !== undefined
  );
}

export type TransferResult = { ok: true } | { ok: false; error: string };

interface PendingRead {
  ctx: string;
  index: number;
  round: number;
  /** The follower that asked, or null for a local read. */
  from: NodeId | null;
}

/** Snapshot chunks are this many bytes of serialized state (for trace progress only). */
const SNAPSHOT_CHUNK_BYTES = 16 * 1024;

export class Raft {
  readonly id: NodeId;
  readonly group: string;
  readonly cfg: RaftConfig;
  /** Which Raft this core behaves as where SOFAJRaft and the textbook differ. */
  readonly fidelity: Fidelity;
  private readonly rng: Rng;

  term = 0;
  votedFor: NodeId | null = null;
  leader: NodeId | null = null;
  role: Role = 'follower';
  log: RaftLog;
  conf: ConfState;
  /** The configuration of the snapshot (or bootstrap) the log starts from. */
  private baseConf: ConfState;
  /** The last conf entry whose commitment was reported ('done'). */
  private confDoneIndex = 0;
  /** Index of the last conf entry in the log (a change is pending while it is > committed). */
  confIndex = 0;
  /** Set when the state machine failed: no applies, no votes, no campaign (SOFAJRaft STATE_ERROR). */
  errored: string | null = null;

  prs = new Map<NodeId, Progress>();
  /** The progress per peer the trace last saw (traceProgress), so it reports changes only. */
  private readonly tracedProgress = new Map<
    NodeId,
    { next: number; match: number; state: string; inflight: number }
  >();
  private votes = new Map<NodeId, boolean>();

  /**
   * Ticks since the election timer last fired or restarted. Under 'textbook' a message from
   * the leader (or a granted vote) restarts it; under 'nacos' it is SOFAJRaft's RepeatedTimer,
   * which only a step-down restarts (NodeImpl#stepDown → electionTimer.restart()).
   */
  electionElapsed = 0;
  /**
   * Under 'nacos': ticks since this node last heard from a leader or stepped down, SOFAJRaft's
   * `now − lastLeaderTimestamp` (NodeImpl#updateLastLeaderTimestamp). The repeating election
   * timer and the pre-vote lease check read it (NodeImpl#isCurrentLeaderValid).
   */
  sinceLeaderTicks = 0;
  private heartbeatElapsed = 0;
  private checkQuorumElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Ticks since becoming leader: the leader's clock for the lease and check-quorum. */
  private leaderTicks = 0;
  /** The leader's heartbeat round; followers echo it, and ReadIndex counts acks by it. */
  private round = 0;
  /**
   * The leader tick on which each round began, as (first round, tick) pairs in order, for this
   * term only. Every message carries the round in force when it was sent, so the tick a round
   * began is a lower bound of the send tick of any message that carries it: an answer echoing
   * round r proves the peer was with us no earlier than roundStart(r). That is the per-follower
   * send-time bookkeeping SOFAJRaft keeps in Replicator.lastRpcSendTimestamp.
   */
  private roundTicks: { round: number; tick: number }[] = [];
  /** Set once this leader sent TimeoutNow in its term: the lease is void for the rest of it. */
  private sentTimeoutNow = false;
  /**
   * A node restarted with a term > 0 may have acknowledged a leader just before it went down,
   * and that leader may still hold a lease counted on that acknowledgement. It therefore refuses
   * votes for its first election timeout as if it had heard from a leader (thesis §6.4.1).
   * Only in lease mode: with safe reads nothing relies on it, and it would slow recovery.
   */
  private bootQuiet: boolean;

  /** A membership change whose new voters are still catching up (leader only). */
  confChange: {
    voters: NodeId[];
    learners: NodeId[];
    newcomers: NodeId[];
    elapsed: number;
  } | null = null;

  leadTransferee: NodeId | null = null;
  private transferElapsed = 0;

  /** This leader's first entry of its term, until a Ready hands it out committed. */
  private leaderStartPending: { term: number; index: number } | null = null;
  private leaderStart: LeaderStart | null = null;
  private droppedProposals: DroppedProposal[] = [];

  /** Safe-mode reads waiting for a majority to acknowledge their heartbeat round. */
  private pendingReads: PendingRead[] = [];
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private events: CoreEvent[] = [];
  private pendingSnapshot: Snapshot | null = null;
  /** The snapshot the leader sends to lagging followers; provided by the host. */
  private latestSnapshot: Snapshot | null = null;

  private prevSoft: SoftState;
  private prevHard: HardState;
  /** What the outstanding Ready covered, for advance(). */
  private inflightReady: {
    lastIndex: number;
    lastTerm: number;
    applied: number;
    snapshot: boolean;
  } | null = null;

  private stepFn: (m: Message) => void;
  private tickFn: () => void;

  constructor(cfg: RaftConfig, rng: Rng, boot: RaftBootstrap) {
    this.id = cfg.id;
    this.group = cfg.group;
    this.cfg = cfg;
    this.fidelity = cfg.fidelity ?? 'nacos';
    if (this.fidelity !== 'nacos' && this.fidelity !== 'textbook') {
      throw new Error(
        `RaftConfig.fidelity must be 'nacos' or 'textbook', got ${String(cfg.fidelity)}`,
      );
    }
    this.rng = rng;
    const snapIndex = boot.snapshot?.meta.index ?? 0;
    const snapTerm = boot.snapshot?.meta.term ?? 0;
    this.log = RaftLog.restore(
      snapIndex,
      snapTerm,
      boot.entries,
      boot.hardState.commit,
      cfg.logArchive,
    );
    this.term = boot.hardState.term;
    this.votedFor = boot.hardState.votedFor;
    this.baseConf = cloneConf(boot.snapshot?.meta.conf ?? boot.conf);
    this.latestSnapshot = boot.snapshot;
    this.conf = cloneConf(this.baseConf);
    // A configuration takes effect when appended, so the last conf entry in the log wins.
    for (const e of boot.entries) {
      if (e.type === 'conf') {
        this.conf = cloneConf((e.data as ConfChange).conf);
        this.confIndex = e.index;
      }
    }
    if (this.confIndex <= this.log.committed) this.confDoneIndex = this.confIndex;
    this.prevHard = { term: this.term, votedFor: this.votedFor, commit: this.log.committed };
    this.prevSoft = { leader: null, role: 'follower' };
    this.stepFn = this.stepFollower;
    this.tickFn = this.tickElection;
    this.bootQuiet = this.term > 0 && cfg.readOnly === 'lease';
    this.becomeFollower(this.term, null);
  }

  // ───────────────────────────── inputs ─────────────────────────────

  tick(): void {
    this.tickFn();
  }

  /** Feed one message from a peer. */
  step(m: Message): void {
    // A failed RPC (an error response) tells the sender nothing, not even a term.
    if (isErrorAnswer(m)) return;
    if (this.errored) {
      // SOFAJRaft refuses Raft messages in STATE_ERROR: under 'nacos' with an error response,
      // as NodeImpl#handleRequestVoteRequest / #handlePreVoteRequest / #handleAppendEntriesRequest
      // / #handleInstallSnapshot do (`!this.state.isActive()`); etcd's node would be gone.
      if (this.fidelity === 'nacos') this.answerInError(m);
      return;
    }
    if (this.refuseVoteAsLearner(m)) return;
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    if (m.type === 'RequestVote') {
      this.handleRequestVote(m);
      return;
    }
    this.stepFn(m);
  }

  /**
   * A learner never votes (issue 8, item 6b). In SOFAJRaft learners are outside the peer list
   * that elections ask and count (Configuration.listPeers; learners are listLearners), so they
   * never see a vote request; here a candidate with a stale configuration may still ask one.
   * It is refused with our own term, which we keep: a learner takes no part in elections, and a
   * refusal in a lower term is simply dropped by the candidate.
   */
  private refuseVoteAsLearner(m: Message): boolean {
    if (m.type !== 'RequestVote' || !this.conf.learners.includes(this.id)) return false;
    this.respondVote(m, false, 'learner');
    return true;
  }

  /** Append a client command (leader only). The index commits when a majority stores it. */
  propose(data: unknown): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal) return { ok: false, error: refusal };
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type: 'normal', data };
    this.appendEntry(e);
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * Change the configuration to `target` (SOFAJRaft's changePeers): one change at a time. New
   * voters first catch up to within `catchupMargin` entries, then C(old,new) is appended and,
   * once it commits, C(new) (§6). A change of learners alone is a single entry. Progress is
   * reported through conf-change events; a catch-up that does not finish within an election
   * timeout is abandoned (the caller retries, as Nacos does every second).
   */
  changePeers(target: { voters: NodeId[]; learners: NodeId[] }): ProposeResult {
    const refusal = this.proposalRefusal();
    if (refusal) return { ok: false, error: refusal };
    if (this.confChangeInProgress()) return { ok: false, error: CONF_CHANGE_PENDING };
    if (target.voters.length === 0) return { ok: false, error: 'a configuration needs a voter' };
    const voters = unique(target.voters);
    const learners = unique(target.learners).filter((id) => !voters.includes(id));
    if (sameSet(voters, this.conf.voters)) {
      if (sameSet(learners, this.conf.learners)) {
        return { ok: true, index: this.confIndex, term: this.term };
      }
      return this.appendConf({ phase: 'simple', conf: { voters, outgoing: [], learners } });
    }
    const newcomers = voters.filter((id) => !this.conf.voters.includes(id));
    this.confChange = { voters, learners, newcomers, elapsed: 0 };
    for (const id of newcomers) {
      if (!this.prs.has(id)) {
        const pr = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight);
        pr.aliveSinceTick = this.leaderTicks;
        this.prs.set(id, pr);
      }
    }
    this.confEvent('catching-up', { voters, outgoing: [...this.conf.voters], learners }, 0);
    for (const id of newcomers) this.sendAppend(id, true);
    this.maybeFinishCatchUp();
    return { ok: true, index: this.log.lastIndex(), term: this.term };
  }

  /** Is a change under way: catching up, or a conf entry not yet committed, or joint? */
  confChangeInProgress(): boolean {
    return (
      this.confChange !== null ||
      this.confIndex > this.log.committed ||
      this.conf.outgoing.length > 0
    );
  }

  private maybeFinishCatchUp(): void {
    const cc = this.confChange;
    if (!cc || this.role !== 'leader') return;
    const margin = this.cfg.catchupMargin ?? 1000;
    const last = this.log.lastIndex();
    const caughtUp = cc.newcomers.every((id) => {
      const pr = this.prs.get(id);
      return pr !== undefined && pr.match > 0 && pr.match + margin >= last;
    });
    if (!caughtUp) return;
    this.confChange = null;
    this.appendConf({
      phase: 'joint',
      conf: { voters: cc.voters, outgoing: [...this.conf.voters], learners: cc.learners },
    });
  }

  private appendConf(cc: ConfChange): ProposeResult {
    const e: Entry = { index: this.log.lastIndex() + 1, term: this.term, type: 'conf', data: cc };
    this.appendEntry(e);
    return { ok: true, index: e.index, term: e.term };
  }

  private confEvent(phase: ConfEventPhase, conf: ConfState, index: number): void {
    this.events.push({ type: 'conf-change', phase, conf: cloneConf(conf), index });
  }

  /**
   * Ask for a linearizable read index (thesis §6.4). The answer arrives as a ReadState in a
   * later Ready: serve the read once applied ≥ index. Refused (index -1) on a leader that has
   * not committed an entry of its own term yet, or without a known leader.
   */
  readIndex(ctx: string): void {
    if (this.errored) {
      this.pushReadState({ ctx, index: -1, error: 'Invalid state for readIndex: STATE_ERROR.' });
      return;
    }
    if (this.role === 'leader') {
      this.handleLeaderRead(ctx, null);
      return;
    }
    if (this.leader === null) {
      this.pushReadState({ ctx, index: -1, error: 'no leader' });
      return;
    }
    this.send({
      type: 'ReadIndex',
      group: this.group,
      from: this.id,
      to: this.leader,
      term: this.term,
      ctx,
    });
  }

  /**
   * A person's (or a scenario's) request for a leadership transfer to `target`: as
   * transferLeadershipTo, and a refusal is reported as a `transfer` event with its reason, so the
   * trace says why leadership did not move.
   */
  transferLeader(target: NodeId): TransferResult {
    const res = this.transferLeadershipTo(target);
    if (!res.ok)
      this.events.push({ type: 'transfer', target, outcome: 'refused', reason: res.error });
    return res;
  }

  /**
   * Begin a leadership transfer to `target` (thesis §3.10), or say why not. Under 'nacos' as
   * SOFAJRaft's NodeImpl#transferLeadershipTo: refused while a transfer is already under way
   * ("Not a leader", the node being in STATE_TRANSFERRING) and while the configuration is
   * changing ("Changing the configuration": ConfigurationCtx#isBusy, which includes a new
   * leader's first entry not yet committed); a transfer to itself is a no-op that succeeds.
   * Under 'textbook' as etcd: a transfer to a new target replaces the one under way, and a
   * configuration change does not stop it.
   */
  transferLeadershipTo(target: NodeId): TransferResult {
    const nacos = this.fidelity === 'nacos';
    if (this.role !== 'leader') return { ok: false, error: JRAFT_TRANSFER_NOT_LEADER };
    if (nacos && this.leadTransferee !== null) {
      return { ok: false, error: JRAFT_TRANSFER_NOT_LEADER };
    }
    if (nacos && this.confChangeInProgress()) return { ok: false, error: JRAFT_TRANSFER_CONF_BUSY };
    if (target === this.id) {
      return nacos ? { ok: true } : { ok: false, error: 'cannot transfer leadership to itself' };
    }
    if (!isVoter(this.conf, target)) return { ok: false, error: JRAFT_TRANSFER_NOT_IN_CONF };
    if (this.leadTransferee === target) return { ok: true };
    this.leadTransferee = target;
    this.transferElapsed = 0;
    this.events.push({ type: 'transfer', target, outcome: 'start' });
    const pr = this.prs.get(target)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.sendAppend(target);
    return { ok: true };
  }

  /**
   * Is a leadership transfer under way? SOFAJRaft's leader is then in STATE_TRANSFERRING and
   * NodeImpl#isLeader answers false, so under 'nacos' the node must treat it as no leader.
   */
  get transferring(): boolean {
    return this.role === 'leader' && this.leadTransferee !== null;
  }

  /** The state machine threw while applying: stop everything for this group (STATE_ERROR). */
  setError(message: string): void {
    if (this.errored) return;
    const wasLeader = this.role === 'leader';
    if (wasLeader) {
      // Hand leadership to the most up-to-date voter so the group recovers quickly.
      const best = this.mostUpToDateVoter();
      if (best) this.sendTimeoutNow(best);
    }
    this.becomeFollower(this.term, null);
    this.errored = message;
    this.events.push({ type: 'step-down', reason: `state machine error: ${message}` });
    this.pendingReads = [];
  }

  /**
   * The voter (other than us) whose log is known to match ours furthest (SOFAJRaft's
   * ReplicatorGroup.findTheNextCandidate), or null when there is none. Ties go to the first in
   * configuration order, so the choice is deterministic.
   */
  private mostUpToDateVoter(): NodeId | null {
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of allVoters(this.conf)) {
      const pr = this.prs.get(id);
      if (id !== this.id && pr && pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    return best;
  }

  /** The configuration in force at `index` (for snapshot metadata). */
  confAt(index: number): ConfState {
    const e = this.log.confEntryAtOrBefore(Math.min(index, this.log.lastIndex()));
    return cloneConf(e !== undefined ? (e.data as ConfChange).conf : this.baseConf);
  }

  /** The host took a snapshot of the state machine up to `snap.meta.index`: compact behind it. */
  compact(snap: Snapshot): void {
    if (snap.meta.index > this.log.applied) {
      throw new Error(`snapshot at ${snap.meta.index} is beyond applied ${this.log.applied}`);
    }
    if (snap.meta.index <= this.log.snapshotIndex) return;
    this.latestSnapshot = snap;
    this.baseConf = cloneConf(snap.meta.conf);
    this.log.compact(snap.meta.index);
  }

  // ───────────────────────────── Ready ─────────────────────────────

  hasReady(): boolean {
    if (this.inflightReady) return false;
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.events.length > 0 ||
      this.droppedProposals.length > 0 ||
      this.leaderStart !== null ||
      this.pendingSnapshot !== null ||
      this.log.stableIndex < this.log.lastIndex() ||
      (!this.errored && this.log.committed > this.log.applied) ||
      this.hardChanged() ||
      this.softChanged()
    );
  }

  /** Take the next batch. Only one Ready may be outstanding: call advance(rd) before the next. */
  ready(): Ready {
    if (this.inflightReady)
      throw new Error('ready() called before advance() of the previous Ready');
    this.traceProgress();
    const soft = this.softChanged() ? this.softState() : null;
    const hard = this.hardChanged() ? this.hardState() : null;
    const entries = this.log.unstableEntries();
    const committed = this.errored ? [] : this.log.nextCommitted();
    const rd: Ready = {
      softState: soft,
      hardState: hard,
      snapshot: this.pendingSnapshot,
      entries,
      committed,
      messages: this.msgs,
      readStates: this.readStates,
      events: this.events,
      leaderStart: this.takeLeaderStart(committed),
      droppedProposals: this.droppedProposals,
    };
    this.msgs = [];
    this.readStates = [];
    this.events = [];
    this.droppedProposals = [];
    this.pendingSnapshot = null;
    if (soft) this.prevSoft = soft;
    if (hard) this.prevHard = hard;
    const last = entries.length > 0 ? entries[entries.length - 1] : null;
    this.inflightReady = {
      lastIndex: last ? last.index : 0,
      lastTerm: last ? last.term : 0,
      applied: committed.length > 0 ? committed[committed.length - 1].index : 0,
      snapshot: rd.snapshot !== null,
    };
    return rd;
  }

  /**
   * Is there anything a host may take while a disk write is in flight (etcd's asynchronous
   * storage writes)? See readyWithoutStorage().
   */
  hasReadyWithoutStorage(): boolean {
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.events.length > 0 ||
      this.droppedProposals.length > 0 ||
      this.leaderStart !== null ||
      this.softChanged() ||
      this.commitOnlyChanged() ||
      this.durableCommittedEnd() > this.durableCommittedStart()
    );
  }

  /**
   * A batch that needs no disk write, taken while an earlier Ready's write may still be in
   * flight, and completed by the host at once (appliedTo for its committed entries). It holds
   * no entries, no snapshot and no change of term or vote: those stay for the next ready(). Its
   * committed entries are committed AND already durable on this node (index ≤ stableIndex, as
   * etcd bounds them when storage writes are asynchronous), and follow those of the outstanding
   * Ready. Its messages may depend on state not yet durable (an acknowledgement of entries still
   * unstable): the host sends only those the thesis lets a leader send before its own write
   * (§10.2.1) and holds the rest until the next transaction is durable.
   */
  readyWithoutStorage(): Ready {
    this.traceProgress();
    const soft = this.softChanged() ? this.softState() : null;
    const hard = this.commitOnlyChanged() ? this.hardState() : null;
    const lo = this.durableCommittedStart();
    const hi = this.durableCommittedEnd();
    const committed = hi >= lo ? this.log.slice(lo, hi + 1) : [];
    const rd: Ready = {
      softState: soft,
      hardState: hard,
      snapshot: null,
      entries: [],
      committed,
      messages: this.msgs,
      readStates: this.readStates,
      events: this.events,
      leaderStart: this.takeLeaderStart(committed),
      droppedProposals: this.droppedProposals,
    };
    this.msgs = [];
    this.readStates = [];
    this.events = [];
    this.droppedProposals = [];
    if (soft) this.prevSoft = soft;
    if (hard) this.prevHard = hard;
    return rd;
  }

  /**
   * The leader-start signal for a Ready handing out `committed`: the one already due (an
   * abandoned transfer), or this leader's first entry when it is among them.
   */
  private takeLeaderStart(committed: Entry[]): LeaderStart | null {
    let out = this.leaderStart;
    this.leaderStart = null;
    const p = this.leaderStartPending;
    if (p !== null && committed.length > 0) {
      const lo = committed[0].index;
      const hi = committed[committed.length - 1].index;
      if (p.index >= lo && p.index <= hi) {
        out = { term: p.term, index: p.index, cause: 'first-entry' };
        this.leaderStartPending = null;
      }
    }
    return out;
  }

  /**
   * The host applied committed entries up to `index` ahead of advance(): entries of a
   * readyWithoutStorage() batch, or those of an outstanding Ready that were durable already.
   */
  appliedTo(index: number): void {
    this.log.appliedTo(index);
  }

  /** The first committed entry not yet handed to the host (the outstanding Ready's count). */
  private durableCommittedStart(): number {
    return Math.max(this.log.applied, this.inflightReady?.applied ?? 0) + 1;
  }

  /**
   * The last entry the host may apply before the outstanding write ends: committed and on this
   * node's disk. Nothing while errored, while a snapshot waits to be written or loaded (entries
   * after it must reach a state machine that holds it), and never beyond the stable index.
   */
  private durableCommittedEnd(): number {
    if (this.errored || this.pendingSnapshot !== null || this.inflightReady?.snapshot) return 0;
    return Math.min(this.log.committed, this.log.stableIndex);
  }

  /** Only the commit index changed in the hard state: a hint the host need not write. */
  private commitOnlyChanged(): boolean {
    const h = this.prevHard;
    return h.term === this.term && h.votedFor === this.votedFor && h.commit !== this.log.committed;
  }

  /**
   * The host persisted, sent and applied `rd`. A host whose state machine stopped part-way
   * (it failed) passes the last index it did apply.
   */
  advance(appliedUpTo?: number): void {
    const inflight = this.inflightReady;
    if (!inflight) throw new Error('advance() without an outstanding Ready');
    this.inflightReady = null;
    if (inflight.lastIndex > 0) this.log.stableTo(inflight.lastIndex, inflight.lastTerm);
    const applied = Math.min(inflight.applied, appliedUpTo ?? Infinity);
    if (applied > 0) this.log.appliedTo(applied);
    if (this.role === 'leader') {
      // The leader counts itself only for entries on its own disk.
      const self = this.prs.get(this.id);
      if (self && self.maybeUpdate(this.log.stableIndex)) this.maybeCommitAndBroadcast();
    }
  }

  /** Role and known leader: what the UI shows, not durable. */
  softState(): SoftState {
    return { leader: this.leader, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor, commit: this.log.committed };
  }

  private hardChanged(): boolean {
    const h = this.prevHard;
    return h.term !== this.term || h.votedFor !== this.votedFor || h.commit !== this.log.committed;
  }

  private softChanged(): boolean {
    return this.prevSoft.leader !== this.leader || this.prevSoft.role !== this.role;
  }

  // ───────────────────────────── role changes ─────────────────────────────

  private becomeFollower(term: number, leader: NodeId | null): void {
    const from = this.role;
    if (from === 'leader') this.dropProposals();
    // Under 'nacos' a pre-vote runs in SOFAJRaft's STATE_FOLLOWER (NodeImpl#preVote): ending it
    // at the same term is no step-down, so the repeating election timer keeps its phase and
    // lastLeaderTimestamp stays. Every other way into follower is NodeImpl#stepDown, which
    // restarts the timer and sets lastLeaderTimestamp to now.
    const keepTimer = this.fidelity === 'nacos' && from === 'pre-candidate' && term === this.term;
    this.reset(term, !keepTimer);
    if (this.fidelity === 'nacos' && !keepTimer) this.sinceLeaderTicks = 0;
    this.role = 'follower';
    this.leader = leader;
    this.stepFn = this.stepFollower;
    this.tickFn = this.tickElection;
    this.noteRole(from);
  }

  private becomePreCandidate(): void {
    const from = this.role;
    // Pre-vote does not touch the term or the vote (thesis §9.6): a partitioned node that keeps
    // failing to win cannot inflate terms and depose a healthy leader when it comes back.
    this.votes.clear();
    this.role = 'pre-candidate';
    this.leader = null;
    this.stepFn = this.stepCandidate;
    this.tickFn = this.tickElection;
    // Under 'nacos' the pre-vote leaves the repeating election timer alone (NodeImpl#preVote):
    // if it fails, the timer's next firing tries again.
    if (this.fidelity === 'textbook') {
      this.electionElapsed = 0;
      this.resetRandomizedElectionTimeout();
    }
    this.noteRole(from);
  }

  private becomeCandidate(): void {
    const from = this.role;
    this.reset(this.term + 1);
    this.votedFor = this.id;
    this.role = 'candidate';
    this.stepFn = this.stepCandidate;
    this.tickFn = this.tickElection;
    this.noteRole(from);
  }

  private becomeLeader(): void {
    const from = this.role;
    this.reset(this.term);
    this.tracedProgress.clear();
    this.role = 'leader';
    this.leader = this.id;
    this.stepFn = this.stepLeader;
    this.tickFn = this.tickHeartbeat;
    const self = this.prs.get(this.id);
    if (self) {
      self.maybeUpdate(this.log.stableIndex);
      self.becomeReplicate();
    }
    this.noteRole(from);
    // A fresh round for the new term, so that nothing it sends carries a round of an older term.
    this.startRound();
    // §5.4.2 / §8: a new leader commits an entry of its own term before anything earlier
    // counts as committed by it; that entry also lets ReadIndex serve (thesis §6.4). Under
    // 'textbook' it is a no-op (etcd). Under 'nacos' it is a configuration entry restating the
    // configuration in force, joint if joint (NodeImpl#becomeLeader → ConfigurationCtx#flush →
    // NodeImpl#unsafeApplyConfiguration with leaderStart = true): the configuration context is
    // busy until it commits, so membership changes and transfers wait for it, and its commit is
    // when SOFAJRaft calls onLeaderStart (Ready.leaderStart).
    const index = this.log.lastIndex() + 1;
    if (this.fidelity === 'nacos') {
      const cc: ConfChange = { phase: 'leader', conf: cloneConf(this.conf) };
      this.appendEntry({ index, term: this.term, type: 'conf', data: cc });
    } else {
      this.appendEntry({ index, term: this.term, type: 'noop' });
    }
    this.leaderStartPending = { term: this.term, index };
  }

  /**
   * A leader steps down: under 'nacos' every proposal of its term not yet handed out to apply
   * fails at once with SOFAJRaft's text (NodeImpl#stepDown → BallotBox#clearPendingTasks →
   * ClosureQueueImpl#clear: EPERM "Leader stepped down"); a first entry not handed out never
   * starts the leader. Under 'textbook' the proposals stay (etcd leaves the client waiting).
   */
  private dropProposals(): void {
    this.leaderStartPending = null;
    if (this.fidelity !== 'nacos') return;
    const handedOut = Math.max(this.log.applied, this.inflightReady?.applied ?? 0);
    for (let i = handedOut + 1; i <= this.log.lastIndex(); i++) {
      const e = this.log.entry(i);
      if (e !== undefined && e.type === 'normal' && e.term === this.term) {
        this.droppedProposals.push({
          index: e.index,
          term: e.term,
          reason: JRAFT_LEADER_STEPPED_DOWN,
        });
      }
    }
  }

  private reset(term: number, restartTimer = true): void {
    if (this.term !== term) {
      this.term = term;
      this.votedFor = null;
    }
    this.leader = null;
    if (restartTimer) this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.checkQuorumElapsed = 0;
    this.leaderTicks = 0;
    this.roundTicks = [];
    this.sentTimeoutNow = false;
    if (restartTimer) this.resetRandomizedElectionTimeout();
    this.abortTransfer(false);
    this.confChange = null;
    this.votes.clear();
    this.prs.clear();
    for (const id of allMembers(this.conf)) {
      this.prs.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight));
    }
    const self = this.prs.get(this.id);
    if (self) self.match = this.log.stableIndex;
    this.failPendingReads('leadership changed');
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout =
      this.cfg.electionTicks + this.rng.int(Math.max(1, this.cfg.electionJitterTicks));
    if (this.cfg.trace !== false) {
      this.events.push({
        type: 'timer',
        ticks: this.randomizedElectionTimeout,
        ...(this.fidelity === 'nacos' ? { repeating: true } : {}),
      });
    }
  }

  /** Has a leader's progress of some peer changed since the trace last saw it (cfg.trace)? */
  private progressChanged(): boolean {
    if (this.role !== 'leader' || this.cfg.trace === false) return false;
    for (const [peer, pr] of this.prs) {
      if (peer === this.id) continue;
      const last = this.tracedProgress.get(peer);
      if (
        last === undefined ||
        last.next !== pr.next ||
        last.match !== pr.match ||
        last.state !== pr.state ||
        last.inflight !== pr.inflights.count()
      ) {
        return true;
      }
    }
    return false;
  }

  /**
   * A leader's progress per peer, as the trace shows it, when it changed since the last Ready
   * (once per Ready per peer, however often it moved in between). Only with cfg.trace. A change
   * never makes a Ready on its own (hasReady ignores it), so tracing cannot change what the
   * node does; a change with no other output shows in the next Ready, at the latest after the
   * next heartbeat.
   */
  private traceProgress(): void {
    if (!this.progressChanged()) return;
    for (const [peer, pr] of this.prs) {
      if (peer === this.id) continue;
      const inflight = pr.inflights.count();
      const last = this.tracedProgress.get(peer);
      if (
        last !== undefined &&
        last.next === pr.next &&
        last.match === pr.match &&
        last.state === pr.state &&
        last.inflight === inflight
      ) {
        continue;
      }
      const ev = {
        type: 'progress',
        peer,
        next: pr.next,
        match: pr.match,
        state: pr.state,
        inflight,
      } as const;
      this.tracedProgress.set(peer, ev);
      this.events.push(ev);
    }
  }

  private noteRole(from: Role): void {
    if (from !== this.role || this.role !== 'follower') {
      this.events.push({
        type: 'role',
        from,
        to: this.role,
        term: this.term,
        leader: this.leader,
      });
    }
  }

  /** Learners and removed nodes never campaign. */
  promotable(): boolean {
    return isVoter(this.conf, this.id) && !this.errored;
  }

  // ───────────────────────────── ticks ─────────────────────────────

  private tickElection(): void {
    if (this.fidelity === 'nacos') {
      this.tickElectionRepeating();
      return;
    }
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) this.bootQuiet = false;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(false);
    }
  }

  /**
   * Under 'nacos': SOFAJRaft's election timer, a RepeatedTimer that re-arms itself after every
   * firing with a fresh period from NodeImpl#randomTimeout, [T, T + maxElectionDelayMs), and
   * that heartbeats never restart. Each firing (NodeImpl#handleElectionTimeout) asks whether
   * the leader was heard from within T (NodeImpl#isCurrentLeaderValid); only if not does it
   * forget the leader and pre-vote. A dead leader is so noticed between T and 2T + jitter after
   * its last message, where a timer restarted by each heartbeat notices within [T, T + jitter).
   * A candidate's timer is SOFAJRaft's vote timer instead: when it runs out
   * (NodeImpl#handleVoteTimeout with stepDownWhenVoteTimedout) the node steps down, which
   * restarts the election timer and lastLeaderTimestamp, and pre-votes at once.
   */
  private tickElectionRepeating(): void {
    this.electionElapsed++;
    this.sinceLeaderTicks++;
    if (this.sinceLeaderTicks >= this.cfg.electionTicks) this.bootQuiet = false;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    this.resetRandomizedElectionTimeout();
    if (this.errored || this.conf.learners.includes(this.id)) return;
    if (this.role === 'candidate') {
      this.sinceLeaderTicks = 0;
      this.campaign(false);
      return;
    }
    if (this.sinceLeaderTicks < this.cfg.electionTicks) return;
    this.leader = null;
    this.campaign(false);
  }

  /** A message from the current leader arrived: under 'nacos', NodeImpl#updateLastLeaderTimestamp. */
  private heardFromLeader(): void {
    if (this.fidelity === 'nacos') this.sinceLeaderTicks = 0;
    else this.electionElapsed = 0;
  }

  private tickHeartbeat(): void {
    this.electionElapsed++;
    this.heartbeatElapsed++;
    this.checkQuorumElapsed++;
    this.leaderTicks++;

    // Check-quorum, every half election timeout (SOFAJRaft's stepDownTimer: electionTimeoutMs >> 1).
    if (this.checkQuorumElapsed >= Math.max(1, Math.floor(this.cfg.electionTicks / 2))) {
      this.checkQuorumElapsed = 0;
      if (!this.quorumActive()) {
        this.events.push({
          type: 'step-down',
          reason: 'check-quorum: lost contact with a majority',
        });
        this.becomeFollower(this.term, null);
        return;
      }
    }
    if (this.confChange !== null && ++this.confChange.elapsed >= this.cfg.electionTicks) {
      const cc = this.confChange;
      this.confChange = null;
      for (const id of cc.newcomers) if (!allMembers(this.conf).includes(id)) this.prs.delete(id);
      this.confEvent('aborted', { voters: cc.voters, outgoing: [], learners: cc.learners }, 0);
    }
    // An InstallSnapshot that got lost would leave the follower paused forever: retry.
    for (const [id, pr] of this.prs) {
      if (
        pr.state === 'snapshot' &&
        this.leaderTicks - pr.snapshotSentTick >= this.cfg.electionTicks
      ) {
        pr.becomeProbe();
        this.sendAppend(id);
      }
    }
    if (this.leadTransferee !== null) {
      this.transferElapsed++;
      if (this.transferElapsed >= this.cfg.electionTicks) this.abortTransfer(true);
    }
    if (this.electionElapsed >= this.cfg.electionTicks) this.electionElapsed = 0;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /**
   * Check-quorum: has a majority (joint-aware) answered a message we sent recently enough? As
   * in SOFAJRaft's NodeImpl.checkDeadNodes0, a peer is alive by the SEND time of the last
   * message it answered, so answers that crawl back over a slow link do not keep a leader in
   * office that its followers stopped hearing long ago. Recently enough: under 'nacos' within
   * the leader lease timeout, 90 % of the election timeout (NodeOptions#getLeaderLeaseTimeoutMs,
   * leaderLeaseTimeRatio 90; `now − lastRpcSendTimestamp <= leaderLeaseTimeoutMs`); under
   * 'textbook' within the election timeout (etcd's checkQuorum).
   */
  private quorumActive(): boolean {
    const now = this.leaderTicks;
    const nacos = this.fidelity === 'nacos';
    const horizon = nacos ? checkQuorumTicks(this.cfg.electionTicks) : this.cfg.electionTicks;
    const heard = (id: NodeId): number => {
      if (id === this.id) return 1;
      const pr = this.prs.get(id);
      if (!pr) return 0;
      // A new leader's peers (and a newcomer) start as alive, as a new Replicator starts with
      // lastRpcSendTimestamp = now (Replicator#start).
      const age = now - Math.max(pr.ackedSendTick, pr.aliveSinceTick);
      return (nacos ? age <= horizon : age < horizon) ? 1 : 0;
    };
    return committedIndex(this.conf, heard) >= 1;
  }

  /**
   * Leader lease (thesis §6.4.1; lease.ts has the derivation): a majority (joint-aware)
   * answered messages we sent fewer than leaseTicks(electionTicks) ticks ago, so none of them
   * will vote for another leader before the lease ends, on clocks within the drift bound. Void
   * for the rest of the term once we sent TimeoutNow: its target campaigns at once and voters
   * skip their lease check for it.
   */
  leaseValid(): boolean {
    if (this.role !== 'leader' || this.sentTimeoutNow || this.leadTransferee !== null) return false;
    const now = this.leaderTicks;
    const lease = leaseTicks(this.cfg.electionTicks);
    const fresh = (id: NodeId): number => {
      if (id === this.id) return 1;
      const pr = this.prs.get(id);
      return pr && pr.ackedSendTick >= 0 && now - pr.ackedSendTick < lease ? 1 : 0;
    };
    return committedIndex(this.conf, fresh) >= 1;
  }

  /** Begin a new round (heartbeat broadcast or leadership confirmation) on this tick. */
  private startRound(): void {
    this.round++;
    const last = this.roundTicks[this.roundTicks.length - 1];
    if (!last || last.tick !== this.leaderTicks) {
      this.roundTicks.push({ round: this.round, tick: this.leaderTicks });
    }
    // Rounds that began more than two election timeouts ago earn neither lease nor liveness;
    // keep the oldest pair that still bounds later rounds.
    const horizon = this.leaderTicks - 2 * this.cfg.electionTicks;
    let drop = 0;
    while (drop + 1 < this.roundTicks.length && this.roundTicks[drop + 1].tick < horizon) drop++;
    if (drop > 0) this.roundTicks.splice(0, drop);
  }

  /**
   * The earliest leader tick on which a message carrying `round` can have been sent in this
   * term, or -1 when the round is not one of ours (older, pruned, or from the future).
   */
  private roundSentTick(round: number): number {
    if (round > this.round) return -1;
    for (let i = this.roundTicks.length - 1; i >= 0; i--) {
      if (this.roundTicks[i].round <= round) return this.roundTicks[i].tick;
    }
    return -1;
  }

  /** A peer answered a message that carried `round`: it was with us at that round's start. */
  private noteAnswer(id: NodeId, round: number): void {
    const pr = this.prs.get(id);
    if (!pr) return;
    const sent = this.roundSentTick(round);
    if (sent > pr.ackedSendTick) pr.ackedSendTick = sent;
  }

  // ───────────────────────────── elections ─────────────────────────────

  /** Start an election: pre-vote first unless this is a leadership transfer. */
  campaign(transfer: boolean): void {
    if (!this.promotable()) return;
    if (transfer) {
      this.becomeCandidate();
      this.requestVotes(false, true);
    } else {
      this.becomePreCandidate();
      this.requestVotes(true, false);
    }
  }

  private requestVotes(preVote: boolean, transfer: boolean): void {
    const term = preVote ? this.term + 1 : this.term;
    this.recordVote(this.id, true);
    if (this.tally()) return;
    for (const id of allVoters(this.conf)) {
      if (id === this.id) continue;
      const m: RequestVote = {
        type: 'RequestVote',
        group: this.group,
        from: this.id,
        to: id,
        term,
        preVote,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
      };
      if (transfer) m.transfer = true;
      this.send(m);
    }
  }

  private recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Count votes; returns true when the election ended (won or lost). */
  private tally(): boolean {
    const result = voteResult(this.conf, this.votes);
    if (result === 'won') {
      if (this.role === 'pre-candidate') {
        this.becomeCandidate();
        this.requestVotes(false, false);
      } else {
        this.becomeLeader();
      }
      return true;
    }
    if (result === 'lost') {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  /** A message from a newer term. Returns false when it should be dropped. */
  private stepHigherTerm(m: Message): boolean {
    // The transferee campaigning in a newer term means the handover worked (thesis §3.10).
    if (this.leadTransferee !== null && m.from === this.leadTransferee) {
      this.events.push({ type: 'transfer', target: m.from, outcome: 'done' });
    }
    if (m.type === 'RequestVote') {
      // Pre-vote and lease (thesis §9.6, etcd's inLease): while we heard from a live leader within
      // the election timeout, a vote request is refused without touching our term, so a
      // disruptive node cannot depose a healthy leader.
      // The wait counts from when we last heard from the leader on our own clock; the leader's
      // lease, counted from when it sent that message, is shorter by the drift margin
      // (lease.ts). A restarted node keeps the same wait (bootQuiet).
      // Under 'nacos' that is NodeImpl#handlePreVoteRequest's leaderId non-empty and
      // isCurrentLeaderValid (lastLeaderTimestamp within the election timeout).
      const heardTicks = this.fidelity === 'nacos' ? this.sinceLeaderTicks : this.electionElapsed;
      const inLease =
        (this.leader !== null || this.bootQuiet) && heardTicks < this.cfg.electionTicks;
      if (!m.transfer && inLease) {
        this.respondVote(m, false, 'in-lease');
        return false;
      }
      if (m.preVote) return true; // A pre-vote never changes our term.
      this.becomeFollower(m.term, null);
      return true;
    }
    if (m.type === 'RequestVoteResponse' && m.preVote && m.granted) {
      return true; // Granted pre-votes carry the prospective term.
    }
    const fromLeader =
      m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  private stepLowerTerm(m: Message): void {
    if (m.type === 'AppendEntries' || m.type === 'InstallSnapshot') {
      // Tell a stale leader about the newer term so it steps down (it may be partitioned away
      // with check-quorum not yet fired).
      const resp = this.appendResponse(m.from, false, 0, 0, 0, 0);
      resp.reject = 'stale-term';
      this.send(resp);
    } else if (m.type === 'RequestVote') {
      this.respondVote(m, false, 'stale-term');
    } else if (m.type === 'ReadIndex') {
      this.send(this.readIndexResponse(m, -1, 'stale term'));
    }
  }

  private handleRequestVote(m: RequestVote): void {
    // §5.2 one vote per term; pre-votes are free (they do not record anything).
    const canVote =
      this.votedFor === m.from ||
      (this.votedFor === null && this.leader === null) ||
      (m.preVote && m.term > this.term);
    // §5.4.1 election restriction: only vote for a log at least as up-to-date as ours.
    const upToDate = this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const grant = canVote && upToDate && !this.errored;
    if (grant && !m.preVote) {
      // etcd restarts the election timer on a granted vote; SOFAJRaft restarts it only through
      // the step-down the newer term caused (NodeImpl#handleRequestVoteRequest → stepDown).
      if (this.fidelity === 'textbook') this.electionElapsed = 0;
      this.votedFor = m.from;
    }
    const reject: VoteRefusal | undefined = grant
      ? undefined
      : this.errored
        ? 'error'
        : !canVote
          ? 'voted'
          : 'log-behind';
    this.respondVote(m, grant, reject);
  }

  private respondVote(m: RequestVote, granted: boolean, reject?: VoteRefusal): void {
    const ev: CoreEvent = {
      type: 'vote',
      candidate: m.from,
      term: m.term,
      preVote: m.preVote,
      granted,
    };
    if (reject !== undefined) ev.reject = reject;
    this.events.push(ev);
    const resp: RequestVoteResponse = {
      type: 'RequestVoteResponse',
      group: this.group,
      from: this.id,
      to: m.from,
      // A granted pre-vote echoes the prospective term; a refusal tells ours.
      term: granted && m.preVote ? m.term : this.term,
      preVote: m.preVote,
      granted,
    };
    if (reject !== undefined) resp.reject = reject;
    this.send(resp);
  }

  /** The error response a node in ERROR sends (see `ErrorAnswer` in types.ts). */
  private answerInError(m: Message): void {
    const error = jraftNotActive(this.group, this.id);
    const base = { group: this.group, from: this.id, to: m.from, term: this.term, error };
    if (m.type === 'RequestVote') {
      this.events.push({
        type: 'vote',
        candidate: m.from,
        term: m.term,
        preVote: m.preVote,
        granted: false,
        reject: 'error',
      });
      this.send({
        ...base,
        type: 'RequestVoteResponse',
        preVote: m.preVote,
        granted: false,
        reject: 'error',
      });
    } else if (m.type === 'AppendEntries') {
      this.send({
        ...base,
        type: 'AppendEntriesResponse',
        success: false,
        index: m.prevLogIndex,
        hintIndex: 0,
        hintTerm: 0,
        round: m.round,
        ...(m.heartbeat === true ? { heartbeat: true } : {}),
      });
    } else if (m.type === 'InstallSnapshot') {
      this.send({
        ...base,
        type: 'InstallSnapshotResponse',
        index: m.meta.index,
        chunk: m.chunk,
        success: false,
        round: m.round,
      });
    }
  }

  // ───────────────────────────── follower / candidate ─────────────────────────────

  private stepFollower = (m: Message): void => {
    switch (m.type) {
      case 'AppendEntries':
        this.heardFromLeader();
        this.leader = m.from;
        this.handleAppendEntries(m);
        break;
      case 'InstallSnapshot':
        this.heardFromLeader();
        this.leader = m.from;
        this.handleInstallSnapshot(m);
        break;
      case 'TimeoutNow':
        // The leader hands over: campaign at once, without pre-vote (thesis §3.10).
        this.campaign(true);
        break;
      case 'ReadIndexResponse':
        this.pushReadState({ ctx: m.ctx, index: m.index, error: m.error });
        break;
      case 'ReadIndex':
        this.send(this.readIndexResponse(m, -1, 'not leader'));
        break;
      default:
        break;
    }
  };

  private stepCandidate = (m: Message): void => {
    switch (m.type) {
      case 'AppendEntries':
        this.becomeFollower(m.term, m.from);
        this.heardFromLeader();
        this.handleAppendEntries(m);
        break;
      case 'InstallSnapshot':
        this.becomeFollower(m.term, m.from);
        this.heardFromLeader();
        this.handleInstallSnapshot(m);
        break;
      case 'RequestVoteResponse': {
        const phaseMatches = m.preVote === (this.role === 'pre-candidate');
        if (!phaseMatches) break;
        this.recordVote(m.from, m.granted);
        this.tally();
        break;
      }
      case 'ReadIndex':
        this.send(this.readIndexResponse(m, -1, 'not leader'));
        break;
      case 'ReadIndexResponse':
        this.pushReadState({ ctx: m.ctx, index: m.index, error: m.error });
        break;
      default:
        break;
    }
  };

  /** §5.3: consistency check, truncate conflicts, append, advance commit. */
  private handleAppendEntries(m: AppendEntries): void {
    // A malformed message (entries not following prevLogIndex) is dropped, never trusted.
    for (let k = 0; k < m.entries.length; k++) {
      const e = m.entries[k];
      if (e.index !== m.prevLogIndex + 1 + k) {
        this.events.push({
          type: 'malformed',
          from: m.from,
          reason: `AppendEntries entry ${k} has index ${e.index} term ${e.term} after prevLogIndex ${m.prevLogIndex}`,
        });
        return;
      }
    }
    if (m.prevLogIndex < this.log.committed) {
      // Everything up to our commit index already matches; acknowledge it so the leader moves on.
      this.ackAppend(m, this.appendResponse(m.from, true, this.log.committed, 0, 0, m.round));
      return;
    }
    const truncations = this.log.truncations;
    const lastNew = this.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.entries);
    if (this.log.truncations !== truncations) {
      this.recomputeConf();
      this.events.push({ type: 'truncate', from: this.log.lastTruncatedFrom });
    }
    if (lastNew < 0) {
      const hintIndex = this.log.findConflictByTerm(
        Math.min(m.prevLogIndex, this.log.lastIndex()),
        m.prevLogTerm,
      );
      const hintTerm = this.log.term(hintIndex) ?? 0;
      const resp = this.appendResponse(m.from, false, m.prevLogIndex, hintIndex, hintTerm, m.round);
      resp.reject = m.prevLogIndex > this.log.lastIndex() ? 'log-missing' : 'log-mismatch';
      this.ackAppend(m, resp);
      return;
    }
    // The configuration is the latest conf entry of the whole log (thesis §4.1), never one
    // recomputed from the message: a late duplicate carries entries we already hold, followed
    // in our log by newer conf entries. Only entries past the last conf entry we know, up to
    // what this message made match, can change it (truncations were handled above).
    this.applyConfEntries(m.entries.filter((e) => e.index > this.confIndex && e.index <= lastNew));
    if (this.log.commitTo(Math.min(m.leaderCommit, lastNew))) {
      this.events.push({ type: 'commit', index: this.log.committed });
    }
    this.ackAppend(m, this.appendResponse(m.from, true, lastNew, 0, 0, m.round));
  }

  /** Answer an AppendEntries, echoing whether it was a heartbeat. */
  private ackAppend(m: AppendEntries, resp: AppendEntriesResponse): void {
    if (m.heartbeat) resp.heartbeat = true;
    this.send(resp);
  }

  private handleInstallSnapshot(m: InstallSnapshot): void {
    this.events.push({
      type: 'snapshot-install',
      index: m.meta.index,
      term: m.meta.term,
      chunk: m.chunk,
      chunks: m.chunks,
    });
    const resp = (success: boolean): InstallSnapshotResponse => ({
      type: 'InstallSnapshotResponse',
      group: this.group,
      from: this.id,
      to: m.from,
      term: this.term,
      index: m.meta.index,
      chunk: m.chunk,
      success,
      round: m.round,
    });
    if (m.chunk < m.chunks - 1) {
      // Intermediate chunks only report progress in this model; index 0 completes nothing.
      this.send({ ...resp(true), index: 0 });
      return;
    }
    if (m.meta.index <= this.log.committed) {
      this.send({ ...resp(true), index: this.log.committed });
      return;
    }
    // A snapshot that does not continue our log replaces all of it (§7): say so when that drops
    // entries after the snapshot's index (those before it are behind the snapshot boundary).
    const keeps =
      this.log.matchTerm(m.meta.index, m.meta.term) && m.meta.index <= this.log.lastIndex();
    if (!keeps && this.log.lastIndex() > m.meta.index) {
      this.events.push({ type: 'truncate', from: m.meta.index + 1 });
    }
    this.log.restoreSnapshot(m.meta.index, m.meta.term);
    // The snapshot's configuration holds at its index; a conf entry we keep after it is newer.
    this.baseConf = cloneConf(m.meta.conf);
    this.recomputeConf();
    this.pendingSnapshot = { meta: m.meta, data: m.data };
    this.latestSnapshot = this.pendingSnapshot;
    this.send(resp(true));
  }

  // ───────────────────────────── leader ─────────────────────────────

  private stepLeader = (m: Message): void => {
    switch (m.type) {
      case 'AppendEntriesResponse':
        this.handleAppendResponse(m);
        break;
      case 'InstallSnapshotResponse':
        this.handleSnapshotResponse(m);
        break;
      case 'ReadIndex':
        this.handleLeaderRead(m.ctx, m.from);
        break;
      default:
        break;
    }
  };

  private handleAppendResponse(m: AppendEntriesResponse): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    this.noteAnswer(m.from, m.round);
    if (m.round > pr.ackedRound && m.round <= this.round) {
      pr.ackedRound = m.round;
      this.releaseReads();
    }
    if (!m.success) {
      let matchHint = m.hintIndex;
      if (m.hintTerm > 0) matchHint = this.log.findConflictByTerm(m.hintIndex, m.hintTerm);
      if (pr.maybeDecrTo(m.index, matchHint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
      else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
      if (!this.maybeCommitAndBroadcast()) this.sendAppend(m.from);
      if (this.confChange) this.maybeFinishCatchUp();
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.sendTimeoutNow(m.from);
      }
    } else {
      // An answer that moved nothing. On a heartbeat's, unblock a lagging peer and send even an
      // empty append, so a message lost in the pipeline gets noticed (the follower rejects).
      if (pr.state === 'probe') pr.probeSent = false;
      if (m.heartbeat && pr.match < this.log.lastIndex()) {
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
        this.sendAppend(m.from, true);
      }
    }
  }

  private handleSnapshotResponse(m: InstallSnapshotResponse): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    this.noteAnswer(m.from, m.round);
    if (m.round > pr.ackedRound && m.round <= this.round) {
      pr.ackedRound = m.round;
      this.releaseReads();
    }
    if (pr.state !== 'snapshot') return;
    if (!m.success) {
      pr.becomeProbe();
      return;
    }
    if (m.index >= pr.pendingSnapshot) {
      // The last chunk was installed: resume normal replication right after it.
      pr.maybeUpdate(m.index);
      pr.becomeProbe();
      this.sendAppend(m.from);
    }
  }

  /** Commit by counting replicas of current-term entries (§5.4.2); broadcast if it advanced. */
  private maybeCommitAndBroadcast(): boolean {
    const acked = (id: NodeId): number => this.prs.get(id)?.match ?? 0;
    const mci = committedIndex(this.conf, acked);
    if (mci <= this.log.committed || mci === Infinity) return false;
    // §5.4.2: never commit an entry from a previous term by counting replicas.
    if (this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    this.events.push({ type: 'commit', index: mci });
    this.onCommitAdvanced();
    // A leader whose removal just committed has stepped down: it hands over with TimeoutNow
    // and says nothing more in its old term (a follower must not send AppendEntries; the new
    // leader's first commit carries C(new)'s commitment to everyone).
    if (this.role !== 'leader') return true;
    // Textbook (etcd's raft): tell every follower the new commit index at once, with an empty
    // AppendEntries where no entries wait. SOFAJRaft's replicators send only when there are
    // entries (Replicator#sendEntries waits for more otherwise; BallotBox#commitAt wakes only
    // the state machine): a follower learns the commit with the next entries or heartbeat.
    const announce = this.fidelity === 'textbook';
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, announce);
    return true;
  }

  private onCommitAdvanced(): void {
    // Leave the joint configuration once C(old,new) commits (§6): append C(new).
    if (this.conf.outgoing.length > 0 && this.confIndex <= this.log.committed) {
      const cc: ConfChange = {
        phase: 'stable',
        conf: { voters: [...this.conf.voters], outgoing: [], learners: [...this.conf.learners] },
      };
      this.appendEntry({
        index: this.log.lastIndex() + 1,
        term: this.term,
        type: 'conf',
        data: cc,
      });
    } else if (this.confIndex <= this.log.committed && this.confIndex > this.confDoneIndex) {
      this.confDoneIndex = this.confIndex;
      this.confEvent('done', this.conf, this.confIndex);
    }
    // A leader that is no longer a voter steps down once its removal commits (§6). As
    // SOFAJRaft's NodeImpl.stepDown with wakeupCandidate does, it first sends TimeoutNow to the
    // most up-to-date voter of the new configuration, so the group elects a leader at once
    // instead of waiting an election timeout with nobody in charge.
    if (this.confIndex <= this.log.committed && !isVoter(this.conf, this.id)) {
      const next = this.mostUpToDateVoter();
      if (next !== null) this.sendTimeoutNow(next);
      this.events.push({ type: 'step-down', reason: 'removed from the configuration' });
      this.becomeFollower(this.term, null);
      return;
    }
    // Reads wait for the first commit of the leader's term.
    this.releaseReads();
  }

  private appendEntry(e: Entry): void {
    this.log.append([e]);
    this.applyConfEntries([e]);
    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id);
  }

  /** A configuration takes effect as soon as its entry is appended (thesis §4.1). */
  private applyConfEntries(entries: Entry[]): void {
    for (const e of entries) {
      if (e.type !== 'conf') continue;
      const cc = e.data as ConfChange;
      this.conf = cloneConf(cc.conf);
      this.confIndex = e.index;
      this.confEvent(cc.phase, cc.conf, e.index);
      if (this.role === 'leader') {
        for (const id of allMembers(this.conf)) {
          if (!this.prs.has(id)) {
            const pr = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflight);
            pr.aliveSinceTick = this.leaderTicks;
            this.prs.set(id, pr);
          }
        }
        const keep = allMembers(this.conf).concat(this.confChange?.newcomers ?? []);
        for (const id of [...this.prs.keys()]) if (!keep.includes(id)) this.prs.delete(id);
      }
    }
  }

  /** After a truncation the log may have lost its last conf entry: fall back to the one before. */
  private recomputeConf(): void {
    const e = this.log.confEntryAtOrBefore(this.log.lastIndex());
    if (e !== undefined) {
      this.conf = cloneConf((e.data as ConfChange).conf);
      this.confIndex = e.index;
      return;
    }
    this.conf = cloneConf(this.baseConf);
    this.confIndex = this.log.snapshotIndex;
  }

  sendAppend(to: NodeId, sendIfEmpty = false): void {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return;
    do {
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined) {
        this.sendSnapshot(to, pr);
        return;
      }
      const last = this.log.lastIndex();
      const entries =
        pr.next <= last
          ? this.log.slice(pr.next, Math.min(last + 1, pr.next + this.cfg.maxEntriesPerMsg))
          : [];
      if (entries.length === 0 && !sendIfEmpty) return;
      const m: AppendEntries = {
        type: 'AppendEntries',
        group: this.group,
        from: this.id,
        to,
        term: this.term,
        prevLogIndex: prevIndex,
        prevLogTerm: prevTerm,
        entries,
        leaderCommit: this.log.committed,
        round: this.round,
      };
      this.send(m);
      sendIfEmpty = false;
      if (entries.length > 0) {
        const lastSent = entries[entries.length - 1].index;
        if (pr.state === 'replicate') {
          pr.next = lastSent + 1;
          pr.inflights.add(lastSent);
        } else {
          pr.probeSent = true;
        }
      } else if (pr.state === 'probe') {
        pr.probeSent = true;
      }
      // Pipeline: keep sending while the window allows and there is more to send.
    } while (pr.state === 'replicate' && !pr.isPaused() && pr.next <= this.log.lastIndex());
  }

  private sendSnapshot(to: NodeId, pr: Progress): void {
    const snap = this.latestSnapshot;
    if (!snap || snap.meta.index < this.log.snapshotIndex) {
      // The host must hand us the snapshot it compacted behind; without it we cannot help.
      return;
    }
    pr.becomeSnapshot(snap.meta.index);
    pr.snapshotSentTick = this.leaderTicks;
    const size = JSON.stringify(snap.data ?? null).length;
    const chunks = Math.max(1, Math.ceil(size / SNAPSHOT_CHUNK_BYTES));
    for (let chunk = 0; chunk < chunks; chunk++) {
      this.send({
        type: 'InstallSnapshot',
        group: this.group,
        from: this.id,
        to,
        term: this.term,
        meta: snap.meta,
        chunk,
        chunks,
        data: chunk === chunks - 1 ? snap.data : null,
        round: this.round,
      });
    }
  }

  /**
   * Heartbeats are empty AppendEntries anchored at the follower's match point, so they never
   * disturb the pipeline; they carry commit up to what the follower is known to hold.
   */
  private broadcastHeartbeat(): void {
    this.startRound();
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      const prevIndex = pr.match;
      const prevTerm = this.log.term(prevIndex);
      this.send({
        type: 'AppendEntries',
        group: this.group,
        from: this.id,
        to: id,
        term: this.term,
        prevLogIndex: prevTerm === undefined ? 0 : prevIndex,
        prevLogTerm: prevTerm ?? 0,
        entries: [],
        leaderCommit: Math.min(this.log.committed, pr.match),
        round: this.round,
        heartbeat: true,
      });
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.sentTimeoutNow = true;
    this.send({ type: 'TimeoutNow', group: this.group, from: this.id, to, term: this.term });
  }

  private abortTransfer(timedOut: boolean): void {
    if (this.leadTransferee === null) return;
    if (timedOut) {
      this.events.push({ type: 'transfer', target: this.leadTransferee, outcome: 'abandoned' });
      // NodeImpl#handleTransferTimeout: back from STATE_TRANSFERRING to STATE_LEADER, and
      // FSMCaller#onLeaderStart(term) again.
      if (this.fidelity === 'nacos' && this.role === 'leader') {
        this.leaderStart = {
          term: this.term,
          index: this.log.committed,
          cause: 'transfer-abandoned',
        };
      }
    }
    this.leadTransferee = null;
    this.transferElapsed = 0;
  }

  private proposalRefusal(): string | null {
    const nacos = this.fidelity === 'nacos';
    // NodeImpl#executeApplyingTasks: a node in ERROR is not leader either.
    if (this.errored) return nacos ? JRAFT_NOT_LEADER : IN_ERROR;
    if (this.role !== 'leader') return nacos ? JRAFT_NOT_LEADER : NOT_LEADER;
    if (this.leadTransferee !== null) return TRANSFERRING;
    return null;
  }

  // ───────────────────────────── ReadIndex ─────────────────────────────

  private handleLeaderRead(ctx: string, from: NodeId | null): void {
    if (this.fidelity === 'nacos' && this.leadTransferee !== null) {
      // NodeImpl#handleReadIndexRequest: STATE_TRANSFERRING answers EBUSY at once, for a local
      // read and for a follower's ReadIndex alike (etcd serves it as usual).
      this.answerRead({ ctx, index: -1, round: 0, from }, TRANSFERRING);
      return;
    }
    const committedInTerm = this.log.term(this.log.committed) === this.term;
    if (!committedInTerm) {
      // Thesis §6.4 step 1: until the leader commits an entry of its term it does not know
      // the latest commit index; refuse, the CP layer falls back to a read through the log.
      this.answerRead(
        { ctx, index: -1, round: 0, from },
        'leader has not committed in its term yet',
      );
      return;
    }
    const read: PendingRead = { ctx, index: this.log.committed, round: 0, from };
    if (allVoters(this.conf).length === 1 && isVoter(this.conf, this.id)) {
      this.answerRead(read);
      return;
    }
    if (this.cfg.readOnly === 'lease' && this.leaseValid()) {
      this.answerRead(read);
      return;
    }
    // Safe mode: confirm leadership with a heartbeat round acknowledged by a majority.
    this.broadcastHeartbeat();
    read.round = this.round;
    this.pendingReads.push(read);
  }

  private releaseReads(): void {
    if (this.pendingReads.length === 0 || this.role !== 'leader') return;
    const acked = (id: NodeId): number =>
      id === this.id ? Infinity : (this.prs.get(id)?.ackedRound ?? 0);
    const confirmed = committedIndex(this.conf, acked);
    let n = 0;
    while (n < this.pendingReads.length && this.pendingReads[n].round <= confirmed) {
      this.answerRead(this.pendingReads[n]);
      n++;
    }
    if (n > 0) this.pendingReads.splice(0, n);
  }

  private answerRead(read: PendingRead, error?: string): void {
    const index = error ? -1 : read.index;
    if (read.from === null || read.from === this.id) {
      this.pushReadState({ ctx: read.ctx, index, error });
    } else {
      this.send({
        type: 'ReadIndexResponse',
        group: this.group,
        from: this.id,
        to: read.from,
        term: this.term,
        ctx: read.ctx,
        index,
        error,
      });
    }
  }

  private failPendingReads(reason: string): void {
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const r of reads) this.answerRead(r, reason);
  }

  private pushReadState(rs: ReadState): void {
    if (rs.error === undefined) delete rs.error;
    this.readStates.push(rs);
    this.events.push({ type: 'read-index', ctx: rs.ctx, index: rs.index, error: rs.error });
  }

  private readIndexResponse(m: ReadIndexRequest, index: number, error: string): Message {
    return {
      type: 'ReadIndexResponse',
      group: this.group,
      from: this.id,
      to: m.from,
      term: this.term,
      ctx: m.ctx,
      index,
      error,
    };
  }

  // ───────────────────────────── helpers ─────────────────────────────

  private appendResponse(
    to: NodeId,
    success: boolean,
    index: number,
    hintIndex: number,
    hintTerm: number,
    round: number,
  ): AppendEntriesResponse {
    return {
      type: 'AppendEntriesResponse',
      group: this.group,
      from: this.id,
      to,
      term: this.term,
      success,
      index,
      hintIndex,
      hintTerm,
      round,
    };
  }

  private send(m: Message): void {
    this.msgs.push(m);
  }
}

/**
 * Check-quorum's horizon under 'nacos': SOFAJRaft's leader lease timeout,
 * electionTimeoutMs × leaderLeaseTimeRatio / 100 with the ratio 90 (NodeOptions), in ticks.
 */
export function checkQuorumTicks(electionTicks: number): number {
  return Math.floor((electionTicks * 90) / 100);
}

export function cloneConf(c: ConfState): ConfState {
  return { voters: [...c.voters], outgoing: [...c.outgoing], learners: [...c.learners] };
}

function unique(ids: readonly NodeId[]): NodeId[] {
  return [...new Set(ids)];
}

function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
