// The node's trace vocabulary: pure functions that turn the Raft core's CoreEvents and the
// node's own actions (persisting, forwarding, applying, snapshots, membership, metadata) into
// trace bodies. Invariant: nothing here decides or mutates anything; the node calls these and
// emits what they return, so the trace's shape is defined in this one file. Key order is part
// of the format (traces are compared byte for byte), so each body lists its fields in a fixed
// order.
import type { Raft } from '../raft/raft.ts';
import type { ConfState, CoreEvent, Entry, GroupId, HardState, NodeId } from '../raft/types.ts';
import type { ApplyResult } from '../cp/stateMachine.ts';
import { briefKey } from '../cp/namingPersistentV1.ts';
import type { HistoryCall } from '../trace/clientHistory.ts';
import type { EntrySummary, TraceBody } from '../trace/events.ts';
import type { ClientReply, DurableGroupState, PersistGroupBatch } from './types.ts';

export function nodeStartEvent(members: NodeId[]): TraceBody {
  return { type: 'node-start', members: [...members] };
}

/** What a booting node loaded from its disk for `group` (the log as summaries, no payloads). */
export function recoveredEvent(group: GroupId, disk: DurableGroupState): TraceBody {
  const hs = disk.hardState;
  const snap = disk.snapshot;
  return {
    type: 'recovered',
    group,
    term: hs.term,
    votedFor: hs.votedFor,
    commit: hs.commit,
    snapshot: snap ? [snap.meta.index, snap.meta.term] : null,
    entries: disk.entries.map(entrySummary),
  };
}

/**
 * The trace body for one of the core's events, or null for those traced elsewhere. `tickMs`
 * turns the core's ticks into the node-local milliseconds the trace uses.
 */
export function coreEventTrace(group: GroupId, ev: CoreEvent, tickMs: number): TraceBody | null {
  switch (ev.type) {
    case 'role':
      return { type: 'role', group, from: ev.from, to: ev.to, term: ev.term, leader: ev.leader };
    case 'vote':
      return {
        type: 'vote',
        group,
        candidate: ev.candidate,
        term: ev.term,
        preVote: ev.preVote,
        granted: ev.granted,
        ...(ev.reject !== undefined ? { reject: ev.reject } : {}),
      };
    case 'timer':
      return {
        type: 'timer',
        group,
        timeoutMs: ev.ticks * tickMs,
        ...(ev.repeating === true ? { repeating: true } : {}),
      };
    case 'truncate':
      return { type: 'truncate', group, from: ev.from };
    case 'progress':
      return {
        type: 'progress',
        group,
        peer: ev.peer,
        next: ev.next,
        match: ev.match,
        state: ev.state,
        inflight: ev.inflight,
      };
    case 'commit':
      return { type: 'commit', group, index: ev.index };
    case 'conf-change':
      return { type: 'conf-change', group, phase: ev.phase, conf: ev.conf, index: ev.index };
    case 'snapshot-install':
      return {
        type: 'snapshot',
        group,
        index: ev.index,
        term: ev.term,
        stage: 'chunk',
        chunk: ev.chunk,
        chunks: ev.chunks,
      };
    case 'transfer':
      return ev.outcome === 'refused'
        ? { type: 'transfer', group, target: ev.target, outcome: ev.outcome, reason: ev.reason }
        : { type: 'transfer', group, target: ev.target, outcome: ev.outcome };
    case 'step-down':
      return { type: 'step-down', group, reason: ev.reason };
    case 'malformed':
      return { type: 'malformed', group, from: ev.from, reason: ev.reason };
    case 'read-index':
      return null; // Traced by the read path with the request it answers.
  }
}

/** A transaction of this group became durable: what it wrote (`saved` when it wrote no hard state). */
export function persistEvent(group: GroupId, part: PersistGroupBatch, saved: HardState): TraceBody {
  const hs = part.hardState ?? saved;
  const n = part.entries.length;
  return {
    type: 'persist',
    group,
    entries: n > 0 ? [part.entries[0].index, part.entries[n - 1].index] : null,
    term: hs.term,
    votedFor: hs.votedFor,
    commit: hs.commit,
    snapshot: part.snapshot ? part.snapshot.meta.index : null,
  };
}

export function snapshotEvent(
  group: GroupId,
  index: number,
  term: number,
  stage: 'save' | 'install' | 'load',
): TraceBody {
  return { type: 'snapshot', group, index, term, stage };
}

export function forwardEvent(
  group: GroupId,
  requestId: string,
  to: NodeId,
  stage: 'send' | 'recv' | 'reply',
  error?: string,
): TraceBody {
  return {
    type: 'forward',
    group,
    requestId,
    to,
    stage,
    ...(error !== undefined ? { error } : {}),
  };
}

export function readIndexEvent(
  group: GroupId,
  ctx: string,
  index: number,
  error?: string,
  requestId?: string,
  fallback?: string,
): TraceBody {
  return {
    type: 'read-index',
    group,
    ctx,
    index,
    ...(error ? { error } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(fallback !== undefined ? { fallback } : {}),
  };
}

/**
 * The client's invocation of a request (history fields from describeRequest), labelled with the
 * words the node's own `request` event will use, so a request list names it the same way from
 * its first event. Both hosts (the browser cluster and the simulator) record it.
 */
export function invokeEvent(call: HistoryCall, requestId: string, payload: unknown): TraceBody {
  return { type: 'invoke', ...call, process: requestId, requestId, label: opLabel(payload) };
}

/** A client request reached this node. */
export function requestEvent(
  group: GroupId,
  requestId: string,
  kind: 'write' | 'read',
  payload: unknown,
): TraceBody {
  return { type: 'request', group, requestId, kind, label: opLabel(payload) };
}

/** The leader proposed a request as the entry (index, term). */
export function proposeEvent(
  group: GroupId,
  requestId: string,
  index: number,
  term: number,
): TraceBody {
  return { type: 'propose', group, requestId, index, term };
}

/** The node answered a request (its own client's, or a forwarded one at the leader). */
export function replyEvent(group: GroupId, requestId: string, reply: ClientReply): TraceBody {
  if (reply.ok) return { type: 'reply', group, requestId, ok: true };
  return {
    type: 'reply',
    group,
    requestId,
    ok: false,
    error: reply.error,
    ...(reply.indeterminate === true ? { indeterminate: true } : {}),
    ...(reply.code !== undefined ? { code: reply.code } : {}),
  };
}

/** Entries that entered this node's log, as short summaries (never the payload). */
export function appendEvent(group: GroupId, entries: readonly Entry[]): TraceBody {
  return { type: 'append', group, entries: entries.map(entrySummary) };
}

/** [index, term, kind, label] and the request id when a request made the entry. */
export function entrySummary(e: Entry): EntrySummary {
  if (e.type === 'noop') return [e.index, e.term, 'noop', ''];
  if (e.type === 'conf') {
    const c = e.data as { phase?: string; conf?: ConfState } | undefined;
    const voters = c?.conf?.voters ?? [];
    return [e.index, e.term, 'conf', `${c?.phase ?? 'conf'} ${voters.join(' ')}`.trim()];
  }
  const d = e.data as { kind?: unknown; op?: unknown; query?: unknown; rid?: unknown } | null;
  const kind = d?.kind === 'read' ? 'read' : 'normal';
  const label = opLabel(kind === 'read' ? d?.query : d?.op);
  return typeof d?.rid === 'string'
    ? [e.index, e.term, kind, label, d.rid]
    : [e.index, e.term, kind, label];
}

/**
 * A short name for an operation: its type and what it names (a config's dataId, a service, an
 * instance's address, a v1 datum's key), e.g. "publish app.yaml", "ADD svc 10.0.0.1:8080" or
 * "Write meta.public##DEFAULT_GROUP@@orders +1". Never the content.
 */
export function opLabel(op: unknown): string {
  if (typeof op !== 'object' || op === null) return '';
  const o = op as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof o.type === 'string') parts.push(o.type);
  for (const key of ['dataId', 'service', 'metadataId', 'key']) {
    if (typeof o[key] === 'string') {
      parts.push(o[key]);
      break;
    }
  }
  // A v1 datum batch: its first key in KeyBuilder's brief form, and how many more.
  if (Array.isArray(o.keys) && typeof o.keys[0] === 'string') {
    parts.push(briefKey(o.keys[0]) + (o.keys.length > 1 ? ` +${o.keys.length - 1}` : ''));
  }
  const inst = o.instance;
  if (typeof inst === 'object' && inst !== null) {
    const i = inst as Record<string, unknown>;
    if (i.ip !== undefined) parts.push(`${String(i.ip)}:${String(i.port)}`);
  }
  return parts.join(' ').slice(0, 60);
}

export function applyEvent(
  group: GroupId,
  index: number,
  term: number,
  op: unknown,
  result: ApplyResult,
  requestId?: string,
): TraceBody {
  return {
    type: 'apply',
    group,
    index,
    term,
    op,
    result,
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/** A configuration entry reached the state machine (the node applies no payload for it). */
export function confAppliedEvent(group: GroupId, conf: ConfState, index: number): TraceBody {
  return { type: 'conf-change', group, phase: 'applied', conf, index };
}

export function memberChangeEvent(
  group: GroupId,
  op: 'add' | 'remove',
  peer: NodeId,
  attempt: number,
  outcome: 'request' | 'done' | 'gave-up' | 'refused' | 'no-op',
  error?: string,
): TraceBody {
  // A no-op attempt carries what it did (nothing, and why) as its detail, not as an error.
  const text = error === undefined ? {} : outcome === 'no-op' ? { detail: error } : { error };
  return { type: 'member-change', group, op, peer, attempt, outcome, ...text };
}

/** The metadata a group last reported (Nacos overwrites values; the node reports changes only). */
export interface ReportedMetadata {
  leader: NodeId | null;
  term: number;
  errMsg: string | null;
  confIndex: number;
  voters: NodeId[];
  members: string;
}

/**
 * Nacos's metadata events (leader, term, members, errMsg), on change only. Returns null when the
 * group's state is the one last seen (nothing to remember); otherwise what to remember now, and
 * the event to emit when a reported value changed (a new configuration with the same members
 * changes nothing a reader sees).
 */
export function metadataUpdate(
  group: GroupId,
  last: ReportedMetadata | null,
  r: Raft,
): { seen: ReportedMetadata; event: TraceBody | null } | null {
  if (
    last !== null &&
    last.leader === r.leader &&
    last.term === r.term &&
    last.errMsg === r.errored &&
    last.confIndex === r.confIndex &&
    last.voters === r.conf.voters
  ) {
    return null;
  }
  const members = [...r.conf.voters];
  for (const id of r.conf.outgoing) if (!members.includes(id)) members.push(id);
  const seen: ReportedMetadata = {
    leader: r.leader,
    term: r.term,
    errMsg: r.errored,
    confIndex: r.confIndex,
    voters: r.conf.voters,
    members: members.join(','),
  };
  if (
    last !== null &&
    last.leader === seen.leader &&
    last.term === seen.term &&
    last.errMsg === seen.errMsg &&
    last.members === seen.members
  ) {
    return { seen, event: null };
  }
  return {
    seen,
    event: { type: 'metadata', group, leader: r.leader, term: r.term, members, errMsg: r.errored },
  };
}
