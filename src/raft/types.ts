// The Raft core's data: entries, messages, durable state and the Ready batch.
// Everything here is plain data (structured-clone and JSON safe), so the same values cross a
// MessageChannel, go into IndexedDB, and appear verbatim in the trace.

import type { LogArchiveOptions } from './log.ts';

export type NodeId = string;
export type GroupId = string;

/** Role names as the UI and trace show them. Pre-candidate is the pre-vote phase. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * A configuration. `voters` is the current majority; `outgoing` is non-empty only while a
 * joint configuration C(old,new) is in force, and then both majorities must agree (§6).
 * Learners replicate and apply but never vote or campaign.
 */
export interface ConfState {
  voters: NodeId[];
  outgoing: NodeId[];
  learners: NodeId[];
}

export type EntryType = 'normal' | 'noop' | 'conf';

export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  /** Opaque command for 'normal' entries; a ConfChange for 'conf' entries. */
  data?: unknown;
}

/** A configuration change carried by a 'conf' entry. */
export interface ConfChange {
  /**
   * 'joint' enters C(old,new); 'stable' leaves it for C(new); 'simple' changes learners only;
   * 'leader' is a new leader's first entry under the 'nacos' fidelity: it restates the
   * configuration in force, unchanged (SOFAJRaft NodeImpl#becomeLeader → ConfigurationCtx#flush).
   */
  phase: 'joint' | 'stable' | 'simple' | 'leader';
  conf: ConfState;
}

/** What must survive a crash (§5, Figure 2), plus the commit index as JRaft persists it. */
export interface HardState {
  term: number;
  votedFor: NodeId | null;
  commit: number;
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  /** The state machine's serialized state, opaque to the core. */
  data: unknown;
  /**
   * The processor's file checksum, written beside the data as Nacos's snapshot operations
   * record `LocalFileMeta#checkSum`; checked on load under `nacos` fidelity. Absent in
   * snapshots written before it existed (then nothing is checked).
   */
  checkSum?: string;
}

interface MessageBase {
  group: GroupId;
  from: NodeId;
  to: NodeId;
  term: number;
}

/** §5.2 RequestVote, also used for the pre-vote phase (term is then the prospective term). */
export interface RequestVote extends MessageBase {
  type: 'RequestVote';
  preVote: boolean;
  lastLogIndex: number;
  lastLogTerm: number;
  /** Set when campaigning after TimeoutNow: voters skip the leader-lease check. */
  transfer?: boolean;
}

export interface RequestVoteResponse extends MessageBase {
  type: 'RequestVoteResponse';
  preVote: boolean;
  granted: boolean;
  /** Why the vote was refused (for the trace and for a learner reading it; Raft ignores it). */
  reject?: VoteRefusal;
  /** Set on SOFAJRaft's error response (ErrorResponse errorMsg); see `ErrorAnswer`. */
  error?: string;
}

/**
 * Why a voter refused a vote or pre-vote: `stale-term` the candidate's term is older; `in-lease`
 * the voter heard from a live leader within the election timeout (§9.6); `voted` it voted for
 * another candidate in this term or follows a leader; `log-behind` the candidate's log is not as
 * up to date (§5.4.1); `error` the voter's group is in the error state; `learner` learners never
 * vote.
 */
export type VoteRefusal = 'stale-term' | 'in-lease' | 'voted' | 'log-behind' | 'error' | 'learner';

/**
 * Why a follower rejected an AppendEntries: `stale-term` the leader's term is older; `log-missing`
 * it has no entry at prevLogIndex; `log-mismatch` its entry there has another term (§5.3).
 */
export type AppendRefusal = 'stale-term' | 'log-missing' | 'log-mismatch';

/** §5.3 AppendEntries; with no entries it is a heartbeat. */
export interface AppendEntries extends MessageBase {
  type: 'AppendEntries';
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  leaderCommit: number;
  /** The leader's broadcast round, echoed back; ReadIndex counts acks by it. */
  round: number;
  /** Set on heartbeats (empty, anchored at the follower's match index); echoed back. */
  heartbeat?: boolean;
}

export interface AppendEntriesResponse extends MessageBase {
  type: 'AppendEntriesResponse';
  success: boolean;
  /** On success, the last index now matching the leader; on rejection, the rejected prevLogIndex. */
  index: number;
  /** On rejection, a hint for fast back-off: the follower's last index, or the first index of the conflicting term. */
  hintIndex: number;
  hintTerm: number;
  round: number;
  heartbeat?: boolean;
  /** On rejection, why (for the trace; the leader backs off by the hint alone). */
  reject?: AppendRefusal;
  /** Set on SOFAJRaft's error response (ErrorResponse errorMsg); see `ErrorAnswer`. */
  error?: string;
}

export interface InstallSnapshot extends MessageBase {
  type: 'InstallSnapshot';
  meta: SnapshotMeta;
  /** Chunk number and total; data rides on the last chunk in this model. */
  chunk: number;
  chunks: number;
  data: unknown;
  round: number;
}

export interface InstallSnapshotResponse extends MessageBase {
  type: 'InstallSnapshotResponse';
  index: number;
  chunk: number;
  success: boolean;
  round: number;
  /** Set on SOFAJRaft's error response (ErrorResponse errorMsg); see `ErrorAnswer`. */
  error?: string;
}

/**
 * Under 'nacos', a node whose group is in ERROR answers RequestVote (pre-vote included),
 * AppendEntries and InstallSnapshot with SOFAJRaft's error response (RaftError.EINVAL, "Node
 * <group/id> is not in active state, state STATE_ERROR."): the answer's `error` is set, it
 * grants and succeeds nothing, and the receiver takes nothing from it, not even its term
 * (NodeImpl.OnRequestVoteRpcDone logs it, Replicator#onAppendEntriesReturned /
 * #onHeartbeatReturned / #onInstallSnapshotReturned treat it as a failed RPC).
 */
export type ErrorAnswer = RequestVoteResponse | AppendEntriesResponse | InstallSnapshotResponse;

/** Leadership transfer: the target campaigns at once, skipping pre-vote (§3.10 of the thesis). */
export interface TimeoutNow extends MessageBase {
  type: 'TimeoutNow';
}

/** A follower asks the leader for a read index (ReadIndex, thesis §6.4). */
export interface ReadIndexRequest extends MessageBase {
  type: 'ReadIndex';
  ctx: string;
}

export interface ReadIndexResponse extends MessageBase {
  type: 'ReadIndexResponse';
  ctx: string;
  /** -1 when the leader refused (not leader, no commit in its term yet, error). */
  index: number;
  error?: string;
}

export type Message =
  | RequestVote
  | RequestVoteResponse
  | AppendEntries
  | AppendEntriesResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];

/** The outcome of a ReadIndex request, surfaced through Ready. */
export interface ReadState {
  ctx: string;
  /** The read may be served once applied ≥ index. -1 means refused; see error. */
  index: number;
  error?: string;
}

/** Observable state that is not durable. */
export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

/**
 * One batch of work for the host, as in etcd's raft: persist `hardState`, `snapshot` and
 * `entries` (entries replace any stored suffix from entries[0].index), then send `messages`,
 * then apply `committed` in order, then call advance(ready).
 */
export interface Ready {
  softState: SoftState | null;
  hardState: HardState | null;
  snapshot: Snapshot | null;
  entries: Entry[];
  committed: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** Events for the trace that the core observed (role changes, votes, conf changes). */
  events: CoreEvent[];
  /**
   * Set in the Ready whose `committed` holds this leader's first entry of its term (the
   * configuration entry under 'nacos', the no-op under 'textbook'): the moment SOFAJRaft calls
   * StateMachine#onLeaderStart (NodeImpl.ConfigurationChangeDone#run), and Nacos's leader-start
   * callback with it. Under 'nacos' also set when an abandoned leadership transfer gives the
   * node its leadership back (NodeImpl#handleTransferTimeout calls onLeaderStart again).
   * Never set for a leader that stepped down before its first entry was handed out.
   */
  leaderStart: LeaderStart | null;
  /**
   * Proposals this node made as leader that it gives up because it stepped down, in index
   * order, each with the status text the client must get (under 'nacos', SOFAJRaft's
   * BallotBox#clearPendingTasks → ClosureQueueImpl#clear: "Leader stepped down"). Their
   * outcome is unknown: a later leader may still commit them. Empty under 'textbook'.
   */
  droppedProposals: DroppedProposal[];
}

/** See Ready.leaderStart. */
export interface LeaderStart {
  term: number;
  /** The index of the leader's first entry (cause 'first-entry') or its commit index then. */
  index: number;
  cause: 'first-entry' | 'transfer-abandoned';
}

/** See Ready.droppedProposals. */
export interface DroppedProposal {
  index: number;
  term: number;
  reason: string;
}

/** Which Raft the core behaves as where SOFAJRaft 1.3 differs from the textbook (etcd). */
export type Fidelity = 'nacos' | 'textbook';

export type CoreEvent =
  | { type: 'role'; from: Role; to: Role; term: number; leader: NodeId | null }
  | {
      type: 'vote';
      candidate: NodeId;
      term: number;
      preVote: boolean;
      granted: boolean;
      reject?: VoteRefusal;
    }
  /** The election timer was reset with this randomized timeout (only with cfg.trace). */
  /**
   * The election timer was (re)started with `ticks`. `repeating`: SOFAJRaft's timer (fidelity
   * 'nacos'), which fires every period and is not restarted by the leader's messages.
   */
  | { type: 'timer'; ticks: number; repeating?: boolean }
  /** Entries with index ≥ from left the log: a conflict or a snapshot that did not match. */
  | { type: 'truncate'; from: number }
  /** A leader's progress of one peer changed since the last Ready (only with cfg.trace). */
  | {
      type: 'progress';
      peer: NodeId;
      next: number;
      match: number;
      state: 'probe' | 'replicate' | 'snapshot';
      inflight: number;
    }
  | { type: 'commit'; index: number }
  | {
      type: 'conf-change';
      /** catching-up → joint → stable → done; 'simple' for learner-only changes; 'aborted'. */
      phase: ConfChange['phase'] | 'catching-up' | 'aborted' | 'done';
      conf: ConfState;
      index: number;
    }
  | { type: 'transfer'; target: NodeId; outcome: 'start' | 'abandoned' | 'done' }
  /** A requested transfer the leader (or a node that is not leader) refused, and why. */
  | { type: 'transfer'; target: NodeId; outcome: 'refused'; reason: string }
  | { type: 'read-index'; ctx: string; index: number; error?: string }
  | { type: 'snapshot-install'; index: number; term: number; chunk: number; chunks: number }
  | { type: 'step-down'; reason: string }
  | { type: 'malformed'; from: NodeId; reason: string };

/** Tunables, in ticks. The node layer converts Nacos's milliseconds to ticks. */
export interface RaftConfig {
  id: NodeId;
  group: GroupId;
  /** Base election timeout; the randomized one is in [electionTicks, electionTicks + electionJitterTicks). */
  electionTicks: number;
  electionJitterTicks: number;
  heartbeatTicks: number;
  /** Max AppendEntries messages in flight per follower in replicate mode. */
  maxInflight: number;
  /** Max entries per AppendEntries message. */
  maxEntriesPerMsg: number;
  /** 'safe' confirms leadership with a heartbeat round; 'lease' trusts the leader lease. */
  readOnly: 'safe' | 'lease';
  /** How the log archives old applied entries (log.ts); default DEFAULT_LOG_ARCHIVE. */
  logArchive?: LogArchiveOptions;
  /** New voters must be within this many entries of the leader before joining (JRaft: 1000). */
  catchupMargin?: number;
  /**
   * 'nacos' (the default) behaves as SOFAJRaft 1.3 under Nacos 2.2 where it differs from the
   * textbook: the repeating election timer, check-quorum at 90 % of the election timeout, a
   * configuration entry as a leader's first entry, no proposals or reads while transferring,
   * no transfer during a configuration change, pending proposals failed on step-down.
   * 'textbook' behaves as etcd's raft. docs/NACOS-DIFFERENCES.md lists each difference.
   */
  fidelity?: Fidelity;
  /**
   * Build the events only the trace reads (timer, truncate, progress); default true. A host
   * with tracing off sets false, so the core does none of that work.
   */
  trace?: boolean;
}

/** The pure random source the core draws from; its state is plain data for exact replays. */
export interface Rng {
  /** Uniform integer in [0, n). */
  int(n: number): number;
}
