// The request list: every client request, newest first, one fixed-height row each (outcome,
// operation, origin → leader, the entry it became coloured by term, its steps as a small
// stepper, latency), virtualized so hundreds of requests under load cost a screenful of rows;
// and the selected request's path in detail below it, with the "why" of a failure. Selecting a
// request (click, or ↑/↓ in the list) sets store.selectRequest, so the other views highlight it.
// Invariants: reads only the view store (and the checker's verdict, itself computed from it);
// rows never change height, so the list never jumps as requests progress.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { RECENT_REQUESTS, type RequestView } from '../../state/model.ts';
import { useSel, useSelectedGroup, useViewStore } from '../context.ts';
import { formatCount, termColor, termTextColor } from '../theme.ts';
import { useLinVerdict } from '../events/useLinCheck.ts';
import { explainRequest } from './explain.ts';
import {
  findRequest,
  formatMs,
  requestCounts,
  requestRows,
  summarize,
  type RequestSummary,
  type Step,
} from './requestSummary.ts';
import './requests.css';
import { useThrottledSel } from '../useThrottledSel.ts';

const ROW_PX = 26;
const LIST_UPDATE_MS = 250;

const OUTCOME_TEXT: Record<RequestView['outcome'], string> = {
  pending: 'pending',
  ok: 'ok',
  fail: 'failed',
  info: 'unknown',
};

const STEP_TEXT: Record<Step['name'], string> = {
  invoke: 'invoke',
  forward: 'forward',
  'read-index': 'ReadIndex',
  propose: 'propose',
  commit: 'commit',
  apply: 'apply',
  reply: 'reply',
};

function EntryChip({ entry }: { entry: { index: number; term: number } | null }) {
  if (entry === null) return <span className="req-entry muted">—</span>;
  return (
    <span
      className="req-entry"
      style={{ background: termColor(entry.term), color: termTextColor(entry.term) }}
      title={`log entry ${entry.index} of term ${entry.term}`}
    >
      #{entry.index} t{entry.term}
    </span>
  );
}

function Stepper({ steps }: { steps: readonly Step[] }) {
  return (
    <span className="req-stepper" aria-hidden="true">
      {steps.map((s) => (
        <span
          key={s.name}
          className={`req-step req-step-${s.state}`}
          title={`${STEP_TEXT[s.name]}: ${s.state}${s.text ? ` (${s.text})` : ''}`}
        />
      ))}
    </span>
  );
}

/** "ok: publish app.yaml, n2 → n1, #7 t3, 42 ms" for screen readers. */
function rowLabel(s: RequestSummary): string {
  const path = s.forwardedTo !== null ? `${s.origin} forwarded to ${s.forwardedTo}` : s.origin;
  const entry = s.entry === null ? 'no entry' : `entry ${s.entry.index} term ${s.entry.term}`;
  const applied = s.steps.find((x) => x.name === 'apply')?.text ?? '';
  return `${OUTCOME_TEXT[s.outcome]}: ${s.label}, ${path ?? ''}, ${entry}, applied ${applied}, ${formatMs(s.latencyMs)}`;
}

/** One row; re-renders only when its request, selection or membership changed. */
const RequestRow = memo(function RequestRow({
  r,
  members,
  selected,
  offending,
  id,
  onSelect,
}: {
  r: RequestView;
  members: readonly string[];
  selected: boolean;
  offending: boolean;
  id: string;
  onSelect: (requestId: string) => void;
}) {
  const s = summarize(r, members);
  const path =
    s.forwardedTo !== null ? `${s.origin} → ${s.forwardedTo}` : (s.proposer ?? s.origin ?? '');
  const applied = s.steps.find((x) => x.name === 'apply');
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      aria-label={rowLabel(s)}
      className={`req-row${selected ? ' selected' : ''}${offending ? ' offending' : ''}`}
      data-request={s.id}
      data-outcome={s.outcome}
      onClick={() => onSelect(s.id)}
    >
      <span className={`req-outcome req-outcome-${s.outcome}`}>{OUTCOME_TEXT[s.outcome]}</span>
      <span className="req-label" title={`${s.label} (${s.group}, request ${s.id})`}>
        {s.label}
      </span>
      <span className="req-path">{path}</span>
      <EntryChip entry={s.entry} />
      <Stepper steps={s.steps} />
      <span className="req-applied">{applied?.text.replace(' nodes', '') ?? ''}</span>
      <span className="req-latency">{formatMs(s.latencyMs)}</span>
      {offending && (
        <span className="req-lin" title="part of the history the linearizability check rejects">
          lin ✗
        </span>
      )}
    </div>
  );
});

/** The selected request's path, step by step with times, and the why of its outcome. */
export function RequestDetail({ s }: { s: RequestSummary | null }) {
  if (s === null) {
    return (
      <div className="req-detail muted" id="request-detail">
        Select a request (click it, or use ↑ ↓ in the list) to follow its path: the cluster, the
        logs and the apply feeds highlight it too.
      </div>
    );
  }
  const why = explainRequest(s);
  return (
    <div className="req-detail" id="request-detail" aria-live="polite">
      <div className="req-detail-head">
        <strong>{s.label}</strong>
        <span className="muted">
          {s.group} · request {s.id}
        </span>
        <span className={`req-outcome req-outcome-${s.outcome}`}>{OUTCOME_TEXT[s.outcome]}</span>
        <span className="req-latency">{formatMs(s.latencyMs)}</span>
      </div>
      <ol className="req-timeline">
        {s.steps.map((x) => (
          <li key={x.name} className={`req-tl req-tl-${x.state}`} data-step={x.name}>
            <span className="req-tl-name">{STEP_TEXT[x.name]}</span>
            <span className="req-tl-text">{x.text}</span>
            <span className="req-tl-time">{x.atMs === null ? '' : `+${formatMs(x.atMs)}`}</span>
          </li>
        ))}
      </ol>
      {s.applies.length > 0 && (
        <div className="req-applies">
          applied on{' '}
          {s.applies.map((a, i) => (
            <span key={a.node} data-applied={a.node}>
              {i > 0 ? ' · ' : ''}
              {a.node} +{formatMs(a.atMs)}
            </span>
          ))}
        </div>
      )}
      {s.error !== null && (
        <div className="req-error">
          Nacos answered: <code>{s.error}</code>
        </div>
      )}
      {why !== null && <p className="req-why">{why}</p>}
    </div>
  );
}

export function RequestList() {
  const store = useViewStore();
  const selectedGroup = useSelectedGroup();
  const [allGroups, setAllGroups] = useState(true);
  const filter = allGroups ? null : selectedGroup;
  // A person reads the list; four updates a second are plenty, and cheap under load.
  const rows = useThrottledSel(
    (s) => requestRows(s.view.requests, s.view.recentRequests, filter),
    LIST_UPDATE_MS,
    [filter],
  );
  const totals = useThrottledSel((s) => s.view.requestTotals, LIST_UPDATE_MS, []);
  const members = useSel((s) =>
    Object.values(s.view.nodes)
      .filter((n) => !n.removed)
      .map((n) => n.id),
  );
  const selected = useSel((s) => s.selectedRequest);
  const lin = useLinVerdict();
  const offending = useMemo(
    () => new Set(lin.verdict?.offending.map((o) => o.process) ?? []),
    [lin.verdict],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    // A scroll re-renders with the next frame's work, not synchronously in the scroll event.
    useFlushSync: false,
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 8,
  });
  const base = useId();
  const rowId = (id: string): string => `${base}-req-${id}`;
  const selectedIndex = rows.findIndex((r) => r.id === selected);
  // Found in the store, not the rows: the list's filter may hide the selected request.
  const selectedView = useThrottledSel(
    (s) => findRequest(s.view.requests, s.view.recentRequests, selected),
    LIST_UPDATE_MS,
    [selected],
  );
  const summary = useMemo(
    () => (selectedView === null ? null : summarize(selectedView, members)),
    [selectedView, members],
  );

  const latest = useRef({ rows, virtual });
  latest.current = { rows, virtual };
  const choose = (i: number): void => {
    const r = rows[i];
    if (r === undefined) return;
    store.getState().selectRequest(r.id);
    virtual.scrollToIndex(i, { align: 'auto' });
  };
  // Stable, and by id rather than position: rows shift down as requests arrive, and the
  // memoized rows must not re-render for that.
  const chooseId = useCallback(
    (id: string): void => {
      const i = latest.current.rows.findIndex((r) => r.id === id);
      if (i < 0) return;
      store.getState().selectRequest(id);
      latest.current.virtual.scrollToIndex(i, { align: 'auto' });
    },
    [store],
  );
  const onKey = (ev: KeyboardEvent<HTMLDivElement>): void => {
    let i = -1;
    if (ev.key === 'ArrowDown') i = Math.min(rows.length - 1, selectedIndex + 1);
    else if (ev.key === 'ArrowUp') i = Math.max(0, selectedIndex - 1);
    else if (ev.key === 'Home') i = 0;
    else if (ev.key === 'End') i = rows.length - 1;
    else if (ev.key === 'Escape') {
      store.getState().selectRequest(null);
      ev.preventDefault();
      return;
    }
    if (i < 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    choose(i);
  };
  const counts = requestCounts(rows, totals, filter);
  return (
    <div className="req-list-wrap">
      <div className="req-list-head">
        <span
          className="req-counts"
          aria-live="off"
          title={
            counts.shown < counts.total
              ? `The list keeps the open requests and the latest ${formatCount(RECENT_REQUESTS)} settled ones; the counts are of every request since the trace began.`
              : undefined
          }
        >
          {formatCount(counts.total)} requests · {formatCount(counts.pending)} pending ·{' '}
          {formatCount(counts.ok)} ok · {formatCount(counts.fail)} failed ·{' '}
          {formatCount(counts.info)} unknown
          {counts.shown < counts.total && ` · ${formatCount(counts.shown)} listed`}
        </span>
        <label className="inline-label">
          <input
            type="checkbox"
            checked={!allGroups}
            onChange={(e) => setAllGroups(!e.target.checked)}
          />
          only {selectedGroup ?? 'the selected group'}
        </label>
      </div>
      <div
        ref={scroller}
        className="req-list"
        role="listbox"
        tabIndex={0}
        aria-label="Client requests, newest first"
        aria-activedescendant={selectedIndex >= 0 ? rowId(rows[selectedIndex].id) : undefined}
        onKeyDown={onKey}
      >
        {rows.length === 0 ? (
          <div className="req-empty muted">
            No requests yet: send one with the form above (or press W).
          </div>
        ) : (
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((v) => {
              const r = rows[v.index];
              return (
                <div
                  key={r.id}
                  style={{ position: 'absolute', top: v.start, left: 0, right: 0, height: ROW_PX }}
                >
                  <RequestRow
                    r={r}
                    members={members}
                    id={rowId(r.id)}
                    selected={r.id === selected}
                    offending={offending.has(r.id)}
                    onSelect={chooseId}
                  />
                </div>
              );
            })}
          </div>
        )}
      </div>
      <RequestDetail s={summary} />
    </div>
  );
}
