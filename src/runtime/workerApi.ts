// The contract between the main thread and a node's Worker: the comlink API one worker exposes
// (workers/raftNode.worker.ts), the messages it streams on its events port, and the data both
// exchange. The main thread imports types only from here, never the worker's code.
// Ordering: the controller calls init, then connect for each peer, then start; comlink keeps the
// calls to one worker in order. Every other call may come at any time after init.
import type { GroupStatus, NodeMetrics } from '../node/node.ts';
import type { NetworkPolicy } from '../net/policy.ts';
import type { ClientReply, ClientRequest, DurableState, NodeConfig } from '../node/types.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { ClockState } from './clock.ts';
import type { Durability, StorageErrorKind } from './idbStorage.ts';

export interface WorkerInit {
  clusterId: string;
  /**
   * The node's configuration. On a restart the worker takes members, groups and join from the
   * boot record in its database instead, since they are part of what the node recovers.
   */
  config: NodeConfig;
  durability: Durability;
  /** Durable state to seed a fresh database with (a scenario's `initial`); null for none. */
  initial: DurableState | null;
  clock: ClockState;
  /** The node's clock rate (1 = true time). */
  skew: number;
  /** The node is paused (SIGSTOP) from the start. */
  paused: boolean;
  network: NetworkPolicy;
  /** Seed of this incarnation's network decisions (delays, loss, duplication). */
  networkSeed: number;
  /** msgIds this incarnation hands out start above this, so they are unique in the cluster. */
  msgIdBase: number;
  /** Emit trace events at all (off for benchmarks). */
  trace: boolean;
  /** Emit send/recv events for every message (the bulk of a trace). */
  traceMessages: boolean;
  /** The worker posts WorkerEvent batches on this port. */
  events: MessagePort;
}

export interface GroupOnDisk {
  term: number;
  lastIndex: number;
  snapshotIndex: number;
}

export interface InitResult {
  /** The database held a node already: this start is a restart. */
  restarted: boolean;
  /** The configuration the node runs with (from the database on a restart). */
  members: NodeId[];
  join: boolean;
  groups: Record<GroupId, GroupOnDisk>;
}

/** What a worker posts on its events port. */
export type WorkerEvent =
  /**
   * A batch of trace events (TraceEvent[], seq 0: the page numbers them when it merges the
   * nodes' streams), in the order the node emitted them, as JSON text: one
   * string crosses the port instead of an object graph, and JSON.parse on the page costs about
   * half of what structured cloning the objects does (2,000 events: 33 ms against 65 ms in
   * headless Chromium on a loaded machine), which matters at tens of thousands of events a second.
   */
  /** Trace events as JSON, and `upTo`: the worker's later events are stamped no earlier. */
  | { type: 'trace'; json: string; upTo: number }
  /** The node stopped for good: a storage error or a failure of the node itself. */
  | { type: 'failed'; kind: StorageErrorKind | 'node'; message: string }
  /** Replies to client requests, [request id, reply], as many as were ready in one turn. */
  | { type: 'replies'; replies: [string, ClientReply][] };

/**
 * What the main thread posts on a worker's events port: client requests, as many as were made
 * in one turn, in order (one message instead of one comlink call per request).
 */
export interface RequestBatch {
  type: 'requests';
  requests: ClientRequest[];
}

export interface StorageStats {
  transactions: number;
  entries: number;
  /** Entries per transaction, in order, while recording is on (benchmarks). */
  batchSizes: number[];
  /** Mean transaction time in ms. */
  meanTxMs: number;
  /**
   * The longest the worker's event loop was held up (a 20 ms timer firing late, in ms) since
   * recording was last reset; 0 until a benchmark asks for recording.
   */
  loopStallMs: number;
}

export interface NodeStatus {
  id: NodeId;
  /** Node-local time (ticks × tickMs). */
  nowMs: number;
  paused: boolean;
  skew: number;
  /** Set once the node stopped on an error (see WorkerEvent 'failed'). */
  failure: string | null;
  groups: Record<GroupId, GroupStatus>;
  metrics: NodeMetrics;
  heldMessages: number;
  storage: StorageStats;
}

/** A group's log as the main thread inspects it. */
export interface LogView {
  firstIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  /** Entries firstIndex..lastIndex, each as [index, term, type, operation]. */
  entries: [number, number, string, unknown][];
}

/** A message waiting in hold mode to be released by hand. */
export interface HeldMessage {
  msgId: number;
  group: GroupId;
  from: NodeId;
  to: NodeId;
  msgType: string;
  term: number;
  /** Wall time it was held at (orders held messages across workers). */
  heldAtMs: number;
}

/** The API a node's Worker exposes with comlink. */
export interface NodeWorkerApi {
  /** Open the database, recover the node from it and prepare it; does not start it. */
  init(init: WorkerInit): Promise<InitResult>;
  /** Use `port` for messages to and from `peer`, replacing any earlier port. */
  connect(peer: NodeId, port: MessagePort): void;
  /** Forget the port to `peer` (it crashed or left): messages to it are dropped. */
  disconnect(peer: NodeId): void;
  /** Start the node: its timer begins to tick. */
  start(): void;
  setClock(clock: ClockState): void;
  setSkew(rate: number): void;
  /** Pause (SIGSTOP) or resume the node: while paused, its inputs wait. */
  setPaused(paused: boolean): void;
  setNetwork(policy: NetworkPolicy): void;
  setDurability(durability: Durability): void;
  /** A client request at this node; resolves with the node's reply. */
  request(req: ClientRequest): Promise<ClientReply>;
  failNextApply(group: GroupId): void;
  corruptSnapshot(group: GroupId): Promise<boolean>;
  /** The node's refusal, or null when the transfer started (or waits for resume). */
  transferLeader(group: GroupId, target: NodeId): string | null;
  snapshotNow(group: GroupId): void;
  memberChange(group: GroupId, op: 'add' | 'remove', peer: NodeId): void;
  status(): NodeStatus;
  log(group: GroupId): LogView;
  appliedState(group: GroupId): unknown;
  /** Messages held for this node (hold mode). */
  held(): HeldMessage[];
  /** Deliver (or with drop, discard) one held message; false when it is not held here. */
  release(msgId: number, drop: boolean): boolean;
  /** Lose (drop) or copy (duplicate) a message in flight to this node; false when none waits. */
  tamper(msgId: number, action: 'drop' | 'duplicate'): boolean;
  /** Record batch sizes of storage transactions from now on (benchmarks); resets the stats. */
  recordStorage(on: boolean): void;
  /** Test hook: post raw `data` on the port to `peer`, as a buggy or hostile peer would. */
  injectFrame(peer: NodeId, data: unknown): void;
  /** Test hook: the next storage write fails (as if the disk were full). */
  failNextWrite(kind: StorageErrorKind): void;
  /** Test hook: the node's next storage write waits `ms` before it starts (a stalled disk). */
  stallNextWrite(ms: number): void;
  blockAfterNextSend(ms: number): void;
  /** Test hook: throw an uncaught error in the worker, as a bug would. */
  throwUncaught(message: string): void;
}
