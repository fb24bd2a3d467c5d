// The deterministic simulator: virtual time, the seeded generator, and the hosts that execute
// the sans-IO nodes' effects (persist → simulated disk → persisted(token); send → simulated
// network → receive; trace → recorder; reply → the waiting client).
// Orderings it keeps: events fire in (time, scheduling order); a node sends what depends on a
// write only after the disk completed it (the node's contract, kept by completing writes in
// order); a paused node gets no ticks and its deliveries, disk completions and requests wait in
// order until it resumes; every timer of a crashed incarnation is void (incarnation and tick
// generation numbers), so a restarted node starts with nothing in flight but what is durable.
// All randomness flows from one seed through fixed forks, so a run is a pure function of it.
import type { GroupId, NodeId } from '../raft/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type {
  ClientReply,
  ClientRequest,
  DurableState,
  Effect,
  NodeConfig,
  PersistBatch,
  TimingConfig,
} from '../node/types.ts';
import { RaftNode } from '../node/node.ts';
import type { GroupStatus } from '../node/node.ts';
import { cloneDurableState, emptyDurableState } from '../node/storage.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { EventQueue } from './eventQueue.ts';
import type { Timed } from './eventQueue.ts';
import { SimDisk, DEFAULT_DISK_TIMING } from './disk.ts';
import type { DiskTiming } from './disk.ts';
import { SimNetwork } from './network.ts';
import type { DeliveryEvent, LinkPolicy, NetworkStats, TraceSink } from './network.ts';
import { InvariantChecker } from './invariants.ts';
import type { NodeView, Violation } from './invariants.ts';

export interface SimOptions {
  seed: number;
  /** The initial members, started at time 0 by start(). */
  nodes: NodeId[];
  groups: GroupId[];
  timing: TimingConfig;
  network?: Partial<LinkPolicy>;
  disk?: DiskTiming;
  /** Durable state to seed per node (e.g. the paper's Figure 7); others start empty. */
  initial?: Record<NodeId, DurableState>;
  /** Where the full trace goes (a TraceRecorder); null or disabled for speed. */
  trace?: TraceSink | null;
  /** How many recent trace events to keep for violation reports; 0 skips building them. */
  recentEvents?: number;
  /** Check the invariants after every event (default true). */
  checkInvariants?: boolean;
  /** Client-side timeouts; a little above Nacos's own 10 s / 5 s so the node's answer wins. */
  writeTimeoutMs?: number;
  readTimeoutMs?: number;
  readOnly?: 'safe' | 'lease';
  maxInflight?: number;
  maxEntriesPerMsg?: number;
}

export type ClientOutcome = 'pending' | 'ok' | 'fail' | 'timeout' | 'lost';

/**
 * A client request in flight. `outcome` leaves 'pending' exactly once: 'ok' or 'fail' when the
 * node replies, 'timeout' when the client gives up, 'lost' when the node crashed first ('timeout'
 * and 'lost' are indeterminate: the write may still commit).
 */
export interface ClientHandle {
  readonly id: string;
  readonly kind: 'write' | 'read';
  readonly node: NodeId;
  readonly group: GroupId;
  readonly payload: unknown;
  readonly invokedMs: number;
  /** When the client gives up waiting. */
  readonly deadlineMs: number;
  outcome: ClientOutcome;
  reply: ClientReply | null;
  /** When the outcome was decided; -1 while pending. */
  settledMs: number;
  /** Called once when the outcome is decided. */
  onSettle: ((handle: ClientHandle) => void) | null;
}

/** A violation as the simulator reports it: with the seed, the time and the events before it. */
export interface SimViolation extends Violation {
  seed: number;
  timeMs: number;
  recent: TraceEvent[];
}

export interface SimStats {
  events: number;
  ticks: number;
  persists: number;
  network: NetworkStats;
}

/** A fault or action the simulator refuses in the cluster's current state (e.g. node down). */
export class SimActionError extends Error {}

/** Thrown by the hooks that wait for the core-completeness issue. */
export class NotSupportedError extends SimActionError {}

interface TickEvent extends Timed {
  kind: 'tick';
  host: NodeHost;
  gen: number;
}

interface PersistedEvent extends Timed {
  kind: 'persisted';
  host: NodeHost;
  incarnation: number;
  token: number;
}

interface CallEvent extends Timed {
  kind: 'call';
  fn: () => void;
}

type SimEvent = DeliveryEvent | TickEvent | PersistedEvent | CallEvent;

/** Inputs held for a paused node, replayed in order at resume. */
type HeldInput =
  | { kind: 'deliver'; ev: DeliveryEvent }
  | { kind: 'persisted'; token: number }
  | { kind: 'request'; handle: ClientHandle; req: ClientRequest };

interface NodeHost {
  readonly id: NodeId;
  node: RaftNode | null;
  /** The running node's groups as the invariant checker reads them (live objects). */
  view: NodeView;
  /** Bumped at every crash; events of an older incarnation are void. */
  incarnation: number;
  /** Bumped whenever the tick schedule changes (crash, pause, skew); older ticks are void. */
  tickGen: number;
  tickBaseMs: number;
  tickCount: number;
  rate: number;
  paused: boolean;
  held: HeldInput[];
  readonly disk: SimDisk;
  /** Seeds each incarnation's election timer generator. */
  readonly seedRng: SeededRng;
  /** Client requests sent to this node and not yet settled. */
  readonly waiting: Set<ClientHandle>;
}

const DEFAULT_WRITE_TIMEOUT_MS = 12_000;
const DEFAULT_READ_TIMEOUT_MS = 7_000;

export class Simulator {
  readonly seed: number;
  readonly groups: readonly GroupId[];
  readonly network: SimNetwork;
  readonly checker: InvariantChecker | null;
  nowMs = 0;
  violation: SimViolation | null = null;
  readonly stats: SimStats;

  private readonly opts: SimOptions;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly hosts = new Map<NodeId, NodeHost>();
  private readonly members: NodeId[];
  private readonly rng: SeededRng;
  private readonly hostRng: SeededRng;
  private readonly tap: TraceTap;
  private readonly pending = new Map<string, ClientHandle>();
  private nextRequestId = 1;
  private started = false;
  /** Client handles by deadline (FIFO when timeouts are equal); one timer armed for the head. */
  private readonly timeouts: ClientHandle[] = [];
  private timeoutsHead = 0;
  private timeoutArmedMs = Infinity;

  constructor(opts: SimOptions) {
    this.opts = opts;
    this.seed = opts.seed;
    this.groups = opts.groups;
    this.members = [...opts.nodes];
    const master = new SeededRng(opts.seed);
    const netRng = master.fork();
    this.hostRng = master.fork();
    this.rng = master.fork();
    this.tap = new TraceTap(opts.trace ?? null, opts.recentEvents ?? 30);
    this.network = new SimNetwork({
      rng: netRng,
      scheduler: this.queue,
      policy: opts.network,
      trace: this.tap,
    });
    this.checker = opts.checkInvariants === false ? null : new InvariantChecker(opts.groups);
    this.stats = { events: 0, ticks: 0, persists: 0, network: this.network.stats };
    for (const id of opts.nodes) this.addHost(id, opts.initial?.[id]);
  }

  /** The simulator's own generator for choices outside the nodes (e.g. `@follower` refs). */
  get random(): SeededRng {
    return this.rng;
  }

  get nodeIds(): NodeId[] {
    return [...this.hosts.keys()];
  }

  get tickMs(): number {
    return this.opts.timing.tickMs;
  }

  /** Start every initial node at the current time. */
  start(): void {
    if (this.started) throw new Error('simulator: already started');
    this.started = true;
    for (const host of this.hosts.values()) this.boot(host, 'node-start');
  }

  // ---- running -------------------------------------------------------------------------------

  /** Process the next event; false when there is none or a violation stopped the run. */
  step(): boolean {
    if (this.violation !== null) return false;
    const ev = this.queue.pop();
    if (ev === undefined) return false;
    this.nowMs = ev.timeMs;
    this.stats.events++;
    this.dispatch(ev);
    return true;
  }

  /** Process every event due up to and including tMs, then set the clock to tMs. */
  runUntil(tMs: number): SimViolation | null {
    for (;;) {
      if (this.violation !== null) return this.violation;
      const next = this.queue.peek();
      if (next === undefined || next.timeMs > tMs) break;
      this.step();
    }
    if (tMs > this.nowMs) this.nowMs = tMs;
    return this.violation;
  }

  runFor(ms: number): SimViolation | null {
    return this.runUntil(this.nowMs + ms);
  }

  /** Run until `done()` holds (checked after each event) or until deadlineMs; true if it held. */
  runUntilTrue(done: () => boolean, deadlineMs: number): boolean {
    while (!done()) {
      if (this.violation !== null) return false;
      const next = this.queue.peek();
      if (next === undefined || next.timeMs > deadlineMs) {
        if (deadlineMs > this.nowMs) this.nowMs = deadlineMs;
        return done();
      }
      this.step();
    }
    return true;
  }

  /** Call fn at tMs (in scheduling order among events of the same instant). */
  at(tMs: number, fn: () => void): void {
    this.queue.push({ kind: 'call', timeMs: Math.max(tMs, this.nowMs), seq: 0, fn });
  }

  /** Record a trace event on behalf of the harness (narration, expectations, faults). */
  record(node: NodeId | null, body: TraceBody): void {
    if (this.tap.enabled) this.tap.record(node, this.nowMs, body);
  }

  // ---- faults --------------------------------------------------------------------------------

  /** The node's process dies now: volatile state, unfinished writes and held inputs are lost. */
  crash(id: NodeId): void {
    const host = this.host(id);
    if (host.node === null) return;
    host.node = null;
    host.view = [];
    host.incarnation++;
    host.tickGen++;
    host.paused = false;
    host.held = [];
    const lostWrites = host.disk.crash();
    this.checker?.onCrash(id);
    this.record(id, { type: 'node-crash' });
    this.record(id, { type: 'fault', fault: 'crash', detail: { lostWrites } });
    for (const handle of [...host.waiting]) this.settle(handle, 'lost', null);
  }

  /** A crashed node starts again from what its disk made durable. */
  restart(id: NodeId): void {
    const host = this.host(id);
    if (host.node !== null) return;
    this.record(id, { type: 'fault', fault: 'restart' });
    this.boot(host, 'node-restart');
  }

  /** Stop the node's process (SIGSTOP): no ticks; inputs queue until resume. */
  pause(id: NodeId): void {
    const host = this.host(id);
    if (host.node === null || host.paused) return;
    host.paused = true;
    host.tickGen++;
    this.record(id, { type: 'fault', fault: 'pause' });
  }

  /** Continue a paused node: replay what it missed in order, then tick again. */
  resume(id: NodeId): void {
    const host = this.host(id);
    if (host.node === null || !host.paused) return;
    host.paused = false;
    this.record(id, { type: 'fault', fault: 'resume', detail: { held: host.held.length } });
    const held = host.held;
    host.held = [];
    for (const input of held) {
      if (host.node === null || host.paused || this.violation !== null) break;
      this.replay(host, input);
    }
    if (host.node !== null && !host.paused) this.startTicks(host, 0);
  }

  /** Make the node's clock run at `rate` times real speed. */
  skew(id: NodeId, rate: number): void {
    if (!(rate > 0)) throw new Error(`skew: rate must be > 0, got ${rate}`);
    const host = this.host(id);
    host.rate = rate;
    this.record(id, { type: 'fault', fault: 'skew', detail: { rate } });
    if (host.node !== null && !host.paused) this.startTicks(host, 0);
  }

  partition(sides: NodeId[][]): void {
    for (const side of sides) side.forEach((id) => this.host(id));
    this.network.partition(sides);
    this.record(null, { type: 'fault', fault: 'partition', detail: { sides } });
  }

  heal(): void {
    this.network.heal();
    this.record(null, { type: 'fault', fault: 'heal' });
  }

  cut(from: NodeId, to: NodeId): void {
    this.host(from);
    this.host(to);
    this.network.cut(from, to);
    this.record(null, { type: 'fault', fault: 'cut', detail: { from, to } });
  }

  link(from: NodeId, to: NodeId): void {
    this.network.link(from, to);
    this.record(null, { type: 'fault', fault: 'link', detail: { from, to } });
  }

  /** Change delay/loss/duplication on every link, or on the direction from → to. */
  setNetwork(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    this.network.setPolicy(change, from, to);
    this.record(null, { type: 'fault', fault: 'network', detail: { ...change, from, to } });
  }

  /** The node's state machine of `group` throws on its next apply. */
  failApply(id: NodeId, group: GroupId): void {
    const node = this.host(id).node;
    if (node === null) throw new SimActionError(`fail-apply: ${id} is down`);
    node.failNextApply(group);
    this.record(id, { type: 'fault', fault: 'fail-apply', detail: { group } });
  }

  addNode(_id: NodeId): void {
    throw new NotSupportedError('add-node is not yet supported');
  }

  removeNode(_id: NodeId): void {
    throw new NotSupportedError('remove-node is not yet supported');
  }

  /** Ask the group's current leader to hand leadership to `to` (TimeoutNow). */
  transferLeader(group: GroupId, to: NodeId): void {
    this.host(to);
    const leader = this.leaderOf(group);
    if (leader === null)
      throw new SimActionError(`transfer-leader: no running node leads ${group}`);
    const host = this.host(leader);
    if (host.paused) throw new SimActionError(`transfer-leader: the leader ${leader} is paused`);
    this.record(leader, { type: 'fault', fault: 'transfer-leader', detail: { group, to } });
    this.execute(host, host.node!.transferLeader(group, to));
    this.check(host);
  }

  snapshot(_id: NodeId, _group: GroupId): void {
    throw new NotSupportedError('snapshot is not yet supported');
  }

  // ---- clients -------------------------------------------------------------------------------

  /** Submit a write at node `id`; the handle settles on reply, crash or timeout. */
  write(id: NodeId, group: GroupId, op: unknown, timeoutMs?: number): ClientHandle {
    const req: ClientRequest = { kind: 'write', id: this.newRequestId(), group, op };
    return this.submit(
      id,
      req,
      op,
      timeoutMs ?? this.opts.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
    );
  }

  /** Submit a read at node `id`. */
  read(id: NodeId, group: GroupId, query: unknown, timeoutMs?: number): ClientHandle {
    const req: ClientRequest = { kind: 'read', id: this.newRequestId(), group, query };
    return this.submit(
      id,
      req,
      query,
      timeoutMs ?? this.opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    );
  }

  // ---- queries -------------------------------------------------------------------------------

  /** The running node object, or null while crashed. */
  node(id: NodeId): RaftNode | null {
    return this.host(id).node;
  }

  disk(id: NodeId): SimDisk {
    return this.host(id).disk;
  }

  isUp(id: NodeId): boolean {
    return this.host(id).node !== null;
  }

  isPaused(id: NodeId): boolean {
    return this.host(id).paused;
  }

  clockRate(id: NodeId): number {
    return this.host(id).rate;
  }

  /** The group's status on a running node, or null while it is crashed. */
  status(id: NodeId, group: GroupId): GroupStatus | null {
    const node = this.host(id).node;
    return node === null ? null : node.status(group);
  }

  /** The running node that leads `group` in the highest term, or null. */
  leaderOf(group: GroupId): NodeId | null {
    let best: NodeId | null = null;
    let bestTerm = -1;
    for (const host of this.hosts.values()) {
      const st = host.node?.status(group);
      if (st !== undefined && st.role === 'leader' && st.term > bestTerm) {
        best = host.id;
        bestTerm = st.term;
      }
    }
    return best;
  }

  /** Running nodes whose role in `group` is follower. */
  followersOf(group: GroupId): NodeId[] {
    const out: NodeId[] = [];
    for (const host of this.hosts.values()) {
      if (host.node?.status(group).role === 'follower') out.push(host.id);
    }
    return out;
  }

  /** Events still scheduled (for tests). */
  get queued(): number {
    return this.queue.size;
  }

  /** The last trace events recorded (up to `recentEvents`). */
  recentEvents(): TraceEvent[] {
    return this.tap.recent();
  }

  // ---- internals -----------------------------------------------------------------------------

  private addHost(id: NodeId, initial: DurableState | undefined): NodeHost {
    const durable = initial ? cloneDurableState(initial) : emptyDurableState([...this.groups]);
    const host: NodeHost = {
      id,
      node: null,
      view: [],
      incarnation: 0,
      tickGen: 0,
      tickBaseMs: 0,
      tickCount: 0,
      rate: 1,
      paused: false,
      held: [],
      disk: new SimDisk(durable, this.hostRng.fork(), this.opts.disk ?? DEFAULT_DISK_TIMING),
      seedRng: this.hostRng.fork(),
      waiting: new Set(),
    };
    this.hosts.set(id, host);
    return host;
  }

  private host(id: NodeId): NodeHost {
    const host = this.hosts.get(id);
    if (host === undefined) throw new Error(`simulator: unknown node "${id}"`);
    return host;
  }

  private nodeConfig(host: NodeHost): NodeConfig {
    const o = this.opts;
    const cfg: NodeConfig = {
      id: host.id,
      members: [...this.members],
      groups: [...this.groups],
      timing: { ...o.timing },
      seed: host.seedRng.next32(),
    };
    if (o.readOnly !== undefined) cfg.readOnly = o.readOnly;
    if (o.maxInflight !== undefined) cfg.maxInflight = o.maxInflight;
    if (o.maxEntriesPerMsg !== undefined) cfg.maxEntriesPerMsg = o.maxEntriesPerMsg;
    return cfg;
  }

  /** Create the node from its disk and start it ticking at a random phase of its clock. */
  private boot(host: NodeHost, how: 'node-start' | 'node-restart'): void {
    const fresh = how === 'node-start' && this.opts.initial?.[host.id] === undefined;
    const node = new RaftNode(this.nodeConfig(host), fresh ? null : host.disk.load());
    node.traceEnabled = this.tap.enabled;
    host.node = node;
    host.view = this.groups.map((g) => node.raft(g));
    if (how === 'node-restart') {
      const st = node.status(this.groups[0]);
      this.record(host.id, { type: 'node-restart', term: st.term, lastIndex: st.lastIndex });
    }
    if (this.checker !== null) this.report(host, this.checker.onStart(host.id, host.view));
    this.execute(host, node.start());
    this.check(host);
    this.startTicks(host, host.seedRng.int(this.tickMs));
  }

  /** (Re)start the tick schedule of the node's own clock; older scheduled ticks become void. */
  private startTicks(host: NodeHost, phaseMs: number): void {
    host.tickGen++;
    host.tickBaseMs = this.nowMs + phaseMs;
    host.tickCount = 0;
    this.scheduleTick(host);
  }

  private scheduleTick(host: NodeHost): void {
    host.tickCount++;
    const timeMs = host.tickBaseMs + Math.round((host.tickCount * this.tickMs) / host.rate);
    this.queue.push({ kind: 'tick', timeMs, seq: 0, host, gen: host.tickGen });
  }

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick':
        return this.onTick(ev);
      case 'deliver':
        return this.onDeliver(ev);
      case 'persisted':
        return this.onPersisted(ev);
      case 'call':
        return ev.fn();
    }
  }

  private onTick(ev: TickEvent): void {
    const host = ev.host;
    if (ev.gen !== host.tickGen || host.node === null || host.paused) return;
    this.stats.ticks++;
    this.scheduleTick(host);
    this.execute(host, host.node.tick());
    this.check(host);
  }

  private onDeliver(ev: DeliveryEvent): void {
    const host = this.hosts.get(ev.msg.to);
    if (host === undefined) {
      this.network.recordDrop(ev, this.nowMs, 'unknown node');
      return;
    }
    if (this.network.arrive(ev, this.nowMs) !== null) return;
    if (host.node === null) {
      this.network.recordDrop(ev, this.nowMs, 'node down');
      return;
    }
    if (host.paused) {
      host.held.push({ kind: 'deliver', ev });
      return;
    }
    this.receive(host, ev);
  }

  private receive(host: NodeHost, ev: DeliveryEvent): void {
    this.network.recordRecv(ev, this.nowMs);
    this.execute(host, host.node!.receive(ev.msg));
    this.check(host);
  }

  private onPersisted(ev: PersistedEvent): void {
    const host = ev.host;
    if (ev.incarnation !== host.incarnation) return;
    host.disk.complete(ev.token);
    if (host.paused) {
      host.held.push({ kind: 'persisted', token: ev.token });
      return;
    }
    this.execute(host, host.node!.persisted(ev.token));
    this.check(host);
  }

  private replay(host: NodeHost, input: HeldInput): void {
    const node = host.node!;
    switch (input.kind) {
      case 'deliver':
        return this.receive(host, input.ev);
      case 'persisted':
        this.execute(host, node.persisted(input.token));
        return this.check(host);
      case 'request':
        this.execute(host, node.request(input.req));
        return this.check(host);
    }
  }

  /** Carry out a node's effects in the order it produced them. */
  private execute(host: NodeHost, effects: Effect[]): void {
    for (let k = 0; k < effects.length; k++) {
      const e = effects[k];
      switch (e.type) {
        case 'send':
          this.network.transmit(e.msg, this.nowMs);
          break;
        case 'persist':
          this.persist(host, e.token, e.batch);
          break;
        case 'trace':
          if (this.tap.enabled) this.tap.record(host.id, this.nowMs, e.event);
          break;
        case 'reply':
          this.onReply(e.requestId, e.reply);
          break;
      }
    }
  }

  private persist(host: NodeHost, token: number, batch: PersistBatch): void {
    this.stats.persists++;
    if (this.checker !== null) this.report(host, this.checker.onPersist(host.id, host.view, batch));
    const timeMs = host.disk.write(token, batch, this.nowMs);
    this.queue.push({
      kind: 'persisted',
      timeMs,
      seq: 0,
      host,
      incarnation: host.incarnation,
      token,
    });
  }

  private check(host: NodeHost): void {
    if (this.checker !== null && host.node !== null) {
      this.report(host, this.checker.afterEvent(host.id, host.view));
    }
  }

  private report(host: NodeHost, v: Violation | null): void {
    if (v === null || this.violation !== null) return;
    this.record(host.id, { type: 'violation', invariant: v.invariant, detail: v.detail });
    this.violation = { ...v, seed: this.seed, timeMs: this.nowMs, recent: this.tap.recent() };
  }

  private newRequestId(): string {
    return `c${this.nextRequestId++}`;
  }

  private submit(
    id: NodeId,
    req: ClientRequest,
    payload: unknown,
    timeoutMs: number,
  ): ClientHandle {
    const host = this.host(id);
    const handle: ClientHandle = {
      id: req.id,
      kind: req.kind,
      node: id,
      group: req.group,
      payload,
      invokedMs: this.nowMs,
      deadlineMs: this.nowMs + timeoutMs,
      outcome: 'pending',
      reply: null,
      settledMs: -1,
      onSettle: null,
    };
    if (this.tap.enabled) this.record(id, historyEvent('invoke', handle, undefined));
    if (host.node === null) {
      this.settle(handle, 'fail', { ok: false, error: `node ${id} is down` });
      return handle;
    }
    this.pending.set(handle.id, handle);
    host.waiting.add(handle);
    this.addTimeout(handle);
    if (host.paused) {
      host.held.push({ kind: 'request', handle, req });
    } else {
      this.execute(host, host.node.request(req));
      this.check(host);
    }
    return handle;
  }

  /**
   * Client timeouts live in a deadline-ordered list rather than in the event queue, so a hundred
   * thousand waiting writes cost one scheduled event, not a hundred thousand.
   */
  private addTimeout(handle: ClientHandle): void {
    const q = this.timeouts;
    let i = q.length;
    while (i > this.timeoutsHead && q[i - 1].deadlineMs > handle.deadlineMs) i--;
    if (i === q.length) q.push(handle);
    else q.splice(i, 0, handle);
    if (handle.deadlineMs < this.timeoutArmedMs) this.armTimeouts(handle.deadlineMs);
  }

  private armTimeouts(timeMs: number): void {
    this.timeoutArmedMs = timeMs;
    this.at(timeMs, () => this.fireTimeouts(timeMs));
  }

  private fireTimeouts(timeMs: number): void {
    if (timeMs !== this.timeoutArmedMs) return; // superseded by an earlier deadline
    this.timeoutArmedMs = Infinity;
    const q = this.timeouts;
    while (this.timeoutsHead < q.length && q[this.timeoutsHead].deadlineMs <= this.nowMs) {
      this.settle(q[this.timeoutsHead++], 'timeout', null);
    }
    if (this.timeoutsHead > 1024 && this.timeoutsHead * 2 > q.length) {
      q.splice(0, this.timeoutsHead);
      this.timeoutsHead = 0;
    }
    if (this.timeoutsHead < q.length) this.armTimeouts(q[this.timeoutsHead].deadlineMs);
  }

  private onReply(requestId: string, reply: ClientReply): void {
    const handle = this.pending.get(requestId);
    if (handle !== undefined) this.settle(handle, reply.ok ? 'ok' : 'fail', reply);
  }

  private settle(handle: ClientHandle, outcome: ClientOutcome, reply: ClientReply | null): void {
    if (handle.outcome !== 'pending') return;
    handle.outcome = outcome;
    handle.reply = reply;
    handle.settledMs = this.nowMs;
    this.pending.delete(handle.id);
    this.hosts.get(handle.node)?.waiting.delete(handle);
    if (this.tap.enabled) {
      const definite = outcome === 'fail' && !(reply !== null && !reply.ok && reply.indeterminate);
      const type = outcome === 'ok' ? 'ok' : definite ? 'fail' : 'info';
      const result = reply === null ? outcome : reply.ok ? reply.value : reply.error;
      this.record(handle.node, historyEvent(type, handle, result));
    }
    handle.onSettle?.(handle);
  }
}

/** A client history event (invoke/ok/fail/info) in the shape an external checker reads. */
function historyEvent(
  type: 'invoke' | 'ok' | 'fail' | 'info',
  h: ClientHandle,
  result: unknown,
): TraceBody {
  const p = (h.payload ?? {}) as Record<string, unknown>;
  const op = typeof p.type === 'string' ? p.type : h.kind;
  const key = typeof p.dataId === 'string' ? p.dataId : '';
  const value = p.content ?? null;
  const base = { group: h.group, process: h.id, op, key, value };
  return type === 'invoke' ? { type, ...base } : { type, ...base, result };
}

/**
 * Forwards trace events to the recorder and keeps the last few for violation reports. Disabled
 * (so callers skip building events) when there is neither a live recorder nor a ring.
 */
class TraceTap implements TraceSink {
  private readonly ring: TraceEvent[] = [];
  private ringNext = 0;
  private seq = 0;

  constructor(
    private readonly sink: TraceSink | null,
    private readonly ringSize: number,
  ) {}

  get enabled(): boolean {
    return this.ringSize > 0 || (this.sink !== null && this.sink.enabled);
  }

  record(node: NodeId | null, t: number, body: TraceBody): void {
    const stamped =
      this.sink !== null && this.sink.enabled ? this.sink.record(node, t, body) : null;
    if (this.ringSize === 0) return;
    const event = stamped ?? ({ seq: this.seq++, t, node, ...body } as TraceEvent);
    if (this.ring.length < this.ringSize) this.ring.push(event);
    else this.ring[this.ringNext] = event;
    this.ringNext = (this.ringNext + 1) % this.ringSize;
  }

  recent(): TraceEvent[] {
    if (this.ring.length < this.ringSize) return [...this.ring];
    return [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)];
  }
}
