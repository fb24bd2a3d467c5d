// The sans-IO node: one Raft group per processor (multi-raft), all sharing one transport, plus
// Nacos's write/read paths (forwarding, ReadIndex with fallback through the log). Inputs are
// tick, receive, persisted, request; outputs are Effects the host executes.
// Ordering kept: one persist transaction at a time (group commit: whatever the groups produce
// while it is in flight goes into the next one); messages of a Ready go out only after its
// transaction is durable; committed entries are applied in log order before advance().
import { Raft, cloneConf, type RaftBootstrap } from '../raft/raft.ts';
import { allMembers } from '../raft/quorum.ts';
import { SeededRng } from '../raft/rand.ts';
import type {
  ConfState,
  CoreEvent,
  Entry,
  GroupId,
  HardState,
  NodeId,
  Ready,
  Snapshot,
} from '../raft/types.ts';
import { createProcessor, precheckWrite, validateOp, validateQuery } from '../cp/processors.ts';
import { InvalidRequest, type ApplyResult, type StateMachine } from '../cp/stateMachine.ts';
import type { TraceBody } from '../trace/events.ts';
import { emptyGroupState } from './storage.ts';
import type {
  ClientReply,
  ClientRequest,
  DurableState,
  Effect,
  ForwardRequest,
  ForwardResponse,
  NodeConfig,
  PersistGroupBatch,
  TimingConfig,
  WireMessage,
} from './types.ts';

/** Nacos's limits: writes wait at most 10 s, reads 5 s. */
export const WRITE_TIMEOUT_MS = 10_000;
export const READ_TIMEOUT_MS = 5_000;
/** Nacos raises smaller election timeouts to this. */
export const NACOS_MIN_ELECTION_TIMEOUT_MS = 5_000;

export const NACOS_TIMING: TimingConfig = {
  electionTimeoutMs: 5000,
  maxElectionDelayMs: 1000,
  tickMs: 100,
  profile: 'nacos',
};

/** Faster timings for live lessons, labelled as such in the UI. */
export const LESSON_TIMING: TimingConfig = {
  electionTimeoutMs: 1500,
  maxElectionDelayMs: 750,
  tickMs: 50,
  profile: 'lesson',
};

export const errNoGroup = (g: GroupId): string => `No corresponding Raft Group found : ${g}`;
export const errNoLeader = (g: GroupId): string =>
  `The Raft Group [${g}] did not find the Leader node`;
export const errNotLeaderReceiver = (g: GroupId): string => `Could not find leader : ${g}`;
export const ERR_IS_NOT_LEADER = 'Is not leader.';
export const ERR_READ_STATE_ERROR = 'Invalid state for readIndex: STATE_ERROR.';

/** The payload of a 'normal' entry: a write, or a read committed through the log. */
export type Command = { kind: 'write'; op: unknown } | { kind: 'read'; query: unknown };

/** The entry payload of a client write, for hosts that seed logs (scenarios' `initial`). */
export function writeCommand(op: unknown): Command {
  return { kind: 'write', op };
}

function isCommand(x: unknown): x is Command {
  if (typeof x !== 'object' || x === null) return false;
  const k = (x as { kind?: unknown }).kind;
  return k === 'write' || k === 'read';
}

/** A request this node must answer: its own client's, or one forwarded to it. */
interface Pending {
  requestId: string;
  group: GroupId;
  /** null: our own client; otherwise the node that forwarded it and waits for the answer. */
  origin: NodeId | null;
  kind: 'write' | 'read' | 'member';
  payload: unknown;
  deadlineMs: number;
  /** Term of the proposed entry (writes and log reads). */
  term?: number;
}

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

export interface NodeMetrics {
  readIndexFailures: number;
  leaderReads: number;
  forwardedWrites: number;
}

interface GroupHost {
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
  lastMeta: {
    leader: NodeId | null;
    term: number;
    errMsg: string | null;
    confIndex: number;
    voters: NodeId[];
    members: string;
  } | null;
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
  /** Membership changes this node drives (self-add on join, removals), retried each second. */
  memberOps: MemberOp[];
  /**
   * Where to send the next membership request: the leader a refusing member named, or, after a
   * refusal without one, the next member in turn (the leader we remember may be stale).
   */
  memberTarget: { hint: NodeId | null; distrustLeader: boolean; turn: number };
}

interface MemberOp {
  op: 'add' | 'remove';
  peer: NodeId;
  attempt: number;
  /** Nacos retries self-add until it succeeds and removal up to 5 times. */
  maxAttempts: number;
}

/** Nacos checks membership and retries add-peer every second. */
export const MEMBER_RETRY_MS = 1000;
export const REMOVE_PEER_MAX_ATTEMPTS = 5;

export function toTicks(t: TimingConfig): {
  electionTicks: number;
  electionJitterTicks: number;
  heartbeatTicks: number;
} {
  const timeoutMs =
    t.profile === 'nacos'
      ? Math.max(t.electionTimeoutMs, NACOS_MIN_ELECTION_TIMEOUT_MS)
      : t.electionTimeoutMs;
  const electionTicks = Math.max(2, Math.round(timeoutMs / t.tickMs));
  return {
    electionTicks,
    electionJitterTicks: Math.max(1, Math.round(t.maxElectionDelayMs / t.tickMs)),
    heartbeatTicks: Math.max(1, Math.floor(electionTicks / 10)),
  };
}

export class RaftNode {
  readonly id: NodeId;
  readonly cfg: NodeConfig;
  private readonly groups = new Map<GroupId, GroupHost>();
  private out: Effect[] = [];
  private persisting: { token: number; groups: GroupHost[] } | null = null;
  private nextMemberCheckMs = 0;
  private nextRequest = 1;
  private nextToken = 1;
  private nextCtx = 1;
  /** Node-local time: ticks × tickMs. Deadlines are measured on it. */
  nowMs = 0;
  /**
   * Forwarded requests already taken, by `from/requestId`, until their deadline: a duplicated
   * Forward (the network may duplicate) must not be proposed twice.
   */
  private seenForwards = new Map<string, number>();
  /** Our own requests forwarded to a leader, awaiting its answer. */
  private forwards = new Map<string, Pending & { to: NodeId }>();
  readonly metrics: NodeMetrics = { readIndexFailures: 0, leaderReads: 0, forwardedWrites: 0 };
  /** Set false to skip building trace events (benchmarks). */
  traceEnabled = true;

  constructor(cfg: NodeConfig, durable: DurableState | null) {
    this.id = cfg.id;
    this.cfg = cfg;
    const ticks = toTicks(cfg.timing);
    const rng = new SeededRng(cfg.seed);
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
          readOnly: cfg.readOnly ?? 'safe',
        },
        rng.fork(),
        boot,
      );
      const sm = createProcessor(group);
      if (disk.snapshot) sm.restore(disk.snapshot.data);
      this.groups.set(group, {
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
        memberTarget: { hint: null, distrustLeader: false, turn: 0 },
        memberOps: cfg.join ? [{ op: 'add', peer: cfg.id, attempt: 0, maxAttempts: Infinity }] : [],
      });
    }
  }

  // ───────────────────────────── inputs ─────────────────────────────

  start(): Effect[] {
    this.trace({ type: 'node-start', members: [...this.cfg.members] });
    for (const g of this.groups.values()) this.maybeEmitMetadata(g);
    this.flush();
    return this.drain();
  }

  tick(): Effect[] {
    this.nowMs += this.cfg.timing.tickMs;
    for (const g of this.groups.values()) {
      g.raft.tick();
      this.maybeSnapshotByTime(g);
    }
    this.expireRequests();
    if (this.nowMs >= this.nextMemberCheckMs) {
      this.nextMemberCheckMs = this.nowMs + MEMBER_RETRY_MS;
      for (const g of this.groups.values()) this.driveMemberOps(g);
    }
    this.flush();
    return this.drain();
  }

  receive(msg: WireMessage): Effect[] {
    if (msg.type === 'Forward') this.handleForward(msg);
    else if (msg.type === 'ForwardResponse') this.handleForwardResponse(msg);
    else {
      const g = this.groups.get(msg.group);
      if (g) g.raft.step(msg);
    }
    this.flush();
    return this.drain();
  }

  persisted(token: number): Effect[] {
    const p = this.persisting;
    if (!p || p.token !== token)
      throw new Error(`${this.id}: persisted(${token}) was not expected`);
    this.persisting = null;
    for (const g of p.groups) this.completeReady(g);
    this.flush();
    return this.drain();
  }

  request(req: ClientRequest): Effect[] {
    const deadlineMs = this.nowMs + (req.kind === 'write' ? WRITE_TIMEOUT_MS : READ_TIMEOUT_MS);
    const payload = req.kind === 'write' ? req.op : req.query;
    const p: Pending = {
      requestId: req.id,
      group: req.group,
      origin: null,
      kind: req.kind,
      payload,
      deadlineMs,
    };
    if (req.kind === 'write') this.write(req.group, p);
    else this.read(req.group, p);
    this.flush();
    return this.drain();
  }

  /** Make this group's state machine throw on its next apply (fault injection). */
  failNextApply(group: GroupId): void {
    const g = this.groups.get(group);
    if (!g) throw new Error(errNoGroup(group));
    g.failNextApply = true;
  }

  /** Start a leadership transfer of `group` to `target` (leader only). */
  transferLeader(group: GroupId, target: NodeId): Effect[] {
    this.groupOrThrow(group).raft.transferLeader(target);
    this.flush();
    return this.drain();
  }

  /** Take a snapshot of `group` now (on demand), compacting the log behind it. */
  snapshotNow(group: GroupId): Effect[] {
    this.takeSnapshot(this.groupOrThrow(group));
    this.flush();
    return this.drain();
  }

  /**
   * Ask the cluster to add or remove `peer` in `group`: this node sends the change to the
   * leader (or makes it, when leader) and retries each second until it took effect.
   */
  memberChange(group: GroupId, op: 'add' | 'remove', peer: NodeId): Effect[] {
    const g = this.groupOrThrow(group);
    g.memberOps.push({
      op,
      peer,
      attempt: 0,
      maxAttempts: op === 'remove' ? REMOVE_PEER_MAX_ATTEMPTS : Infinity,
    });
    this.driveMemberOps(g);
    this.flush();
    return this.drain();
  }

  // ───────────────────────────── inspection ─────────────────────────────

  groupIds(): GroupId[] {
    return [...this.groups.keys()];
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
    const g = this.groups.get(group);
    if (!g) throw new Error(errNoGroup(group));
    return g;
  }

  // ───────────────────────────── Ready loop ─────────────────────────────

  /** Drain every group's Ready, batching what needs the disk into one transaction. */
  private flush(): void {
    while (this.persisting === null) {
      const needDisk: GroupHost[] = [];
      const immediate: GroupHost[] = [];
      for (const g of this.groups.values()) {
        const rd = g.raft.hasReady() ? g.raft.ready() : null;
        g.ready = rd;
        if (rd) this.traceCoreEvents(g, rd.events);
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
        this.out.push({ type: 'persist', token, batch: { groups: parts } });
        for (const g of needDisk) this.sendLeaderMessagesEarly(g);
        return;
      }
      if (immediate.length === 0) return;
    }
  }

  /**
   * A leader's replication messages do not wait for its own disk (thesis §10.2.1): it may send
   * AppendEntries while it writes the same entries, since it counts itself toward a commit only
   * once they are durable (Raft.advance) and its term was made durable before it campaigned.
   * Everything that promises something about this node's disk (votes, acknowledgements) still
   * waits for the transaction.
   */
  private sendLeaderMessagesEarly(g: GroupHost): void {
    const rd = g.ready;
    if (!rd || g.raft.role !== 'leader' || rd.messages.length === 0) return;
    const later: Ready['messages'] = [];
    for (const m of rd.messages) {
      const early =
        m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';
      if (early) this.out.push({ type: 'send', msg: m });
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
    const part = g.persisted;
    g.persisted = null;
    if (part && this.traceEnabled) {
      const hs = part.hardState ?? g.savedHard;
      const n = part.entries.length;
      this.trace({
        type: 'persist',
        group: g.id,
        entries: n > 0 ? [part.entries[0].index, part.entries[n - 1].index] : null,
        term: hs.term,
        votedFor: hs.votedFor,
        commit: hs.commit,
        snapshot: part.snapshot ? part.snapshot.meta.index : null,
      });
    }
    const rd = g.ready;
    if (!rd) return; // The transaction only saved a local snapshot or the boot number.
    g.ready = null;
    for (const m of rd.messages) this.out.push({ type: 'send', msg: m });
    let applied = Infinity;
    if (rd.snapshot) {
      try {
        g.sm.restore(rd.snapshot.data);
        g.smIndex = rd.snapshot.meta.index;
        this.trace({
          type: 'snapshot',
          group: g.id,
          index: rd.snapshot.meta.index,
          term: rd.snapshot.meta.term,
          stage: 'load',
        });
      } catch (err) {
        // A snapshot the state machine cannot load is a state-machine fault, as in JRaft.
        this.enterError(g, null, err);
        applied = g.raft.log.applied;
      }
    }
    if (applied === Infinity) {
      for (const e of rd.committed) {
        if (!this.applyEntry(g, e)) {
          applied = e.index - 1;
          break;
        }
        g.smIndex = e.index;
      }
    }
    for (const rs of rd.readStates) this.onReadState(g, rs.ctx, rs.index, rs.error);
    g.raft.advance(applied);
    this.serveReadyReads(g);
    this.maybeEmitMetadata(g);
    if (rd.snapshot) g.lastSnapshotIndex = rd.snapshot.meta.index;
    this.maybeSnapshotByCount(g);
  }

  // ───────────────────────────── snapshots ─────────────────────────────

  private maybeSnapshotByCount(g: GroupHost): void {
    const every = this.cfg.snapshotIntervalEntries ?? 0;
    if (every > 0 && g.raft.log.applied - g.lastSnapshotIndex >= every) this.takeSnapshot(g);
  }

  private maybeSnapshotByTime(g: GroupHost): void {
    const every = this.cfg.snapshotIntervalMs ?? 0;
    if (every > 0 && this.nowMs - g.lastSnapshotAtMs >= every) this.takeSnapshot(g);
  }

  /** Save the state machine at the applied index and compact the log behind it. */
  private takeSnapshot(g: GroupHost): void {
    g.lastSnapshotAtMs = this.nowMs;
    const r = g.raft;
    const index = r.log.applied;
    // The state machine must hold exactly `index` (not so while an installed snapshot waits).
    if (r.errored || index <= r.log.snapshotIndex || g.smIndex !== index) return;
    const snap: Snapshot = {
      meta: { index, term: r.log.term(index)!, conf: r.confAt(index) },
      data: g.sm.snapshot(),
    };
    r.compact(snap);
    g.snapshotToSave = snap;
    g.lastSnapshotIndex = index;
    this.trace({ type: 'snapshot', group: g.id, index, term: snap.meta.term, stage: 'save' });
  }

  // ───────────────────────────── membership ─────────────────────────────

  /** One attempt per second at the first pending change (JRaftServer's registerSelfToCluster). */
  private driveMemberOps(g: GroupHost): void {
    const op = g.memberOps[0];
    if (!op) return;
    const r = g.raft;
    const done =
      op.op === 'add'
        ? r.conf.voters.includes(op.peer) && r.conf.outgoing.length === 0 && r.leader !== null
        : !r.conf.voters.includes(op.peer) && !r.conf.outgoing.includes(op.peer);
    const note = (outcome: 'request' | 'done' | 'gave-up' | 'refused', error?: string): void =>
      this.trace({
        type: 'member-change',
        group: g.id,
        op: op.op,
        peer: op.peer,
        attempt: op.attempt,
        outcome,
        ...(error ? { error } : {}),
      });
    if (done) {
      g.memberOps.shift();
      note('done');
      return;
    }
    if (op.attempt >= op.maxAttempts) {
      g.memberOps.shift();
      note('gave-up');
      return;
    }
    op.attempt++;
    if (r.role === 'leader') {
      const res = r.changePeers(targetConf(r.conf, op.op, op.peer));
      note(res.ok ? 'request' : 'refused', res.ok ? undefined : res.error);
      return;
    }
    // Not leader: send the change to the leader a member named, else the one we know, else (as
    // a joining node that knows nobody yet, like JRaft's CliService asking peers for the leader)
    // to each member in turn; a member that is not leader refuses, naming the leader it knows.
    const to = this.memberTargetOf(g);
    if (!to || to === this.id) {
      note('refused', errNoLeader(g.id));
      return;
    }
    note('request');
    // The boot number keeps ids of a restarted node apart from its earlier life's, which the
    // leader may still hold as already seen (seenForwards).
    const requestId = `${this.id}:${g.incarnation}:member:${this.nextRequest++}`;
    this.forwards.set(requestId, {
      requestId,
      group: g.id,
      origin: null,
      kind: 'member',
      payload: { op: op.op, peer: op.peer },
      deadlineMs: this.nowMs + MEMBER_RETRY_MS,
      to,
    });
    this.out.push({
      type: 'send',
      msg: {
        type: 'Forward',
        group: g.id,
        from: this.id,
        to,
        term: r.term,
        requestId,
        kind: 'member',
        payload: { op: op.op, peer: op.peer },
      },
    });
  }

  /** Apply one committed entry; false when the state machine failed (group now in ERROR). */
  private applyEntry(g: GroupHost, e: Entry): boolean {
    const waiting = g.proposals.get(e.index);
    if (waiting) g.proposals.delete(e.index);
    if (waiting && waiting.term !== e.term) {
      // Another leader's entry took this index: our proposal was overwritten, never applied.
      this.answer(waiting, { ok: false, error: 'write lost: leadership changed before commit' });
    }
    if (e.type !== 'normal') {
      if (e.type === 'conf') {
        this.trace({
          type: 'conf-change',
          group: g.id,
          phase: 'applied',
          conf: cloneConf((e.data as { conf: ConfState }).conf),
          index: e.index,
        });
      }
      return true;
    }
    if (!isCommand(e.data)) {
      // Not a client command (e.g. a log seeded by hand): nothing to apply.
      if (waiting) this.answer(waiting, { ok: false, error: 'entry carries no command' });
      return true;
    }
    const cmd = e.data;
    if (cmd.kind === 'read') {
      // Reads committed through the log are executed by the leader only (Nacos's onApply).
      if (waiting && waiting.term === e.term) {
        this.metrics.leaderReads++;
        this.answer(waiting, this.replyFrom(g.sm.query(cmd.query), waiting));
      }
      return true;
    }
    let result: ApplyResult;
    try {
      if (g.failNextApply) {
        g.failNextApply = false;
        throw new Error('injected state machine failure');
      }
      result = g.sm.apply(cmd.op);
    } catch (err) {
      this.enterError(g, e, err);
      return false;
    }
    if (this.traceEnabled) {
      this.trace({ type: 'apply', group: g.id, index: e.index, term: e.term, op: cmd.op, result });
    }
    if (waiting && waiting.term === e.term) this.answer(waiting, this.replyFrom(result, waiting));
    return true;
  }

  private enterError(g: GroupHost, e: Entry | null, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    g.raft.setError(
      e ? `apply of entry ${e.index} failed: ${msg}` : `snapshot load failed: ${msg}`,
    );
    // Outcome of in-flight writes is unknown: other nodes may still commit them.
    for (const p of g.proposals.values()) {
      this.answer(p, { ok: false, error: ERR_IS_NOT_LEADER, indeterminate: true });
    }
    g.proposals.clear();
    for (const p of g.reads.values()) this.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
    g.reads.clear();
    for (const r of g.readyReads) this.answer(r.p, { ok: false, error: ERR_READ_STATE_ERROR });
    g.readyReads = [];
  }

  /**
   * Nacos: a processor's success=false completes normally on the leader, but a forwarded
   * request surfaces it as an error on the follower that forwarded it.
   */
  private replyFrom(result: ApplyResult, p: Pending): ClientReply {
    if (!result.success && p.origin !== null) {
      return { ok: false, error: result.errMsg ?? 'request failed' };
    }
    return { ok: true, value: result };
  }

  // ───────────────────────────── write path ─────────────────────────────

  private write(group: GroupId, p: Pending): void {
    const g = this.groups.get(group);
    if (!g) return this.answer(p, { ok: false, error: errNoGroup(group) });
    try {
      validateOp(group, p.payload);
    } catch (err) {
      if (err instanceof InvalidRequest) return this.answer(p, { ok: false, error: err.message });
      throw err;
    }
    const refused = precheckWrite(group, p.payload, (id) => this.groups.get(id)?.sm);
    if (refused) return this.answer(p, { ok: false, error: refused });
    this.submit(g, p, { kind: 'write', op: p.payload });
  }

  /** Propose on the leader, or forward once to the leader we know (JRaftServer.commit). */
  private submit(g: GroupHost, p: Pending, cmd: Command): void {
    const r = g.raft;
    // A forwarded write refused for this node's state (not for its content) has an unknown
    // outcome: the network may duplicate a Forward, and another copy may have been proposed by
    // this node before it crashed or stopped leading (seenForwards does not survive a crash).
    // Only the requester's own refusals, before anything was sent, are certain failures.
    const unsure = p.origin !== null && p.kind === 'write' ? { indeterminate: true } : {};
    if (r.errored) return this.answer(p, { ok: false, error: ERR_IS_NOT_LEADER, ...unsure });
    if (r.role === 'leader') {
      const res = r.propose(cmd);
      if (!res.ok) return this.answer(p, { ok: false, error: res.error });
      p.term = res.term;
      g.proposals.set(res.index, p);
      return;
    }
    if (p.origin !== null) {
      // A forwarded request never travels twice.
      return this.answer(p, { ok: false, error: errNotLeaderReceiver(g.id), ...unsure });
    }
    if (r.leader === null) return this.answer(p, { ok: false, error: errNoLeader(g.id) });
    this.forward(g, p, cmd, r.leader);
  }

  private forward(g: GroupHost, p: Pending, cmd: Command, leader: NodeId): void {
    this.metrics.forwardedWrites += p.kind === 'write' ? 1 : 0;
    this.forwards.set(p.requestId, { ...p, to: leader });
    const msg: ForwardRequest = {
      type: 'Forward',
      group: g.id,
      from: this.id,
      to: leader,
      term: g.raft.term,
      requestId: p.requestId,
      kind: cmd.kind,
      payload: cmd.kind === 'write' ? cmd.op : cmd.query,
    };
    this.out.push({ type: 'send', msg });
    this.trace({ type: 'forward', group: g.id, requestId: p.requestId, to: leader, stage: 'send' });
  }

  private handleForward(m: ForwardRequest): void {
    const seenKey = `${m.from}/${m.requestId}`;
    if (this.seenForwards.has(seenKey)) return;
    const p: Pending = {
      requestId: m.requestId,
      group: m.group,
      origin: m.from,
      kind: m.kind,
      payload: m.payload,
      deadlineMs: this.nowMs + (m.kind === 'write' ? WRITE_TIMEOUT_MS : READ_TIMEOUT_MS),
    };
    this.seenForwards.set(seenKey, p.deadlineMs);
    this.trace({
      type: 'forward',
      group: m.group,
      requestId: m.requestId,
      to: this.id,
      stage: 'recv',
    });
    const g = this.groups.get(m.group);
    if (!g) return this.answer(p, { ok: false, error: errNoGroup(m.group) });
    if (m.kind === 'member') return this.handleMemberForward(g, p);
    const cmd: Command =
      m.kind === 'write' ? { kind: 'write', op: m.payload } : { kind: 'read', query: m.payload };
    try {
      if (m.kind === 'write') validateOp(m.group, m.payload);
      else validateQuery(m.group, m.payload);
    } catch (err) {
      if (err instanceof InvalidRequest) return this.answer(p, { ok: false, error: err.message });
      throw err;
    }
    if (m.kind === 'write' && g.raft.role === 'leader' && m.term !== g.raft.term) {
      // A leader proposes only Forwards sent in its own term. A copy from an earlier term may
      // have been proposed already by this node, leader then in an earlier life (a restarted
      // node leads again only in a new term), so proposing it again could apply it twice; and
      // whether it was is unknown here.
      return this.answer(p, { ok: false, error: errNotLeaderReceiver(g.id), indeterminate: true });
    }
    this.submit(g, p, cmd);
  }

  private memberTargetOf(g: GroupHost): NodeId | undefined {
    const t = g.memberTarget;
    if (t.hint !== null && t.hint !== this.id) return t.hint;
    if (g.raft.leader !== null && !t.distrustLeader) return g.raft.leader;
    const peers = [...new Set([...this.cfg.members, ...allMembers(g.raft.conf)])].filter(
      (id) => id !== this.id,
    );
    return peers.length > 0 ? peers[t.turn++ % peers.length] : undefined;
  }

  /** A membership request was refused or lost: follow the hint, or stop trusting our leader. */
  private memberRefused(g: GroupHost, hint: NodeId | null): void {
    g.memberTarget.hint = hint;
    g.memberTarget.distrustLeader = hint === null;
  }

  /** The leader side of a membership request (CliService addPeer/removePeer). */
  private handleMemberForward(g: GroupHost, p: Pending): void {
    const r = g.raft;
    if (r.role !== 'leader') {
      // Name the leader we know, so the requester finds it (CliService's getLeader).
      const msg: ForwardResponse = {
        type: 'ForwardResponse',
        group: g.id,
        from: this.id,
        to: p.origin!,
        term: r.term,
        requestId: p.requestId,
        reply: { ok: false, error: errNotLeaderReceiver(g.id) },
        leaderHint: r.leader,
      };
      this.out.push({ type: 'send', msg });
      return;
    }
    const change = p.payload as { op: 'add' | 'remove'; peer: NodeId };
    if ((change.op !== 'add' && change.op !== 'remove') || typeof change.peer !== 'string') {
      return this.answer(p, { ok: false, error: 'invalid membership change' });
    }
    const res = r.changePeers(targetConf(r.conf, change.op, change.peer));
    this.answer(p, res.ok ? { ok: true, value: null } : { ok: false, error: res.error });
  }

  private handleForwardResponse(m: ForwardResponse): void {
    const f = this.forwards.get(m.requestId);
    if (!f) return; // Late or duplicate answer: the request already timed out.
    this.forwards.delete(m.requestId);
    if (f.kind === 'member') {
      // Progress is checked each second; an answer only tells where to ask next.
      const g = this.groups.get(f.group);
      if (g && !m.reply.ok) this.memberRefused(g, m.leaderHint ?? null);
      return;
    }
    this.trace({
      type: 'forward',
      group: m.group,
      requestId: m.requestId,
      to: m.from,
      stage: 'reply',
      ...(m.reply.ok ? {} : { error: m.reply.error }),
    });
    this.answer({ ...f, origin: null }, m.reply);
  }

  // ───────────────────────────── read path ─────────────────────────────

  private read(group: GroupId, p: Pending): void {
    const g = this.groups.get(group);
    if (!g) return this.answer(p, { ok: false, error: errNoGroup(group) });
    try {
      validateQuery(group, p.payload);
    } catch (err) {
      if (err instanceof InvalidRequest) return this.answer(p, { ok: false, error: err.message });
      throw err;
    }
    if (g.raft.errored) return this.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
    // Unique across restarts (the boot number) and terms: the leader's answer to a request of an
    // earlier life, or of an earlier term, must never be taken for this read's. An answer to a
    // read index asked before a write was acknowledged would serve a read that started after
    // the acknowledgement from a state without the write.
    const ctx = `${this.id}:${g.incarnation}:${g.raft.term}:${this.nextCtx++}`;
    g.reads.set(ctx, p);
    g.raft.readIndex(ctx);
  }

  private onReadState(g: GroupHost, ctx: string, index: number, error?: string): void {
    const p = g.reads.get(ctx);
    if (!p) return;
    g.reads.delete(ctx);
    this.trace({ type: 'read-index', group: g.id, ctx, index, ...(error ? { error } : {}) });
    if (index < 0) {
      // ReadIndex failed: fall back to a read committed through the log (Nacos's commitRead).
      this.metrics.readIndexFailures++;
      if (g.raft.errored) return this.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
      this.submit(g, p, { kind: 'read', query: p.payload });
      return;
    }
    g.readyReads.push({ index, p });
  }

  private serveReadyReads(g: GroupHost): void {
    if (g.readyReads.length === 0) return;
    // What the state machine holds, not Raft's applied index (see GroupHost.smIndex).
    const applied = g.smIndex;
    const keep: { index: number; p: Pending }[] = [];
    for (const r of g.readyReads) {
      if (r.index <= applied) this.answer(r.p, this.replyFrom(g.sm.query(r.p.payload), r.p));
      else keep.push(r);
    }
    g.readyReads = keep;
  }

  // ───────────────────────────── replies and deadlines ─────────────────────────────

  private answer(p: Pending, reply: ClientReply): void {
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

  private expireRequests(): void {
    const now = this.nowMs;
    const timeout = (p: Pending): ClientReply => ({
      ok: false,
      error: `Request timed out after ${p.kind === 'write' ? WRITE_TIMEOUT_MS : READ_TIMEOUT_MS} ms`,
      indeterminate: p.kind === 'write',
    });
    for (const g of this.groups.values()) {
      for (const [idx, p] of g.proposals) {
        if (p.deadlineMs <= now) {
          g.proposals.delete(idx);
          this.answer(p, timeout(p));
        }
      }
      for (const [ctx, p] of g.reads) {
        if (p.deadlineMs <= now) {
          g.reads.delete(ctx);
          this.answer(p, timeout(p));
        }
      }
      g.readyReads = g.readyReads.filter((r) => {
        if (r.p.deadlineMs > now) return true;
        this.answer(r.p, timeout(r.p));
        return false;
      });
    }
    for (const [key, deadlineMs] of this.seenForwards) {
      if (deadlineMs <= now) this.seenForwards.delete(key);
    }
    for (const [id, f] of this.forwards) {
      if (f.deadlineMs <= now) {
        this.forwards.delete(id);
        if (f.kind !== 'member') this.answer({ ...f, origin: null }, timeout(f));
        else {
          const g = this.groups.get(f.group);
          if (g) this.memberRefused(g, null);
        }
      }
    }
  }

  // ───────────────────────────── trace ─────────────────────────────

  private traceCoreEvents(g: GroupHost, events: CoreEvent[]): void {
    if (!this.traceEnabled) return;
    for (const ev of events) {
      switch (ev.type) {
        case 'role':
          this.trace({
            type: 'role',
            group: g.id,
            from: ev.from,
            to: ev.to,
            term: ev.term,
            leader: ev.leader,
          });
          break;
        case 'vote':
          this.trace({
            type: 'vote',
            group: g.id,
            candidate: ev.candidate,
            term: ev.term,
            preVote: ev.preVote,
            granted: ev.granted,
          });
          break;
        case 'commit':
          this.trace({ type: 'commit', group: g.id, index: ev.index });
          break;
        case 'conf-change':
          this.trace({
            type: 'conf-change',
            group: g.id,
            phase: ev.phase,
            conf: ev.conf,
            index: ev.index,
          });
          break;
        case 'snapshot-install':
          this.trace({
            type: 'snapshot',
            group: g.id,
            index: ev.index,
            term: ev.term,
            stage: 'chunk',
            chunk: ev.chunk,
            chunks: ev.chunks,
          });
          break;
        case 'transfer':
          this.trace({
            type: 'fault',
            fault: `transfer-${ev.outcome}`,
            detail: { group: g.id, target: ev.target },
          });
          break;
        case 'step-down':
          this.trace({
            type: 'fault',
            fault: 'step-down',
            detail: { group: g.id, reason: ev.reason },
          });
          break;
        case 'malformed':
          this.trace({
            type: 'fault',
            fault: 'malformed-message',
            detail: { group: g.id, from: ev.from, reason: ev.reason },
          });
          break;
        case 'read-index':
          break; // Traced by onReadState with the request it answers.
      }
    }
  }

  /** Nacos's metadata events: leader, term, members, errMsg; emitted on change only. */
  private maybeEmitMetadata(g: GroupHost): void {
    const r = g.raft;
    const m = g.lastMeta;
    if (
      m !== null &&
      m.leader === r.leader &&
      m.term === r.term &&
      m.errMsg === r.errored &&
      m.confIndex === r.confIndex &&
      m.voters === r.conf.voters
    ) {
      return;
    }
    const members = [...r.conf.voters];
    for (const id of r.conf.outgoing) if (!members.includes(id)) members.push(id);
    const next = {
      leader: r.leader,
      term: r.term,
      errMsg: r.errored,
      confIndex: r.confIndex,
      voters: r.conf.voters,
      members: members.join(','),
    };
    g.lastMeta = next;
    if (
      m !== null &&
      m.leader === next.leader &&
      m.term === next.term &&
      m.errMsg === next.errMsg &&
      m.members === next.members
    ) {
      return;
    }
    this.trace({
      type: 'metadata',
      group: g.id,
      leader: r.leader,
      term: r.term,
      members,
      errMsg: r.errored,
    });
  }

  private trace(event: TraceBody): void {
    if (this.traceEnabled) this.out.push({ type: 'trace', event });
  }

  private drain(): Effect[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** The configuration after adding (or promoting) or removing one peer. */
function targetConf(
  conf: ConfState,
  op: 'add' | 'remove',
  peer: NodeId,
): { voters: NodeId[]; learners: NodeId[] } {
  const voters = conf.voters.filter((id) => id !== peer);
  const learners = conf.learners.filter((id) => id !== peer);
  if (op === 'add') voters.push(peer);
  return { voters, learners };
}
