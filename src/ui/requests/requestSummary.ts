// What the request list shows of one request: its path as steps (invoke → forward → propose
// (index, term) → commit → applied on each node → reply), each done, waiting, failed or not
// part of this request's path, with times since the invoke; its latency and outcome; and the
// error Nacos answered with. Also the list's order: open requests first, newest first.
// Invariants: pure, computed from the view model's RequestView alone; times are cluster ms
// relative to the invoke, never negative; a request's latency is known only once settled.
import type { RequestStage, RequestTotals, RequestView } from '../../state/model.ts';
import type { PList } from '../../state/plist.ts';
import { plGet } from '../../state/plist.ts';

export type StepName =
  'invoke' | 'forward' | 'read-index' | 'propose' | 'commit' | 'apply' | 'reply';
export type StepState = 'done' | 'waiting' | 'failed' | 'skipped';

export interface Step {
  name: StepName;
  state: StepState;
  /** Milliseconds after the invoke, when done. */
  atMs: number | null;
  /** A few words: "n2 → n1", "#12 term 3", "3/5 nodes". */
  text: string;
}

export interface RequestSummary {
  id: string;
  label: string;
  group: string;
  kind: string;
  origin: string | null;
  /** The leader the request was forwarded to, when it was. */
  forwardedTo: string | null;
  /** The node that proposed it, and the entry it became. */
  proposer: string | null;
  entry: { index: number; term: number } | null;
  /** Nodes that applied its entry, in the order they did, with ms after the invoke. */
  applies: { node: string; atMs: number }[];
  outcome: RequestView['outcome'];
  /** Invoke → outcome, once settled. */
  latencyMs: number | null;
  /** The error the client got (Nacos's exact text), when it failed or is unknown. */
  error: string | null;
  /** The ReadIndex outcome of a read: the index, or -1 and why it fell back to the log. */
  readIndex: { index: number; detail: string | null } | null;
  steps: Step[];
}

function first(r: RequestView, stage: RequestStage['stage']): RequestStage | undefined {
  return r.stages.find((x) => x.stage === stage);
}

function since(r: RequestView, x: RequestStage | undefined): number | null {
  return x === undefined ? null : Math.max(0, x.t - r.invokedAt);
}

/** The error the client saw: the origin's failed reply, else any failure on the way. */
function errorOf(r: RequestView): string | null {
  if (r.outcome === 'ok' || r.outcome === 'pending') return null;
  const replies = r.stages.filter(
    (x) => (x.stage === 'reply' || x.stage === 'forward-reply') && x.detail !== undefined,
  );
  const atOrigin = replies.filter((x) => x.node === r.node);
  const pick = atOrigin[atOrigin.length - 1] ?? replies[replies.length - 1];
  return pick?.detail ?? null;
}

/** The time the client learned the outcome. */
function settledAt(r: RequestView): RequestStage | undefined {
  if (r.outcome === 'pending') return undefined;
  const outcome = r.stages.find((x) => x.stage === r.outcome);
  if (outcome !== undefined) return outcome;
  // Settled by the origin's reply (no client history).
  const replies = r.stages.filter((x) => x.stage === 'reply' && x.node === r.node);
  return replies[replies.length - 1];
}

/**
 * The summary of a request. `members`: the nodes expected to apply its entry (the cluster's
 * nodes), for the "applied on k of n" step.
 */
export function summarize(r: RequestView, members: readonly string[]): RequestSummary {
  const failed = r.outcome === 'fail' || r.outcome === 'info';
  const settled = r.outcome !== 'pending';
  const invoke = first(r, 'invoke');
  const forward = first(r, 'forward');
  const forwardRecv = first(r, 'forward-recv');
  const readIdx = first(r, 'read-index');
  const propose = first(r, 'propose');
  const commit = first(r, 'commit');
  const applies: { node: string; atMs: number }[] = [];
  for (const x of r.stages) {
    if (x.stage === 'apply' && x.node !== null && !applies.some((a) => a.node === x.node)) {
      applies.push({ node: x.node, atMs: since(r, x)! });
    }
  }
  const end = settledAt(r);
  const error = errorOf(r);
  const isRead = r.kind === 'read' || readIdx !== undefined;
  // A read answered from ReadIndex never enters the log.
  const viaLog =
    !isRead || (readIdx !== undefined && (readIdx.index ?? 0) < 0) || propose !== undefined;

  // A step not reached is failed if the request ended there, waiting while it is open.
  const notYet = (): StepState => (settled ? (failed ? 'failed' : 'skipped') : 'waiting');
  const steps: Step[] = [];
  steps.push({ name: 'invoke', state: 'done', atMs: since(r, invoke) ?? 0, text: r.node ?? '' });
  if (forward !== undefined || forwardRecv !== undefined) {
    // Where it arrived, else where it was sent (a Forward lost on the way names its target).
    const to = forwardRecv?.node ?? forward?.to ?? null;
    steps.push({
      name: 'forward',
      state: forwardRecv !== undefined ? 'done' : notYet(),
      atMs: since(r, forwardRecv ?? forward),
      text: `${r.node ?? '?'} → ${to ?? '?'}`,
    });
  }
  if (isRead) {
    steps.push({
      name: 'read-index',
      state: readIdx === undefined ? notYet() : 'done',
      atMs: since(r, readIdx),
      text:
        readIdx === undefined
          ? ''
          : (readIdx.index ?? -1) < 0
            ? 'refused: via the log'
            : `index ${readIdx.index}`,
    });
  }
  if (viaLog) {
    steps.push({
      name: 'propose',
      state: propose !== undefined ? 'done' : notYet(),
      atMs: since(r, propose),
      text: r.entry === null ? '' : `#${r.entry.index} term ${r.entry.term}`,
    });
    steps.push({
      name: 'commit',
      state: commit !== undefined ? 'done' : notYet(),
      atMs: since(r, commit),
      text: commit === undefined ? '' : `#${commit.index ?? r.entry?.index ?? '?'}`,
    });
    const n = Math.max(members.length, applies.length);
    steps.push({
      name: 'apply',
      state: applies.length >= n && n > 0 ? 'done' : applies.length > 0 ? 'waiting' : notYet(),
      atMs: applies.length === 0 ? null : applies[applies.length - 1].atMs,
      text: `${applies.length}/${n} nodes`,
    });
  }
  steps.push({
    name: 'reply',
    state: !settled ? 'waiting' : failed ? 'failed' : 'done',
    atMs: since(r, end),
    text: r.outcome === 'pending' ? '' : r.outcome,
  });
  return {
    id: r.id,
    label: r.label || r.kind || r.id,
    group: r.group,
    kind: r.kind,
    origin: r.node,
    forwardedTo: forwardRecv?.node ?? null,
    proposer: propose?.node ?? null,
    entry: r.entry,
    applies,
    outcome: r.outcome,
    latencyMs: since(r, end),
    error,
    readIndex:
      readIdx === undefined ? null : { index: readIdx.index ?? -1, detail: readIdx.detail ?? null },
    steps,
  };
}

/**
 * The requests the list shows, newest first: open ones (by invoke time), then the settled
 * ones. `group`: only that group's, or all when null.
 */
export function requestRows(
  open: ReadonlyMap<string, RequestView>,
  recent: PList<RequestView>,
  group: string | null,
): RequestView[] {
  const out: RequestView[] = [];
  const openList = [...open.values()].filter((r) => group === null || r.group === group);
  openList.sort((a, b) => b.invokedAt - a.invokedAt);
  out.push(...openList);
  // Each id once (the list is keyed by id): should a request be both open and settled, or
  // settled twice, the open (or most recent) record is the one shown.
  const seen = new Set(openList.map((r) => r.id));
  for (let i = recent.length - 1; i >= 0; i--) {
    const r = plGet(recent, i)!;
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    if (group === null || r.group === group) out.push(r);
  }
  return out;
}

/** The request with this id, open or settled (null when unknown or forgotten). */
export function findRequest(
  open: ReadonlyMap<string, RequestView>,
  recent: PList<RequestView>,
  id: string | null,
): RequestView | null {
  if (id === null) return null;
  const r = open.get(id);
  if (r !== undefined) return r;
  for (let i = recent.length - 1; i >= 0; i--) {
    const x = plGet(recent, i)!;
    if (x.id === id) return x;
  }
  return null;
}

/** "12 ms", "1.4 s", "—" for unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The request list's counts line: every request since the trace began, and how many it shows. */
export interface RequestCounts {
  total: number;
  pending: number;
  ok: number;
  fail: number;
  info: number;
  /** Requests the list holds (open ones and the most recent settled). */
  shown: number;
}

/**
 * Counts for the list's `rows` (requestRows with the same `group`): open requests from the rows
 * (the list holds every open one), settled ones from the model's totals (the list keeps only
 * the most recent), for one group or, with null, all of them.
 */
export function requestCounts(
  rows: readonly RequestView[],
  totals: Readonly<Record<string, RequestTotals>>,
  group: string | null,
): RequestCounts {
  let pending = 0;
  for (const r of rows) if (r.outcome === 'pending') pending++;
  const c: RequestCounts = { total: 0, pending, ok: 0, fail: 0, info: 0, shown: rows.length };
  for (const [g, t] of Object.entries(totals)) {
    if (group !== null && g !== group) continue;
    c.ok += t.ok;
    c.fail += t.fail;
    c.info += t.info;
  }
  c.total = c.pending + c.ok + c.fail + c.info;
  return c;
}
