// The "State" tab: the selected group's state machines. Above, the live apply stream: each
// index some node applied, newest first, with the operation, what the state machine answered,
// and per node whether it applied it (✓ ok, ✗ refused by the state machine, · not yet). Below,
// the contents (config items with md5, persistent instances by service, service and instance
// metadata), listed once, with the rows where nodes differ first and highlighted.
// Invariants: reads only the view store (contents are replayed by src/state/sm.ts); the
// contents are recomputed at most a few times a second, so a heavy load does not make every
// frame rebuild them; the selected request's applies are highlighted.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { GroupId, NodeId, ViewState } from '../../state/model.ts';
import { applyStream } from '../../state/reduceApplyStream.ts';
import { smContents } from '../../state/sm.ts';
import { nodeOrder } from '../../state/statusText.ts';
import { useSel, useSelectedGroup, useViewStore } from '../context.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import { shortGroupName } from '../groups/groupSummary.ts';
import { termColor, termTextColor } from '../theme.ts';
import { applyMatrix } from './applyMatrix.ts';
import { diffStateMachines } from './smDiff.ts';
import './sm.css';

const APPLY_ROWS = 60;
const CONTENT_ROWS = 300;
const CONTENTS_EVERY_MS = 500;

/**
 * `value`, updated at most every `ms`: one timer at a time, which shows the latest value when it
 * fires. (Re-arming the timer on every change would starve it while values change each frame.)
 */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const latest = useRef(value);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const last = useRef(0);
  useEffect(() => {
    latest.current = value;
    if (pending.current !== null || shown === value) return;
    const wait = Math.max(0, last.current + ms - performance.now());
    pending.current = setTimeout(() => {
      pending.current = null;
      last.current = performance.now();
      setShown(latest.current);
    }, wait);
  }, [value, shown, ms]);
  useEffect(
    () => () => {
      if (pending.current !== null) clearTimeout(pending.current);
      // A remount (StrictMode's, or a later one) must be able to arm the timer again.
      pending.current = null;
    },
    [],
  );
  return shown;
}

function ApplyStream({ view, group, nodes }: { view: ViewState; group: GroupId; nodes: NodeId[] }) {
  const store = useViewStore();
  const selectedRequest = useSel((s) => s.selectedRequest);
  const rows = useMemo(
    () =>
      applyMatrix(
        nodes.map((node) => ({ node, stream: applyStream(view, node, group) })),
        APPLY_ROWS,
      ),
    [view, group, nodes],
  );
  return (
    <section className="sm-section sm-applies" aria-label="Apply stream">
      <h3 className="sm-heading">
        Apply stream <span className="muted">· newest first, per node</span>
      </h3>
      <div className="sm-scroll">
        <table className="sm-table apply-table">
          <thead>
            <tr>
              <th className="num">index</th>
              <th>term</th>
              <th>operation</th>
              <th>result</th>
              {nodes.map((n) => (
                <th key={n} className="node-col">
                  {n}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.index}
                className={`${r.differs ? 'differs' : ''}${r.requestId !== null && r.requestId === selectedRequest ? ' highlighted' : ''}`}
                data-index={r.index}
                onClick={() => r.requestId !== null && store.getState().selectRequest(r.requestId)}
              >
                <td className="num">{r.index}</td>
                <td>
                  <span
                    className="term-badge"
                    style={{ background: termColor(r.term), color: termTextColor(r.term) }}
                  >
                    {r.term}
                  </span>
                </td>
                <td className="op" title={r.label}>
                  {r.requestId !== null ? (
                    <button
                      type="button"
                      className="link-button"
                      aria-label={`${r.label}: select its request`}
                      onClick={(ev) => {
                        ev.stopPropagation();
                        store.getState().selectRequest(r.requestId);
                      }}
                    >
                      {r.label || '(operation)'}
                    </button>
                  ) : (
                    r.label || '(operation)'
                  )}
                </td>
                <td className={`result${r.ok ? '' : ' refused'}`} title={r.result}>
                  {r.differs ? 'nodes differ: ' : ''}
                  {r.result}
                </td>
                {r.cells.map((c, k) => (
                  <td
                    key={nodes[k]}
                    className={`node-col mark ${c === null ? 'pending' : c.ok ? 'ok' : 'refused'}`}
                    title={
                      c === null
                        ? `${nodes[k]}: not applied yet`
                        : `${nodes[k]}: ${c.ok ? 'ok' : 'refused'}: ${c.result}`
                    }
                  >
                    {c === null ? '·' : c.ok ? '✓' : '✗'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="sm-empty muted">No operation applied yet.</p>}
      </div>
    </section>
  );
}

function Contents({ view, group, nodes }: { view: ViewState; group: GroupId; nodes: NodeId[] }) {
  const slow = useThrottled(view, CONTENTS_EVERY_MS);
  const { rows, applied, unknown, down } = useMemo(() => {
    // A node that is down holds no state machine until it restarts: it takes no part.
    const present = nodes.filter(
      (n) => slow.nodes[n]?.status === 'up' && slow.nodes[n].groups[group] !== undefined,
    );
    const contents = present.map((node) => ({
      node,
      contents: smContents(slow.nodes[node].groups[group].sm),
    }));
    return {
      rows: diffStateMachines(group, contents),
      applied: present.map((n) => ({ node: n, index: slow.nodes[n].groups[group].sm.index })),
      unknown: contents.filter((c) => c.contents === null).map((c) => c.node),
      down: nodes.filter((n) => !present.includes(n)),
    };
  }, [slow, group, nodes]);
  const differing = rows.filter((r) => r.differs).length;
  return (
    <section className="sm-section sm-contents" aria-label="State machine contents">
      <h3 className="sm-heading">
        Contents{' '}
        <span className="muted">
          · {rows.length} key{rows.length === 1 ? '' : 's'} ·{' '}
        </span>
        <span className={differing > 0 ? 'sm-differ-count' : 'sm-agree'}>
          {differing > 0
            ? `${differing} differ between nodes`
            : rows.length > 0
              ? 'all nodes agree'
              : 'empty'}
        </span>
        <span className="sm-applied muted">
          applied:{' '}
          {applied.map((a) => (
            <span key={a.node}>
              {a.node} {a.index}
            </span>
          ))}
        </span>
      </h3>
      {down.length > 0 && (
        <p className="sm-note muted">
          Not compared: {down.join(', ')} (down; a restart rebuilds the state machine from the
          snapshot and the log).
        </p>
      )}
      {unknown.length > 0 && (
        <p className="sm-note muted">
          Unknown on {unknown.join(', ')}: their snapshot was loaded before this trace began.
        </p>
      )}
      <div className="sm-scroll">
        <table className="sm-table contents-table">
          <thead>
            <tr>
              <th>where</th>
              <th>key</th>
              <th>value</th>
              <th>differs on</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, CONTENT_ROWS).map((r) => (
              <tr key={`${r.section}\u0000${r.key}`} className={r.differs ? 'differs' : ''}>
                <td className="where" title={r.section}>
                  {r.section}
                </td>
                <td className="key" title={r.key}>
                  {r.key}
                </td>
                <td className="value" title={r.value}>
                  {r.value}
                </td>
                <td className="diff">
                  {r.differ.map((d) => (
                    <span
                      key={d.node}
                      className="sm-diff"
                      title={`${d.node}: ${d.value ?? 'missing'}`}
                    >
                      {d.node}: {d.value === null ? 'missing' : d.value}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length > CONTENT_ROWS && (
          <p className="sm-note muted">
            Showing {CONTENT_ROWS} of {rows.length} keys (those that differ first).
          </p>
        )}
      </div>
    </section>
  );
}

/** A person reads these tables: four updates a second follow the live head closely enough. */
const STATE_UPDATE_MS = 250;

export function StatePanel() {
  const group = useSelectedGroup();
  const view = useThrottledSel((s) => s.view, STATE_UPDATE_MS, []);
  const ids = useMemo(() => nodeOrder(view).join(' '), [view]);
  const nodes = useMemo(() => (ids === '' ? [] : ids.split(' ')), [ids]);
  if (group === null) return <p className="sm-empty muted">No cluster is running.</p>;
  return (
    <div className="state-panel" aria-label={`State machines of ${group}`}>
      <p className="visually-hidden">State machines of {shortGroupName(group)}</p>
      <ApplyStream view={view} group={group} nodes={nodes} />
      <Contents view={view} group={group} nodes={nodes} />
    </div>
  );
}
