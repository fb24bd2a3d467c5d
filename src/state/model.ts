// The view model: everything the views show, as plain immutable data folded from trace events
// (reduce.ts). Per node and group: role, term, vote, election timer, log, leader progress,
// state-machine contents, metadata; cluster-wide: messages in flight, requests and their
// stages, faults and the network's partitions, node lifecycle, and series for charts.
// Invariant: a value reachable from a ViewState is never modified after the state is returned
// (structural sharing: an unchanged part keeps its reference, so React compares by reference).
// The only exception is SmRef's internal cache (src/state/sm.ts), which never changes what a
// ref means.
import type { ConfState, GroupId, NodeId, Role } from '../raft/types.ts';

/** The ids the views name nodes and groups by (the views import them from here, not the core). */
export type { GroupId, NodeId };
import type { MessageSummary } from '../trace/events.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { PList } from './plist.ts';
import { plEmpty } from './plist.ts';
import type { SmRef } from './sm.ts';
import { emptyActivity, type LogActivity } from './reduceApplyStream.ts';

/** What a log entry is, as a learner reads it. */
export type EntryKind = 'normal' | 'conf' | 'noop' | 'read';

export interface EntryView {
  index: number;
  term: number;
  kind: EntryKind;
  /** A short operation label ("publish app.yaml"), '' when the trace gives none. */
  label: string;
  /** The client request the entry came from, when the trace says so. */
  requestId: string | null;
}

/**
 * One group's log on one node: entries after the snapshot boundary, and the commit and applied
 * marks (an entry at index i is committed when i ≤ commit, applied when i ≤ applied).
 */
export interface LogView {
  /** The last index the snapshot covers (entries up to it were compacted away). */
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[k].index === snapshotIndex + 1 + k. */
  entries: PList<EntryView>;
  commit: number;
  applied: number;
}

/** The randomized election timeout last chosen, and when (cluster ms) the timer last reset. */
export interface TimerView {
  timeoutMs: number;
  resetAt: number;
  /** SOFAJRaft's repeating timer: only its own firing (a new timer event) restarts it. */
  repeating: boolean;
}

/** A leader's view of one follower's log (src/raft/progress.ts). */
export interface ProgressView {
  next: number;
  match: number;
  state: 'probe' | 'replicate' | 'snapshot';
  inflight: number;
}

/**
 * The durable part of a group on a node, as of its last completed write: the hard state, the
 * snapshot boundary and the log entries on disk.
 */
export interface DiskView {
  term: number;
  votedFor: NodeId | null;
  commit: number;
  snapshotIndex: number;
  snapshotTerm: number;
  /** entries[k].index === snapshotIndex + 1 + k. */
  entries: PList<EntryView>;
}

/** Nacos's metadata of a group as the node last published it. */
export interface MetadataView {
  leader: NodeId | null;
  term: number;
  members: readonly NodeId[];
  errMsg: string | null;
}

export interface GroupView {
  role: Role;
  term: number;
  votedFor: NodeId | null;
  leader: NodeId | null;
  timer: TimerView | null;
  log: LogView;
  /** The configuration in force, when the trace said so (conf-change events). */
  conf: ConfState | null;
  /** Per follower, while this node leads (empty otherwise). */
  progress: Readonly<Record<NodeId, ProgressView>>;
  /** The state machine's contents; read them with smContents (src/state/sm.ts). */
  sm: SmRef;
  metadata: MetadataView | null;
  /** What the node's disk holds of this group (what a restart comes back to). */
  disk: DiskView;
  /** The group is in ERROR on this node (its state machine failed), with the message. */
  error: string | null;
}

/** The node's process: running, crashed (until a restart), or failed (a host error). */
export type NodeStatus = 'up' | 'crashed' | 'failed';

export interface NodeView {
  id: NodeId;
  status: NodeStatus;
  /** Removed from the cluster's configuration (it may keep running, without a vote). */
  removed: boolean;
  paused: boolean;
  /** The node's clock rate (1 = real speed). */
  clockRate: number;
  /** Why it crashed or failed. */
  note: string | null;
  /** Boots so far (1 after the first start). */
  incarnation: number;
  groups: Readonly<Record<GroupId, GroupView>>;
}

/** A message sent and not yet received or dropped. */
export interface MessageView {
  id: string;
  group: GroupId;
  from: NodeId;
  to: NodeId;
  msgType: string;
  term: number;
  sentAt: number;
  /** When the network plans to deliver it (cluster ms), or null when the trace does not say. */
  deliverAt: number | null;
  /** Carried entries [first, last], or null. */
  entries: readonly [number, number] | null;
  heartbeat: boolean;
  /** The second copy of a duplicated message names the first copy's id. */
  copyOf: string | null;
  /** The type's own fields (granted, ok, reject, prevIndex, ...): reduceMessages.ts. */
  detail: MessageDetail;
}

/** What a message summary says beyond who, what and when (src/trace/events.ts, MessageSummary). */
export type MessageDetail = Readonly<
  Omit<MessageSummary, 'msgId' | 'copyOf' | 'from' | 'to' | 'msgType' | 'term' | 'entries'>
>;

/** One answer to a vote or pre-vote request, as the voter gave it (reduceVotes.ts). */
export interface VoteMark {
  voter: NodeId;
  /** The term the request asked for, and the voter's own term when it answered. */
  term: number;
  voterTerm: number;
  granted: boolean;
  reject: string | null;
  t: number;
  /** The voter's last log entry [index, term] when it answered (the why of a refusal). */
  voterLast: readonly [number, number];
  /** Whom the voter had voted for in that term, when it refused because it had voted. */
  votedFor: NodeId | null;
}

/** A node's latest campaign in a group: since it last became pre-candidate or candidate. */
export interface CampaignView {
  candidate: NodeId;
  preVote: boolean;
  /** The term the node stood at when the campaign began (a pre-vote asks for term + 1). */
  term: number;
  since: number;
  /** The candidate's last log entry [index, term] when the campaign began. */
  candidateLast: readonly [number, number];
  /** One per voter that answered, the latest answer kept. */
  marks: readonly VoteMark[];
}

export type RequestStageName =
  | 'invoke'
  | 'forward'
  | 'forward-recv'
  | 'propose'
  | 'commit'
  | 'apply'
  | 'reply'
  | 'forward-reply'
  | 'read-index'
  | 'ok'
  | 'fail'
  | 'info';

export interface RequestStage {
  stage: RequestStageName;
  t: number;
  node: NodeId | null;
  /** The log index the request's entry took, where the stage has one. */
  index?: number;
  /** Where a forward was sent (stage 'forward'): known before, or without, its arrival. */
  to?: NodeId;
  detail?: string;
}

export interface RequestView {
  id: string;
  group: GroupId;
  node: NodeId | null;
  kind: string;
  label: string;
  invokedAt: number;
  stages: readonly RequestStage[];
  /** 'pending' until the client's outcome (ok, fail, info) is known. */
  outcome: 'pending' | 'ok' | 'fail' | 'info';
  /** The entry the request became (index, term), once proposed. */
  entry: { index: number; term: number } | null;
  /** A client history (invoke … ok/fail/info) follows it; otherwise the origin's reply settles it. */
  client: boolean;
}

export interface FaultView {
  seq: number;
  t: number;
  fault: string;
  node: NodeId | null;
  detail: string;
}

export interface NetworkView {
  /** The sides of the current partition, or null when the network is whole. */
  partition: readonly (readonly NodeId[])[] | null;
  /** Cut links "from>to" (one direction each). */
  cuts: readonly string[];
  /** Delay, loss and duplication settings as last set (cluster-wide and per link). */
  policy: Readonly<Record<string, unknown>>;
  /** Hold mode: messages wait for a manual release or discard. */
  hold: boolean;
}

/** One second of cluster time, for the charts. */
export interface SeriesBucket {
  second: number;
  /** Entries newly committed in the cluster (first commit of each group's index). */
  commits: number;
  /** Nodes that became leader. */
  leaderChanges: number;
  /** Nodes that became candidate: elections started (a pre-vote that fails starts none). */
  elections: number;
  /** Requests whose entry committed in this second: the sum and maximum of propose → commit. */
  commitLatencyMsSum: number;
  commitLatencyCount: number;
  commitLatencyMsMax: number;
  /** Client operations that completed ok / failed or unknown. */
  ok: number;
  failed: number;
  messages: number;
}

export interface SeriesView {
  /** Completed seconds, oldest first. */
  buckets: PList<SeriesBucket>;
  /** The second in progress (null before any event counted). */
  current: SeriesBucket | null;
  /** Per group, the highest index any node committed (for counting commits once). */
  committed: Readonly<Record<GroupId, number>>;
}

/**
 * Memos shared by every state folded from one trace (the same object in all of them): they
 * only remember what the trace already determined, so sharing them across versions is safe.
 */
export interface ModelMemo {
  /** State-machine contents at a group's snapshot index, as saved or loaded by some node. */
  snapshots: Map<string, SmRef>;
}

export interface ViewState {
  /** The last seq folded in (-1 before any). */
  seq: number;
  /** Cluster time of the last event. */
  t: number;
  /** Events folded (the count, for checkpoints and tests). */
  count: number;
  groups: readonly GroupId[];
  nodes: Readonly<Record<NodeId, NodeView>>;
  /** By id; a Map because ids come and go (an object with ever-new keys is slow to copy). */
  messages: ReadonlyMap<string, MessageView>;
  /**
   * Messages whose receipt or drop came before their send (message key → its time): the live
   * page's merge releases a worker's batch that reached it late after later events of other
   * nodes. The send that follows is then not a message in flight. Bounded (reduceMessages.ts).
   */
  arrivedEarly: ReadonlyMap<string, number>;
  /** Requests not yet settled, by id. */
  requests: ReadonlyMap<string, RequestView>;
  /** Settled requests, oldest first (bounded: the most recent RECENT_REQUESTS). */
  recentRequests: PList<RequestView>;
  /**
   * Settled requests by group and outcome since the trace began, beyond the bound of
   * recentRequests: what the request list's counts say when it shows only the latest.
   */
  requestTotals: Readonly<Record<GroupId, RequestTotals>>;
  /** Faults as they happened (bounded: the most recent RECENT_FAULTS). */
  faults: PList<FaultView>;
  network: NetworkView;
  /** The whole cluster is paused (browser runtime). */
  paused: boolean;
  series: SeriesView;
  /** Apply streams with results, and recent truncations (reduceApplyStream.ts). */
  activity: LogActivity;
  /** Raw events, client histories and invariant checks (reduceChecks.ts). */
  checks: ChecksView;
  memo: ModelMemo;
  /** Per group, each node's latest campaign (reduceVotes.ts). */
  campaigns: Readonly<Record<GroupId, Readonly<Record<NodeId, CampaignView>>>>;
}

/** A client history event (Jepsen-style): what the linearizability checker reads. */
export type HistoryEvent = Extract<TraceEvent, { type: 'invoke' | 'ok' | 'fail' | 'info' }>;
/** An invariant the simulator found broken, or a scenario expectation that was evaluated. */
export type CheckEvent = Extract<TraceEvent, { type: 'violation' | 'expect' }>;

export interface ChecksView {
  /** The most recent raw events (bounded: RECENT_EVENTS), for the events list. */
  events: PList<TraceEvent>;
  /** Raw events seen but no longer in `events`. */
  eventsDropped: number;
  /**
   * The client history from its start (bounded: HISTORY_EVENTS). Past the bound, later events
   * are not kept, so the history stays a prefix of the real one: a prefix is checkable (ops
   * pending at its end count as of unknown outcome), a suffix is not.
   */
  history: PList<HistoryEvent>;
  /** Client history events past the bound, not kept. */
  historyDropped: number;
  /** Invariant violations and scenario expectations, in order (bounded: RECENT_CHECKS). */
  checks: PList<CheckEvent>;
}

/** Settled requests of one group, by outcome. */
export interface RequestTotals {
  ok: number;
  fail: number;
  info: number;
}

export const RECENT_REQUESTS = 500;
export const RECENT_EVENTS = 20_000;
export const HISTORY_EVENTS = 100_000;
export const RECENT_CHECKS = 500;
export const RECENT_FAULTS = 500;

/** The state before any event: no nodes yet; `groups` come from the trace header when known. */
export function emptyState(groups: readonly GroupId[] = []): ViewState {
  return {
    seq: -1,
    t: 0,
    count: 0,
    groups,
    nodes: {},
    messages: new Map(),
    arrivedEarly: new Map(),
    requests: new Map(),
    recentRequests: plEmpty(),
    requestTotals: {},
    faults: plEmpty(),
    network: { partition: null, cuts: [], policy: {}, hold: false },
    paused: false,
    series: { buckets: plEmpty(), current: null, committed: {} },
    activity: emptyActivity(),
    checks: {
      events: plEmpty(),
      eventsDropped: 0,
      history: plEmpty(),
      historyDropped: 0,
      checks: plEmpty(),
    },
    memo: { snapshots: new Map() },
    campaigns: {},
  };
}
