// The trace event contract, version 2 (DESIGN.md §3). One JSON object per line after a header line.
// `seq` is the total order, `t` the cluster time in ms; hosts stamp both and `node`, nodes emit
// the body. Invariant: everything a view shows can be folded from these events alone (the state
// model in src/state/ does, and a test compares it with what the nodes hold), so no view needs a
// side channel. Traces stay compact: summaries, short labels, never a copy of a message payload.
// Older files are upgraded on import by src/trace/migrate.ts.
import type {
  AppendRefusal,
  ConfState,
  GroupId,
  NodeId,
  Role,
  VoteRefusal,
} from '../raft/types.ts';

export const TRACE_FORMAT = 'raft-playground-trace';
export const TRACE_VERSION = 2;

// ─────────────────────────────────────────── header ───────────────────────────────────────────

/** Which engine produced the trace: the browser cluster, the simulator in the page or the CLI, or a replay. */
export type TraceEngine = 'live' | 'simulated' | 'replay' | 'cli';

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  engine: TraceEngine;
  /** The playground's version (package.json) that wrote the file. */
  appVersion: string;
  seed: number | null;
  scenario: string | null;
  cluster: TraceCluster;
  /** The durable state the scenario seeded before the run (its `initial` section), or null. */
  initial: Record<NodeId, unknown> | null;
  /**
   * Events the host recorded but no longer holds (its in-memory trace is bounded): the file
   * starts after them, so a reader knows the history is a suffix.
   */
  dropped?: TraceDropped;
  /** Remarks for a reader, e.g. "events with seq 0–399,999 dropped (memory bound)". */
  notes?: string[];
  /** Set by the import migration: the version the file was written in. */
  migratedFrom?: number;
  /**
   * 'compact': the event lines leave out what the lines before them determine (compact.ts);
   * absent: every line is a full event. Set by exportTrace, read by importTrace.
   */
  encoding?: 'compact';
}

/**
 * The cluster at the start of the run. Hosts may add fields of their own (clusterId, the
 * browser's durability setting); readers ignore fields they do not know.
 */
export interface TraceCluster {
  nodes: NodeId[];
  groups: GroupId[];
  /** Raft timing and read mode; null only in a file migrated from v1 that did not record it. */
  raft: TraceRaftProfile | null;
  /** The network policy in force at the start; null only in a migrated v1 file. */
  network: TraceNetwork | null;
  [key: string]: unknown;
}

/** Timing in node-local milliseconds (a skewed node's clock runs faster or slower). */
export interface TraceRaftProfile {
  /** 'nacos' (Nacos's 5 s minimum) or 'lesson' (faster, labelled as such). */
  profile: string;
  electionTimeoutMs: number;
  /** Election timeouts are drawn from [electionTimeoutMs, electionTimeoutMs + this). */
  maxElectionDelayMs: number;
  heartbeatMs: number;
  /** One tick of a node's clock: every timer in the trace is a multiple of it. */
  tickMs: number;
  readOnly: 'safe' | 'lease';
  /** Nacos's behaviour or the textbook's where they differ (absent in older traces: nacos). */
  fidelity?: 'nacos' | 'textbook';
  /** How often each node snapshots by time, 0 for never (absent in older traces: not said). */
  snapshotIntervalMs?: number;
}

/** One direction's delay, loss and duplication (the shape of src/net/policy.ts). */
export interface TraceLinkPolicy {
  delayMsMin: number;
  delayMsMax: number;
  dropRatio: number;
  duplicateRatio: number;
  /** Messages may overtake each other on the link; absent or false: FIFO per link. */
  reorder?: boolean;
}

export interface TraceNetwork {
  link: TraceLinkPolicy;
  overrides: { from: NodeId; to: NodeId; change: Partial<TraceLinkPolicy> }[];
  sides: NodeId[][] | null;
  cuts: { from: NodeId; to: NodeId }[];
  hold: boolean;
}

/** The events a bounded trace dropped: seq firstSeq..lastSeq, `events` of them. */
export interface TraceDropped {
  events: number;
  firstSeq: number;
  lastSeq: number;
}

// ────────────────────────────────────────── messages ──────────────────────────────────────────

/**
 * Raft's RPCs and the CP layer's forwarding, by the names learners read on screen; '?' for a
 * malformed frame whose type could not be read (dropped with reason "malformed: ...").
 */
export type TraceMsgType =
  | '?'
  | 'RequestVote'
  | 'RequestVoteResponse'
  | 'AppendEntries'
  | 'AppendEntriesResponse'
  | 'InstallSnapshot'
  | 'InstallSnapshotResponse'
  | 'TimeoutNow'
  | 'ReadIndex'
  | 'ReadIndexResponse'
  | 'Forward'
  | 'ForwardResponse';

/**
 * Why a vote or pre-vote was refused (`stale-term`, `in-lease`, `voted`, `log-behind`, `error`,
 * `learner`) and why an AppendEntries was rejected (`stale-term`, `log-missing`,
 * `log-mismatch`): defined by the core (src/raft/types.ts), which decides them.
 */
export type { AppendRefusal, VoteRefusal };

/**
 * A message as the trace shows it: who, what, and the fields a reader needs for its type, never
 * the payload. Fields that do not apply to a type are absent. Short names, per type:
 * - RequestVote: `preVote`, `lastIndex`/`lastTerm` (the candidate's last log entry).
 * - RequestVoteResponse: `preVote`, `granted`, `reject` (a VoteRefusal) when refused.
 * - AppendEntries: `prevIndex`/`prevTerm`, `commit` (leaderCommit), `entries`, `hb` on heartbeats.
 * - AppendEntriesResponse: `ok`; `index` is the matched index on success, the rejected
 *   prevLogIndex otherwise; `hintIndex`/`hintTerm` (the conflict hint) and `reject` (an
 *   AppendRefusal) on rejection; `hb` when it answers a heartbeat.
 * - InstallSnapshot: `snap` [index, term] of the snapshot, `chunk` of `chunks` (0-based).
 * - InstallSnapshotResponse: `ok`, `index` (the snapshot's), `chunk`.
 * - TimeoutNow: nothing more.
 * - ReadIndex: `ctx`. ReadIndexResponse: `ctx`, `index` (-1 when refused), `reject` (why).
 * - Forward: `rid` (the request id), `kind`. ForwardResponse: `rid`, `ok`, `reject` (the error).
 */
export interface MessageSummary {
  /** Unique per copy: a duplicated message's second copy has its own id and `copyOf`. */
  msgId: number;
  /** On the second copy of a duplicated message: the first copy's msgId. */
  copyOf?: number;
  from: NodeId;
  to: NodeId;
  msgType: TraceMsgType;
  term: number;
  /** [first, last] index of the entries an AppendEntries carries, or null. */
  entries: [number, number] | null;
  preVote?: boolean;
  lastIndex?: number;
  lastTerm?: number;
  granted?: boolean;
  prevIndex?: number;
  prevTerm?: number;
  commit?: number;
  hb?: boolean;
  ok?: boolean;
  index?: number;
  hintIndex?: number;
  hintTerm?: number;
  reject?: string;
  snap?: [number, number];
  chunk?: number;
  chunks?: number;
  ctx?: string;
  rid?: string;
  kind?: 'write' | 'read' | 'member' | 'route';
}

/**
 * `send` is recorded once per copy put on the wire, at the send time (the event's `t`), with
 * `deliverAt` the cluster time the host plans to hand it over (absent when the host cannot
 * know, e.g. an unbounded hold). `recv` and `drop` repeat `sentAt`, so a view can place a
 * message in flight from either end.
 */
export type SendBody = { type: 'send'; group: GroupId; deliverAt?: number } & MessageSummary;
export type RecvBody = { type: 'recv'; group: GroupId; sentAt?: number } & MessageSummary;
/** `reason`: partition, cut, loss, down (the destination is not running), discarded, ... */
export type DropBody = {
  type: 'drop';
  group: GroupId;
  reason: string;
  sentAt?: number;
} & MessageSummary;

// ─────────────────────────────────────────── entries ──────────────────────────────────────────

/** normal: a client write; read: a read committed through the log; conf: a configuration; noop. */
export type EntryKind = 'normal' | 'conf' | 'noop' | 'read';

/**
 * One log entry as the trace shows it: [index, term, kind, label] plus the request id when the
 * entry came from a client request. The label is a short operation name such as
 * "publish app.yaml" or "joint n1 n2 n3 n4", never the payload.
 */
export type EntrySummary =
  | [index: number, term: number, kind: EntryKind, label: string]
  | [index: number, term: number, kind: EntryKind, label: string, requestId: string];

// ─────────────────────────────────────────── faults ───────────────────────────────────────────

/**
 * Faults and host controls as a typed union on `fault`. The event's `node` stamp always names
 * the affected node (null for cluster-wide ones: partition, heal, cut, link, network, hold,
 * speed, ...), in both hosts.
 */
export type FaultBody =
  | { fault: 'crash'; lostWrites?: number; reason?: string }
  | { fault: 'restart' }
  | { fault: 'pause' }
  | { fault: 'resume'; held?: number }
  | { fault: 'skew'; rate: number }
  | { fault: 'partition'; sides: NodeId[][] }
  | { fault: 'heal' }
  | { fault: 'cut'; from: NodeId; to: NodeId }
  | { fault: 'link'; from: NodeId; to: NodeId }
  | { fault: 'network'; change: Partial<TraceLinkPolicy>; from?: NodeId; to?: NodeId }
  | { fault: 'hold'; on: boolean }
  | { fault: 'release'; msgId: number }
  | { fault: 'discard'; msgId: number }
  | { fault: 'add-node'; members?: NodeId[] }
  | { fault: 'remove-node'; askedOf?: NodeId[] }
  | { fault: 'transfer-leader'; group: GroupId; to: NodeId }
  | { fault: 'snapshot'; group: GroupId }
  | { fault: 'fail-apply'; group: GroupId }
  /** The node's stored snapshot of the group was damaged (its data, not its recorded checksum). */
  | { fault: 'corrupt-snapshot'; group: GroupId }
  /** Browser host controls: wall-clock speed, the whole cluster paused, IndexedDB durability. */
  | { fault: 'speed'; speed: number }
  | { fault: 'pause-cluster' }
  | { fault: 'resume-cluster' }
  | { fault: 'durability'; durability: string }
  /** Host failures: a worker that died, a node that hit a fatal error, a removed node's exit. */
  | { fault: 'worker-error'; message: string }
  | { fault: 'node-error'; kind: string; message: string }
  | { fault: 'removed' }
  /**
   * A node's disk write has not completed after `waitedMs` wall ms (`entries` in it): the
   * browser's storage stopped answering. `disk-resume` when it completes, after `waitedMs` in all.
   */
  | { fault: 'disk-stall'; waitedMs: number; entries: number }
  | { fault: 'disk-resume'; waitedMs: number }
  /** A scenario step that could not run (`step`: its index, when known). */
  | { fault: 'step-error'; step?: number; message: string };

export type FaultKind = FaultBody['fault'];

// ─────────────────────────────────────────── events ───────────────────────────────────────────

/** The client's view of a request (Jepsen-style history), with the request id the node saw. */
interface HistoryFields {
  group: GroupId;
  process: string;
  op: string;
  key: string;
  value: unknown;
  requestId?: string;
}

export type TraceBody =
  | { type: 'node-start'; members: NodeId[] }
  | { type: 'node-crash'; reason?: string }
  | { type: 'node-restart'; term: number; lastIndex: number }
  /**
   * What the node loaded from its disk for one group when it booted from one (a restart, or a
   * scenario's initial state): the hard state, the snapshot [index, term] and the stored log.
   * A reader takes the group's state after a boot from this, not from the writes it saw: a
   * crash may cut off the host's last trace events, never the disk.
   */
  | {
      type: 'recovered';
      group: GroupId;
      term: number;
      votedFor: NodeId | null;
      commit: number;
      snapshot: [index: number, term: number] | null;
      entries: EntrySummary[];
    }
  /**
   * The node's role, term and known leader after a change of any of them. A follower that moves
   * to a newer term or learns (or forgets) its leader reports it as from = to = 'follower': the
   * views take every node's term and leader from these, not from `metadata` (Nacos's published
   * metadata, which may lag).
   */
  | { type: 'role'; group: GroupId; from: Role; to: Role; term: number; leader: NodeId | null }
  /**
   * The node (re)chose its randomized election timeout, in node-local ms. The time since the
   * election timer last reset starts at 0 at this event; it also resets (keeping this timeout)
   * when the node, as follower or candidate, receives an AppendEntries or InstallSnapshot of a
   * term ≥ its own (`recv`), and when it grants a real (not pre-) vote (`vote` granted). A
   * leader's election timer does not run (it checks quorum instead).
   */
  /**
   * A node's election timer started a period of `timeoutMs`. `repeating`: SOFAJRaft's timer,
   * which fires every period whatever it hears (a leader's messages do not restart it).
   */
  | { type: 'timer'; group: GroupId; timeoutMs: number; repeating?: boolean }
  /** The node answered a vote request (`node` is the voter); `reject` when refused. */
  | {
      type: 'vote';
      group: GroupId;
      candidate: NodeId;
      term: number;
      preVote: boolean;
      granted: boolean;
      reject?: VoteRefusal;
    }
  | SendBody
  | RecvBody
  | DropBody
  /** Entries entered the node's log (a leader's proposals, a follower's accepted entries). */
  | { type: 'append'; group: GroupId; entries: EntrySummary[] }
  /** Every entry with index ≥ from was removed from the node's log (a conflict, §5.3). */
  | { type: 'truncate'; group: GroupId; from: number }
  | {
      type: 'persist';
      group: GroupId;
      entries: [number, number] | null;
      term: number;
      votedFor: NodeId | null;
      commit: number;
      snapshot: number | null;
    }
  /**
   * A leader's view of one follower, when it changed (at most once per Ready per peer):
   * next index to send, highest index known to match, the replication state, messages in flight.
   */
  | {
      type: 'progress';
      group: GroupId;
      peer: NodeId;
      next: number;
      match: number;
      state: 'probe' | 'replicate' | 'snapshot';
      inflight: number;
    }
  | { type: 'commit'; group: GroupId; index: number }
  /** A committed entry applied to this node's state machine; `requestId` when a request made it. */
  | {
      type: 'apply';
      group: GroupId;
      index: number;
      term: number;
      op: unknown;
      result: unknown;
      requestId?: string;
    }
  /** A client request reached this node (`kind` write or read, a short label of the operation). */
  | { type: 'request'; group: GroupId; requestId: string; kind: 'write' | 'read'; label: string }
  /**
   * Forwarding of a request to the leader: `send` at the origin, `recv` at the leader, `reply` at
   * the origin when the answer comes back (`error` when it failed).
   */
  | {
      type: 'forward';
      group: GroupId;
      requestId: string;
      to: NodeId;
      stage: 'send' | 'recv' | 'reply';
      error?: string;
    }
  /** The leader proposed a request: the entry it became. */
  | { type: 'propose'; group: GroupId; requestId: string; index: number; term: number }
  /** The node answered a client request (or a forwarded one, at the leader). */
  | {
      type: 'reply';
      group: GroupId;
      requestId: string;
      ok: boolean;
      error?: string;
      indeterminate?: boolean;
      /** Nacos's response code beside the error (nacos fidelity). */
      code?: number;
    }
  /**
   * A ReadIndex outcome: the index the read waits for, or -1 with `error`. `fallback` says why
   * the read then went through the log instead.
   */
  | {
      type: 'read-index';
      group: GroupId;
      ctx: string;
      index: number;
      error?: string;
      requestId?: string;
      fallback?: string;
    }
  /**
   * The snapshot boundary: `save` (this node took one; its log now starts after `index`),
   * `chunk` (a chunk of an InstallSnapshot arrived), `install` (the installed snapshot replaced
   * the log up to `index`), `load` (the state machine was restored from it).
   */
  | {
      type: 'snapshot';
      group: GroupId;
      index: number;
      term: number;
      stage: 'save' | 'install' | 'chunk' | 'load';
      chunk?: number;
      chunks?: number;
    }
  | { type: 'conf-change'; group: GroupId; phase: string; conf: ConfState; index: number }
  /**
   * A membership change this node drives, one event per attempt and outcome: 'request' (asked
   * or proposed), 'done' (its configuration shows the change), 'refused' (the attempt failed:
   * `error`), 'gave-up' (textbook removal after five attempts), 'no-op' (Nacos's later call of
   * peerChange, which finds nothing left to remove: `detail` says so; the removal ends there).
   */
  | {
      type: 'member-change';
      group: GroupId;
      op: 'add' | 'remove';
      peer: NodeId;
      attempt: number;
      outcome: 'request' | 'done' | 'gave-up' | 'refused' | 'no-op';
      error?: string;
      detail?: string;
    }
  /**
   * What Nacos's ProtocolMetaData holds for the group at this node, as published: textbook on
   * every change of leader/term/members/errMsg; nacos on its four occasions (leader start, start
   * following, configuration committed, error) with load() semantics (an empty value never
   * overwrites). Not the node's live term or leader (those are `role` events).
   */
  | {
      type: 'metadata';
      group: GroupId;
      leader: NodeId | null;
      term: number;
      members: NodeId[];
      errMsg: string | null;
    }
  /**
   * Leadership transfer as the leader sees it (TimeoutNow sent, given up, or done), or a
   * requested transfer the node refused, with the refusal's text (`reason`, only then).
   */
  | {
      type: 'transfer';
      group: GroupId;
      target: NodeId;
      outcome: 'start' | 'abandoned' | 'done';
    }
  | {
      type: 'transfer';
      group: GroupId;
      target: NodeId;
      outcome: 'refused';
      reason: string;
    }
  /** A leader stepped down on its own (check-quorum, removal, error); `reason` in words. */
  | { type: 'step-down'; group: GroupId; reason: string }
  /** A message the core refused as malformed (never trusted). */
  | { type: 'malformed'; group: GroupId; from: NodeId; reason: string }
  | ({ type: 'fault' } & FaultBody)
  /**
   * The node's clock now runs at `rate` times real speed. `withinLeaseBound` says whether that
   * stays inside the clock drift a leader lease tolerates (|rate − 1| ≤ maxDrift, see
   * src/raft/lease.ts); outside it a lease read may be stale, as documented, not a bug.
   */
  | { type: 'clock'; rate: number; withinLeaseBound: boolean; maxDrift: number }
  | { type: 'narrate'; text: string }
  /**
   * `label`: the operation as the request list names it before the node's own `request` event
   * arrives, the same words that event carries (e.g. "publish app.yaml"); older traces lack it.
   */
  | ({ type: 'invoke'; label?: string } & HistoryFields)
  | ({ type: 'ok'; result: unknown } & HistoryFields)
  | ({ type: 'fail'; result: unknown } & HistoryFields)
  | ({ type: 'info'; result: unknown } & HistoryFields)
  | { type: 'violation'; invariant: string; detail: string }
  | { type: 'expect'; that: string; passed: boolean; detail: string };

export type TraceEventType = TraceBody['type'];

export type TraceEvent = TraceBody & { seq: number; t: number; node: NodeId | null };

/** The body of one event type, e.g. `BodyOf<'send'>`. */
export type BodyOf<T extends TraceEventType> = Extract<TraceBody, { type: T }>;
