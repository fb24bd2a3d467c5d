// The request path of the view model: each client request from its invoke, through forwarding,
// the leader's proposal (index, term), the commit, the apply on every node and the replies, to
// the client's outcome. Open requests live in `requests` by id; settled ones move to the
// bounded `recentRequests`, and still collect the applies that come after the outcome (a
// follower learns the commit only with the leader's next AppendEntries).
// Invariants: pure; a request is open or settled, never both; its stages are in fold (seq)
// order; a request with a client history (`invoke` … `ok`/`fail`/`info`) is settled by the
// client's outcome event, one without by its origin's reply, so each outcome is counted once.
import { claim, edit, mapDelete, mapSet, owns } from './maps.ts';
import type { NodeId } from '../raft/types.ts';
import type { TraceEvent } from '../trace/events.ts';
import type { RequestStage, RequestView, ViewState } from './model.ts';
import { RECENT_REQUESTS } from './model.ts';
import { plGet, plPushBounded, plSet, type PList } from './plist.ts';
import { bumpSeries, countCommitLatency } from './reduceSeries.ts';

type Ev<T extends TraceEvent['type']> = Extract<TraceEvent, { type: T }>;

/** The event types this module folds (reduce.ts routes them here). */
export type RequestEvent = Ev<
  'request' | 'forward' | 'propose' | 'reply' | 'invoke' | 'ok' | 'fail' | 'info' | 'read-index'
>;

export function hasStage(r: RequestView, stage: RequestStage['stage']): boolean {
  return r.stages.some((x) => x.stage === stage);
}

/** Fold one request-path event. */
export function reduceRequestEvent(s: ViewState, e: RequestEvent): ViewState {
  const id = e.node;
  switch (e.type) {
    case 'request':
      return openFromNode(s, id, e);
    case 'forward':
      return addStage(s, e.requestId, e.group, {
        stage:
          e.stage === 'send' ? 'forward' : e.stage === 'recv' ? 'forward-recv' : 'forward-reply',
        t: e.t,
        node: id,
        ...(e.stage === 'send' ? { to: e.to } : {}),
        ...(e.error !== undefined ? { detail: e.error } : {}),
      });
    case 'propose': {
      const next = addStage(s, e.requestId, e.group, {
        stage: 'propose',
        t: e.t,
        node: id,
        index: e.index,
      });
      const r = next.requests.get(e.requestId);
      if (r === undefined) {
        // Proposed after it settled: addStage put the stage on the settled request.
        const i = settledIndex(next, e.requestId);
        const done = plGet(next.recentRequests, i)!;
        return {
          ...next,
          recentRequests: setRecent(next, i, {
            ...done,
            entry: { index: e.index, term: e.term },
          }),
        };
      }
      return {
        ...next,
        requests: mapSet(next.requests, e.requestId, {
          ...r,
          entry: { index: e.index, term: e.term },
        }),
      };
    }
    case 'read-index':
      if (e.requestId === undefined || !s.requests.has(e.requestId)) return s;
      return addStage(s, e.requestId, e.group, {
        stage: 'read-index',
        t: e.t,
        node: id,
        index: e.index,
        ...(e.fallback !== undefined
          ? { detail: e.fallback }
          : e.error !== undefined
            ? { detail: e.error }
            : {}),
      });
    case 'reply':
      return reduceReply(s, id, e);
    case 'invoke': {
      const rid = e.requestId ?? e.process;
      const open = s.requests.get(rid);
      // The node's own `request` event opened it already: it now has a client history.
      if (open !== undefined) {
        return { ...s, requests: mapSet(s.requests, rid, { ...open, client: true }) };
      }
      return openRequest(s, {
        id: rid,
        group: e.group,
        node: id,
        kind: e.op,
        label: e.label ?? `${e.op} ${e.key}`,
        invokedAt: e.t,
        stages: [{ stage: 'invoke', t: e.t, node: id }],
        outcome: 'pending',
        entry: null,
        client: true,
      });
    }
    case 'ok':
    case 'fail':
    case 'info':
      return settleRequest(s, e.requestId ?? e.process, e.type, e.t, id);
  }
}

/**
 * A client request reached a node. When the client's `invoke` came first, the request keeps
 * its history (it is settled by the client's outcome) and takes the node's kind and label.
 */
function openFromNode(s: ViewState, id: NodeId | null, e: Ev<'request'>): ViewState {
  const open = s.requests.get(e.requestId);
  if (open !== undefined) {
    return {
      ...s,
      requests: mapSet(s.requests, e.requestId, {
        ...open,
        kind: e.kind,
        label: e.label,
        node: open.node ?? id,
      }),
    };
  }
  return openRequest(s, {
    id: e.requestId,
    group: e.group,
    node: id,
    kind: e.kind,
    label: e.label,
    invokedAt: e.t,
    stages: [{ stage: 'invoke', t: e.t, node: id }],
    outcome: 'pending',
    entry: null,
    client: false,
  });
}

function openRequest(s: ViewState, r: RequestView): ViewState {
  return { ...s, requests: mapSet(s.requests, r.id, r) };
}

/** `r` with `stage` added: in place where this batch made the request and its stage list. */
function withStage(r: RequestView, stage: RequestStage): RequestView {
  const next = edit(r);
  if (next === r && owns(r.stages)) (r.stages as RequestStage[]).push(stage);
  else next.stages = claim([...r.stages, stage]);
  return next;
}

function addStage(s: ViewState, id: string, group: string, stage: RequestStage): ViewState {
  const r = s.requests.get(id);
  if (r !== undefined) {
    const next = edit(s);
    next.requests = mapSet(s.requests, id, withStage(r, stage));
    return next;
  }
  // Settled already (an unknown outcome whose entry a leader proposes, commits or applies
  // later): the stage goes to the settled request, so one id is never open and settled at once.
  const i = settledIndex(s, id);
  if (i >= 0) {
    const done = plGet(s.recentRequests, i)!;
    return {
      ...s,
      recentRequests: setRecent(s, i, { ...done, stages: [...done.stages, stage] }),
    };
  }
  // A request the trace did not see arrive (a trace that starts late): open it here.
  return openRequest(s, {
    id,
    group,
    node: stage.node,
    kind: '',
    label: '',
    invokedAt: stage.t,
    stages: [stage],
    outcome: 'pending',
    entry: null,
    client: false,
  });
}

/**
 * Where the requests of a version of recentRequests sit, so the applies and commits that come
 * after a request settled (one per node) find it without scanning up to RECENT_REQUESTS items
 * each. A version made by settling one more request or by replacing one shares its parent's
 * map: a push adds the new id, a drop from the front only moves `base` (position = abs − base).
 * A map may know ids a version does not hold (a newer push, a dropped item): every answer is
 * checked against the list, so an index only ever saves work, never changes a result.
 */
interface RecentIndex {
  readonly abs: Map<string, number>;
  readonly base: number;
}
const recentIndexes = new WeakMap<PList<RequestView>, RecentIndex>();

function recentIndex(l: PList<RequestView>): RecentIndex {
  let ix = recentIndexes.get(l);
  if (ix === undefined) {
    const abs = new Map<string, number>();
    for (let i = 0; i < l.length; i++) abs.set(plGet(l, i)!.id, i);
    ix = { abs, base: 0 };
    recentIndexes.set(l, ix);
  }
  return ix;
}

/**
 * A settled request whose outcome is unknown ('info') but whose entry was proposed and not seen
 * committed yet: it may still commit, so every commit must look at it.
 */
function mayCommitLate(r: RequestView): boolean {
  return r.outcome === 'info' && r.entry !== null && !hasStage(r, 'commit');
}

/**
 * The ids of a version of recentRequests that may commit late (mayCommitLate), so that a commit
 * looks at those few instead of every settled request. Immutable per version; carried over to
 * the next version by settledInto and setRecent. May name ids the version no longer holds
 * (dropped from the front): every answer is checked against the list.
 */
const lateCandidates = new WeakMap<PList<RequestView>, readonly string[]>();

function mayCommitLateIds(l: PList<RequestView>): readonly string[] {
  let ids = lateCandidates.get(l);
  if (ids === undefined) {
    const found: string[] = [];
    for (let i = 0; i < l.length; i++) {
      const r = plGet(l, i)!;
      if (mayCommitLate(r)) found.push(r.id);
    }
    ids = found;
    lateCandidates.set(l, ids);
  }
  return ids;
}

/** The candidates of `prev` changed for request `r` (now in `next`). */
function carryLate(prev: PList<RequestView>, next: PList<RequestView>, r: RequestView): void {
  const ids = lateCandidates.get(prev);
  if (ids === undefined) return;
  const has = ids.includes(r.id);
  const want = mayCommitLate(r);
  lateCandidates.set(
    next,
    has === want ? ids : want ? [...ids, r.id] : ids.filter((x) => x !== r.id),
  );
}

/** `next` is `prev` with `done` settled (pushed, oldest dropped): carry the indexes over. */
function settledInto(
  prev: PList<RequestView>,
  next: PList<RequestView>,
  done: RequestView,
): PList<RequestView> {
  const ix = recentIndexes.get(prev);
  // A map that kept many dropped ids is left behind; the next lookup builds a fresh one.
  if (ix !== undefined && ix.abs.size <= 2 * RECENT_REQUESTS) {
    ix.abs.set(done.id, ix.base + prev.length);
    recentIndexes.set(next, { abs: ix.abs, base: ix.base + prev.length + 1 - next.length });
  }
  carryLate(prev, next, done);
  return next;
}

/** recentRequests with position i replaced by r (positions unchanged: the index carries over). */
function setRecent(s: ViewState, i: number, r: RequestView): PList<RequestView> {
  const next = plSet(s.recentRequests, i, r);
  const ix = recentIndexes.get(s.recentRequests);
  if (ix !== undefined) recentIndexes.set(next, ix);
  carryLate(s.recentRequests, next, r);
  return next;
}

/** The position of a settled request in recentRequests, or -1. */
function settledIndex(s: ViewState, id: string): number {
  const recent = s.recentRequests;
  const ix = recentIndex(recent);
  const abs = ix.abs.get(id);
  if (abs === undefined) return -1;
  const i = abs - ix.base;
  if (i >= 0 && i < recent.length && plGet(recent, i)!.id === id) return i;
  for (let j = recent.length - 1; j >= 0; j--) if (plGet(recent, j)!.id === id) return j;
  return -1;
}

function reduceReply(s: ViewState, id: NodeId | null, e: Ev<'reply'>): ViewState {
  const r = s.requests.get(e.requestId);
  if (r === undefined) return s;
  s = addStage(s, e.requestId, e.group, {
    stage: 'reply',
    t: e.t,
    node: id,
    ...(e.error !== undefined ? { detail: e.error } : {}),
  });
  // Without a client history (the console's requests), the origin's reply settles it.
  if (!r.client && r.node === id) {
    const outcome = e.ok ? 'ok' : e.indeterminate === true ? 'info' : 'fail';
    return settleRequest(s, e.requestId, outcome, e.t, null, false);
  }
  return s;
}

function settleRequest(
  s: ViewState,
  id: string,
  outcome: 'ok' | 'fail' | 'info',
  t: number,
  node: NodeId | null,
  addOutcomeStage = true,
): ViewState {
  s = bumpSeries(s, t, (b) => {
    if (outcome === 'ok') b.ok++;
    else b.failed++;
  });
  const r = s.requests.get(id);
  if (r === undefined) return s;
  const stages = addOutcomeStage ? [...r.stages, { stage: outcome, t, node }] : r.stages;
  const done: RequestView = { ...r, outcome, stages };
  const totals = s.requestTotals[r.group] ?? { ok: 0, fail: 0, info: 0 };
  return {
    ...s,
    requestTotals: {
      ...s.requestTotals,
      [r.group]: { ...totals, [outcome]: totals[outcome] + 1 },
    },
    requests: mapDelete(s.requests, id),
    recentRequests: settledInto(
      s.recentRequests,
      plPushBounded(s.recentRequests, done, RECENT_REQUESTS),
      done,
    ),
  };
}

/**
 * Whether node `id`'s log holds the entry (index, term): a commit there commits that entry, not
 * another one a later leader wrote at the same index (§5.3). An index already compacted into a
 * snapshot cannot be checked and counts as held.
 */
function entryHeldBy(
  s: ViewState,
  id: NodeId,
  group: string,
): (index: number, term: number) => boolean {
  const log = s.nodes[id]?.groups[group]?.log;
  return (index, term) => {
    if (log === undefined || index <= log.snapshotIndex) return true;
    const e = plGet(log.entries, index - log.snapshotIndex - 1);
    return e !== undefined && e.term === term;
  };
}

/**
 * The group's commit index reached `index` (first seen on node `id`): the open requests whose
 * entry it covers are committed, and their propose → commit latency goes into the series.
 */
export function commitRequests(
  s: ViewState,
  id: NodeId,
  group: string,
  index: number,
  t: number,
): ViewState {
  const holds = entryHeldBy(s, id, group);
  for (const r of s.requests.values()) {
    if (r.group !== group || r.entry === null || r.entry.index > index || hasStage(r, 'commit')) {
      continue;
    }
    if (!holds(r.entry.index, r.entry.term)) continue;
    s = addStage(s, r.id, r.group, { stage: 'commit', t, node: id, index: r.entry.index });
    const proposed = r.stages.find((x) => x.stage === 'propose');
    if (proposed !== undefined) s = countCommitLatency(s, t, t - proposed.t);
  }
  // Settled without an answer (unknown outcome) but proposed: it may still commit.
  const late = mayCommitLateIds(s.recentRequests);
  for (let k = late.length - 1; k >= 0; k--) {
    const i = settledIndex(s, late[k]);
    if (i < 0) continue;
    const r = plGet(s.recentRequests, i)!;
    if (r.group !== group || !mayCommitLate(r)) continue;
    if (r.entry!.index > index || !holds(r.entry!.index, r.entry!.term)) continue;
    s = addStage(s, r.id, r.group, { stage: 'commit', t, node: id, index: r.entry!.index });
  }
  return s;
}

/**
 * Node `id` applied the entry a request made: an `apply` stage on the request, whether it is
 * still open or already settled (followers often apply after the client has its answer).
 */
export function applyRequest(s: ViewState, id: NodeId, e: Ev<'apply'>): ViewState {
  const rid = e.requestId;
  if (rid === undefined) return s;
  const stage: RequestStage = { stage: 'apply', t: e.t, node: id, index: e.index };
  if (s.requests.has(rid)) return addStage(s, rid, e.group, stage);
  const i = settledIndex(s, rid);
  if (i < 0) return s;
  const r = plGet(s.recentRequests, i)!;
  if (r.stages.some((x) => x.stage === 'apply' && x.node === id && x.index === e.index)) return s;
  return addStage(s, rid, e.group, stage);
}
