// The deterministic simulator: virtual time, the seeded generator, and the hosts that execute
// the sans-IO nodes' effects (persist → simulated disk → persisted(token); send → simulated
// network → receive; trace → recorder; reply → the waiting client).
// Orderings it keeps: events fire in (time, scheduling order); a node sends what depends on a
// write only after the disk completed it (the node's contract, kept by completing writes in
// order); a paused node's clock keeps running (a stopped process's monotonic clock does): its
// ticks, deliveries, disk completions and requests wait in order and are replayed at resume; every timer of a crashed incarnation is void (incarnation and tick
// generation numbers), so a restarted node starts with nothing in flight but what is durable.
// All randomness flows from one seed through fixed forks, so a run is a pure function of it.
//
// Membership. addNode starts a host with an empty disk and `join: true`: its bootstrap members are
// the current members without itself, so it never campaigns on its own, and it adds itself to
// every group, retrying each second (Nacos's registerSelfToCluster). removeNode asks a running
// node, the group's leader when there is one, to remove the node from every group (retried up to
// five times by that node); under nacos every running member makes one attempt of its own, as
// each Nacos server does when its member list changes. The removed node keeps running, as a non-voting bystander: the
// leader no longer replicates to it and, once its log holds the change, it no longer campaigns.
// (In Nacos it would be decommissioned; keeping it shows that a removed server cannot disrupt
// the cluster.) It restarts without `join`, so it does not add itself back.
import { describeOutcome, describeRequest } from '../trace/clientHistory.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { LogArchiveOptions } from '../raft/log.ts';
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
import { MEMBER_RETRY_MS, RaftNode, toTicks } from '../node/node.ts';
import { definedChange } from '../trace/header.ts';
import { LEASE_MAX_CLOCK_DRIFT, isClockRateWithinLeaseBound } from '../raft/lease.ts';
import type { Role } from '../raft/types.ts';
import { canonicalJson } from '../scenario/setup.ts';
import { hashString } from '../trace/models.ts';
import { HealthTracker } from './health.ts';
import type { GroupStatus } from '../node/node.ts';
import { cloneDurableState, emptyDurableState } from '../node/storage.ts';
import { invokeEvent } from '../node/traceEvents.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { EventQueue } from './eventQueue.ts';
import type { Timed } from './eventQueue.ts';
import { SimDisk, DEFAULT_DISK_TIMING } from './disk.ts';
import type { DiskTiming } from './disk.ts';
import { SimNetwork } from './network.ts';
import type {
  DeliveryEvent,
  LinkPolicy,
  NetworkStats,
  SimHeldMessage,
  TraceSink,
} from './network.ts';
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
  /** Nacos's behaviour (the nodes' default) or the textbook's where they differ. */
  fidelity?: 'nacos' | 'textbook';
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  /** How the nodes' logs archive old applied entries (default: the core's). */
  logArchive?: LogArchiveOptions;
  /** Every node snapshots each group after this many applied entries (0/undefined: never). */
  snapshotIntervalEntries?: number;
  /** Every node snapshots each group this often, in node-local ms (0/undefined: never). */
  snapshotIntervalMs?: number;
  /** How often (in processed events) the checker's per-index records are pruned. */
  pruneEveryEvents?: number;
  /**
   * With the invariants: flag a healthy, connected leader deposed by an election (see
   * checkDisruption). Default true.
   */
  checkDisruption?: boolean;
  /**
   * With the invariants: compare every node's state machine, after every apply, with the state
   * the first node to apply that index had (see checkStateMachines). Default true.
   */
  compareStateMachines?: boolean;
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
  /** InstallSnapshot messages sent (chunks). */
  installSnapshots: number;
  network: NetworkStats;
}

/** A fault or action the simulator refuses in the cluster's current state (e.g. node down). */
export class SimActionError extends Error {}

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
  | { kind: 'request'; handle: ClientHandle; req: ClientRequest }
  | { kind: 'tick' };

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
  /** The member list the node boots with (its bootstrap configuration); never includes itself when joining. */
  readonly bootMembers: NodeId[];
  /** Added at run time: the node adds itself to every group when it starts. */
  readonly joins: boolean;
  /** Removed from the configuration by removeNode; it keeps running without voting. */
  removed: boolean;
  /**
   * While its self-add may still be pending, node-local ms at which it was first seen a voter of
   * every group (-1: not yet); removing it before its own retry loop saw that would be undone.
   */
  joinSeenMs: number;
  joinPending: boolean;
  /** Per group (in the simulator's order), the role at the last check. */
  roles: Role[];
  /** Per group, since when (simulated ms) the node has led, or -1. */
  leaderSinceMs: number[];
  /** Per group, the applied index at the last state-machine comparison. */
  comparedApplied: number[];
  /** The simulator's event count when the node last took a TimeoutNow in (-1: never). */
  timeoutNowEvent: number;
}

const DEFAULT_WRITE_TIMEOUT_MS = 12_000;
const DEFAULT_READ_TIMEOUT_MS = 7_000;
const DEFAULT_PRUNE_EVERY_EVENTS = 4096;

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
  /** The cluster's members as the simulator's harness sees them: initial, added, not removed. */
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
  /** Handles in `timeouts` settled before their deadline (dropped in batches, see settle). */
  private timeoutsSettled = 0;
  private timeoutArmedMs = Infinity;
  /**
   * Every time a node's clock was set outside the lease's drift bound in this run: lease reads
   * may be stale from then on (the checks report that as the lease's limit, not a bug).
   */
  readonly clockOutsideBound: { node: NodeId; rate: number; atMs: number }[] = [];
  /** When nodes and links were last unhealthy (for the disruption check). */
  readonly health: HealthTracker;
  /** How long a leader and a majority must have been healthy and connected to count as such. */
  readonly healthyWindowMs: number;
  /** Per group: applied index → digest of the state machine there, and who applied it first. */
  private readonly smDigests: Map<number, { digest: string; node: NodeId }>[];

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
    this.checker =
      opts.checkInvariants === false
        ? null
        : new InvariantChecker(opts.groups, {
            termOrigin: true,
            durable: (node, group, index, term) => this.durableHolds(node, group, index, term),
          });
    this.stats = {
      events: 0,
      ticks: 0,
      persists: 0,
      installSnapshots: 0,
      network: this.network.stats,
    };
    const base = this.network.policy('', '');
    this.health = new HealthTracker(Math.max(base.delayMsMax, 50));
    const ticks = toTicks(opts.timing);
    // A follower refuses pre-votes while it heard from its leader within an election timeout
    // (thesis §9.6), and a leader sends heartbeats ten times per timeout. Half a timeout plus
    // the slowest healthy round trip holds several heartbeats, so every member of a majority
    // that was healthy and linked to the leader for that long has heard it lately (and knows
    // it as leader), even with its clock at the edge of the drift bound.
    this.healthyWindowMs =
      Math.ceil((ticks.electionTicks * opts.timing.tickMs) / 2) + 2 * this.health.cleanDelayMsMax;
    this.smDigests = opts.groups.map(() => new Map());
    for (const id of opts.nodes) this.addHost(id, opts.initial?.[id], [...opts.nodes], false);
  }

  /** The simulator's own generator for choices outside the nodes (e.g. `@follower` refs). */
  get random(): SeededRng {
    return this.rng;
  }

  /** Every node the simulator hosts: initial, added and removed ones. */
  get nodeIds(): NodeId[] {
    return [...this.hosts.keys()];
  }

  /** The members as the harness sees them: initial and added nodes not removed since. */
  get memberIds(): NodeId[] {
    return [...this.members];
  }

  /** Was the node removed by removeNode (it keeps running, without voting)? */
  isRemoved(id: NodeId): boolean {
    return this.host(id).removed;
  }

  /** Was the node added at run time, and may its self-add still be pending? */
  isJoining(id: NodeId): boolean {
    return this.host(id).joinPending;
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
    if (this.checker !== null && this.stats.events % this.pruneEvery === 0) this.pruneChecker();
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
    this.noteNodeHealth(host);
    this.record(id, { type: 'node-crash' });
    this.record(id, { type: 'fault', fault: 'crash', lostWrites });
    for (const handle of [...host.waiting]) this.settle(handle, 'lost', null);
  }

  /** A crashed node starts again from what its disk made durable. */
  restart(id: NodeId): void {
    const host = this.host(id);
    if (host.node !== null) return;
    this.record(id, { type: 'fault', fault: 'restart' });
    this.boot(host, 'node-restart');
  }

  /**
   * Stop the node's process (SIGSTOP): it runs nothing, but its clock goes on. Ticks queue with
   * the other inputs until resume, as the browser host holds them, so a leader resumed after its
   * lease ran out sees the lease expired instead of believing no time passed.
   */
  pause(id: NodeId): void {
    const host = this.host(id);
    if (host.node === null || host.paused) return;
    host.paused = true;
    this.noteNodeHealth(host);
    this.record(id, { type: 'fault', fault: 'pause' });
  }

  /** Continue a paused node: replay what it missed (its ticks included) in order. */
  resume(id: NodeId): void {
    const host = this.host(id);
    if (host.node === null || !host.paused) return;
    host.paused = false;
    this.noteNodeHealth(host);
    this.record(id, { type: 'fault', fault: 'resume', held: host.held.length });
    const held = host.held;
    host.held = [];
    for (const input of held) {
      if (host.node === null || host.paused || this.violation !== null) break;
      this.replay(host, input);
    }
  }

  /** Make the node's clock run at `rate` times real speed. */
  skew(id: NodeId, rate: number): void {
    if (!(rate > 0)) throw new Error(`skew: rate must be > 0, got ${rate}`);
    const host = this.host(id);
    host.rate = rate;
    this.noteNodeHealth(host);
    this.record(id, { type: 'fault', fault: 'skew', rate });
    // Say in the trace whether this clock stays inside the drift the leader lease tolerates
    // (src/raft/lease.ts): outside it a lease read may be stale, which is the lease's limit.
    const withinLeaseBound = isClockRateWithinLeaseBound(rate);
    if (!withinLeaseBound) this.clockOutsideBound.push({ node: id, rate, atMs: this.nowMs });
    this.record(id, { type: 'clock', rate, withinLeaseBound, maxDrift: LEASE_MAX_CLOCK_DRIFT });
    // A paused node's clock runs too (its ticks are held), so its schedule changes as well.
    if (host.node !== null) this.startTicks(host, 0);
  }

  partition(sides: NodeId[][]): void {
    for (const side of sides) side.forEach((id) => this.host(id));
    this.network.partition(sides);
    this.noteNetworkHealth();
    this.record(null, { type: 'fault', fault: 'partition', sides });
  }

  heal(): void {
    this.network.heal();
    this.noteNetworkHealth();
    this.record(null, { type: 'fault', fault: 'heal' });
  }

  cut(from: NodeId, to: NodeId): void {
    this.host(from);
    this.host(to);
    this.network.cut(from, to);
    this.noteNetworkHealth();
    this.record(null, { type: 'fault', fault: 'cut', from, to });
  }

  link(from: NodeId, to: NodeId): void {
    this.network.link(from, to);
    this.noteNetworkHealth();
    this.record(null, { type: 'fault', fault: 'link', from, to });
  }

  /** Change delay/loss/duplication on every link, or on the direction from → to. */
  setNetwork(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    this.network.setPolicy(change, from, to);
    this.noteNetworkHealth();
    this.record(null, {
      type: 'fault',
      fault: 'network',
      change: definedChange(change),
      ...(from !== undefined && to !== undefined ? { from, to } : {}),
    });
  }

  /**
   * Hold mode (as in the browser): while on, every message that would be delivered waits in the
   * network until released or discarded by hand. Turning it off delivers the held messages now,
   * oldest first, each decided by the policy in force then.
   */
  setHold(on: boolean): void {
    if (on === this.network.holding) return;
    const released = this.network.setHold(on);
    this.record(null, { type: 'fault', fault: 'hold', on });
    for (const ev of released) this.onDeliver(ev, true);
  }

  /** The messages waiting in hold mode, oldest first. */
  heldMessages(): SimHeldMessage[] {
    return this.network.heldMessages();
  }

  /** Deliver one held message now (decided by the policy in force); false when not held. */
  release(msgId: number): boolean {
    const ev = this.network.takeHeld(msgId);
    if (ev === null) return false;
    this.record(null, { type: 'fault', fault: 'release', msgId });
    this.onDeliver(ev, true);
    return true;
  }

  /** Lose one held message; false when not held. */
  discard(msgId: number): boolean {
    const ev = this.network.takeHeld(msgId);
    if (ev === null) return false;
    this.record(null, { type: 'fault', fault: 'discard', msgId });
    this.network.recordDrop(ev, this.nowMs, 'discarded');
    return true;
  }

  /** Lose a message in flight before it arrives; false when it is not in flight. */
  dropMessage(msgId: number): boolean {
    return this.network.dropInFlight(msgId, this.nowMs);
  }

  /** Put a second copy of a message in flight on the wire; its msgId, or null. */
  duplicateMessage(msgId: number): number | null {
    return this.network.duplicateInFlight(msgId, this.nowMs);
  }

  /** The node's state machine of `group` throws on its next apply. */
  failApply(id: NodeId, group: GroupId): void {
    const node = this.host(id).node;
    if (node === null) throw new SimActionError(`fail-apply: ${id} is down`);
    node.failNextApply(group);
    this.record(id, { type: 'fault', fault: 'fail-apply', group });
  }

  /**
   * Damage the node's stored snapshot of `group` (the node may be up or down): it shows when the
   * snapshot is next loaded, at a restart.
   */
  corruptSnapshot(id: NodeId, group: GroupId): void {
    if (!this.host(id).disk.corruptSnapshot(group)) {
      throw new SimActionError(`corrupt-snapshot: ${id} has no stored snapshot of ${group}`);
    }
    this.record(id, { type: 'fault', fault: 'corrupt-snapshot', group });
  }

  /**
   * Start a new node `id` with an empty disk. Its bootstrap members are the current members
   * (without itself): the harness's members and every member of the groups' configurations as
   * their leaders see them (a removal that gave up leaves its node a member). It adds itself to
   * every group, retrying each second until it is a member.
   */
  addNode(id: NodeId): void {
    if (this.hosts.has(id)) throw new SimActionError(`add-node: node ${id} already exists`);
    const current = [...this.members];
    for (const g of this.groups) {
      const conf = this.confOf(g);
      if (conf === null) continue;
      for (const m of [...conf.voters, ...conf.outgoing, ...conf.learners]) {
        if (!current.includes(m)) current.push(m);
      }
    }
    const host = this.addHost(id, undefined, current, true);
    this.members.push(id);
    this.record(id, { type: 'fault', fault: 'add-node', members: host.bootMembers });
    if (this.started) this.boot(host, 'node-start');
  }

  /**
   * Remove `id` from every group. Textbook: the group's leader (or, without one, another running
   * member) is asked to make the change and retries it up to five times. Nacos: the new member
   * list reaches every server (ServerMemberManager's MembersChangeEvent → ProtocolManager →
   * JRaftProtocol#memberChange), so every running member other than `id` makes its own attempt
   * in every group. The node keeps running.
   */
  removeNode(id: NodeId): void {
    const host = this.host(id);
    if (host.removed) throw new SimActionError(`remove-node: ${id} was already removed`);
    if (host.joinPending) {
      throw new SimActionError(
        `remove-node: ${id} is still joining (its own retries would add it back)`,
      );
    }
    const drivers: NodeId[][] = [];
    for (const g of this.groups) {
      const driver = this.removalDriver(g, id);
      if (driver === null) {
        throw new SimActionError(`remove-node: no running member of ${g} to ask to remove ${id}`);
      }
      drivers.push(
        (this.opts.fidelity ?? 'nacos') === 'nacos'
          ? this.members.filter((m) => m !== id && this.isRunning(m))
          : [driver.id],
      );
    }
    host.removed = true;
    this.members.splice(this.members.indexOf(id), 1);
    const askedOf = [...new Set(drivers.flat())];
    this.record(id, { type: 'fault', fault: 'remove-node', askedOf });
    this.groups.forEach((g, k) => {
      for (const d of drivers[k]) {
        const driver = this.host(d);
        if (driver.node === null || driver.paused) continue;
        this.execute(driver, driver.node.memberChange(g, 'remove', id));
        this.check(driver);
      }
    });
  }

  private isRunning(id: NodeId): boolean {
    const h = this.host(id);
    return h.node !== null && !h.paused;
  }

  /** Who drives the removal of `id` from `g`: its leader, else a running member other than `id`. */
  private removalDriver(g: GroupId, id: NodeId): NodeHost | null {
    const leader = this.leaderOf(g);
    if (leader !== null && !this.host(leader).paused) return this.host(leader);
    for (const m of this.members) {
      const h = this.host(m);
      if (m !== id && h.node !== null && !h.paused) return h;
    }
    return null;
  }

  /**
   * Ask the group's current leader to hand leadership to `to` (TimeoutNow). Answers the
   * leader's refusal (its reason, also traced), or null when the transfer started; throws
   * SimActionError, with nothing done, when no running node leads the group.
   */
  transferLeader(group: GroupId, to: NodeId): string | null {
    this.host(to);
    const leader = this.leaderOf(group);
    if (leader === null)
      throw new SimActionError(`transfer-leader: no running node leads ${group}`);
    const host = this.host(leader);
    if (host.paused) throw new SimActionError(`transfer-leader: the leader ${leader} is paused`);
    this.record(leader, { type: 'fault', fault: 'transfer-leader', group, to });
    const { effects, refused } = host.node!.transferLeader(group, to);
    this.execute(host, effects);
    this.check(host);
    return refused === null ? null : `transfer-leader: ${leader} refused: ${refused}`;
  }

  /** The node snapshots `group` now and compacts its log behind the snapshot. */
  snapshot(id: NodeId, group: GroupId): void {
    const host = this.host(id);
    if (host.node === null) throw new SimActionError(`snapshot: ${id} is down`);
    if (host.paused) throw new SimActionError(`snapshot: ${id} is paused`);
    if (!this.groups.includes(group)) throw new SimActionError(`snapshot: unknown group ${group}`);
    this.record(id, { type: 'fault', fault: 'snapshot', group });
    this.execute(host, host.node.snapshotNow(group));
    this.check(host);
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

  /** Running members of `group` (see isMember) whose role is follower. */
  followersOf(group: GroupId): NodeId[] {
    const out: NodeId[] = [];
    for (const host of this.hosts.values()) {
      if (host.node?.status(group).role === 'follower' && this.isMember(host.id, group)) {
        out.push(host.id);
      }
    }
    return out;
  }

  /**
   * The configuration of `group` as its leader sees it, or null without a running leader.
   * Voters, outgoing voters of a joint configuration, and learners.
   */
  confOf(group: GroupId): GroupStatus['conf'] | null {
    const leader = this.leaderOf(group);
    return leader === null ? null : this.status(leader, group)!.conf;
  }

  /**
   * Is `id` a member (voter or learner) of `group`: in the leader's configuration, or without a
   * leader, one of the harness's members (not removed)?
   */
  isMember(id: NodeId, group: GroupId): boolean {
    const conf = this.confOf(group);
    if (conf === null) return this.members.includes(id);
    return conf.voters.includes(id) || conf.outgoing.includes(id) || conf.learners.includes(id);
  }

  /** Events still scheduled (for tests). */
  get queued(): number {
    return this.queue.size;
  }

  /**
   * Called after a node took a message in (for schedules that react to one, e.g. crash a node
   * right after it installs a snapshot).
   */
  onReceived: ((node: NodeId, msg: DeliveryEvent['msg']) => void) | null = null;

  /**
   * Called after every event a node processed (a tick, a message, a disk write completing, a
   * client request) and the checks that follow it, for schedules that must act at the exact
   * event a node reaches some state. It must not change the cluster itself (a node may be in
   * the middle of replaying held inputs): it schedules what it does with `at(nowMs, …)`, which
   * still runs before any message sent in the event arrives when links delay by 1 ms or more
   * (the random runner's do).
   */
  onNodeEvent: ((node: NodeId) => void) | null = null;

  /** Client requests sent to the node and not yet settled. */
  waitingOn(id: NodeId): ClientHandle[] {
    return [...this.host(id).waiting];
  }

  /** The last trace events recorded (up to `recentEvents`). */
  recentEvents(): TraceEvent[] {
    return this.tap.recent();
  }

  // ---- internals -----------------------------------------------------------------------------

  private addHost(
    id: NodeId,
    initial: DurableState | undefined,
    bootMembers: NodeId[],
    joins: boolean,
  ): NodeHost {
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
      bootMembers: bootMembers.filter((m) => !joins || m !== id),
      joins,
      removed: false,
      joinSeenMs: -1,
      joinPending: false,
      roles: this.groups.map(() => 'follower'),
      leaderSinceMs: this.groups.map(() => -1),
      comparedApplied: this.groups.map(() => 0),
      timeoutNowEvent: -1,
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
      members: [...host.bootMembers],
      groups: [...this.groups],
      timing: { ...o.timing },
      seed: host.seedRng.next32(),
    };
    if (o.readOnly !== undefined) cfg.readOnly = o.readOnly;
    if (o.fidelity !== undefined) cfg.fidelity = o.fidelity;
    if (o.maxInflight !== undefined) cfg.maxInflight = o.maxInflight;
    if (o.maxEntriesPerMsg !== undefined) cfg.maxEntriesPerMsg = o.maxEntriesPerMsg;
    if (o.logArchive !== undefined) cfg.logArchive = o.logArchive;
    if (o.snapshotIntervalEntries) cfg.snapshotIntervalEntries = o.snapshotIntervalEntries;
    if (o.snapshotIntervalMs) cfg.snapshotIntervalMs = o.snapshotIntervalMs;
    // A removed node does not add itself back when it restarts.
    if (host.joins && !host.removed) cfg.join = true;
    return cfg;
  }

  /** Create the node from its disk and start it ticking at a random phase of its clock. */
  private boot(host: NodeHost, how: 'node-start' | 'node-restart'): void {
    const fresh = how === 'node-start' && this.opts.initial?.[host.id] === undefined;
    const node = new RaftNode(this.nodeConfig(host), fresh ? null : host.disk.load());
    node.traceEnabled = this.tap.enabled;
    host.node = node;
    host.view = this.groups.map((g) => node.raft(g));
    host.joinPending = node.cfg.join === true;
    host.joinSeenMs = -1;
    host.roles = this.groups.map(() => 'follower');
    host.leaderSinceMs = this.groups.map(() => -1);
    host.comparedApplied = this.groups.map((g) => node.raft(g).log.applied);
    this.noteNodeHealth(host);
    if (how === 'node-start') this.noteNetworkHealth();
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
    if (ev.gen !== host.tickGen || host.node === null) return;
    this.scheduleTick(host);
    if (host.paused) {
      host.held.push({ kind: 'tick' });
      return;
    }
    this.stats.ticks++;
    this.execute(host, host.node.tick());
    this.check(host);
  }

  private onDeliver(ev: DeliveryEvent, releasing = false): void {
    if (!releasing && !this.network.land(ev)) return;
    const host = this.hosts.get(ev.msg.to);
    if (host === undefined) {
      this.network.recordDrop(ev, this.nowMs, 'unknown node');
      return;
    }
    if (this.network.arrive(ev, this.nowMs, releasing) !== null) return;
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
    if (ev.msg.type === 'TimeoutNow') host.timeoutNowEvent = this.stats.events;
    this.execute(host, host.node!.receive(ev.msg));
    this.check(host);
    this.onReceived?.(host.id, ev.msg);
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
      case 'tick':
        this.stats.ticks++;
        this.execute(host, node.tick());
        return this.check(host);
    }
  }

  /** Carry out a node's effects in the order it produced them. */
  private execute(host: NodeHost, effects: Effect[]): void {
    for (let k = 0; k < effects.length; k++) {
      const e = effects[k];
      switch (e.type) {
        case 'send':
          if (this.checker !== null && e.msg.type === 'RequestVoteResponse') {
            this.report(host, this.checker.onVote(host.id, host.view, e.msg));
          } else if (e.msg.type === 'InstallSnapshot') {
            this.stats.installSnapshots++;
          }
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
    if (host.joinPending) this.watchJoin(host);
    if (this.checker !== null && host.node !== null) {
      this.report(host, this.checker.afterEvent(host.id, host.view));
      if (this.violation === null) this.checkRoles(host);
      if (this.violation === null && this.opts.compareStateMachines !== false) {
        this.checkStateMachines(host);
      }
    }
    this.onNodeEvent?.(host.id);
  }

  /** Is the node healthy now: up, running, its clock inside the lease's drift bound? */
  private noteNodeHealth(host: NodeHost): void {
    const healthy = host.node !== null && !host.paused && isClockRateWithinLeaseBound(host.rate);
    this.health.node(host.id, healthy, this.nowMs);
  }

  private noteNetworkHealth(): void {
    const net = this.network;
    const state = (from: NodeId, to: NodeId) => ({
      blocked: net.isBlocked(from, to),
      policy: net.policy(from, to),
    });
    this.health.network([...this.hosts.keys()], state, this.nowMs);
  }

  /** Track leadership spells and run the disruption check on every new (pre-voted) candidacy. */
  private checkRoles(host: NodeHost): void {
    for (let k = 0; k < this.groups.length; k++) {
      const gv = host.view[k];
      const was = host.roles[k];
      if (gv.role === was) continue;
      host.roles[k] = gv.role;
      host.leaderSinceMs[k] = gv.role === 'leader' ? this.nowMs : -1;
      // A candidacy straight from follower is a leadership transfer (TimeoutNow, thesis §3.10),
      // which deposes the leader on purpose; one after a won pre-vote must not depose a healthy one.
      // A pre-candidate may also take a TimeoutNow in, and campaign on it in the same event.
      const transfer = host.timeoutNowEvent === this.stats.events;
      if (
        was === 'pre-candidate' &&
        gv.role === 'candidate' &&
        !transfer &&
        this.opts.checkDisruption !== false
      ) {
        const v = this.checkDisruption(host, k, gv.term);
        if (v !== null) return this.report(host, v);
      }
    }
  }

  /**
   * A healthy, connected leader is never deposed (thesis §9.6, pre-vote with the leader lease;
   * §6.2 check-quorum). Candidate `host` just won a pre-vote for term `term` of group k. That is
   * a violation when a running leader L of a lower term
   * - has led for the whole window (healthyWindowMs: twice the election timeout plus the
   *   slowest healthy round trip), with no configuration change in flight, and the candidate
   *   has the same voters;
   * - and a majority of its voters (L included, the candidate not) have, for the whole window,
   *   been up, running, with clocks inside the lease bound, linked to L both ways without
   *   partition, cut, loss or delay beyond the healthy bound, and are still in L's term.
   * Each member of that majority then heard L within its election timeout, so it refuses
   * pre-votes, and no majority of pre-votes can exist: the candidacy shows a follower that
   * granted one while it had a live leader. Loss, delays, crashes, pauses, skew and
   * partitions anywhere near L's majority exempt the election, so legitimate elections under
   * faults are never flagged.
   */
  private checkDisruption(host: NodeHost, k: number, term: number): Violation | null {
    const g = this.groups[k];
    const since = this.nowMs - this.healthyWindowMs;
    for (const lh of this.hosts.values()) {
      if (lh === host || lh.node === null || lh.paused) continue;
      const lv = lh.view[k];
      if (lv.role !== 'leader' || lv.term >= term) continue;
      if (lh.leaderSinceMs[k] < 0 || lh.leaderSinceMs[k] > since) continue;
      const conf = lv.conf;
      const mine = host.view[k].conf;
      if (conf.outgoing.length > 0 || mine.outgoing.length > 0) continue;
      if (!sameMembers(conf.voters, mine.voters)) continue;
      if (!this.health.nodeHealthySince(lh.id, since)) continue;
      const majority: NodeId[] = [];
      for (const v of conf.voters) {
        if (v === host.id) continue;
        const vh = this.hosts.get(v);
        if (vh === undefined || vh.node === null || vh.paused) continue;
        if (vh.view[k].term !== lv.term) continue;
        if (!this.health.nodeHealthySince(v, since)) continue;
        if (v !== lh.id && !this.health.linkHealthySince(lh.id, v, since)) continue;
        majority.push(v);
      }
      if (majority.length * 2 <= conf.voters.length) continue;
      const detail =
        `${host.id} won a pre-vote and campaigns in term ${term} of ${g} while ${lh.id} leads ` +
        `term ${lv.term}, healthy and connected to ${majority.join(', ')} (a majority of ` +
        `${conf.voters.join(', ')}) for the last ${this.healthyWindowMs} ms`;
      return { invariant: 'disruption', group: g, node: host.id, detail };
    }
    return null;
  }

  /**
   * §5.4.3 state machine safety, on the state itself: after every apply, the node's state
   * machine must equal the state any other node had at the same applied index (the digest of
   * the first node to get there is kept; the per-index records are pruned with the checker's).
   * A node right at a snapshot point is skipped: the snapshot's state loads when its disk
   * write completes, and the next apply compares it.
   */
  private checkStateMachines(host: NodeHost): void {
    const node = host.node!;
    for (let k = 0; k < this.groups.length; k++) {
      const log = host.view[k].log;
      const applied = log.applied;
      if (applied === host.comparedApplied[k]) continue;
      host.comparedApplied[k] = applied;
      if (applied < log.firstIndex()) continue;
      const g = this.groups[k];
      const json = canonicalJson(node.appliedState(g));
      const digest = `${hashString(json).toString(16)}.${hashString(json, 0x9747b28c).toString(16)}`;
      const seen = this.smDigests[k].get(applied);
      if (seen === undefined) {
        this.smDigests[k].set(applied, { digest, node: host.id });
      } else if (seen.digest !== digest) {
        const detail =
          `${host.id}'s state machine of ${g} at applied index ${applied} differs from ` +
          `${seen.node}'s at the same index (digest ${digest} vs ${seen.digest}); ${host.id} ` +
          `has ${clip(json)}`;
        return this.report(host, {
          invariant: 'state-machine-divergence',
          group: g,
          node: host.id,
          detail,
        });
      }
    }
  }

  /**
   * A joining node's self-add is done once its own membership check (each second of its clock)
   * sees it a voter of every group with a leader; until then removing it would be undone.
   */
  private watchJoin(host: NodeHost): void {
    const node = host.node;
    if (node === null) return;
    const member = this.groups.every((g) => {
      const st = node.status(g);
      return (
        st.conf.voters.includes(host.id) && st.conf.outgoing.length === 0 && st.leader !== null
      );
    });
    if (!member) {
      host.joinSeenMs = -1;
    } else if (host.joinSeenMs < 0) {
      host.joinSeenMs = node.nowMs;
    } else if (node.nowMs - host.joinSeenMs > MEMBER_RETRY_MS + this.tickMs) {
      host.joinPending = false;
    }
  }

  /** Does node's disk hold (index, term) of the group, or a snapshot covering it? */
  private durableHolds(id: NodeId, group: GroupId, index: number, term: number): boolean {
    const d = this.hosts.get(id)?.disk.durable[group];
    if (d === undefined) return false;
    const snapIndex = d.snapshot?.meta.index ?? 0;
    if (index < snapIndex) return true;
    if (index === snapIndex) return d.snapshot!.meta.term === term;
    return d.entries[index - snapIndex - 1]?.term === term;
  }

  private get pruneEvery(): number {
    return this.opts.pruneEveryEvents ?? DEFAULT_PRUNE_EVERY_EVENTS;
  }

  /**
   * Let the checker forget indexes below every member's snapshot point, in memory and on disk
   * (the lower of the two): no log can hold them again. Removed nodes do not hold it back.
   */
  private pruneChecker(): void {
    this.groups.forEach((g, k) => {
      let low = Infinity;
      for (const host of this.hosts.values()) {
        if (host.removed) continue;
        const diskSnap = host.disk.durable[g]?.snapshot?.meta.index ?? 0;
        const memSnap = host.node === null ? diskSnap : host.view[k].log.firstIndex() - 1;
        low = Math.min(low, diskSnap, memSnap);
      }
      if (low > 0 && low !== Infinity) {
        this.checker!.prune(g, low);
        const digests = this.smDigests[k];
        for (const i of digests.keys()) if (i < low) digests.delete(i);
      }
    });
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
    if (this.tap.enabled) {
      const call = describeRequest(req.group, req.kind, payload);
      if (call) {
        this.record(id, invokeEvent(call, handle.id, payload));
      }
    }
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

  /**
   * A handle settled before its deadline stays in `timeouts` until then; at a high write rate
   * that is most of them, holding every payload for the whole timeout. Once settled ones are
   * the larger part of the list, drop them all at once (amortized O(1) per settle).
   */
  private noteSettledEarly(): void {
    const q = this.timeouts;
    if (
      ++this.timeoutsSettled <= 1024 ||
      this.timeoutsSettled * 2 <= q.length - this.timeoutsHead
    ) {
      return;
    }
    let n = 0;
    for (let i = this.timeoutsHead; i < q.length; i++) {
      if (q[i].outcome === 'pending') q[n++] = q[i];
    }
    q.length = n;
    this.timeoutsHead = 0;
    this.timeoutsSettled = 0;
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
    if (outcome !== 'timeout') this.noteSettledEarly();
    handle.outcome = outcome;
    handle.reply = reply;
    handle.settledMs = this.nowMs;
    this.pending.delete(handle.id);
    this.hosts.get(handle.node)?.waiting.delete(handle);
    if (this.tap.enabled) {
      const call = describeRequest(handle.group, handle.kind, handle.payload);
      if (call) {
        const answered = outcome === 'ok' || outcome === 'fail' ? reply : null;
        const { type, result } = describeOutcome(call, answered);
        this.record(handle.node, {
          type,
          ...call,
          process: handle.id,
          requestId: handle.id,
          result,
        });
      }
    }
    handle.onSettle?.(handle);
  }
}

function sameMembers(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
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
