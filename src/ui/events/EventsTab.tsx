// The "Events" tab: the checks on top (the live linearizability verdict of the client history,
// with the offending operations when it fails; the invariant violations and scenario
// expectations the trace carries), and below them a filterable, virtualized list of the raw
// trace events that follows the tail while it is scrolled to the bottom.
// Invariants: reads only the view store (the verdict is computed from it, off the thread);
// fixed row heights; the list keeps its place when a person scrolls up to read.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useDeferredValue, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { plToArray } from '../../state/plist.ts';
import { useEngine, useSel, useViewStore } from '../context.ts';
import {
  CATEGORIES,
  eventLine,
  filterEvents,
  NO_FILTER,
  type EventFilter,
} from './eventFilters.ts';
import type { LinVerdict } from './linVerdict.ts';
import { RECHECK_MS, useLinVerdict } from './useLinCheck.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import './events.css';
import { formatCount } from '../theme.ts';
import { compareIds } from '../viz/ring.ts';

const ROW_PX = 18;

const VERDICT_TEXT: Record<LinVerdict['kind'], string> = {
  linearizable: 'linearizable',
  undecided: 'undecided',
  'not-linearizable': 'NOT linearizable',
  invalid: 'invalid history',
};

function LinearizabilityCheck() {
  const lin = useLinVerdict();
  const store = useViewStore();
  const v = lin.verdict;
  const kind = v?.kind ?? null;
  return (
    <section className="check" aria-labelledby="lin-title" data-testid="lin-check">
      <div className="check-head">
        <h3 id="lin-title">Client history</h3>
        <span
          id="lin-verdict"
          className={`verdict verdict-${kind ?? 'none'}`}
          data-verdict={kind ?? ''}
        >
          {kind === null ? 'checking…' : VERDICT_TEXT[kind]}
        </span>
        <span className="muted check-note">
          {lin.busy ? 'checking… ' : ''}
          {v === null ? '' : `${v.events} events checked`}
          {lin.historyEvents > (v?.events ?? 0)
            ? `, ${lin.historyEvents - (v?.events ?? 0)} newer`
            : ''}
          {` · re-checked every ${RECHECK_MS / 1000} s off the page's thread`}
        </span>
      </div>
      {lin.error !== null && <p className="check-bad">The checker failed: {lin.error}</p>}
      {v !== null && <p className="check-text">{v.text}</p>}
      {lin.dropped > 0 && (
        <p className="muted check-text">
          The history's first {lin.historyEvents} events are checked; {lin.dropped} later ones were
          past the page's bound and are not (a prefix of a history is checkable, a suffix is not).
        </p>
      )}
      {v !== null && v.offending.length > 0 && (
        <ul className="offending" aria-label="Offending operations">
          {v.offending.map((o) => (
            <li key={`${o.process}:${o.call}`}>
              <button type="button" onClick={() => store.getState().selectRequest(o.process)}>
                {o.process}
              </button>{' '}
              {o.op} {o.key} [{o.call}, {o.ret ?? '?'}]{' '}
              {o.outcome === 'info' ? '(outcome unknown)' : ''}
            </li>
          ))}
        </ul>
      )}
      {v?.detail != null && (
        <details>
          <summary>The checker's report</summary>
          <pre className="check-report">{v.detail}</pre>
        </details>
      )}
    </section>
  );
}

function InvariantChecks() {
  const engine = useEngine();
  const checks = useSel((s) => s.view.checks.checks);
  const list = useMemo(() => plToArray(checks), [checks]);
  const violations = list.filter((c) => c.type === 'violation');
  const expects = list.filter((c) => c.type === 'expect');
  const failed = expects.filter((c) => c.type === 'expect' && !c.passed);
  return (
    <section className="check" aria-labelledby="inv-title" data-testid="invariant-checks">
      <div className="check-head">
        <h3 id="inv-title">Invariants</h3>
        <span
          className={`verdict verdict-${violations.length > 0 ? 'not-linearizable' : 'linearizable'}`}
        >
          {violations.length === 0 ? 'no violation' : `${violations.length} violated`}
        </span>
        <span className="muted check-note">
          {engine?.kind === 'live'
            ? 'checked by the simulated engine after every event; the live engine records none'
            : 'one leader per term, log matching, leader completeness, state-machine safety, …'}
          {expects.length > 0
            ? ` · expectations: ${expects.length - failed.length} passed, ${failed.length} failed`
            : ''}
        </span>
      </div>
      {violations.length + failed.length > 0 && (
        <ul className="violations">
          {[...violations, ...failed].map((c) => (
            <li key={c.seq}>
              <span className="check-bad">
                {c.type === 'violation' ? c.invariant : `expect ${c.that}`}
              </span>{' '}
              at {(c.t / 1000).toFixed(3)} s: {c.detail}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function FilterBar({
  filter,
  onChange,
}: {
  filter: EventFilter;
  onChange: (f: EventFilter) => void;
}) {
  const nodes = useSel((s) => Object.keys(s.view.nodes).sort(compareIds));
  const groups = useSel((s) => s.view.groups);
  const ids = { type: useId(), node: useId(), group: useId(), text: useId() };
  return (
    <div className="event-filters" role="search" aria-label="Filter events">
      <label htmlFor={ids.type}>type</label>
      <select
        id={ids.type}
        value={filter.type}
        onChange={(e) => onChange({ ...filter, type: e.target.value })}
      >
        <option value="">all</option>
        <optgroup label="categories">
          {Object.keys(CATEGORIES).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </optgroup>
        <optgroup label="types">
          {Object.values(CATEGORIES)
            .flat()
            .map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
        </optgroup>
      </select>
      <label htmlFor={ids.node}>node</label>
      <select
        id={ids.node}
        value={filter.node}
        onChange={(e) => onChange({ ...filter, node: e.target.value })}
      >
        <option value="">all</option>
        {nodes.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <label htmlFor={ids.group}>group</label>
      <select
        id={ids.group}
        value={filter.group}
        onChange={(e) => onChange({ ...filter, group: e.target.value })}
      >
        <option value="">all</option>
        {groups.map((g) => (
          <option key={g} value={g}>
            {g}
          </option>
        ))}
      </select>
      <label htmlFor={ids.text}>text</label>
      <input
        id={ids.text}
        type="text"
        value={filter.text}
        placeholder="e.g. log-behind"
        onChange={(e) => onChange({ ...filter, text: e.target.value })}
      />
    </div>
  );
}

function EventList({ filter }: { filter: EventFilter }) {
  const { events, dropped } = useThrottledSel(
    (s) => ({ events: s.view.checks.events, dropped: s.view.checks.eventsDropped }),
    250,
    [],
  );
  // Filtering yields to typing and to the cluster's frames.
  const deferredEvents = useDeferredValue(events);
  const deferredFilter = useDeferredValue(filter);
  const rows = useMemo(
    () => filterEvents(deferredEvents, deferredFilter),
    [deferredEvents, deferredFilter],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const virtual = useVirtualizer({
    // A scroll re-renders with the next frame's work, not synchronously in the scroll event.
    useFlushSync: false,
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
  });
  // Follow the tail: after each render that added rows, while the person has not scrolled up.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (follow.current && el !== null) el.scrollTop = el.scrollHeight;
  }, [rows.length, virtual]);
  return (
    <>
      <div className="event-count muted" aria-live="off">
        {formatCount(rows.length)} of {formatCount(deferredEvents.length)} recent events
        {dropped > 0 ? ` (${formatCount(dropped)} older ones let go)` : ''}
        {' · scroll up to stop following the tail'}
      </div>
      <div
        ref={scroller}
        className="event-list"
        tabIndex={0}
        role="log"
        aria-label="Trace events, oldest first"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_PX * 2;
        }}
      >
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((v) => {
            const e = rows[v.index];
            return (
              <div
                key={e.seq}
                className={`event-row event-${e.type}`}
                data-seq={e.seq}
                style={{ position: 'absolute', top: v.start, left: 0, right: 0, height: ROW_PX }}
              >
                {eventLine(e)}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}

export function EventsTab() {
  const [filter, setFilter] = useState<EventFilter>(NO_FILTER);
  return (
    <div className="events-tab">
      <div className="checks">
        <LinearizabilityCheck />
        <InvariantChecks />
      </div>
      <FilterBar filter={filter} onChange={setFilter} />
      <EventList filter={filter} />
    </div>
  );
}
