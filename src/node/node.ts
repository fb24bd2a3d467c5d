// The sans-IO node: one Raft group per processor (multi-raft), all sharing one transport. This
// file wires the concerns together: the inputs (tick, receive, persisted, request, operator
// commands), inspection, and the Ready loop; requests.ts holds the write/read paths and
// forwarding, membership.ts the membership retries, snapshots.ts the snapshots, apply.ts the
// state machine, traceEvents.ts the trace bodies, constants.ts Nacos's timeouts and texts.
// Ordering kept: one persist transaction at a time (group commit: whatever the groups produce
// while it is in flight goes into the next one); messages of a Ready go out only after its
// transaction is durable, and messages taken while a transaction is in flight wait for the next
// one (a leader's replication messages excepted, thesis §10.2.1); committed entries are applied
// in log order, each as soon as it is committed and durable on this node, even while a later
// write is in flight (etcd's asynchronous storage writes).
import { Raft, cloneConf, type RaftBootstrap } from '../raft/raft.ts';
import { SeededRng } from '../raft/rand.ts';
import type { ConfState, Entry, GroupId, NodeId, Ready } from '../raft/types.ts';
import { createProcessor } from '../cp/processors.ts';
import { applyEntry, enterError } from './apply.ts';
import { checkSumMatches } from './snapshotFiles.ts';
import {
  DEFAULT_FIDELITY,
  ERR_SNAPSHOT_CHECKSUM,
  MEMBER_RETRY_MS,
  REMOVE_PEER_MAX_ATTEMPTS,
  errNoGroup,
  firstSnapshotDelayMs,
  routeRefreshPeriodMs,
  toTicks,
} from './constants.ts';
import { driveMemberOps, driveNacosRemoval } from './membership.ts';
import { NodeState, type GroupHost, type NodeMetrics, type RouteEntry } from './nodeState.ts';
import {
  expireRequests,
  failDroppedProposals,
  handleForward,
  handleForwardResponse,
  handleRequest,
  maybeRefreshRoute,
  onReadState,
  serveReadyReads,
} from './requests.ts';
import {
  loadSnapshot,
  maybeSnapshotByCount,
  maybeSnapshotByTime,
  snapshotIntervalMs,
  takeSnapshot,
} from './snapshots.ts';
import { emptyGroupState } from './storage.ts';
import {
  appendEvent,
  coreEventTrace,
  metadataUpdate,
  nodeStartEvent,
  persistEvent,
  recoveredEvent,
  snapshotEvent,
} from './traceEvents.ts';
import type {
  ClientRequest,
  DurableState,
  Effect,
  NodeConfig,
  PersistGroupBatch,
  WireMessage,
} from './types.ts';

// The node's public surface stays importable from here (hosts and tests import this file).
export {
  ERR_IS_NOT_LEADER,
  ERR_READ_STATE_ERROR,
  LESSON_TIMING,
  MEMBER_RETRY_MS,
  NACOS_MIN_ELECTION_TIMEOUT_MS,
  NACOS_TIMING,
  READ_TIMEOUT_MS,
  REMOVE_PEER_MAX_ATTEMPTS,
  WRITE_TIMEOUT_MS,
  errNoGroup,
  errNoLeader,
  errNotLeaderReceiver,
  toTicks,
} from './constants.ts';
export { timedSnapshotIntervalMs } from './snapshots.ts';
export { writeCommand, type Command, type NodeMetrics } from './nodeState.ts';

export interface GroupStatus {
  role: Raft['role'];
  term: number;
  votedFor: NodeId | null;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  firstIndex: number;
  conf: ConfState;
  errored: boolean;
  errMsg: string | null;
}

export class RaftNode {
  readonly id: NodeId;
  readonly cfg: NodeConfig;
  private readonly n: NodeState;
  private persisting: { token: number; groups: GroupHost[] } | null = null;
  /**
   * Messages taken from a group while a transaction was in flight that may promise something
   * about this node's disk (acknowledgements, votes): they go out with the group's next Ready,
   * which is durable only once everything the group held then is.
   */
  private held = new Map<GroupId, Ready['messages']>();
  private nextMemberCheckMs = 0;
  private nextToken = 1;
  /** What the node booted from, traced by start() (null: a fresh node with an empty disk). */
  private booted: DurableState | null;
  /** Groups whose stored snapshot failed its check at boot: they enter ERROR in start(). */
  private bootSnapshotErrors = new Map<GroupId, unknown>();

  constructor(cfg: NodeConfig, durable: DurableState | null) {
    this.id = cfg.id;
    this.cfg = cfg;
    this.n = new NodeState(cfg);
    this.booted = durable;
    const ticks = toTicks(cfg.timing);
    const rng = new SeededRng(cfg.seed);
    const electionMs = ticks.electionTicks * cfg.timing.tickMs;
    // The route table's random period per group, drawn from its own fork taken after the Raft
    // cores' (so the cores' timers are the same whichever fidelity runs).
    const routes: RouteEntry[] = [];
    for (const group of cfg.groups) {
      const disk = durable?.[group] ?? emptyGroupState();
      const boot: RaftBootstrap = {
        hardState: disk.hardState,
        entries: disk.entries,
        snapshot: disk.snapshot,
        conf: { voters: [...cfg.members], outgoing: [], learners: [] },
      };
      const raft = new Raft(
        {
          id: cfg.id,
          group,
          ...ticks,
          maxInflight: cfg.maxInflight ?? 256,
          maxEntriesPerMsg: cfg.maxEntriesPerMsg ?? 1024,
          ...(cfg.logArchive !== undefined ? { logArchive: cfg.logArchive } : {}),
          readOnly: cfg.readOnly ?? 'safe',
          trace: this.n.traceEnabled,
          fidelity: cfg.fidelity ?? DEFAULT_FIDELITY,
        },
        rng.fork(),
        boot,
      );
      const route: RouteEntry = {
        leader: null,
        nextRefreshMs: electionMs,
        periodMs: electionMs,
        asking: null,
      };
      routes.push(route);
      const sm = createProcessor(group);
      // Under nacos the stored snapshot's checksum is checked first (see restoreChecked); one
      // that fails leaves the state machine empty and the group enters ERROR once started.
      if (disk.snapshot) {
        try {
          if (this.n.nacos && !checkSumMatches(disk.snapshot))
            throw new Error(ERR_SNAPSHOT_CHECKSUM);
          sm.restore(disk.snapshot.data);
        } catch (err) {
          this.bootSnapshotErrors.set(group, err);
        }
      }
      this.n.groups.set(group, {
        id: group,
        raft,
        sm,
        proposals: new Map(),
        reads: new Map(),
        readyReads: [],
        smIndex: disk.snapshot?.meta.index ?? 0,
        incarnation: (disk.incarnation ?? 0) + 1,
        incarnationToSave: true,
        failNextApply: false,
        lastMeta: null,
        ready: null,
        savedHard: { ...disk.hardState },
        unsavedHard: null,
        persisted: null,
        snapshotToSave: null,
        lastSnapshotIndex: disk.snapshot?.meta.index ?? 0,
        lastSnapshotAtMs: 0,
        nextSnapshotAtMs: 0,
        memberTarget: { hint: null, distrustLeader: false, turn: 0 },
        memberOps: cfg.join ? [{ op: 'add', peer: cfg.id, attempt: 0, maxAttempts: Infinity }] : [],
        route,
        leaderStart: null,
        startedTerm: -1,
        confApplied: null,
        tracedRole: { role: raft.role, term: raft.term, leader: raft.leader },
        nacosMeta: {
          leader: null,
          term: 0,
          members: [],
          errMsg: null,
          followed: null,
          confIndex: disk.snapshot?.meta.index ?? 0,
          errReported: false,
        },
      });
    }
    const routeRng = rng.fork();
    for (const route of routes) {
      route.periodMs = routeRefreshPeriodMs(cfg.timing, routeRng.float());
    }
    // JRaft's snapshot timer, first period randomized; drawn last so no other draw moves.
    const every = snapshotIntervalMs(cfg);
    if (this.n.nacos && every > 0) {
      const snapRng = rng.fork();
      for (const g of this.n.groups.values()) {
        g.nextSnapshotAtMs = firstSnapshotDelayMs(every, snapRng.float());
      }
    }
  }

  /** Node-local time: ticks × tickMs. Deadlines are measured on it. */
  get nowMs(): number {
    return this.n.nowMs;
  }

  /** Set false to skip building trace events (benchmarks). */
  get traceEnabled(): boolean {
    return this.n.traceEnabled;
  }

  set traceEnabled(on: boolean) {
    this.n.traceEnabled = on;
    // The core then skips building the events only the trace reads.
    for (const g of this.n.groups.values()) g.raft.cfg.trace = on;
  }

  get metrics(): NodeMetrics {
    return this.n.metrics;
  }

  // ───────────────────────────── inputs ─────────────────────────────

  start(): Effect[] {
    this.n.trace(nodeStartEvent(this.cfg.members));
    // A node that booted from a disk says what it loaded, group by group: a reader rebuilds the
    // node from this rather than from the writes it traced (a crash can cut those short).
    const booted = this.booted;
    if (booted !== null) {
      for (const g of this.n.groups.values()) {
        this.n.trace(recoveredEvent(g.id, booted[g.id] ?? emptyGroupState()));
      }
      this.booted = null;
    }
    for (const [group, err] of this.bootSnapshotErrors) {
      const g = this.n.groups.get(group);
      if (g) enterError(this.n, g, null, err);
    }
    this.bootSnapshotErrors.clear();
    for (const g of this.n.groups.values()) this.maybeEmitMetadata(g);
    this.flush();
    return this.n.drain();
  }

  tick(): Effect[] {
    const n = this.n;
    n.nowMs += this.cfg.timing.tickMs;
    for (const g of n.groups.values()) {
      g.raft.tick();
      maybeSnapshotByTime(n, g);
      maybeRefreshRoute(n, g);
    }
    expireRequests(n);
    for (const g of n.groups.values()) driveNacosRemoval(n, g);
    if (n.nowMs >= this.nextMemberCheckMs) {
      this.nextMemberCheckMs = n.nowMs + MEMBER_RETRY_MS;
      for (const g of n.groups.values()) driveMemberOps(n, g);
    }
    this.flush();
    return n.drain();
  }

  receive(msg: WireMessage): Effect[] {
    if (msg.type === 'Forward') handleForward(this.n, msg);
    else if (msg.type === 'ForwardResponse') handleForwardResponse(this.n, msg);
    else {
      const g = this.n.groups.get(msg.group);
      if (g) g.raft.step(msg);
    }
    this.flush();
    return this.n.drain();
  }

  persisted(token: number): Effect[] {
    const p = this.persisting;
    if (!p || p.token !== token)
      throw new Error(`${this.id}: persisted(${token}) was not expected`);
    this.persisting = null;
    for (const g of p.groups) this.completeReady(g);
    this.flush();
    return this.n.drain();
  }

  request(req: ClientRequest): Effect[] {
    handleRequest(this.n, req);
    this.flush();
    return this.n.drain();
  }

  /** Make this group's state machine throw on its next apply (fault injection). */
  failNextApply(group: GroupId): void {
    const g = this.n.groups.get(group);
    if (!g) throw new Error(errNoGroup(group));
    g.failNextApply = true;
  }

  /**
   * Start a leadership transfer of `group` to `target` (leader only). `refused` is the node's
   * reason when it would not start one (SOFAJRaft's texts under 'nacos'); the refusal is traced.
   */
  transferLeader(group: GroupId, target: NodeId): { effects: Effect[]; refused: string | null } {
    const res = this.groupOrThrow(group).raft.transferLeader(target);
    this.flush();
    return { effects: this.n.drain(), refused: res.ok ? null : res.error };
  }

  /** Take a snapshot of `group` now (on demand), compacting the log behind it. */
  snapshotNow(group: GroupId): Effect[] {
    takeSnapshot(this.n, this.groupOrThrow(group));
    this.flush();
    return this.n.drain();
  }

  /**
   * Ask the cluster to add or remove `peer` in `group`: this node sends the change to the
   * leader (or makes it, when leader). Textbook: retried each second until it took effect (a
   * removal up to five times). A removal under nacos: one real attempt, then Nacos's second
   * call, 100 ms after a failure, which does nothing (see membership.ts driveNacosRemoval).
   */
  memberChange(group: GroupId, op: 'add' | 'remove', peer: NodeId): Effect[] {
    const g = this.groupOrThrow(group);
    const nacosRemoval = op === 'remove' && this.n.nacos;
    g.memberOps.push({
      op,
      peer,
      attempt: 0,
      maxAttempts: op === 'remove' ? REMOVE_PEER_MAX_ATTEMPTS : Infinity,
      ...(nacosRemoval ? { nacos: { phase: 'start' as const, untilMs: 0, target: null } } : {}),
    });
    if (nacosRemoval) driveNacosRemoval(this.n, g);
    else driveMemberOps(this.n, g);
    this.flush();
    return this.n.drain();
  }

  // ───────────────────────────── inspection ─────────────────────────────

  groupIds(): GroupId[] {
    return [...this.n.groups.keys()];
  }

  status(group: GroupId): GroupStatus {
    const r = this.groupOrThrow(group).raft;
    return {
      role: r.role,
      term: r.term,
      votedFor: r.votedFor,
      leader: r.leader,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      firstIndex: r.log.firstIndex(),
      conf: cloneConf(r.conf),
      errored: r.errored !== null,
      errMsg: r.errored,
    };
  }

  log(group: GroupId): {
    firstIndex: number;
    lastIndex: number;
    term(i: number): number | undefined;
    entry(i: number): Entry | undefined;
  } {
    const log = this.groupOrThrow(group).raft.log;
    return {
      firstIndex: log.firstIndex(),
      lastIndex: log.lastIndex(),
      term: (i) => log.term(i),
      entry: (i) => log.entry(i),
    };
  }

  /** The state machine's contents, for comparing nodes. */
  appliedState(group: GroupId): unknown {
    return this.groupOrThrow(group).sm.snapshot();
  }

  /** The Raft instance of a group, for tests and the simulator's inspection only. */
  raft(group: GroupId): Raft {
    return this.groupOrThrow(group).raft;
  }

  private groupOrThrow(group: GroupId): GroupHost {
    const g = this.n.groups.get(group);
    if (!g) throw new Error(errNoGroup(group));
    return g;
  }

  // ───────────────────────────── Ready loop ─────────────────────────────

  /** Drain every group's Ready, batching what needs the disk into one transaction. */
  private flush(): void {
    while (this.persisting === null) {
      const needDisk: GroupHost[] = [];
      const immediate: GroupHost[] = [];
      for (const g of this.n.groups.values()) {
        const rd = g.raft.hasReady() ? g.raft.ready() : null;
        g.ready = rd;
        const held = this.held.get(g.id);
        if (held) {
          this.held.delete(g.id);
          // Nothing of this group is unstable any more: what the held messages promised is durable.
          if (rd) rd.messages = held.concat(rd.messages);
          else for (const m of held) this.n.out.push({ type: 'send', msg: m });
        }
        if (rd) {
          this.traceCoreEvents(g, rd);
          this.takeCoreSignals(g, rd);
          // A new term or leader reaches the trace with the Ready that shows it, not once its
          // write is durable: the views show what the node holds in memory, and a follower that
          // moves to a higher term has no role change to report it.
          this.maybeEmitMetadata(g);
        }
        // Like JRaft, the commit index alone is not worth a disk write before applying: it is
        // only a hint after a restart (a lower one is always safe). It rides along with the next
        // write that must be durable (term, vote, entries, snapshot).
        let hardNeedsDisk = false;
        if (rd?.hardState) {
          const saved = g.savedHard;
          hardNeedsDisk =
            rd.hardState.term !== saved.term || rd.hardState.votedFor !== saved.votedFor;
          if (!hardNeedsDisk) g.unsavedHard = rd.hardState;
        }
        const disk = rd !== null && (hardNeedsDisk || rd.entries.length > 0 || rd.snapshot);
        if (disk || g.snapshotToSave || g.incarnationToSave) needDisk.push(g);
        else if (rd) immediate.push(g);
      }
      for (const g of immediate) this.completeReady(g);
      if (needDisk.length > 0) {
        const token = this.nextToken++;
        this.persisting = { token, groups: needDisk };
        const parts: PersistGroupBatch[] = needDisk.map((g) => this.persistPart(g));
        this.n.out.push({ type: 'persist', token, batch: { groups: parts } });
        for (const g of needDisk) this.sendLeaderMessagesEarly(g, g.ready);
        // Entries this node already holds on disk need not wait for the write just started.
        for (const g of needDisk) this.applyDurableCommitted(g);
        this.flushWithoutStorage();
        return;
      }
      if (immediate.length === 0) return;
    }
    this.flushWithoutStorage();
  }

  /**
   * While a transaction is in flight, take from each group what needs no disk write: apply the
   * entries that are committed and durable here, answer reads, send a leader's replication
   * messages; hold the other messages for the group's next Ready. Acknowledgements thus still
   * leave only once what they acknowledge is durable, while commits no longer wait for a second
   * write to end before they are applied and answered.
   */
  private flushWithoutStorage(): void {
    const n = this.n;
    for (let again = true; again;) {
      again = false;
      for (const g of n.groups.values()) {
        if (!g.raft.hasReadyWithoutStorage()) continue;
        again = true;
        const rd = g.raft.readyWithoutStorage();
        this.traceCoreEvents(g, rd);
        this.takeCoreSignals(g, rd);
        if (rd.hardState) g.unsavedHard = rd.hardState;
        this.sendLeaderMessagesEarly(g, rd);
        if (rd.messages.length > 0) {
          const held = this.held.get(g.id);
          if (held) held.push(...rd.messages);
          else this.held.set(g.id, rd.messages);
        }
        let last = 0;
        for (const e of rd.committed) {
          if (!applyEntry(n, g, e)) break;
          g.smIndex = e.index;
          last = e.index;
        }
        if (last > 0) g.raft.appliedTo(last);
        for (const rs of rd.readStates) onReadState(n, g, rs.ctx, rs.index, rs.error);
        serveReadyReads(n, g);
        this.maybeEmitMetadata(g);
        if (last > 0) maybeSnapshotByCount(n, g);
      }
    }
  }

  /**
   * Apply at once the committed entries of the Ready being written that were durable on this
   * node before it (index ≤ stable index): only the rest waits for the transaction. Not when the
   * Ready installs a snapshot: the state machine must load it first.
   */
  private applyDurableCommitted(g: GroupHost): void {
    const rd = g.ready;
    if (!rd || rd.snapshot || rd.committed.length === 0) return;
    const stable = g.raft.log.stableIndex;
    let k = 0;
    for (; k < rd.committed.length && rd.committed[k].index <= stable; k++) {
      const e = rd.committed[k];
      if (!applyEntry(this.n, g, e)) {
        // The group is in ERROR now: nothing more of this Ready is applied (completeReady).
        rd.committed = [];
        if (e.index - 1 > g.raft.log.applied) g.raft.appliedTo(e.index - 1);
        return;
      }
      g.smIndex = e.index;
    }
    if (k === 0) return;
    g.raft.appliedTo(rd.committed[k - 1].index);
    rd.committed = rd.committed.slice(k);
    serveReadyReads(this.n, g);
  }

  private traceCoreEvents(g: GroupHost, rd: Ready): void {
    if (!this.n.traceEnabled) return;
    const tickMs = this.n.cfg.timing.tickMs;
    // Truncations come before the entries that replace them, so a reader's log is right at
    // every event; then the entries that entered the log with this Ready.
    for (const ev of rd.events) {
      if (ev.type === 'role') g.tracedRole = { role: ev.to, term: ev.term, leader: ev.leader };
      const body = coreEventTrace(g.id, ev, tickMs);
      if (body) this.n.trace(body);
    }
    // The core took an installed snapshot into its log (compacted, committed and applied up to
    // it); the state machine loads it once it is durable ('load').
    if (rd.snapshot) {
      const m = rd.snapshot.meta;
      this.n.trace(snapshotEvent(g.id, m.index, m.term, 'install'));
    }
    if (rd.entries.length > 0) this.n.trace(appendEvent(g.id, rd.entries));
  }

  /**
   * A leader's replication messages do not wait for its own disk (thesis §10.2.1): it may send
   * AppendEntries while it writes the same entries, since it counts itself toward a commit only
   * once they are durable (Raft.advance) and its term was made durable before it campaigned.
   * Everything that promises something about this node's disk (votes, acknowledgements) still
   * waits for the transaction.
   */
  private sendLeaderMessagesEarly(g: GroupHost, rd: Ready | null): void {
    if (!rd || g.raft.role !== 'leader' || rd.messages.length === 0) return;
    const later: Ready['messages'] = [];
    for (const m of rd.messages) {
      const early =
        m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';
      if (early) this.n.out.push({ type: 'send', msg: m });
      else later.push(m);
    }
    rd.messages = later;
  }

  /** What `g` writes in this transaction: its Ready's durable parts and any pending commit. */
  private persistPart(g: GroupHost): PersistGroupBatch {
    const rd = g.ready;
    // An installed snapshot supersedes a local one taken before it.
    const snapshot = rd?.snapshot ?? g.snapshotToSave;
    g.snapshotToSave = null;
    const hardState = rd?.hardState ?? g.unsavedHard;
    g.unsavedHard = null;
    if (hardState) g.savedHard = hardState;
    const part: PersistGroupBatch = {
      group: g.id,
      hardState,
      entries: rd?.entries ?? [],
      snapshot,
    };
    // The disk holds what memory calls stable, and beyond it at most entries this batch's
    // `entries` replace. An installed snapshot that did not match the log leaves memory with
    // nothing stable after the snapshot (RaftLog.restoreSnapshot): then the disk must drop its
    // entries after the snapshot too, in this same write, or a restart revives entries (even
    // configuration entries) that are not the leader's and breaks log matching.
    if (snapshot && g.raft.log.stableIndex <= snapshot.meta.index) part.discardLog = true;
    if (g.incarnationToSave) {
      part.incarnation = g.incarnation;
      g.incarnationToSave = false;
    }
    g.persisted = part;
    return part;
  }

  /** The Ready of `g` is durable: trace it, send, apply, answer reads, advance. */
  private completeReady(g: GroupHost): void {
    const n = this.n;
    const part = g.persisted;
    g.persisted = null;
    if (part && n.traceEnabled) n.trace(persistEvent(g.id, part, g.savedHard));
    const rd = g.ready;
    if (!rd) return; // The transaction only saved a local snapshot or the boot number.
    g.ready = null;
    for (const m of rd.messages) n.out.push({ type: 'send', msg: m });
    let applied = Infinity;
    if (rd.snapshot && !loadSnapshot(n, g, rd.snapshot)) applied = g.raft.log.applied;
    // The state machine failed on an entry applied ahead of the write (applyDurableCommitted).
    if (g.raft.errored !== null && applied === Infinity) applied = g.raft.log.applied;
    if (applied === Infinity) {
      for (const e of rd.committed) {
        if (!applyEntry(n, g, e)) {
          applied = e.index - 1;
          break;
        }
        g.smIndex = e.index;
      }
    }
    for (const rs of rd.readStates) onReadState(n, g, rs.ctx, rs.index, rs.error);
    g.raft.advance(applied);
    serveReadyReads(n, g);
    this.maybeEmitMetadata(g);
    if (rd.snapshot) g.lastSnapshotIndex = rd.snapshot.meta.index;
    maybeSnapshotByCount(n, g);
  }

  /**
   * What the core tells the host besides its log: the proposals it gave up on stepping down
   * (answered at once, Nacos) and the leader's start, acted on once applied up to its index.
   */
  private takeCoreSignals(g: GroupHost, rd: Ready): void {
    if (rd.droppedProposals.length > 0) failDroppedProposals(this.n, g, rd.droppedProposals);
    if (rd.leaderStart !== null) g.leaderStart = rd.leaderStart;
  }

  /**
   * Nacos's metadata events: leader, term, members, errMsg. The textbook emits one whenever
   * they change. Under nacos a leader reports itself only once Nacos's onLeaderStart ran (the
   * core's Ready.leaderStart, once the state machine applied up to it), and events come only on
   * Nacos's four occasions (nacosMetadata).
   */
  private maybeEmitMetadata(g: GroupHost): void {
    const r = g.raft;
    this.traceKnownLeader(g);
    const ls = g.leaderStart;
    let started = false;
    if (ls !== null && g.smIndex >= ls.index) {
      g.leaderStart = null;
      if (r.role === 'leader' && r.term === ls.term) {
        g.startedTerm = ls.term;
        started = true;
      }
    }
    if (this.n.nacos) return this.nacosMetadata(g, started);
    const update = metadataUpdate(g.id, g.lastMeta, r);
    if (!update) return;
    g.lastMeta = update.seen;
    if (update.event) this.n.trace(update.event);
  }

  /**
   * Nacos's RaftEvent → ProtocolMetaData, on its four occasions only (NacosStateMachine):
   * onLeaderStart, onStartFollowing, onConfigurationCommitted, onError. Each loads its values
   * as ProtocolMetaData#load does (JRaftProtocol's subscriber: MapUtil.putIfValNoEmpty), so an
   * empty value never overwrites: the leader is never cleared and errMsg stays set. The event
   * carries the metadata as loaded.
   */
  private nacosMetadata(g: GroupHost, started: boolean): void {
    const r = g.raft;
    const m = g.nacosMeta;
    const peers = (): NodeId[] => {
      const members = [...r.conf.voters];
      for (const id of r.conf.outgoing) if (!members.includes(id)) members.push(id);
      return members;
    };
    const load = (v: { leader?: NodeId; term?: number; members?: NodeId[]; errMsg?: string }) => {
      if (v.leader) m.leader = v.leader;
      if (v.term !== undefined) m.term = v.term;
      if (v.members !== undefined && v.members.length > 0) m.members = v.members;
      if (v.errMsg) m.errMsg = v.errMsg;
      this.n.trace({
        type: 'metadata',
        group: g.id,
        leader: m.leader,
        term: m.term,
        members: [...m.members],
        errMsg: m.errMsg,
      });
    };
    // onConfigurationCommitted: a configuration entry applied (not a joint one, which SOFAJRaft
    // keeps from the state machine), with its peers only.
    const ca = g.confApplied;
    if (ca !== null && ca.index > m.confIndex) {
      m.confIndex = ca.index;
      if (ca.conf.outgoing.length === 0) load({ members: [...ca.conf.voters] });
    }
    if (started) load({ leader: this.id, term: r.term, members: peers() });
    // onStartFollowing: a follower learned a leader (NodeImpl#resetLeaderId); losing it
    // (onStopFollowing) publishes nothing.
    const following = r.role === 'follower' && r.errored === null ? r.leader : null;
    if (following !== m.followed) {
      m.followed = following;
      if (following !== null) load({ leader: following, term: r.term, members: peers() });
    }
    if (r.errored !== null && !m.errReported) {
      m.errReported = true;
      load({ members: peers(), errMsg: r.errored });
    }
  }

  /**
   * A role event for a term or known leader the trace has not reported yet: the core reports
   * role changes only, so a follower moving to a newer term or learning (or forgetting) its
   * leader is reported here, as a follower→follower role event. The views take every node's
   * term and leader from role events; metadata events are what Nacos publishes, no more.
   */
  private traceKnownLeader(g: GroupHost): void {
    const r = g.raft;
    const t = g.tracedRole;
    if (t.role === r.role && t.term === r.term && t.leader === r.leader) return;
    g.tracedRole = { role: r.role, term: r.term, leader: r.leader };
    if (!this.n.traceEnabled) return;
    this.n.trace({
      type: 'role',
      group: g.id,
      from: t.role,
      to: r.role,
      term: r.term,
      leader: r.leader,
    });
  }
}
