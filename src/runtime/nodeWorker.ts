// The worker-side host of one node: it owns the RaftNode, its IndexedDB storage and its ports,
// drives the node's ticks from its own timer (scaled by the cluster speed and the node's clock
// skew) and executes the node's effects.
// Ordering it keeps: effects run in the order the node returned them; one persist at a time
// (the node never asks for a second before persisted()), and persisted(token) is called only
// once the transaction is complete, so nothing that depends on a write leaves before it is
// durable. While the node or the whole cluster is paused every input (tick, message, request,
// disk completion) waits in order and runs on resume. A storage error or an exception from the node stops the node for
// good (a visible 'failed' state, reported to the main thread); only a restart recovers it.
// Client requests arrive in batches on the events port and replies leave the same way, one
// message per turn each way, so a busy main thread handles one message per batch, not one
// comlink round trip per request.
import { RaftNode } from '../node/node.ts';
import type { ClientReply, ClientRequest, Effect, NodeConfig, WireMessage } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { traceEvent } from '../trace/recorder.ts';
import { clusterClockFrom, RateClock, wallNowMs, type ClockState } from './clock.ts';
import { IdbStorage, StorageError, type Durability, type StorageErrorKind } from './idbStorage.ts';
import { PortTransport } from './portTransport.ts';
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

/**
 * Trace events go to the main thread this often, or sooner when this many wait; with nothing to
 * send, the worker still says how far its clock has got (the page's merge waits for that).
 */
export const TRACE_FLUSH_MS = 50;
export const TRACE_FLUSH_EVENTS = 512;
/** After a stall (a busy or throttled thread), catch up at most this many ticks at once. */
const MAX_CATCHUP_TICKS = 5;
const MAX_RECORDED_BATCHES = 200_000;

/** A disk write this long unfinished (wall ms) is reported as a stall (trace fault disk-stall). */
const DISK_STALL_MS = 2_000;

export class NodeHost implements NodeWorkerApi {
  private node: RaftNode | null = null;
  private storage: IdbStorage | null = null;
  private transport: PortTransport | null = null;
  private events: MessagePort | null = null;
  private config: NodeConfig | null = null;
  private started = false;
  private failure: string | null = null;

  /** Cluster time, read from the main thread's anchor. */
  clusterClock = new RateClock(0, 0);
  private clock: ClockState = { speed: 1, paused: true, clusterMs: 0, wallMs: wallNowMs() };
  /** Node-local time: runs at speed × skew while neither the cluster nor the node is paused. */
  private readonly localClock = new RateClock(0, 0);
  private skew = 1;
  private paused = false;
  private ticks = 0;
  private tickTimer: ReturnType<typeof setTimeout> | null = null;

  /** Inputs that arrived while paused, run in order on resume. */
  private waiting: (() => void)[] = [];
  private readonly replies = new Map<string, (reply: ClientReply) => void>();
  /** Replies made this turn, posted together at its end (queueReply). */
  private replyBox: [string, ClientReply][] = [];

  private traceOn = true;
  /** Test hook: block the thread this long after the next send (0: off). */
  private blockAfterSendMs = 0;
  traceMessages = true;
  private traceBuffer: TraceEvent[] = [];
  private traceTimer: ReturnType<typeof setInterval> | null = null;
  private lastT = 0;

  private storageStats = { transactions: 0, entries: 0, batchSizes: [] as number[], txMs: 0 };
  /** Benchmarks: a 20 ms timer that measures how late it fires (GC pauses, long tasks). */
  private loopProbe: ReturnType<typeof setInterval> | null = null;
  private loopStallMs = 0;
  /** The write in flight (wall ms it started, entries), for the disk-stall watch. */
  private writing: { startedMs: number; entries: number; stalled: boolean } | null = null;
  private stallTimer: ReturnType<typeof setTimeout> | null = null;
  private recordBatches = false;

  get self(): NodeId {
    return this.config?.id ?? '?';
  }

  /** Whether the node runs `group` (the transport drops Raft messages of other groups). */
  knowsGroup(group: GroupId): boolean {
    return this.config?.groups.includes(group) ?? false;
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  async init(init: WorkerInit): Promise<InitResult> {
    if (this.config !== null) throw new Error(`${init.config.id}: init called twice`);
    this.config = init.config;
    this.events = init.events;
    this.events.onmessage = (ev: MessageEvent<RequestBatch>) => {
      if (ev.data.type !== 'requests') return;
      for (const req of ev.data.requests)
        this.accept(req, (reply) => this.queueReply(req.id, reply));
    };
    this.traceOn = init.trace;
    this.traceMessages = init.trace && init.traceMessages;
    this.skew = init.skew;
    this.paused = init.paused;
    this.setClock(init.clock);
    const storage = await IdbStorage.open(init.clusterId, init.config.id, {
      durability: init.durability,
      onClosed: (err) => this.fail(err.kind, err.message),
    });
    this.storage = storage;
    const groups = init.config.groups;
    let loaded = await storage.load(groups);
    const restarted = loaded.record !== null;
    if (!restarted) {
      if (init.initial !== null) {
        // Seed the fresh database with the scenario's initial state, as one transaction.
        await storage.write({
          groups: Object.entries(init.initial).map(([group, g]) => ({
            group,
            hardState: g.hardState,
            entries: g.entries,
            snapshot: g.snapshot,
          })),
        });
        loaded = await storage.load(groups);
      }
      await storage.saveRecord({
        id: init.config.id,
        clusterId: init.clusterId,
        members: [...init.config.members],
        groups: [...groups],
        join: init.config.join ?? false,
      });
    } else {
      // The configuration is part of what the node recovers from its disk.
      const r = loaded.record!;
      this.config = {
        ...init.config,
        members: [...r.members],
        groups: [...r.groups],
        join: r.join,
      };
    }
    const cfg = this.config;
    const node = new RaftNode(cfg, loaded.durable);
    node.traceEnabled = this.traceOn;
    this.node = node;
    this.transport = new PortTransport(
      this,
      new SeededRng(init.networkSeed),
      init.msgIdBase,
      init.network,
    );
    this.updateRates();
    const onDisk: InitResult['groups'] = {};
    for (const g of cfg.groups) {
      const d = loaded.durable[g];
      const snapshotIndex = d?.snapshot?.meta.index ?? 0;
      onDisk[g] = {
        term: d?.hardState.term ?? 0,
        lastIndex: snapshotIndex + (d?.entries.length ?? 0),
        snapshotIndex,
      };
    }
    return { restarted, members: [...cfg.members], join: cfg.join ?? false, groups: onDisk };
  }

  connect(peer: NodeId, port: MessagePort): void {
    this.transportOrThrow().connect(peer, port);
  }

  disconnect(peer: NodeId): void {
    this.transport?.disconnect(peer);
  }

  start(): void {
    const node = this.nodeOrThrow();
    if (this.started) return;
    this.started = true;
    // Local time starts now, so the first tick comes one tick after start.
    this.localClock.set(0, this.localClock.rate, wallNowMs());
    this.input(() => this.run(node.start()));
    this.scheduleTick();
  }

  // ───────────────────────────── time ─────────────────────────────

  setClock(clock: ClockState): void {
    this.clock = clock;
    const fresh = clusterClockFrom(clock);
    this.clusterClock.set(clock.clusterMs, fresh.rate, clock.wallMs);
    this.updateRates();
    this.runWaiting();
  }

  setSkew(rate: number): void {
    if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`skew must be > 0, got ${rate}`);
    this.skew = rate;
    this.updateRates();
  }

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.updateRates();
    this.runWaiting();
  }

  /** The node takes no input: it or the whole cluster is paused. */
  private get stopped(): boolean {
    return this.paused || this.clock.paused;
  }

  /** Run the inputs that waited while the node was stopped, in order. */
  private runWaiting(): void {
    if (this.stopped || this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const fn of waiting) {
      if (this.stopped) this.waiting.push(fn);
      else fn();
    }
  }

  /** Re-derive the local clock's rate and re-arm the timers after any time setting changed. */
  private updateRates(): void {
    const stopped = this.stopped;
    this.localClock.setRate(stopped ? 0 : this.clock.speed * this.skew);
    this.transport?.setFrozen(stopped);
    this.scheduleTick();
  }

  private scheduleTick(): void {
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    if (!this.started || this.failure !== null || this.node === null) return;
    const tickMs = this.node.cfg.timing.tickMs;
    const waitMs = this.localClock.wallMsUntil((this.ticks + 1) * tickMs);
    if (waitMs === Infinity) return;
    this.tickTimer = setTimeout(() => this.onTickTimer(), waitMs);
  }

  private onTickTimer(): void {
    this.tickTimer = null;
    const node = this.node;
    if (node === null || this.failure !== null) return;
    const tickMs = node.cfg.timing.tickMs;
    const due = Math.floor(this.localClock.now() / tickMs);
    let n = 0;
    while (this.ticks < due && n < MAX_CATCHUP_TICKS && this.failure === null && !this.stopped) {
      this.ticks++;
      n++;
      this.guarded(() => this.run(node.tick()));
    }
    // A long stall: the clock jumps rather than firing a burst of ticks.
    if (this.ticks < due) this.ticks = due;
    this.scheduleTick();
  }

  // ───────────────────────────── inputs ─────────────────────────────

  /** Run the node input `fn` now, or on resume while the node or the cluster is paused. */
  private input(fn: () => void): void {
    if (this.failure !== null) return;
    if (this.stopped) this.waiting.push(() => this.guarded(fn));
    else this.guarded(fn);
  }

  /** Called by the transport with a message due now. */
  deliver(msg: WireMessage): void {
    const node = this.node;
    if (node === null) return;
    this.input(() => this.run(node.receive(msg)));
  }

  request(req: ClientRequest): Promise<ClientReply> {
    return new Promise<ClientReply>((resolve) => this.accept(req, resolve));
  }

  /** Hand a client request to the node; `resolve` gets its reply (the node's, or a failure). */
  private accept(req: ClientRequest, resolve: (reply: ClientReply) => void): void {
    const node = this.node;
    if (node === null) {
      resolve({ ok: false, error: `${this.self}: the node is not initialised` });
      return;
    }
    if (this.failure !== null) {
      resolve({ ok: false, error: this.failure });
      return;
    }
    this.replies.set(req.id, resolve);
    this.input(() => this.run(node.request(req)));
  }

  /** Replies wait for the end of this turn and leave together, in the order they were made. */
  private queueReply(id: string, reply: ClientReply): void {
    this.replyBox.push([id, reply]);
    if (this.replyBox.length > 1) return;
    queueMicrotask(() => {
      const replies = this.replyBox;
      this.replyBox = [];
      this.post({ type: 'replies', replies });
    });
  }

  /** Damage this node's stored snapshot of `group`; false when none is stored. */
  corruptSnapshot(group: GroupId): Promise<boolean> {
    if (this.storage === null) throw new Error('corrupt-snapshot: the node has no storage open');
    return this.storage.corruptSnapshot(group);
  }

  failNextApply(group: GroupId): void {
    this.nodeOrThrow().failNextApply(group);
  }

  /**
   * The node's refusal (its reason), or null once the transfer has started. While the node or
   * the cluster is paused the request waits for resume like any input and this answers null at
   * once: a refusal then shows in the trace only.
   */
  transferLeader(group: GroupId, target: NodeId): string | null {
    const node = this.nodeOrThrow();
    if (this.failure !== null) return this.failure;
    let refused: string | null = null;
    this.input(() => {
      const res = node.transferLeader(group, target);
      refused = res.refused;
      this.run(res.effects);
    });
    return this.failure ?? refused;
  }

  snapshotNow(group: GroupId): void {
    const node = this.nodeOrThrow();
    this.input(() => this.run(node.snapshotNow(group)));
  }

  memberChange(group: GroupId, op: 'add' | 'remove', peer: NodeId): void {
    const node = this.nodeOrThrow();
    this.input(() => this.run(node.memberChange(group, op, peer)));
  }

  setNetwork(policy: Parameters<PortTransport['setPolicy']>[0]): void {
    this.transportOrThrow().setPolicy(policy);
  }

  setDurability(durability: Durability): void {
    if (this.storage) this.storage.durability = durability;
  }

  // ───────────────────────────── effects ─────────────────────────────

  /** Execute effects in order. An exception from the node stops it (a bug, made visible). */
  private run(effects: Effect[]): void {
    for (const e of effects) {
      if (this.failure !== null) return;
      switch (e.type) {
        case 'persist':
          this.persist(e.token, e.batch);
          break;
        case 'send':
          this.transport!.send(e.msg);
          break;
        case 'trace':
          this.trace(e.event);
          break;
        case 'reply': {
          const resolve = this.replies.get(e.requestId);
          if (resolve !== undefined) {
            this.replies.delete(e.requestId);
            resolve(e.reply);
          }
          break;
        }
      }
    }
  }

  private persist(token: number, batch: Parameters<IdbStorage['write']>[0]): void {
    const storage = this.storage!;
    const startedMs = performance.now();
    let n = 0;
    for (const g of batch.groups) n += g.entries.length;
    this.writing = { startedMs, entries: n, stalled: false };
    this.watchDisk();
    storage.write(batch).then(
      () => {
        const w = this.writing;
        this.writing = null;
        if (w?.stalled === true) {
          const waitedMs = performance.now() - w.startedMs;
          this.trace({ type: 'fault', fault: 'disk-resume', waitedMs });
        }
        const st = this.storageStats;
        st.transactions++;
        st.entries += n;
        st.txMs += performance.now() - startedMs;
        if (this.recordBatches && st.batchSizes.length < MAX_RECORDED_BATCHES)
          st.batchSizes.push(n);
        this.input(() => this.run(this.node!.persisted(token)));
      },
      (err: unknown) => {
        const e = err instanceof StorageError ? err : new StorageError('io', String(err));
        this.fail(e.kind, e.message);
      },
    );
  }

  /**
   * Say so in the trace when a disk write has not completed after DISK_STALL_MS: the node waits
   * for it (its acknowledgements and applies with it), and without a word the page would only
   * show requests timing out. One timer at a time, re-armed for the write then in flight.
   */
  private watchDisk(): void {
    if (this.stallTimer !== null || this.writing === null) return;
    const due = this.writing.startedMs + DISK_STALL_MS - performance.now();
    this.stallTimer = setTimeout(
      () => {
        this.stallTimer = null;
        const w = this.writing;
        if (w === null || this.failure !== null) return;
        const waitedMs = performance.now() - w.startedMs;
        if (waitedMs >= DISK_STALL_MS && !w.stalled) {
          w.stalled = true;
          this.trace({ type: 'fault', fault: 'disk-stall', waitedMs, entries: w.entries });
        }
        if (!w.stalled) this.watchDisk();
      },
      Math.max(0, due),
    );
  }

  /** Run a node input; an exception from the node stops it with that message. */
  private guarded(fn: () => void): void {
    if (this.failure !== null) return;
    try {
      fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.fail('node', `${this.self}: the node failed: ${message}`);
    }
  }

  /** Stop for good: no more ticks, deliveries or disk writes; pending requests fail. */
  private fail(kind: StorageErrorKind | 'node', message: string): void {
    if (this.failure !== null) return;
    this.failure = message;
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.transport?.setFrozen(true);
    this.waiting = [];
    for (const resolve of this.replies.values()) {
      resolve({ ok: false, error: message, indeterminate: true });
    }
    this.replies.clear();
    this.trace({ type: 'fault', fault: 'node-error', kind, message });
    this.flushTrace();
    if (this.traceTimer !== null) clearInterval(this.traceTimer);
    this.traceTimer = null;
    this.post({ type: 'failed', kind, message });
  }

  // ───────────────────────────── trace ─────────────────────────────

  /** Called by the node's effects and by the transport. */
  trace(body: TraceBody): void {
    if (!this.traceOn) return;
    let t = this.clusterClock.now();
    if (t < this.lastT) t = this.lastT;
    this.lastT = t;
    this.traceBuffer.push(traceEvent(this.self, t, body));
    if (this.traceBuffer.length >= TRACE_FLUSH_EVENTS) this.flushTrace();
    else if (this.traceTimer === null && this.failure === null) {
      this.traceTimer = setInterval(() => this.flushTrace(), TRACE_FLUSH_MS);
    }
  }

  /**
   * Send what the buffer holds, with how far this worker's clock has got (`upTo`: every later
   * event is stamped no earlier), also when it holds nothing.
   */
  private flushTrace(): void {
    // The sends these events mention go on the wire first (the transport posts them at the end
    // of the turn otherwise): the page never sees a send whose frame a crash kept back.
    this.transport?.flushSends();
    const upTo = Math.max(this.lastT, this.clusterClock.now());
    this.lastT = upTo;
    const events = this.traceBuffer;
    this.traceBuffer = [];
    this.post({ type: 'trace', json: events.length === 0 ? '[]' : JSON.stringify(events), upTo });
  }

  private post(ev: WorkerEvent): void {
    this.events?.postMessage(ev);
  }

  // ───────────────────────────── inspection ─────────────────────────────

  status(): NodeStatus {
    const node = this.nodeOrThrow();
    const groups: NodeStatus['groups'] = {};
    for (const g of node.groupIds()) groups[g] = node.status(g);
    const st = this.storageStats;
    return {
      id: node.id,
      nowMs: node.nowMs,
      paused: this.paused,
      skew: this.skew,
      failure: this.failure,
      groups,
      metrics: { ...node.metrics },
      heldMessages: this.transport?.heldMessages().length ?? 0,
      storage: {
        transactions: st.transactions,
        entries: st.entries,
        batchSizes: [...st.batchSizes],
        meanTxMs: st.transactions > 0 ? st.txMs / st.transactions : 0,
        loopStallMs: this.loopStallMs,
      },
    };
  }

  log(group: GroupId): LogView {
    const node = this.nodeOrThrow();
    const log = node.log(group);
    const entries: LogView['entries'] = [];
    for (let i = log.firstIndex; i <= log.lastIndex; i++) {
      const e = log.entry(i);
      if (e === undefined) continue;
      const data = e.data as { kind?: string; op?: unknown; query?: unknown } | undefined;
      const op =
        e.type === 'normal' ? (data?.op ?? data?.query ?? null) : e.type === 'conf' ? data : null;
      entries.push([e.index, e.term, e.type, op]);
    }
    const snapshotIndex = node.raft(group).log.snapshotIndex;
    return { firstIndex: log.firstIndex, lastIndex: log.lastIndex, snapshotIndex, entries };
  }

  appliedState(group: GroupId): unknown {
    return this.nodeOrThrow().appliedState(group);
  }

  held(): HeldMessage[] {
    return this.transport?.heldMessages() ?? [];
  }

  release(msgId: number, drop: boolean): boolean {
    return this.transportOrThrow().release(msgId, drop);
  }

  tamper(msgId: number, action: 'drop' | 'duplicate'): boolean {
    return this.transportOrThrow().tamper(msgId, action);
  }

  recordStorage(on: boolean): void {
    this.recordBatches = on;
    this.storageStats = { transactions: 0, entries: 0, batchSizes: [], txMs: 0 };
    this.loopStallMs = 0;
    if (this.loopProbe === null) {
      const every = 20;
      let due = performance.now() + every;
      this.loopProbe = setInterval(() => {
        const now = performance.now();
        this.loopStallMs = Math.max(this.loopStallMs, now - due);
        due = now + every;
      }, every);
    }
  }

  // ───────────────────────────── test hooks ─────────────────────────────

  injectFrame(peer: NodeId, data: unknown): void {
    this.transportOrThrow().injectFrame(peer, data);
  }

  stallNextWrite(ms: number): void {
    if (this.storage === null) throw new Error(`${this.self}: no storage yet`);
    this.storage.stallNextWrite(ms);
  }

  /** Right after its next message is on the wire, the worker's thread is busy for `ms`. */
  blockAfterNextSend(ms: number): void {
    this.blockAfterSendMs = ms;
  }

  afterSend(): void {
    const ms = this.blockAfterSendMs;
    if (ms === 0) return;
    this.blockAfterSendMs = 0;
    // A worker that cannot run anything, its trace flush included (as a long GC or a slow
    // JSON.stringify would): the message it just sent still arrives.
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // busy
    }
  }

  failNextWrite(kind: StorageErrorKind): void {
    if (this.storage === null) throw new Error(`${this.self}: no storage yet`);
    this.storage.failNextWrite(kind);
  }

  throwUncaught(message: string): void {
    setTimeout(() => {
      throw new Error(message);
    }, 0);
  }

  private nodeOrThrow(): RaftNode {
    if (this.node === null) throw new Error(`${this.self}: the node is not initialized`);
    return this.node;
  }

  private transportOrThrow(): PortTransport {
    if (this.transport === null) throw new Error(`${this.self}: the node is not initialized`);
    return this.transport;
  }
}
