// The fold from trace events to the view model: reduce(state, event) returns the next state,
// copying only the path to what the event changed (state → node → group → log, ...), so every
// untouched part keeps its reference and React skips it.
// Invariants: pure (same state and event, same result; the input is never modified); events
// are folded in seq order; an event about a node not seen yet creates it (a trace may start
// after the node started, e.g. a bounded one).
import { claim, disown, edit, mapDelete, mapSet } from './maps.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceEvent } from '../trace/events.ts';
import type {
  DiskView,
  EntryView,
  FaultView,
  GroupView,
  LogView,
  MessageView,
  NodeView,
  ViewState,
} from './model.ts';
import { RECENT_FAULTS } from './model.ts';
import { plAppend, plDrop, plEmpty, plFrom, plGet, plPushBounded, plTake } from './plist.ts';
import { recordRaw } from './reduceChecks.ts';
import { boundEarly, messageDetail } from './reduceMessages.ts';
import { applyRequest, commitRequests, reduceRequestEvent } from './reduceRequests.ts';
import { bumpSeries, countElection } from './reduceSeries.ts';
import { reduceVotes } from './reduceVotes.ts';
import { smApply, smEmpty, smUnknown, type SmRef } from './sm.ts';
import { recordApply, recordTruncate } from './reduceApplyStream.ts';

// ---- copy-on-write helpers ---------------------------------------------------------------------

function emptyLog(): LogView {
  return { snapshotIndex: 0, snapshotTerm: 0, entries: plEmpty(), commit: 0, applied: 0 };
}

function emptyDisk(): DiskView {
  return {
    term: 0,
    votedFor: null,
    commit: 0,
    snapshotIndex: 0,
    snapshotTerm: 0,
    entries: plEmpty(),
  };
}

export function emptyGroup(group: GroupId): GroupView {
  return {
    role: 'follower',
    term: 0,
    votedFor: null,
    leader: null,
    timer: null,
    log: emptyLog(),
    conf: null,
    progress: {},
    sm: smEmpty(group),
    metadata: null,
    disk: emptyDisk(),
    error: null,
  };
}

function emptyNode(id: NodeId): NodeView {
  return {
    id,
    status: 'up',
    removed: false,
    paused: false,
    clockRate: 1,
    note: null,
    incarnation: 0,
    groups: {},
  };
}

function getNode(s: ViewState, id: NodeId): NodeView {
  return s.nodes[id] ?? emptyNode(id);
}

function putNode(s: ViewState, n: NodeView): ViewState {
  const out = edit(s);
  const nodes = edit(s.nodes);
  nodes[n.id] = n;
  out.nodes = nodes;
  return out;
}

function updateNode(s: ViewState, id: NodeId, f: (n: NodeView) => NodeView): ViewState {
  const before = getNode(s, id);
  const after = f(before);
  return after === before && s.nodes[id] !== undefined ? s : putNode(s, after);
}

function updateGroup(
  s: ViewState,
  id: NodeId,
  g: GroupId,
  f: (gv: GroupView) => GroupView,
): ViewState {
  return updateNode(s, id, (n) => {
    const before = n.groups[g] ?? emptyGroup(g);
    const after = f(before);
    if (after === before && n.groups[g] !== undefined) return n;
    const out = edit(n);
    const groups = edit(n.groups);
    groups[g] = after;
    out.groups = groups;
    return out;
  });
}

function snapKey(group: GroupId, index: number): string {
  return `${group}@${index}`;
}

/** The state machine a node holds right after loading the snapshot of `group` at `index`. */
function smAtSnapshot(s: ViewState, group: GroupId, index: number): SmRef {
  if (index === 0) return smEmpty(group);
  return s.memo.snapshots.get(snapKey(group, index)) ?? smUnknown(group, index);
}

// ---- the fold ---------------------------------------------------------------------------------

/**
 * The state after `e`. Inside a batch fold (maps.ts withTransientMaps) the state and the records
 * the batch created are changed in place; outside one, nothing the caller holds changes.
 */
export function reduce(state: ViewState, e: TraceEvent): ViewState {
  const base = edit(state);
  base.seq = e.seq;
  base.t = e.t;
  base.count = state.count + 1;
  // The state returned is either the batch's already or new: the batch owns it either way.
  return claim(reduceEvent(reduceVotes(recordRaw(base, e), e), e));
}

function reduceEvent(s: ViewState, e: TraceEvent): ViewState {
  const id = e.node;
  switch (e.type) {
    case 'node-start':
      return updateNode(s, id!, (n) => ({
        ...n,
        status: 'up',
        paused: false,
        note: null,
        incarnation: n.incarnation + 1,
      }));
    case 'node-restart':
      // The host's restart comes before the node's own node-start, which counts the boot.
      return updateNode(s, id!, (n) => ({
        ...n,
        status: 'up',
        paused: false,
        note: null,
        groups: restartGroups(s, n),
      }));
    case 'recovered':
      return updateNode(s, id!, (n) => ({
        ...n,
        groups: { ...n.groups, [e.group]: recoveredGroup(s, n.groups[e.group], e) },
      }));
    case 'node-crash':
      return updateNode(dropMessagesOf(s, id!), id!, (n) => ({
        ...n,
        status: 'crashed',
        paused: false,
        note: e.reason ?? null,
        groups: crashGroups(n),
      }));
    case 'role':
      return reduceRole(s, id!, e);
    case 'timer':
      return updateGroup(s, id!, e.group, (g) => ({
        ...g,
        timer: { timeoutMs: e.timeoutMs, resetAt: e.t, repeating: e.repeating === true },
      }));
    case 'vote':
      // Only a granted real vote changes what the voter holds (and resets its timer).
      if (e.preVote || !e.granted) return s;
      return updateGroup(s, id!, e.group, (g) => ({
        ...g,
        term: Math.max(g.term, e.term),
        votedFor: e.candidate,
        timer: g.timer === null || g.timer.repeating ? g.timer : { ...g.timer, resetAt: e.t },
      }));
    case 'send':
      return reduceSend(s, e);
    case 'recv':
      return reduceRecv(s, e);
    case 'drop':
      return messageGone(s, msgKey(e.from, e.msgId), e.t);
    case 'append':
      return updateGroup(s, id!, e.group, (g) => appendEntries(g, e.entries));
    case 'truncate': {
      // The removed entries are read from the log as it was: the update may change `s` in place.
      const log = s.nodes[id!]?.groups[e.group]?.log;
      return recordTruncate(
        log,
        updateGroup(s, id!, e.group, (g) => truncateFrom(g, e.from)),
        id!,
        e,
      );
    }
    case 'persist':
      return updateGroup(s, id!, e.group, (g) => applySilent(persisted(g, e)));
    case 'progress':
      return updateGroup(s, id!, e.group, (g) => {
        const next = edit(g);
        const progress = edit(g.progress);
        progress[e.peer] = { next: e.next, match: e.match, state: e.state, inflight: e.inflight };
        next.progress = progress;
        return next;
      });
    case 'commit':
      return reduceCommit(s, id!, e);
    case 'apply':
      return recordApply(reduceApply(s, id!, e), id!, e);
    case 'snapshot':
      return reduceSnapshot(s, id!, e);
    case 'metadata':
      // What Nacos's ProtocolMetaData holds for the group (the Metadata panel). The node's term
      // and leader come from role events (a follower's new term or leader is a follower→follower
      // role event); under Nacos metadata may lag or keep a leader the node no longer knows.
      // Traces written before role events carried them: a metadata event of a newer term still
      // moves the node to it.
      return updateGroup(s, id!, e.group, (g) => ({
        ...g,
        metadata: { leader: e.leader, term: e.term, members: e.members, errMsg: e.errMsg },
        leader: e.term > g.term ? e.leader : g.leader,
        term: Math.max(g.term, e.term),
        votedFor: e.term > g.term ? null : g.votedFor,
        error: e.errMsg,
      }));
    case 'conf-change':
      // 'applied': the node applied the configuration entry at `index` (no apply event).
      return updateGroup(s, id!, e.group, (g) =>
        e.phase === 'applied' && e.index > g.log.applied
          ? applySilent({ ...g, conf: e.conf, log: { ...g.log, applied: e.index } })
          : { ...g, conf: e.conf, progress: progressIn(g, e.phase, e.conf) },
      );
    case 'fault':
      return reduceFault(s, e);
    case 'clock':
      return updateNode(s, id!, (n) => ({ ...n, clockRate: e.rate }));
    case 'request':
    case 'forward':
    case 'propose':
    case 'reply':
    case 'invoke':
    case 'ok':
    case 'fail':
    case 'info':
    case 'read-index':
      return reduceRequestEvent(s, e);
    default:
      return s;
  }
}

function msgKey(from: NodeId, msgId: number): string {
  return `${from}:${msgId}`;
}

type Ev<T extends TraceEvent['type']> = Extract<TraceEvent, { type: T }>;

function reduceRole(s: ViewState, id: NodeId, e: Ev<'role'>): ViewState {
  if (e.to === 'leader') {
    s = bumpSeries(s, e.t, (b) => {
      b.leaderChanges++;
    });
  }
  if (e.to === 'candidate') s = countElection(s, e.t);
  return updateGroup(s, id, e.group, (g) => ({
    ...g,
    role: e.to,
    // A candidate votes for itself (§5.2); otherwise a new term clears the vote (§5.1).
    votedFor: e.to === 'candidate' ? id : e.term > g.term ? null : g.votedFor,
    term: e.term,
    leader: e.leader,
    // A leader's progress is rebuilt from progress events; other roles keep none.
    progress: e.to === 'leader' && g.role === 'leader' ? g.progress : {},
  }));
}

function withMessages(s: ViewState, messages: ViewState['messages']): ViewState {
  if (messages === s.messages) return s;
  const out = edit(s);
  out.messages = messages;
  return out;
}

/** A message arrived or was dropped: out of flight, or remembered if its send is yet to come. */
function messageGone(s: ViewState, key: string, t: number): ViewState {
  if (s.messages.has(key)) return withMessages(s, mapDelete(s.messages, key));
  const out = edit(s);
  out.arrivedEarly = boundEarly(mapSet(s.arrivedEarly, key, t), t);
  return out;
}

function reduceSend(s: ViewState, e: Ev<'send'>): ViewState {
  const id = msgKey(e.from, e.msgId);
  if (s.arrivedEarly.has(id)) {
    // Its receipt was folded first: it is not in flight.
    s = bumpSeries(s, e.t, (b) => {
      b.messages++;
    });
    const out = edit(s);
    out.arrivedEarly = mapDelete(s.arrivedEarly, id);
    return out;
  }
  const m: MessageView = {
    id,
    group: e.group,
    from: e.from,
    to: e.to,
    msgType: e.msgType,
    term: e.term,
    sentAt: e.t,
    deliverAt: e.deliverAt ?? null,
    entries: e.entries,
    heartbeat: e.hb === true,
    copyOf: e.copyOf === undefined ? null : msgKey(e.from, e.copyOf),
    detail: messageDetail(e),
  };
  s = bumpSeries(s, e.t, (b) => {
    b.messages++;
  });
  return withMessages(s, mapSet(s.messages, m.id, m));
}

function reduceRecv(s: ViewState, e: Ev<'recv'>): ViewState {
  s = messageGone(s, msgKey(e.from, e.msgId), e.t);
  // A follower or candidate that hears a current leader restarts its election timer (textbook
  // Raft; SOFAJRaft's repeating timer goes on: it checks on firing whether the leader was heard).
  if (e.msgType !== 'AppendEntries' && e.msgType !== 'InstallSnapshot') return s;
  return updateGroup(s, e.to, e.group, (g) => {
    if (g.timer === null || g.timer.repeating || g.role === 'leader' || e.term < g.term) return g;
    const next = edit(g);
    next.timer = { ...g.timer, resetAt: e.t };
    return next;
  });
}

function toEntry(x: readonly [number, number, string, string, string?]): EntryView {
  return {
    index: x[0],
    term: x[1],
    kind: x[2] as EntryView['kind'],
    label: x[3],
    requestId: x[4] ?? null,
  };
}

/** The log with `summaries` written at their indexes (anything after the first one replaced). */
function appendEntries(
  g: GroupView,
  summaries: readonly (readonly [number, number, string, string, string?])[],
): GroupView {
  if (summaries.length === 0) return g;
  const log = g.log;
  let entries = log.entries;
  for (const x of summaries) {
    const pos = x[0] - log.snapshotIndex - 1;
    if (pos < 0) continue; // Covered by the snapshot already.
    if (pos < entries.length) entries = plTake(entries, pos);
    if (pos > entries.length) continue; // A gap: the trace missed earlier entries.
    entries = plAppend(entries, toEntry(x));
  }
  return { ...g, log: { ...log, entries } };
}

function truncateFrom(g: GroupView, from: number): GroupView {
  const pos = from - g.log.snapshotIndex - 1;
  if (pos >= g.log.entries.length) return g;
  return { ...g, log: { ...g.log, entries: plTake(g.log.entries, Math.max(0, pos)) } };
}

/**
 * A write completed. The disk changes as src/node/storage.ts changes it: the snapshot first
 * (the stored entries after it survive when they continue it), then the batch's entries
 * (replacing the stored suffix from the first one; their contents are the node's log's), then
 * the hard state. The disk keeps its own entries, so a log compacted past the disk's snapshot
 * (a snapshot taken but not yet written) loses nothing here.
 */
function persisted(g: GroupView, e: Ev<'persist'>): GroupView {
  const d = g.disk;
  const log = g.log;
  let snapshotIndex = d.snapshotIndex;
  let snapshotTerm = d.snapshotTerm;
  let entries = d.entries;
  if (e.snapshot !== null && e.snapshot > snapshotIndex) {
    const at = e.snapshot;
    const term =
      log.snapshotIndex === at
        ? log.snapshotTerm
        : at > log.snapshotIndex
          ? entryTerm(log, at)
          : (plGet(entries, at - snapshotIndex - 1)?.term ?? 0);
    const drop = at - snapshotIndex;
    entries =
      drop <= entries.length && plGet(entries, drop - 1)?.term === term
        ? plDrop(entries, drop)
        : plEmpty();
    snapshotIndex = at;
    snapshotTerm = term;
  }
  if (e.entries !== null) {
    const [first, last] = e.entries;
    entries = plTake(entries, Math.max(0, first - snapshotIndex - 1));
    for (let i = Math.max(first, snapshotIndex + 1); i <= last; i++) {
      const x = plGet(log.entries, i - log.snapshotIndex - 1);
      if (x === undefined || x.index !== snapshotIndex + entries.length + 1) break;
      entries = plAppend(entries, x);
    }
  }
  return {
    ...g,
    disk: {
      term: e.term,
      votedFor: e.votedFor,
      commit: e.commit,
      snapshotIndex,
      snapshotTerm,
      entries,
    },
  };
}

function entryTerm(log: LogView, index: number): number {
  if (index === log.snapshotIndex) return log.snapshotTerm;
  return plGet(log.entries, index - log.snapshotIndex - 1)?.term ?? 0;
}

function reduceCommit(s: ViewState, id: NodeId, e: Ev<'commit'>): ViewState {
  const prev = s.series.committed[e.group] ?? 0;
  if (e.index > prev) {
    s = bumpSeries(s, e.t, (b) => {
      b.commits += e.index - prev;
    });
    s = {
      ...s,
      series: { ...s.series, committed: { ...s.series.committed, [e.group]: e.index } },
    };
    // The requests whose entry this commit covers.
    s = commitRequests(s, id, e.group, e.index, e.t);
  }
  return updateGroup(s, id, e.group, (g) =>
    e.index === g.log.commit ? g : applySilent({ ...g, log: { ...g.log, commit: e.index } }),
  );
}

/**
 * A leader's progress after a configuration took effect (joint, stable, simple, done, aborted):
 * peers outside it are no longer replicated to, so they leave the map. While new voters catch
 * up they are tracked before they are in the configuration, so that phase keeps every peer.
 */
function progressIn(
  g: GroupView,
  phase: string,
  conf: { voters: NodeId[]; outgoing: NodeId[]; learners: NodeId[] },
): GroupView['progress'] {
  if (g.role !== 'leader' || phase === 'catching-up' || phase === 'applied') return g.progress;
  let out: Record<NodeId, GroupView['progress'][NodeId]> | null = null;
  for (const peer of Object.keys(g.progress)) {
    if (
      conf.voters.includes(peer) ||
      conf.outgoing.includes(peer) ||
      conf.learners.includes(peer)
    ) {
      continue;
    }
    out ??= { ...g.progress };
    delete out[peer];
  }
  return out ?? g.progress;
}

/**
 * Advance the applied mark over the entries a node applies without an event of their own:
 * no-ops and reads committed through the log. The node applies committed entries in order as
 * soon as they are also durable on its own disk, so the mark moves over such entries while they
 * are committed and on disk, and stops at the first client write (its `apply` event moves it)
 * or while the group is in ERROR (it applies nothing more).
 */
function applySilent(g: GroupView): GroupView {
  if (g.error !== null) return g;
  const log = g.log;
  const limit = Math.min(log.commit, g.disk.snapshotIndex + g.disk.entries.length);
  let applied = log.applied;
  for (;;) {
    const next = plGet(log.entries, applied + 1 - log.snapshotIndex - 1);
    if (next === undefined || next.index > limit) break;
    if (next.kind !== 'noop' && next.kind !== 'read') break;
    applied++;
  }
  if (applied === log.applied) return g;
  const next = edit(g);
  const nextLog = edit(log);
  nextLog.applied = applied;
  next.log = nextLog;
  return next;
}

function reduceApply(s: ViewState, id: NodeId, e: Ev<'apply'>): ViewState {
  s = applyRequest(s, id, e);
  return updateGroup(s, id, e.group, (g) => {
    const next = edit(g);
    const log = edit(g.log);
    log.applied = Math.max(g.log.applied, e.index);
    next.log = log;
    next.sm = smApply(g.sm, e.index, e.op);
    return applySilent(next);
  });
}

function reduceSnapshot(s: ViewState, id: NodeId, e: Ev<'snapshot'>): ViewState {
  const key = snapKey(e.group, e.index);
  switch (e.stage) {
    case 'save': {
      const g = getNode(s, id).groups[e.group];
      // The memo only remembers what the trace determined: the contents at this index (the
      // node saves at its applied index; entries applied without an event change nothing).
      if (g !== undefined && g.log.applied === e.index && !s.memo.snapshots.has(key)) {
        s.memo.snapshots.set(key, g.sm);
      }
      return updateGroup(s, id, e.group, (gv) => compactTo(gv, e.index, e.term));
    }
    case 'install':
      return updateGroup(s, id, e.group, (gv) => {
        const c = compactTo(gv, e.index, e.term);
        // The core counts the snapshot applied at once; the state machine still holds what it
        // held until the snapshot is durable and loaded ('load').
        const log = c.log;
        return {
          ...c,
          log: {
            ...log,
            commit: Math.max(log.commit, e.index),
            applied: Math.max(log.applied, e.index),
          },
        };
      });
    case 'load':
      return updateGroup(s, id, e.group, (gv) => {
        const sm = smAtSnapshot(s, e.group, e.index);
        if (sm.known && !s.memo.snapshots.has(key)) s.memo.snapshots.set(key, sm);
        // A loaded snapshot also bounds the log (a no-op when 'install' did it already).
        const c = compactTo(gv, e.index, e.term);
        // An installed snapshot is written before it is loaded: the write named its index, the
        // load brings its term.
        const d = c.disk;
        const disk =
          d.snapshotIndex === e.index && d.snapshotTerm !== e.term
            ? { ...d, snapshotTerm: e.term }
            : d;
        return {
          ...c,
          disk,
          sm,
          log: { ...c.log, applied: e.index, commit: Math.max(c.log.commit, e.index) },
        };
      });
    default:
      return s;
  }
}

function restartGroups(s: ViewState, n: NodeView): Record<GroupId, GroupView> {
  const out: Record<GroupId, GroupView> = {};
  for (const [gid, g] of Object.entries(n.groups)) {
    const d = g.disk;
    // The log starts as the disk's list: shared by two fields from here on, neither may grow
    // it in place (the next append to either copies it).
    disown(d.entries);
    out[gid] = {
      ...emptyGroup(gid),
      term: d.term,
      votedFor: d.votedFor,
      log: {
        snapshotIndex: d.snapshotIndex,
        snapshotTerm: d.snapshotTerm,
        entries: d.entries,
        commit: Math.max(d.commit, d.snapshotIndex),
        applied: d.snapshotIndex,
      },
      conf: g.conf,
      sm: smAtSnapshot(s, gid, d.snapshotIndex),
      metadata: g.metadata,
      disk: d,
    };
  }
  return out;
}

/**
 * A group as the node booted it from its disk (Raft's restore: commit within the snapshot and
 * the stored log, applied at the snapshot; the entries after it are applied with their own
 * events). Configuration and metadata stay as the trace last showed them.
 */
function recoveredGroup(
  s: ViewState,
  before: GroupView | undefined,
  e: Ev<'recovered'>,
): GroupView {
  const [snapshotIndex, snapshotTerm] = e.snapshot ?? [0, 0];
  const entries = plFrom(e.entries.map(toEntry));
  const last = snapshotIndex + entries.length;
  const disk: DiskView = {
    term: e.term,
    votedFor: e.votedFor,
    commit: e.commit,
    snapshotIndex,
    snapshotTerm,
    entries,
  };
  return {
    ...emptyGroup(e.group),
    term: e.term,
    votedFor: e.votedFor,
    log: {
      snapshotIndex,
      snapshotTerm,
      entries,
      commit: Math.min(Math.max(e.commit, snapshotIndex), last),
      applied: snapshotIndex,
    },
    conf: before?.conf ?? null,
    sm: smAtSnapshot(s, e.group, snapshotIndex),
    metadata: before?.metadata ?? null,
    disk,
  };
}

function crashGroups(n: NodeView): Record<GroupId, GroupView> {
  const out: Record<GroupId, GroupView> = {};
  for (const [gid, g] of Object.entries(n.groups)) {
    out[gid] = { ...g, role: 'follower', leader: null, timer: null, progress: {} };
  }
  return out;
}

/** Messages from or to a crashed node: theirs will never arrive (the host drops them). */
function dropMessagesOf(s: ViewState, id: NodeId): ViewState {
  let messages: Map<string, MessageView> | null = null;
  for (const [k, m] of s.messages) {
    if (m.to === id) {
      messages ??= new Map(s.messages);
      messages.delete(k);
    }
  }
  return messages === null ? s : { ...s, messages };
}

/** The group with its log compacted up to (index, term): entries at or below index dropped. */
function compactTo(g: GroupView, index: number, term: number): GroupView {
  const log = g.log;
  if (index <= log.snapshotIndex) return g;
  const drop = index - log.snapshotIndex;
  // Entries after the snapshot survive only when the log agrees with it at its index.
  const keep =
    plGet(log.entries, drop - 1)?.term === term ? plDrop(log.entries, drop) : plEmpty<EntryView>();
  return { ...g, log: { ...log, snapshotIndex: index, snapshotTerm: term, entries: keep } };
}

/** A node's note while its disk write hangs (the fold's, cleared when the write completes). */
export const DISK_STALL_NOTE = 'disk write pending for';

function faultDetail(e: Ev<'fault'>): string {
  const { seq: _s, t: _t, node: _n, type: _ty, fault: _f, ...rest } = e;
  return Object.keys(rest).length === 0 ? '' : JSON.stringify(rest);
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}

function reduceFault(s: ViewState, e: Ev<'fault'>): ViewState {
  const f: FaultView = { seq: e.seq, t: e.t, fault: e.fault, node: e.node, detail: faultDetail(e) };
  s = { ...s, faults: plPushBounded(s.faults, f, RECENT_FAULTS) };
  const id = e.node;
  const net = s.network;
  switch (e.fault) {
    case 'pause':
      return id === null ? s : updateNode(s, id, (n) => ({ ...n, paused: true }));
    case 'resume':
      return id === null ? s : updateNode(s, id, (n) => ({ ...n, paused: false }));
    case 'skew':
      return id === null ? s : updateNode(s, id, (n) => ({ ...n, clockRate: e.rate }));
    case 'pause-cluster':
      return { ...s, paused: true };
    case 'resume-cluster':
      return { ...s, paused: false };
    case 'node-error':
    case 'worker-error':
      return id === null
        ? s
        : updateNode(s, id, (n) => ({ ...n, status: 'failed', note: e.message }));
    case 'removed':
    case 'remove-node':
      return id === null ? s : updateNode(s, id, (n) => ({ ...n, removed: true }));
    case 'disk-stall':
      // Shown on the node until the write completes (a failure's own note stays).
      return id === null
        ? s
        : updateNode(s, id, (n) =>
            n.status === 'up' && (n.note === null || n.note.startsWith(DISK_STALL_NOTE))
              ? { ...n, note: `${DISK_STALL_NOTE} ${(e.waitedMs / 1000).toFixed(1)} s` }
              : n,
          );
    case 'disk-resume':
      return id === null
        ? s
        : updateNode(s, id, (n) =>
            n.note?.startsWith(DISK_STALL_NOTE) === true ? { ...n, note: null } : n,
          );
    case 'partition':
      return { ...s, network: { ...net, partition: e.sides } };
    case 'heal':
      return { ...s, network: { ...net, partition: null, cuts: [] } };
    case 'cut': {
      const key = linkKey(e.from, e.to);
      return net.cuts.includes(key) ? s : { ...s, network: { ...net, cuts: [...net.cuts, key] } };
    }
    case 'link': {
      const key = linkKey(e.from, e.to);
      return { ...s, network: { ...net, cuts: net.cuts.filter((c) => c !== key) } };
    }
    case 'network': {
      const where = e.from !== undefined && e.to !== undefined ? linkKey(e.from, e.to) : '*';
      const before = (net.policy[where] ?? {}) as Record<string, unknown>;
      return {
        ...s,
        network: { ...net, policy: { ...net.policy, [where]: { ...before, ...e.change } } },
      };
    }
    case 'hold':
      return { ...s, network: { ...net, hold: e.on } };
    case 'discard':
      return { ...s, messages: mapDelete(s.messages, heldKey(s, e.msgId)) };
    default:
      return s;
  }
}

/** The message key of a held message named by its id (hold mode names the first match). */
function heldKey(s: ViewState, msgId: number): string {
  for (const m of s.messages.values()) if (m.id.endsWith(`:${msgId}`)) return m.id;
  return '';
}
