// The state the node's concerns share, and the node's two ways out. A RaftNode owns one
// NodeState; the request, membership, snapshot and apply modules read and change it through
// plain functions, so none of them imports another's state or the RaftNode class (no cycles).
// Invariant: effects leave only through `out` in the order they were pushed (the host executes
// them in that order), trace bodies only through trace(), answers only through answer().
import type { Raft } from '../raft/raft.ts';
import type {
  ConfState,
  GroupId,
  HardState,
  LeaderStart,
  NodeId,
  Ready,
  Snapshot,
} from '../raft/types.ts';
import type { ApplyResult, StateMachine } from '../cp/stateMachine.ts';
import type { TraceBody } from '../trace/events.ts';
import { CODE_SERVER_ERROR, DEFAULT_FIDELITY, ERR_REQUEST_FAILED } from './constants.ts';
import { replyEvent, type ReportedMetadata } from './traceEvents.ts';
import type {
  ClientReply,
  Effect,
  ForwardResponse,
  NodeConfig,
  PersistGroupBatch,
} from './types.ts';

/** The payload of a 'normal' entry: a write, or a read committed through the log. */
/**
 * An entry's payload for a client request. `rid` is the request id, carried in the entry so that
 * every node's `apply` (and `append`) trace event can name the request it came from.
 */
export type Command =
  { kind: 'write'; op: unknown; rid?: string } | { kind: 'read'; query: unknown; rid?: string };

/** The entry payload of a client write, for hosts that seed logs (scenarios' `initial`). */
export function writeCommand(op: unknown): Command {
  return { kind: 'write', op };
}

export function isCommand(x: unknown): x is Command {
  if (typeof x !== 'object' || x === null) return false;
  const k = (x as { kind?: unknown }).kind;
  return k === 'write' || k === 'read';
}

/** A request this node must answer: its own client's, or one forwarded to it. */
export interface Pending {
  requestId: string;
  group: GroupId;
  /** null: our own client; otherwise the node that forwarded it and waits for the answer. */
  origin: NodeId | null;
  kind: 'write' | 'read' | 'member' | 'route';
  payload: unknown;
  deadlineMs: number;
  /** Term of the proposed entry (writes and log reads). */
  term?: number;
  /** Nacos: when the ReadIndex asked for this read gives up (JRaft's ReadIndexClosure timeout). */
  readIndexDeadlineMs?: number;
}

/**
 * Nacos's RouteTable entry for one group on this node: the leader a follower forwards to, as of
 * the last refresh (JRaftServer.refreshRouteTable on a timer), not the Raft node's live leader.
 */
export interface RouteEntry {
  leader: NodeId | null;
  nextRefreshMs: number;
  /** Election timeout + a random part drawn once (JRaftServer.createMultiRaftGroup). */
  periodMs: number;
  /**
   * A refresh under way (RouteTable.refreshLeader): the members still to ask, in configuration
   * order, one GetLeaderRequest at a time; null when none runs.
   */
  asking: NodeId[] | null;
}

export interface NodeMetrics {
  readIndexFailures: number;
  leaderReads: number;
  forwardedWrites: number;
}

export interface MemberOp {
  op: 'add' | 'remove';
  peer: NodeId;
  attempt: number;
  /** Nacos retries self-add until it succeeds and removal up to 5 times. */
  maxAttempts: number;
  /**
   * A removal under nacos fidelity (JRaftProtocol#memberChange): 'waiting' for the running
   * attempt's outcome until `untilMs` (the CliService RPC timeout), or 'pause' after a failed
   * one until the next call of peerChange is due. Absent: the textbook schedule (once a second
   * until the configuration shows the change).
   */
  nacos?: { phase: 'start' | 'waiting' | 'pause'; untilMs: number; target: NodeId | null };
}

/** One Raft group on this node, with its state machine and everything waiting on it. */
export interface GroupHost {
  id: GroupId;
  raft: Raft;
  sm: StateMachine;
  /** Proposals awaiting apply, by log index. */
  proposals: Map<number, Pending>;
  /** Reads awaiting their ReadState, by ctx. */
  reads: Map<string, Pending>;
  /** Reads with a read index, waiting for the state machine to reach it. */
  readyReads: { index: number; p: Pending }[];
  /**
   * The last index the state machine `sm` really includes. Raft's applied index runs ahead of it
   * while an installed snapshot waits for the disk (restoring moves applied to the snapshot's
   * index at once, the state machine loads it only once it is durable), so reads are served
   * against this index, never against Raft's.
   */
  smIndex: number;
  /**
   * This life's boot number for the group: one more than the disk held. It is written by the
   * node's first transaction, before any ReadIndex request can leave (messages of a Ready go
   * out only once its transaction is durable), so no two lives that sent requests share it.
   */
  incarnation: number;
  incarnationToSave: boolean;
  failNextApply: boolean;
  /** The metadata last reported (Nacos overwrites values; we report changes only). */
  lastMeta: ReportedMetadata | null;
  /** The Ready being persisted, if any. */
  ready: Ready | null;
  /** The hard state on disk, and a newer one differing only in commit, not yet written. */
  savedHard: HardState;
  unsavedHard: HardState | null;
  /** What the transaction in flight writes for this group. */
  persisted: PersistGroupBatch | null;
  /** A snapshot taken locally, to be written with the next transaction. */
  snapshotToSave: Snapshot | null;
  lastSnapshotIndex: number;
  lastSnapshotAtMs: number;
  /** Under nacos: when JRaft's repeating snapshot timer fires next (node-local ms; 0: never). */
  nextSnapshotAtMs: number;
  /** Nacos's route table entry (used under nacos fidelity only). */
  route: RouteEntry;
  /**
   * The core's Ready.leaderStart not yet acted on: Nacos's onLeaderStart runs once the state
   * machine has applied up to its index (SOFAJRaft runs it from the FSM caller, in log order).
   */
  leaderStart: LeaderStart | null;
  /** The term whose leader start this node ran (-1: none); a leader reports itself only then. */
  startedTerm: number;
  /**
   * The role, term and known leader the trace last reported for this group (role events). A
   * follower's new term or leader has no role change in the core; the node reports it itself
   * (a follower→follower role event), so the trace carries them whatever metadata events say.
   */
  tracedRole: { role: Raft['role']; term: number; leader: NodeId | null };
  /** The last configuration entry applied (SOFAJRaft's onConfigurationCommitted), if any. */
  confApplied: { index: number; conf: ConfState } | null;
  /**
   * Nacos only: the group's ProtocolMetaData as Nacos's load() leaves it (empty values never
   * overwrite), the leader this node last started following, the configuration index and the
   * error it last reported.
   */
  nacosMeta: {
    leader: NodeId | null;
    term: number;
    members: NodeId[];
    errMsg: string | null;
    followed: NodeId | null;
    confIndex: number;
    errReported: boolean;
  };
  /** Membership changes this node drives (self-add on join, removals), retried each second. */
  memberOps: MemberOp[];
  /**
   * Where to send the next membership request: the leader a refusing member named, or, after a
   * refusal without one, the next member in turn (the leader we remember may be stale).
   */
  memberTarget: { hint: NodeId | null; distrustLeader: boolean; turn: number };
}

export class NodeState {
  readonly id: NodeId;
  readonly cfg: NodeConfig;
  readonly groups = new Map<GroupId, GroupHost>();
  /** Effects produced since the last drain, in the order the host must execute them. */
  out: Effect[] = [];
  /** Node-local time: ticks × tickMs. Deadlines are measured on it. */
  nowMs = 0;
  nextRequest = 1;
  nextCtx = 1;
  /**
   * Forwarded requests already taken, by `from/requestId`, until their deadline: a duplicated
   * Forward (the network may duplicate) must not be proposed twice.
   */
  readonly seenForwards = new Map<string, number>();
  /** Our own requests forwarded to a leader, awaiting its answer. */
  readonly forwards = new Map<string, Pending & { to: NodeId; rpcDeadlineMs?: number }>();
  readonly metrics: NodeMetrics = { readIndexFailures: 0, leaderReads: 0, forwardedWrites: 0 };
  /** Set false to skip building trace events (benchmarks). */
  traceEnabled = true;

  constructor(cfg: NodeConfig) {
    this.id = cfg.id;
    this.cfg = cfg;
  }

  /** Whether the node reproduces Nacos (true) or the textbook where they differ. */
  get nacos(): boolean {
    return (this.cfg.fidelity ?? DEFAULT_FIDELITY) === 'nacos';
  }

  trace(event: TraceBody): void {
    if (this.traceEnabled) this.out.push({ type: 'trace', event });
  }

  /** Answer a request: a reply to our own client, or a ForwardResponse to the node that asked. */
  answer(p: Pending, reply: ClientReply): void {
    // Nacos answers a failure with a response code beside the text: 500 unless said otherwise.
    if (this.nacos && !reply.ok && reply.code === undefined) {
      reply = { ...reply, code: CODE_SERVER_ERROR };
    }
    if (p.kind !== 'member' && p.kind !== 'route') {
      this.trace(replyEvent(p.group, p.requestId, reply));
    }
    if (p.origin === null) {
      this.out.push({ type: 'reply', requestId: p.requestId, reply });
      return;
    }
    const g = this.groups.get(p.group);
    const msg: ForwardResponse = {
      type: 'ForwardResponse',
      group: p.group,
      from: this.id,
      to: p.origin,
      term: g ? g.raft.term : 0,
      requestId: p.requestId,
      reply,
    };
    this.out.push({ type: 'send', msg });
  }

  drain(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/**
 * Nacos: a processor's success=false completes normally on the leader, but a forwarded
 * request surfaces it as an error on the follower that forwarded it.
 */
export function replyFrom(result: ApplyResult, p: Pending): ClientReply {
  if (!result.success && p.origin !== null) {
    return { ok: false, error: result.errMsg ?? ERR_REQUEST_FAILED };
  }
  return { ok: true, value: result };
}
