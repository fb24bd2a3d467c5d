// The logs panel above the tabs: a title with the group and a legend, every node's log of the
// selected group side by side (LogGrid), and one line that says why the selected entry is or is
// not committed (logWhy.ts). Selecting an entry selects its client request, when it has one, so
// every view highlights that request; a request selected elsewhere is highlighted here.
// Invariant: reads only the view store; the selection of an entry is local to the panel, the
// selection of a request is the store's.
import { useMemo, useState } from 'react';
import { useSel, useSelectedGroup, useViewStore } from '../context.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import { shortGroupName } from '../groups/groupSummary.ts';
import { explainEntry } from '../viz/logWhy.ts';
import { cellAt } from '../viz/logLayout.ts';
import { LogGrid, rowHeightFor, type CellRef } from './LogGrid.tsx';
import { logRows, requestIndex } from './logRows.ts';
import './logs.css';

function Legend() {
  return (
    <span className="log-legend" aria-hidden="true">
      <span className="lg lg-committed">2</span> committed
      <span className="lg lg-uncommitted">2</span> not yet
      <span className="lg lg-applied">2</span> applied
      <span className="lg lg-compacted">S</span> snapshot
      <span className="lg lg-match" /> match
      <span className="lg lg-next" /> next
    </span>
  );
}

const LOGS_UPDATE_MS = 100;

export function LogsPanel() {
  const store = useViewStore();
  const group = useSelectedGroup();
  // The grid follows the live head ten times a second: smooth to watch, and under a heavy
  // stream it is drawn a few times a second rather than every frame.
  const view = useThrottledSel((s) => s.view, LOGS_UPDATE_MS, []);
  const selectedRequest = useSel((s) => s.selectedRequest);
  const [selected, setSelected] = useState<CellRef | null>(null);
  const layout = useMemo(() => (group === null ? null : logRows(view, group)), [view, group]);
  const requestAt = useMemo(
    () => (selectedRequest === null ? null : requestIndex(view, selectedRequest)),
    [view, selectedRequest],
  );
  if (group === null || layout === null) {
    // One line says there is nothing to show: as tall as that line, so the tabs get the rest.
    return (
      <section className="logs-panel" aria-label="Logs" style={{ flexBasis: 'auto' }}>
        <div className="logs-head">
          <h2 className="logs-title">Logs</h2>
        </div>
        <p className="logs-why muted">No cluster is running.</p>
      </section>
    );
  }
  const sel =
    selected !== null && layout.rows.some((r) => r.node === selected.node) ? selected : null;
  const why =
    sel === null
      ? 'Select an entry (click it, or focus the logs and use the arrow keys) to see why it is or is not committed.'
      : explainEntry(view, group, sel.node, sel.index);
  const onSelect = (c: CellRef): void => {
    setSelected(c);
    const g = view.nodes[c.node]?.groups[group];
    if (g === undefined) return;
    const cell = cellAt(g.log, c.index);
    if (cell.type === 'entry' && cell.entry.requestId !== null) {
      store.getState().selectRequest(cell.entry.requestId);
    }
  };
  const nodes = layout.rows.length;
  // As tall as the rows need (head 24, axis 16, rows, a horizontal scrollbar, the why line 33,
  // a little air), at most 45 % of the column: the tabs below (the request list) get the rest.
  // It changes only when a node is added or removed. Eight or nine nodes get compact rows, so
  // all nine rows fit within the 45 % of a 720 px page.
  const basis = `min(45%, ${nodes * rowHeightFor(nodes) + 90}px)`;
  return (
    <section className="logs-panel" aria-label="Logs" style={{ flexBasis: basis }}>
      <div className="logs-head">
        <h2 className="logs-title">
          Logs <span className="muted">· {shortGroupName(group)}</span>
        </h2>
        <span className="logs-span muted">
          {layout.last >= layout.first ? `${layout.first}–${layout.last}` : 'empty'}
          {layout.leader !== null ? ` · leader ${layout.leader}` : ' · no leader'}
        </span>
        <Legend />
      </div>
      <LogGrid
        group={group}
        rows={layout.rows}
        first={layout.first}
        last={layout.last}
        selected={sel}
        onSelect={onSelect}
        highlightRequest={selectedRequest}
        scrollToIndex={requestAt}
        label={`Logs of ${group} on ${nodes} node${nodes === 1 ? '' : 's'}: arrow keys move between entries`}
      />
      <p className="logs-why" id="log-why" aria-live="polite">
        {why}
      </p>
    </section>
  );
}
