// The sans-IO node's contract: what a host feeds in and the effects it must execute.
// Ordering a host must keep: execute a `persist` effect and call persisted(token) only once it
// is durable; `send` effects that depend on a write come out only after persisted(token).
import type { Entry, GroupId, HardState, Message, NodeId, Snapshot } from '../raft/types.ts';
import type { LogArchiveOptions } from '../raft/log.ts';
import type { TraceBody } from '../trace/events.ts';

/** Timing in milliseconds, as Nacos configures it. Converted to ticks by the node. */
export interface TimingConfig {
  /** Nacos raises anything below 5000 to 5000; the lesson profile does not. */
  electionTimeoutMs: number;
  maxElectionDelayMs: number;
  /** One tick of the node's clock. */
  tickMs: number;
  profile: 'nacos' | 'lesson';
}

/**
 * Whose behaviour the node reproduces where Nacos 2.2 on SOFAJRaft 1.3 and textbook Raft differ
 * (docs/NACOS-DIFFERENCES.md lists each difference). 'nacos' is the default.
 */
export type Fidelity = 'nacos' | 'textbook';

export interface NodeConfig {
  id: NodeId;
  /** The bootstrap configuration of every group (the cluster's initial member list). */
  members: NodeId[];
  groups: GroupId[];
  timing: TimingConfig;
  /** Nacos's behaviour (default) or the textbook's, where they differ. */
  fidelity?: Fidelity;
  /** Seed for this node's election timer randomness. */
  seed: number;
  readOnly?: 'safe' | 'lease';
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  /** How each group's log archives old applied entries (default: the core's). */
  logArchive?: LogArchiveOptions;
  /** Take a snapshot after this many applied entries (0/undefined: never by count). */
  snapshotIntervalEntries?: number;
  /** Take a snapshot this often, in node-local ms (0/undefined: never by time). */
  snapshotIntervalMs?: number;
  /**
   * A node joining a running cluster: `members` are the current members (without this node);
   * it adds itself to every group, retrying each second until it is a member (Nacos).
   */
  join?: boolean;
}

/** What one group has on disk. */
export interface DurableGroupState {
  hardState: HardState;
  /** Entries after the snapshot, contiguous. */
  entries: Entry[];
  snapshot: Snapshot | null;
  /**
   * How many times the node started with this group (its boot number, bumped and written at
   * every start; absent on a disk that never recorded one). It makes the node's ReadIndex
   * contexts unique across restarts, so an answer to a request of an earlier life never matches
   * a read of this one.
   */
  incarnation?: number;
}

export type DurableState = Record<GroupId, DurableGroupState>;

export interface PersistGroupBatch {
  group: GroupId;
  hardState: HardState | null;
  /** Replace every stored entry with index ≥ entries[0].index by these. */
  entries: Entry[];
  snapshot: Snapshot | null;
  /**
   * With `snapshot`: drop every stored entry after it, in this same transaction. Set when the
   * snapshot does not continue the stored log (an InstallSnapshot that did not match: the
   * follower discards its entire log, Raft §7); without it, stored entries that follow the
   * snapshot's index are kept. Entries of this batch are written after the drop.
   */
  discardLog?: boolean;
  /** The node's new boot number for this group, written by the first batch of each start. */
  incarnation?: number;
}

/** One transaction: everything the node's groups produced since the last one (group commit). */
export interface PersistBatch {
  groups: PersistGroupBatch[];
}

/** Messages of the CP layer that ride the same transport as Raft's. */
export interface ForwardRequest {
  type: 'Forward';
  group: GroupId;
  from: NodeId;
  to: NodeId;
  term: number;
  requestId: string;
  /**
   * 'member' carries a membership change { op: 'add' | 'remove', peer } for the leader; 'route'
   * is JRaft's GetLeaderRequest of a route table refresh (Nacos fidelity), answered with the
   * leader the receiver knows.
   */
  kind: 'write' | 'read' | 'member' | 'route';
  payload: unknown;
}

export interface ForwardResponse {
  type: 'ForwardResponse';
  group: GroupId;
  from: NodeId;
  to: NodeId;
  term: number;
  requestId: string;
  reply: ClientReply;
  /** On a refused membership request: the leader the refusing member knows. */
  leaderHint?: NodeId | null;
}

export type WireMessage = Message | ForwardRequest | ForwardResponse;

export type ClientRequest =
  | { kind: 'write'; id: string; group: GroupId; op: unknown }
  | { kind: 'read'; id: string; group: GroupId; query: unknown };

/**
 * `indeterminate` marks a failure whose outcome is unknown (a timeout, a leader that stepped down
 * with the write in flight): the write may still commit. Histories record it as `info`.
 */
export type ClientReply =
  | { ok: true; value: unknown }
  | {
      ok: false;
      error: string;
      indeterminate?: boolean;
      /** Nacos's response code beside the text (nacos fidelity): 400 bad request, 500 server. */
      code?: number;
    };

export type Effect =
  | { type: 'persist'; token: number; batch: PersistBatch }
  | { type: 'send'; msg: WireMessage }
  | { type: 'trace'; event: TraceBody }
  | { type: 'reply'; requestId: string; reply: ClientReply };
