// The cluster controller on the main thread: one dedicated Worker per node, one MessageChannel
// per pair of nodes (each end transferred to its node), the cluster clock (speed, pause), the
// network policy every worker applies, faults, clients, and the merged event stream.
// Ordering it keeps: a node is wired to every ready peer before it starts, and exactly one
// channel exists per pair (the second of two nodes to become ready wires the pair, in one
// synchronous step). Trace events from every worker and from here are merged into one stream
// with a global seq: events are held briefly and released in cluster-time order, so a message's
// `send` comes before its `recv` even though they reach the main thread in different batches.
// A crash is worker.terminate() at once, with no cleanup: whatever the node had not made durable
// or not yet reported is gone, as in a real crash. Client requests to a worker are batched: all
// made in one turn leave in one message on its events port, and its replies come back batched
// the same way (comlink's per-call cost dominated the main thread under load).
import type { EngineGroupStatus } from '../engine/types.ts';
import { describeOutcome, describeRequest } from '../trace/clientHistory.ts';
import { transfer, wrap, type Remote } from 'comlink';
import { LESSON_TIMING, NACOS_TIMING, timedSnapshotIntervalMs, toTicks } from '../node/node.ts';
import { invokeEvent } from '../node/traceEvents.ts';
import {
  cutLink,
  healNetwork,
  initialNetworkPolicy,
  partitionNetwork,
  restoreLink,
  setHold,
  setLinkPolicy,
  type LinkPolicy,
  type NetworkPolicy,
} from '../net/policy.ts';
import type {
  ClientReply,
  ClientRequest,
  DurableState,
  NodeConfig,
  TimingConfig,
} from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../trace/events.ts';
import type { FaultBody, TraceBody, TraceEvent, TraceHeader } from '../trace/events.ts';
import { APP_VERSION, definedChange, raftProfile } from '../trace/header.ts';
import { TraceRecorder, traceEvent } from '../trace/recorder.ts';
import type { TraceDropped } from '../trace/events.ts';
import { checkSpeed, RateClock, wallNowMs, type ClockState } from './clock.ts';
import { EventMerge } from './eventMerge.ts';
import { DEFAULT_TRACE_LIMIT, MAX_NODES, NODE_ID_RE } from './clusterOptions.ts';
import { Lifeline } from './lifeline.ts';
import {
  deleteClusterDatabases,
  deleteNodeDatabase,
  holdClusterLock,
  type Durability,
} from './idbStorage.ts';
import type {
  HeldMessage,
  InitResult,
  LogView,
  NodeStatus,
  NodeWorkerApi,
  RequestBatch,
  WorkerEvent,
  WorkerInit,
} from './workerApi.ts';

export { MAX_NODES };
/** Events are held this long (wall ms) before release, so batches from all workers can merge. */
export const MERGE_WINDOW_MS = 120;
const MERGE_INTERVAL_MS = 50;
/** The merge's stream of the events the page records itself (no node id has a space). */
const PAGE_STREAM = ' page';
/** How long removeNode waits for the removal to take effect in every group. */
const REMOVE_TIMEOUT_MS = 60_000;
const REMOVE_RETRY_MS = 10_000;

export type NodeLifecycle = 'starting' | 'running' | 'crashed' | 'failed' | 'removing' | 'removed';

/** What the controller knows of a node without asking it. */
export interface NodeInfo {
  id: NodeId;
  state: NodeLifecycle;
  /** Why it crashed or failed, when it did. */
  error: string | null;
  paused: boolean;
  skew: number;
  /** How many times a worker was started for it. */
  incarnation: number;
}

export interface ClusterOptions {
  /** Node count, 1 to 9; nodes are n1..nN. Default 5. */
  nodes?: number;
  groups?: GroupId[];
  /** 'nacos' (5 s election timeout, the default) or 'lesson' (faster, labelled as such). */
  timing?: 'nacos' | 'lesson' | TimingConfig;
  seed?: number;
  /** Namespaces the databases; default a fresh random id (so two tabs never share one). */
  clusterId?: string;
  durability?: Durability;
  /** Network settings on every link; default 1–10 ms delay, no loss. */
  network?: Partial<LinkPolicy>;
  speed?: number;
  /** Record trace events at all (default true); off for benchmarks. */
  trace?: boolean;
  /** Record send/recv for every message (default true). */
  traceMessages?: boolean;
  /** Keep the merged trace in memory for export (default true). */
  keepTrace?: boolean;
  /**
   * Keep at most this many events in memory (the most recent); default DEFAULT_TRACE_LIMIT.
   * Older events are dropped, and the page and the export's header say which.
   */
  traceLimit?: number;
  readOnly?: 'safe' | 'lease';
  /** Nacos's behaviour (default) or the textbook's where they differ. */
  fidelity?: 'nacos' | 'textbook';
  snapshotIntervalEntries?: number;
  snapshotIntervalMs?: number;
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  /** Durable state to seed nodes with before they first start (scenario `initial`). */
  initial?: Record<NodeId, DurableState>;
  /** The scenario this cluster runs, for the trace header. */
  scenario?: string | null;
  /**
   * Resume a cluster from the databases it left (after a page reload): these nodes start on
   * their databases, recovering what they made durable; nothing is seeded or deleted, not even
   * when the start fails. Set by Playground.resumeCluster.
   */
  resume?: { nodeIds: NodeId[] };
}

/** A batch of merged events, in seq order. */
export type ClusterListener = (events: readonly TraceEvent[]) => void;

/** A problem with a command, worded for the user. */
export class ClusterError extends Error {
  override name = 'ClusterError';
}

interface Incarnation {
  number: number;
  worker: Worker;
  api: Remote<NodeWorkerApi>;
  events: MessagePort;
  /** Client requests made this turn, posted together at its end (sendRequest). */
  outbox: ClientRequest[];
  /** Requests sent and not yet answered, by request id. */
  waiting: Map<string, (reply: ClientReply) => void>;
  /** Calls to the worker reject when it dies, so they settle. */
  life: Lifeline;
  ready: boolean;
}

interface Slot {
  id: NodeId;
  state: NodeLifecycle;
  error: string | null;
  paused: boolean;
  skew: number;
  /** Bootstrap members and whether it joined later (NodeConfig.members / join). */
  members: NodeId[];
  join: boolean;
  initial: DurableState | null;
  inc: Incarnation | null;
  incarnations: number;
}

export function timingOf(t: ClusterOptions['timing']): TimingConfig {
  if (t === undefined || t === 'nacos') return { ...NACOS_TIMING };
  if (t === 'lesson') return { ...LESSON_TIMING };
  return { ...t };
}

export class Cluster {
  readonly clusterId: string;
  readonly groups: readonly GroupId[];
  readonly timing: TimingConfig;
  readonly seed: number;
  readonly options: Readonly<ClusterOptions>;
  durability: Durability;

  private readonly slots = new Map<NodeId, Slot>();
  private readonly clock: RateClock;
  private speedNow: number;
  private pausedNow = false;
  private policy: NetworkPolicy;
  private readonly seeds: SeededRng;
  private incarnationCount = 0;
  private requestCount = 0;

  private readonly recorder: TraceRecorder;
  private readonly traceOn: boolean;
  private readonly merging = new EventMerge();
  private readonly listeners = new Set<ClusterListener>();
  private mergeTimer: ReturnType<typeof setInterval> | null = null;
  private destroyed = false;
  private releaseLock: () => void = () => undefined;

  private constructor(opts: ClusterOptions) {
    const n = opts.resume?.nodeIds.length ?? opts.nodes ?? 5;
    if (!(Number.isInteger(n) && n >= 1 && n <= MAX_NODES)) {
      throw new ClusterError(`a cluster has 1 to ${MAX_NODES} nodes, got ${n}`);
    }
    if (opts.resume && !opts.resume.nodeIds.every((id) => NODE_ID_RE.test(id))) {
      throw new ClusterError(`resume: not node ids: ${opts.resume.nodeIds.join(', ')}`);
    }
    this.options = { ...opts };
    this.clusterId = opts.clusterId ?? randomId();
    this.groups = [...(opts.groups ?? ['nacos_config'])];
    if (this.groups.length === 0) throw new ClusterError('a cluster runs at least one group');
    this.timing = timingOf(opts.timing);
    this.seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.seeds = new SeededRng(this.seed);
    this.durability = opts.durability ?? 'strict';
    this.speedNow = checkSpeed(opts.speed ?? 1);
    this.clock = new RateClock(0, this.speedNow);
    this.policy = initialNetworkPolicy(opts.network ?? {});
    this.traceOn = opts.trace ?? true;
    this.recorder = new TraceRecorder({
      enabled: this.traceOn,
      keep: opts.keepTrace ?? true,
      limit: opts.traceLimit ?? DEFAULT_TRACE_LIMIT,
    });
    const ids = opts.resume
      ? [...opts.resume.nodeIds]
      : Array.from({ length: n }, (_, i) => `n${i + 1}`);
    for (const id of ids) {
      this.slots.set(id, {
        id,
        state: 'starting',
        error: null,
        paused: false,
        skew: 1,
        members: ids,
        join: false,
        initial: opts.resume ? null : (opts.initial?.[id] ?? null),
        inc: null,
        incarnations: 0,
      });
    }
  }

  /** Start a cluster: spawn every node's worker, wire the mesh, then start the nodes. */
  static async create(opts: ClusterOptions = {}): Promise<Cluster> {
    const c = new Cluster(opts);
    c.releaseLock = await holdClusterLock(c.clusterId);
    c.mergeTimer = setInterval(() => c.merge(false), MERGE_INTERVAL_MS);
    try {
      await Promise.all([...c.slots.values()].map((s) => c.boot(s, 'start')));
    } catch (err) {
      // Leave nothing running behind a cluster that could not start; a resumed cluster's
      // databases are the user's durable state and stay for another try.
      await c.destroy({ deleteData: !opts.resume }).catch(() => undefined);
      throw err;
    }
    return c;
  }

  // ───────────────────────────── nodes ─────────────────────────────

  nodeIds(): NodeId[] {
    return [...this.slots.keys()];
  }

  /** Nodes that are members (not removed), in id order. */
  memberIds(): NodeId[] {
    return [...this.slots.values()].filter((s) => s.state !== 'removed').map((s) => s.id);
  }

  nodes(): NodeInfo[] {
    return [...this.slots.values()].map((s) => this.info(s));
  }

  node(id: NodeId): NodeInfo {
    return this.info(this.slot(id));
  }

  private info(s: Slot): NodeInfo {
    return {
      id: s.id,
      state: s.state,
      error: s.error,
      paused: s.paused,
      skew: s.skew,
      incarnation: s.incarnations,
    };
  }

  /** Crash a node now: worker.terminate(), no cleanup. */
  crash(id: NodeId, reason?: string): void {
    const s = this.slot(id);
    if (s.state === 'crashed' || s.state === 'removed') {
      throw new ClusterError(`crash: ${id} is already ${s.state}`);
    }
    this.record(id, { type: 'fault', fault: 'crash' });
    this.terminate(s, 'crashed', reason ?? null);
  }

  /** Start a new worker for a crashed (or failed) node on the same database. */
  async restart(id: NodeId): Promise<void> {
    const s = this.slot(id);
    if (s.state === 'failed') this.terminate(s, 'crashed', s.error);
    if (s.state !== 'crashed') {
      throw new ClusterError(
        `restart: ${id} is ${s.state}; only a crashed or failed node restarts`,
      );
    }
    this.record(id, { type: 'fault', fault: 'restart' });
    s.paused = false;
    await this.boot(s, 'restart');
  }

  /** Add a node: a new worker that adds itself to every group (retrying, as Nacos does). */
  async addNode(id?: NodeId): Promise<NodeId> {
    const members = this.memberIds();
    if (members.length >= MAX_NODES) {
      throw new ClusterError(`add-node: the cluster already has ${MAX_NODES} nodes`);
    }
    let newId = id;
    if (newId === undefined) {
      for (let k = 1; newId === undefined; k++) if (!this.slots.has(`n${k}`)) newId = `n${k}`;
    } else if (!/^n[1-9][0-9]*$/.test(newId) || this.slots.has(newId)) {
      throw new ClusterError(`add-node: ${newId} is taken or not a node id (n1, n2, …)`);
    }
    const s: Slot = {
      id: newId,
      state: 'starting',
      error: null,
      paused: false,
      skew: 1,
      members,
      join: true,
      initial: null,
      inc: null,
      incarnations: 0,
    };
    this.slots.set(newId, s);
    this.record(newId, { type: 'fault', fault: 'add-node', members: [...members] });
    await this.boot(s, 'start');
    return newId;
  }

  /**
   * Remove a node from every group. Nacos: every running member makes one attempt, as each
   * Nacos server does when its member list changes; textbook: the group's leader drives it,
   * retrying each second. Either way the leader is asked again every REMOVE_RETRY_MS. Resolves once no group's configuration has the node any
   * more; its worker is then stopped and its database deleted.
   */
  async removeNode(id: NodeId): Promise<void> {
    const s = this.slot(id);
    if (s.state === 'removed' || s.state === 'removing') {
      throw new ClusterError(`remove-node: ${id} is already ${s.state}`);
    }
    const before = s.state;
    s.state = 'removing';
    this.record(id, { type: 'fault', fault: 'remove-node' });
    const deadline = wallNowMs() + REMOVE_TIMEOUT_MS;
    const nacos = (this.options.fidelity ?? 'nacos') === 'nacos';
    /** When each group's leader was last asked to remove the node. */
    const askedMs = new Map<GroupId, number>();
    while (wallNowMs() < deadline) {
      const statuses = await this.statuses();
      let pending = 0;
      for (const g of this.groups) {
        const leader = leaderIn(statuses, g);
        const conf = leader !== null ? statuses.get(leader)!.groups[g].conf : null;
        const inConf =
          conf === null ||
          conf.voters.includes(id) ||
          conf.outgoing.includes(id) ||
          conf.learners.includes(id);
        if (!inConf) continue;
        pending++;
        // Under nacos the new member list first reaches every server, and each makes its own
        // attempt (JRaftProtocol#memberChange). Then, as an operator would, ask the leader
        // again after a while: a Nacos removal that failed once is not retried by Nacos.
        const last = askedMs.get(g);
        if (last === undefined && nacos) {
          askedMs.set(g, wallNowMs());
          const drivers = [...statuses.keys()].filter((m) => m !== id);
          await Promise.all(
            drivers.map((m) =>
              this.callNode(m, (api) => api.memberChange(g, 'remove', id)).catch(() => undefined),
            ),
          );
        } else if (
          leader !== null &&
          (last === undefined || wallNowMs() - last > REMOVE_RETRY_MS)
        ) {
          askedMs.set(g, wallNowMs());
          await this.callNode(leader, (api) => api.memberChange(g, 'remove', id)).catch(() =>
            askedMs.delete(g),
          );
        }
      }
      if (pending === 0) {
        this.terminate(s, 'removed', null);
        await deleteNodeDatabase(this.clusterId, id).catch(() => undefined);
        return;
      }
      await sleep(200);
    }
    s.state = s.inc !== null ? before : 'crashed';
    throw new ClusterError(`remove-node: ${id} was still a member after ${REMOVE_TIMEOUT_MS} ms`);
  }

  /** Pause (SIGSTOP) one node: no ticks; its inputs wait until resume. */
  async pauseNode(id: NodeId): Promise<void> {
    const s = this.runningSlot(id, 'pause');
    s.paused = true;
    this.record(id, { type: 'fault', fault: 'pause' });
    await this.callSlot(s, (api) => api.setPaused(true));
  }

  async resumeNode(id: NodeId): Promise<void> {
    const s = this.runningSlot(id, 'resume');
    s.paused = false;
    this.record(id, { type: 'fault', fault: 'resume' });
    await this.callSlot(s, (api) => api.setPaused(false));
  }

  /** A node's clock runs at `rate` × true time (1.5 = 50 % fast). Survives restarts. */
  async skew(id: NodeId, rate: number): Promise<void> {
    if (!(typeof rate === 'number' && rate > 0 && rate <= 100)) {
      throw new ClusterError(`skew: rate must be in (0, 100], got ${rate}`);
    }
    const s = this.slot(id);
    s.skew = rate;
    this.record(id, { type: 'fault', fault: 'skew', rate });
    if (s.inc?.ready) await this.callSlot(s, (api) => api.setSkew(rate));
  }

  // ───────────────────────────── time ─────────────────────────────

  get speed(): number {
    return this.speedNow;
  }

  get paused(): boolean {
    return this.pausedNow;
  }

  /** Cluster time in ms (runs at the speed, stops while paused). */
  now(): number {
    return this.clock.now();
  }

  /** Run the whole cluster at `speed` × real time (0.01 to 10). */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    this.speedNow = speed;
    this.clock.setRate(this.pausedNow ? 0 : speed);
    this.record(null, { type: 'fault', fault: 'speed', speed });
    this.broadcastClock();
  }

  /** Freeze ticks and deliveries everywhere. */
  pause(): void {
    if (this.pausedNow) return;
    this.record(null, { type: 'fault', fault: 'pause-cluster' });
    this.pausedNow = true;
    this.clock.setRate(0);
    this.broadcastClock();
  }

  resume(): void {
    if (!this.pausedNow) return;
    this.pausedNow = false;
    this.clock.setRate(this.speedNow);
    this.record(null, { type: 'fault', fault: 'resume-cluster' });
    this.broadcastClock();
  }

  private clockState(): ClockState {
    const wallMs = wallNowMs();
    return {
      speed: this.speedNow,
      paused: this.pausedNow,
      clusterMs: this.clock.now(wallMs),
      wallMs,
    };
  }

  private broadcastClock(): void {
    const clock = this.clockState();
    this.broadcast((api) => api.setClock(clock));
  }

  /** 'strict' (flushed to disk before a write counts) or 'relaxed' (faster, not crash-safe). */
  setDurability(durability: Durability): void {
    if (durability !== 'strict' && durability !== 'relaxed') {
      throw new ClusterError(`durability is 'strict' or 'relaxed', got ${String(durability)}`);
    }
    this.durability = durability;
    this.record(null, { type: 'fault', fault: 'durability', durability });
    this.broadcast((api) => api.setDurability(durability));
  }

  // ───────────────────────────── network ─────────────────────────────

  network(): NetworkPolicy {
    return this.policy;
  }

  /** Nodes on different sides cannot reach each other; unnamed nodes form one more side. */
  partition(sides: NodeId[][]): void {
    for (const side of sides) for (const id of side) this.slot(id);
    this.setPolicy(partitionNetwork(this.policy, sides), { fault: 'partition', sides });
  }

  /** End the partition and every cut (delay, loss and hold settings stay). */
  heal(): void {
    this.setPolicy(healNetwork(this.policy), { fault: 'heal' });
  }

  /** Lose every message from → to (one direction). */
  cut(from: NodeId, to: NodeId): void {
    this.slot(from);
    this.slot(to);
    this.setPolicy(cutLink(this.policy, from, to), { fault: 'cut', from, to });
  }

  link(from: NodeId, to: NodeId): void {
    this.slot(from);
    this.slot(to);
    this.setPolicy(restoreLink(this.policy, from, to), { fault: 'link', from, to });
  }

  /** Change delay/loss/duplication on every link, or on the direction from → to. */
  setNetwork(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    if (from !== undefined) this.slot(from);
    if (to !== undefined) this.slot(to);
    this.setPolicy(setLinkPolicy(this.policy, change, from, to), {
      fault: 'network',
      change: definedChange(change),
      ...(from !== undefined && to !== undefined ? { from, to } : {}),
    });
  }

  /** Hold mode: messages wait until released one by one. Turning it off releases them all. */
  setHold(hold: boolean): void {
    this.setPolicy(setHold(this.policy, hold), { fault: 'hold', on: hold });
  }

  /** Every held message in the cluster, oldest first. */
  async held(): Promise<HeldMessage[]> {
    const lists = await Promise.all(
      this.readySlots().map((s) => this.callSlot(s, (api) => api.held()).catch(() => [])),
    );
    return lists.flat().sort((a, b) => a.heldAtMs - b.heldAtMs);
  }

  /** Deliver (or drop) one held message, by default the oldest; null when none is held. */
  async release(msgId?: number, drop = false): Promise<HeldMessage | null> {
    const held = await this.held();
    const m = msgId === undefined ? held[0] : held.find((h) => h.msgId === msgId);
    if (m === undefined) {
      if (msgId === undefined) return null;
      throw new ClusterError(`release: no held message ${msgId}`);
    }
    await this.callNode(m.to, (api) => api.release(m.msgId, drop));
    return m;
  }

  /** Lose (drop) or copy (duplicate) the message msgId in flight to `to`. */
  async tamper(to: NodeId, msgId: number, action: 'drop' | 'duplicate'): Promise<void> {
    const done = await this.callNode(to, (api) => api.tamper(msgId, action));
    if (!done)
      throw new ClusterError(`${action}: message ${msgId} to ${to} is no longer in flight`);
  }

  private setPolicy(p: NetworkPolicy, fault: FaultBody): void {
    this.policy = p;
    this.record(null, { type: 'fault', ...fault });
    this.broadcast((api) => api.setNetwork(p));
  }

  // ───────────────────────────── groups ─────────────────────────────

  async transferLeader(group: GroupId, to: NodeId): Promise<void> {
    this.checkGroup(group);
    this.slot(to);
    const leader = await this.leaderOf(group);
    if (leader === null) throw new ClusterError(`transfer-leader: no running node leads ${group}`);
    this.record(leader, { type: 'fault', fault: 'transfer-leader', group, to });
    const refused = await this.callNode(leader, (api) => api.transferLeader(group, to));
    if (refused !== null) throw new ClusterError(`transfer-leader: ${leader} refused: ${refused}`);
  }

  async snapshot(id: NodeId, group: GroupId): Promise<void> {
    this.checkGroup(group);
    this.record(id, { type: 'fault', fault: 'snapshot', group });
    await this.callNode(id, (api) => api.snapshotNow(group));
  }

  /** The node's state machine of `group` throws on its next apply (the group goes to ERROR). */
  async failApply(id: NodeId, group: GroupId): Promise<void> {
    this.checkGroup(group);
    this.record(id, { type: 'fault', fault: 'fail-apply', group });
    await this.callNode(id, (api) => api.failNextApply(group));
  }

  /**
   * Damage the running node's stored snapshot of `group` (data changed, checksum kept). It shows
   * when the snapshot is next loaded, at a restart: under nacos the group then enters ERROR.
   */
  async corruptSnapshot(id: NodeId, group: GroupId): Promise<void> {
    this.checkGroup(group);
    const done = await this.callNode(id, (api) => api.corruptSnapshot(group));
    if (!done) throw new ClusterError(`corrupt-snapshot: ${id} has no stored snapshot of ${group}`);
    this.record(id, { type: 'fault', fault: 'corrupt-snapshot', group });
  }

  // ───────────────────────────── clients ─────────────────────────────

  /** A client write at node `id`: resolves with the node's reply (forwarded as Nacos does). */
  write(id: NodeId, group: GroupId, op: unknown): Promise<ClientReply> {
    return this.submit(id, { kind: 'write', id: this.newRequestId(), group, op }, op);
  }

  read(id: NodeId, group: GroupId, query: unknown): Promise<ClientReply> {
    return this.submit(id, { kind: 'read', id: this.newRequestId(), group, query }, query);
  }

  private newRequestId(): string {
    return `c${++this.requestCount}`;
  }

  private async submit(id: NodeId, req: ClientRequest, payload: unknown): Promise<ClientReply> {
    const s = this.slot(id);
    const call = this.traceOn ? describeRequest(req.group, req.kind, payload) : null;
    if (call) this.record(id, invokeEvent(call, req.id, payload));
    let reply: ClientReply;
    const serving = s.state === 'running' || s.state === 'removing';
    if (s.inc === null || !s.inc.ready || !serving) {
      reply = { ok: false, error: `node ${id} is ${serving ? 'starting' : s.state}` };
    } else {
      try {
        reply = await this.sendRequest(s.inc, req);
      } catch (err) {
        reply = { ok: false, error: errorText(err), indeterminate: true };
      }
    }
    if (call) {
      const { type, result } = describeOutcome(call, reply);
      this.record(id, { type, ...call, process: req.id, requestId: req.id, result });
    }
    return reply;
  }

  // ───────────────────────────── inspection ─────────────────────────────

  /** Ask every node with a worker for its status (null for nodes without one). */
  async statuses(): Promise<Map<NodeId, NodeStatus>> {
    const out = new Map<NodeId, NodeStatus>();
    await Promise.all(
      this.readySlots().map(async (s) => {
        const st = await this.callSlot(s, (api) => api.status()).catch(() => null);
        if (st !== null) out.set(s.id, st);
      }),
    );
    return out;
  }

  async status(id: NodeId): Promise<NodeStatus> {
    return this.callNode(id, (api) => api.status());
  }

  /** The running node that leads `group` in the highest term, or null. */
  async leaderOf(group: GroupId): Promise<NodeId | null> {
    return leaderIn(await this.statuses(), group);
  }

  async log(id: NodeId, group: GroupId): Promise<LogView> {
    this.checkGroup(group);
    return this.callNode(id, (api) => api.log(group));
  }

  async appliedState(id: NodeId, group: GroupId): Promise<unknown> {
    this.checkGroup(group);
    return this.callNode(id, (api) => api.appliedState(group));
  }

  // ───────────────────────────── event stream ─────────────────────────────

  /** Receive merged events in batches; returns the unsubscribe function. */
  subscribe(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether this cluster was resumed from the databases a previous page left. */
  get resumed(): boolean {
    return this.options.resume !== undefined;
  }

  /** What the in-memory trace's bound dropped so far (null: nothing). */
  get droppedEvents(): TraceDropped | null {
    return this.recorder.dropped;
  }

  /** The merged trace so far (after releasing every held-back event). */
  events(): readonly TraceEvent[] {
    this.merge(true);
    return this.recorder.events();
  }

  traceHeader(): TraceHeader {
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      engine: 'live',
      appVersion: APP_VERSION,
      seed: this.seed,
      scenario: this.options.scenario ?? null,
      cluster: {
        nodes: this.nodeIds(),
        groups: [...this.groups],
        raft: raftProfile(
          this.timing,
          toTicks(this.timing),
          this.options.readOnly ?? 'safe',
          this.options.fidelity ?? 'nacos',
          timedSnapshotIntervalMs(
            this.options.snapshotIntervalMs || undefined,
            this.options.fidelity ?? 'nacos',
            this.timing.profile,
          ),
        ),
        network: initialNetworkPolicy(this.options.network ?? {}),
        clusterId: this.clusterId,
        durability: this.durability,
        ...(this.resumed ? { resumed: true } : {}),
      },
      initial: null,
    };
  }

  /** The trace as JSON Lines (header first). */
  exportTrace(): string {
    this.merge(true);
    return this.recorder.toJsonl(this.traceHeader());
  }

  /** Record an event on behalf of the harness (narration, expectations). */
  record(node: NodeId | null, body: TraceBody): void {
    if (!this.traceOn || this.destroyed) return;
    this.merging.push(PAGE_STREAM, wallNowMs(), [traceEvent(node, this.clock.now(), body)]);
  }

  /**
   * Release held-back events in time order (eventMerge.ts): those up to how far every node
   * worker says its clock has got (each says so at least every TRACE_FLUSH_MS); failing that,
   * up to the latest time of a batch older than the merge window; all of them when forced or
   * when the cluster is paused (no event can come from the past then).
   */
  private merge(force: boolean): void {
    if (this.merging.size === 0) return;
    const all = force || this.pausedNow;
    const now = wallNowMs();
    const events = this.merging.take(all ? null : now - MERGE_WINDOW_MS, now);
    if (events.length === 0) return;
    const batch: TraceEvent[] = [];
    for (const ev of events) {
      if (ev.t < 0) (ev as { t: number }).t = 0;
      if (this.recorder.recordEvent(ev) !== null) batch.push(ev);
    }
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch (err) {
        console.error('cluster event listener failed', err);
      }
    }
  }

  private onWorkerEvent(s: Slot, inc: Incarnation, ev: WorkerEvent): void {
    if (s.inc !== inc) return;
    if (ev.type === 'replies') {
      for (const [id, reply] of ev.replies) {
        const resolve = inc.waiting.get(id);
        if (resolve === undefined) continue;
        inc.waiting.delete(id);
        resolve(reply);
      }
      return;
    }
    if (ev.type === 'trace') {
      this.merging.push(s.id, wallNowMs(), JSON.parse(ev.json) as TraceEvent[], ev.upTo);
      return;
    }
    // The node stopped on a storage error or its own failure: visible, restartable.
    s.state = 'failed';
    s.error = ev.message;
  }

  // ───────────────────────────── teardown ─────────────────────────────

  /** Stop every worker. With deleteData, also delete the cluster's databases ("reset"). */
  async destroy(opts: { deleteData?: boolean } = {}): Promise<void> {
    if (this.destroyed) return;
    this.merge(true);
    this.destroyed = true;
    if (this.mergeTimer !== null) clearInterval(this.mergeTimer);
    for (const s of this.slots.values()) {
      if (s.inc !== null)
        this.terminate(s, s.state === 'removed' ? 'removed' : 'crashed', null, true);
    }
    this.listeners.clear();
    if (opts.deleteData) await deleteClusterDatabases(this.clusterId, this.nodeIds());
    this.releaseLock();
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  // ───────────────────────────── workers ─────────────────────────────

  private slot(id: NodeId): Slot {
    const s = this.slots.get(id);
    if (s === undefined) {
      throw new ClusterError(`unknown node "${id}" (nodes: ${this.nodeIds().join(', ')})`);
    }
    return s;
  }

  private runningSlot(id: NodeId, what: string): Slot {
    const s = this.slot(id);
    if (s.inc === null || !s.inc.ready) throw new ClusterError(`${what}: ${id} is ${s.state}`);
    return s;
  }

  private readySlots(): Slot[] {
    return [...this.slots.values()].filter((s) => s.inc !== null && s.inc.ready);
  }

  private checkGroup(group: GroupId): void {
    if (!this.groups.includes(group)) {
      throw new ClusterError(`unknown group "${group}" (groups: ${this.groups.join(', ')})`);
    }
  }

  /** Call a node's worker; rejects if the node is down or dies before answering. */
  private callNode<T>(id: NodeId, fn: (api: Remote<NodeWorkerApi>) => Promise<T> | T): Promise<T> {
    try {
      return this.callSlot(this.runningSlot(id, 'call'), fn);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Send a client request to a worker: it joins the requests made this turn, which leave in one
   * message at the end of the turn. Settles with the reply, or rejects when the worker dies.
   */
  private sendRequest(inc: Incarnation, req: ClientRequest): Promise<ClientReply> {
    const reply = new Promise<ClientReply>((resolve) => inc.waiting.set(req.id, resolve));
    inc.outbox.push(req);
    if (inc.outbox.length === 1) {
      queueMicrotask(() => {
        const requests = inc.outbox;
        inc.outbox = [];
        const batch: RequestBatch = { type: 'requests', requests };
        inc.events.postMessage(batch);
      });
    }
    return inc.life.guard(reply);
  }

  private callSlot<T>(s: Slot, fn: (api: Remote<NodeWorkerApi>) => Promise<T> | T): Promise<T> {
    const inc = s.inc;
    if (inc === null) return Promise.reject(new ClusterError(`${s.id} is ${s.state}`));
    return inc.life.guard(fn(inc.api));
  }

  private broadcast(fn: (api: Remote<NodeWorkerApi>) => Promise<unknown> | unknown): void {
    for (const s of this.readySlots()) this.callSlot(s, fn).catch(() => undefined);
  }

  /** Spawn a worker for `s`, recover it from its database, wire it, start it. */
  private async boot(s: Slot, how: 'start' | 'restart'): Promise<void> {
    s.state = 'starting';
    s.error = null;
    const number = ++this.incarnationCount;
    s.incarnations++;
    const worker = new Worker(new URL('../../workers/raftNode.worker.ts', import.meta.url), {
      type: 'module',
      name: `raft ${s.id}`,
    });
    const channel = new MessageChannel();
    const inc: Incarnation = {
      number,
      worker,
      api: wrap<NodeWorkerApi>(worker),
      events: channel.port1,
      outbox: [],
      waiting: new Map(),
      life: new Lifeline(),
      ready: false,
    };
    s.inc = inc;
    channel.port1.onmessage = (ev: MessageEvent<WorkerEvent>) =>
      this.onWorkerEvent(s, inc, ev.data);
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      if (s.inc !== inc) return;
      const message = ev.message || 'the worker failed to load or threw';
      this.record(s.id, { type: 'fault', fault: 'worker-error', message });
      this.terminate(s, 'crashed', message);
    });
    worker.addEventListener('messageerror', () => {
      if (s.inc === inc)
        this.terminate(s, 'crashed', 'a message from the worker could not be read');
    });
    const config: NodeConfig = {
      id: s.id,
      members: [...s.members],
      groups: [...this.groups],
      timing: { ...this.timing },
      seed: this.seeds.next32(),
      ...(s.join ? { join: true } : {}),
      ...(this.options.readOnly ? { readOnly: this.options.readOnly } : {}),
      ...(this.options.fidelity ? { fidelity: this.options.fidelity } : {}),
      ...(this.options.snapshotIntervalEntries
        ? { snapshotIntervalEntries: this.options.snapshotIntervalEntries }
        : {}),
      ...(this.options.snapshotIntervalMs
        ? { snapshotIntervalMs: this.options.snapshotIntervalMs }
        : {}),
      ...(this.options.maxInflight ? { maxInflight: this.options.maxInflight } : {}),
      ...(this.options.maxEntriesPerMsg ? { maxEntriesPerMsg: this.options.maxEntriesPerMsg } : {}),
    };
    const init: WorkerInit = {
      clusterId: this.clusterId,
      config,
      durability: this.durability,
      initial: s.initial,
      clock: this.clockState(),
      skew: s.skew,
      paused: false,
      network: this.policy,
      networkSeed: this.seeds.next32(),
      msgIdBase: number * 1_000_000_000,
      trace: this.traceOn,
      traceMessages: this.options.traceMessages ?? true,
      events: channel.port2,
    };
    let result: InitResult;
    try {
      result = await inc.life.guard(inc.api.init(transfer(init, [channel.port2])));
    } catch (err) {
      if (s.inc === inc) this.terminate(s, 'failed', `start failed: ${errorText(err)}`);
      throw new ClusterError(`${s.id}: ${s.error ?? errorText(err)}`);
    }
    if (s.inc !== inc) throw new ClusterError(`${s.id} was stopped while starting`);
    s.members = result.members;
    s.join = result.join;
    // Wire this node to every ready peer, all in one synchronous step (one channel per pair).
    inc.ready = true;
    for (const peer of this.readySlots()) {
      if (peer === s) continue;
      const ch = new MessageChannel();
      this.callSlot(peer, (api) => api.connect(s.id, transfer(ch.port1, [ch.port1]))).catch(
        () => undefined,
      );
      inc.api.connect(peer.id, transfer(ch.port2, [ch.port2])).catch(() => undefined);
    }
    if (how === 'restart') {
      const first = result.groups[this.groups[0]];
      this.record(s.id, { type: 'node-restart', term: first.term, lastIndex: first.lastIndex });
    }
    s.state = 'running';
    await inc.life.guard(inc.api.start());
  }

  /** Stop a node's worker now (crash, failure, removal, teardown). */
  private terminate(s: Slot, state: NodeLifecycle, reason: string | null, quiet = false): void {
    const inc = s.inc;
    s.inc = null;
    s.state = state;
    s.error = reason;
    s.paused = false;
    if (inc !== null) {
      // Its last batches still merge; it holds back nobody else's events any more.
      this.merging.close(s.id);
      inc.worker.terminate();
      inc.events.onmessage = null;
      inc.events.close();
      inc.life.end(new ClusterError(`${s.id} ${state === 'removed' ? 'was removed' : 'crashed'}`));
    }
    if (quiet) return;
    if (state === 'crashed') {
      this.record(s.id, { type: 'node-crash', ...(reason !== null ? { reason } : {}) });
    } else if (state === 'removed') {
      this.record(s.id, { type: 'fault', fault: 'removed' });
    }
    // Peers forget the link: their messages to this node are dropped as unreachable.
    for (const peer of this.readySlots()) {
      this.callSlot(peer, (api) => api.disconnect(s.id)).catch(() => undefined);
    }
  }

  // ───────────────────────────── test hooks ─────────────────────────────

  /** Make `from` post raw `data` on its port to `to` (a malformed message, for tests). */
  async injectFrame(from: NodeId, to: NodeId, data: unknown): Promise<void> {
    await this.callNode(from, (api) => api.injectFrame(to, data));
  }

  /** The node's next storage write fails as if the disk were full. */
  async failNextWrite(id: NodeId): Promise<void> {
    await this.callNode(id, (api) => api.failNextWrite('quota'));
  }

  /** The node's next storage write waits `ms` before it reaches IndexedDB (a stalled disk). */
  async stallNextWrite(id: NodeId, ms: number): Promise<void> {
    await this.callNode(id, (api) => api.stallNextWrite(ms));
  }

  /** The worker throws an uncaught error, as a bug would. */
  /** Right after the node's next message is on the wire, its worker is busy for `ms`. */
  async blockAfterNextSend(id: NodeId, ms: number): Promise<void> {
    await this.callNode(id, (api) => api.blockAfterNextSend(ms));
  }

  async throwInWorker(id: NodeId, message: string): Promise<void> {
    await this.callNode(id, (api) => api.throwUncaught(message));
  }

  /** Record storage batch sizes from now on (benchmarks). */
  async recordStorage(on: boolean): Promise<void> {
    await Promise.all(
      this.readySlots().map((s) => this.callSlot(s, (api) => api.recordStorage(on))),
    );
  }
}

/** The running node that leads `group` in the highest term, or null. */
export function leaderIn(statuses: Map<NodeId, NodeStatus>, group: GroupId): NodeId | null {
  let best: NodeId | null = null;
  let bestTerm = -1;
  for (const [id, st] of statuses) {
    const g = st.groups[group];
    if (g !== undefined && st.failure === null && g.role === 'leader' && g.term > bestTerm) {
      best = id;
      bestTerm = g.term;
    }
  }
  return best;
}

/** A group's status as the console and the live engine report it: what a reader needs. */
export type GroupSummary = EngineGroupStatus;

/** Every group of one node's status, summarized; null when the node gave no status. */
export function groupSummaries(st: NodeStatus | undefined): Record<GroupId, GroupSummary> | null {
  if (st === undefined) return null;
  const groups: Record<GroupId, GroupSummary> = {};
  for (const [g, s] of Object.entries(st.groups)) {
    groups[g] = {
      role: s.role,
      term: s.term,
      leader: s.leader,
      commit: s.commit,
      applied: s.applied,
      lastIndex: s.lastIndex,
      voters: s.conf.voters,
      error: s.errMsg,
    };
  }
  return groups;
}

/** A client history event's fields (as the simulator records them). */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function randomId(): string {
  return crypto.randomUUID().slice(0, 8);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
