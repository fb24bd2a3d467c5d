// Every node's log of one group side by side: a row per node, a column per log index, so the same
// index lines up across nodes (RaftScope's picture). An entry is a cell in its term's colour with
// the term written in it: solid when committed, dashed and hollow when not; a dot marks it
// applied; hatched cells are compacted into the snapshot (the boundary cell says S); the
// leader's match (a bar after the cell) and next (a caret) show on each follower's row; entries a
// node just truncated linger a moment struck through. Columns are virtualized (only what is on
// screen is in the DOM) and the view follows the tail unless the person scrolled away.
// Invariants: fixed row and column sizes, tabular numerals, so nothing moves as entries arrive;
// the grid reads only the view model; ghosts fade with CSS, which prefers-reduced-motion stills.
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useEffect,
  useLayoutEffect,
  useRef,
  type CSSProperties,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import type { EntryView, GroupId, NodeId } from '../../state/model.ts';
import { termColor, termTextColor } from '../theme.ts';
import {
  atTail,
  cellAt,
  followEvery,
  FOLLOW_EVERY_MS,
  ghostAt,
  type FollowerMarks,
  type LogCell,
} from '../viz/logLayout.ts';
import type { LogRowData } from './logRows.ts';

export const CELL_W = 26;
export const ROW_H = 24;
/** Rows of 8 and 9 nodes are 20 px (cells keep their size), so nine fit a 720 px page. */
export const COMPACT_ROW_H = 20;

/** The height of one node's row for a grid of `nodes` rows. */
export function rowHeightFor(nodes: number): number {
  return nodes > 7 ? COMPACT_ROW_H : ROW_H;
}
export const HEADER_W = 96;
export const AXIS_H = 16;

export interface CellRef {
  node: NodeId;
  index: number;
}

/** A cell's props, all primitives, so a cell whose entry did not change skips rendering. */
interface CellProps {
  type: LogCell['type'];
  term: number;
  kind: EntryView['kind'] | null;
  label: string;
  committed: boolean;
  applied: boolean;
  boundary: boolean;
  ghostTerm: number | null;
  ghostKey: number;
  selected: boolean;
  highlighted: boolean;
  isMatch: boolean;
  isNext: boolean;
  left: number;
  node: NodeId;
  index: number;
}

function cellProps(
  cell: LogCell,
  ghost: EntryView | null,
): Pick<
  CellProps,
  'type' | 'term' | 'kind' | 'label' | 'committed' | 'applied' | 'boundary' | 'ghostTerm'
> {
  const base = { type: cell.type, ghostTerm: ghost?.term ?? null };
  if (cell.type === 'entry') {
    return {
      ...base,
      term: cell.entry.term,
      kind: cell.entry.kind,
      label: cell.entry.label,
      committed: cell.committed,
      applied: cell.applied,
      boundary: false,
    };
  }
  return {
    ...base,
    term: cell.type === 'compacted' ? cell.term : 0,
    kind: null,
    label: '',
    committed: cell.type === 'compacted',
    applied: cell.type === 'compacted',
    boundary: cell.type === 'compacted' && cell.boundary,
  };
}

function cellTitle(p: CellProps): string {
  const at = `${p.node} index ${p.index}`;
  if (p.type === 'compacted') {
    return p.boundary
      ? `${at}: snapshot boundary (term ${p.term}); earlier entries compacted`
      : `${at}: compacted into the snapshot`;
  }
  if (p.type === 'empty') {
    return p.ghostTerm !== null ? `${at}: truncated (was term ${p.ghostTerm})` : at;
  }
  const state = p.committed ? (p.applied ? 'committed, applied' : 'committed') : 'uncommitted';
  return `${at}: term ${p.term}, ${p.kind ?? ''}${p.label !== '' ? ` "${p.label}"` : ''}, ${state}${p.isMatch ? '; leader: match' : ''}${p.isNext ? '; leader: next' : ''}`;
}

const Cell = memo(function Cell(p: CellProps) {
  let cls = 'log-cell';
  let style: CSSProperties = { left: p.left };
  let text = '';
  if (p.type === 'entry') {
    const color = termColor(p.term);
    cls += p.committed ? ' committed' : ' uncommitted';
    if (p.applied) cls += ' applied';
    if (p.kind !== 'normal') cls += ` kind-${p.kind ?? ''}`;
    style = p.committed
      ? { ...style, background: color, borderColor: color, color: termTextColor(p.term) }
      : { ...style, borderColor: color, color };
    text = String(p.term);
  } else if (p.type === 'compacted') {
    cls += p.boundary ? ' compacted boundary' : ' compacted';
    text = p.boundary ? 'S' : '';
  } else {
    cls += ' empty';
  }
  if (p.selected) cls += ' selected';
  if (p.highlighted) cls += ' highlighted';
  return (
    <div className={cls} style={style} title={cellTitle(p)} data-index={p.index} data-node={p.node}>
      {text}
      {p.isNext && <span className="log-next" aria-hidden="true" />}
      {p.isMatch && <span className="log-match" aria-hidden="true" />}
      {p.ghostTerm !== null && (
        <span
          key={`${p.ghostKey}:${p.index}`}
          className="log-ghost"
          style={{ borderColor: termColor(p.ghostTerm), color: termColor(p.ghostTerm) }}
          aria-hidden="true"
        >
          {p.ghostTerm}
        </span>
      )}
    </div>
  );
});

function roleMark(role: string): string {
  return role === 'leader' ? 'L' : role === 'candidate' ? 'C' : role === 'pre-candidate' ? 'P' : '';
}

function RowHeader({ row }: { row: LogRowData }) {
  const g = row.group;
  const down = row.status !== 'up';
  const state = down ? row.status : row.paused ? 'paused' : '';
  const title =
    g === null
      ? `${row.node}: no log of this group`
      : `${row.node}: ${g.role}, term ${g.term}, last ${g.log.snapshotIndex + g.log.entries.length}, commit ${g.log.commit}, applied ${g.log.applied}, snapshot ${g.log.snapshotIndex}${row.marks !== null ? `; leader's view: match ${row.marks.match}, next ${row.marks.next} (${row.marks.state})` : ''}${state !== '' ? `, ${state}` : ''}`;
  return (
    <div className="log-row-head" title={title}>
      <span className="log-node">{row.node}</span>
      {g !== null && (
        <>
          <span className="log-role" aria-label={g.role}>
            {roleMark(g.role)}
          </span>
          <span
            className="term-badge"
            style={{ background: termColor(g.term), color: termTextColor(g.term) }}
          >
            {g.term}
          </span>
        </>
      )}
      {state !== '' && <span className="log-state">{state}</span>}
    </div>
  );
}

export function LogGrid({
  group,
  rows,
  first,
  last,
  selected,
  onSelect,
  highlightRequest,
  scrollToIndex,
  label,
}: {
  group: GroupId;
  rows: readonly LogRowData[];
  first: number;
  last: number;
  selected: CellRef | null;
  onSelect: (c: CellRef) => void;
  highlightRequest: string | null;
  /** An index to bring into view (the selected request's entry). */
  scrollToIndex: number | null;
  label: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = Math.max(0, last - first + 1);
  const rowH = rowHeightFor(rows.length);
  const compact = rowH === COMPACT_ROW_H;
  const follow = useRef(true);
  const virt = useVirtualizer({
    // A scroll re-renders with the next frame's work, not synchronously in the scroll event.
    useFlushSync: false,
    horizontal: true,
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CELL_W,
    overscan: 6,
    paddingStart: HEADER_W,
  });
  // A new group starts at its tail.
  useEffect(() => {
    follow.current = true;
  }, [group]);
  // Follow the tail as entries arrive, unless the person scrolled away from it. Scrolling makes
  // the browser lay the page out at once (and the virtualizer render again), so under a heavy
  // stream of entries the view catches up with the tail at most every FOLLOW_EVERY_MS; an entry
  // or two a second still scrolls in at once.
  // A delayed catch-up scrolls to the tail as it is then (the newest count rendered), and the
  // scroll event it causes is not the person scrolling away: onScroll knows the offset it set.
  const lastFollow = useRef({
    at: -Infinity,
    timer: 0,
    count: 0,
    target: -1,
    every: FOLLOW_EVERY_MS,
  });
  useLayoutEffect(() => {
    const f = lastFollow.current;
    f.count = count;
    const el = scrollRef.current;
    if (el === null || !follow.current || count === 0) return;
    const toTail = (): void => {
      f.timer = 0;
      f.at = performance.now();
      const view = scrollRef.current;
      if (follow.current && view !== null) {
        // The tail's offset is known from the cell width: reading scrollWidth would force a
        // layout of its own (the browser clamps the value to the end).
        const target = HEADER_W + f.count * CELL_W;
        const screenful = (view.clientWidth - HEADER_W) / CELL_W;
        f.every = followEvery(f.target >= 0 ? (target - f.target) / CELL_W : null, screenful);
        f.target = target;
        view.scrollLeft = target;
      }
    };
    const wait = f.at + f.every - performance.now();
    if (wait <= 0) toTail();
    else if (f.timer === 0) f.timer = window.setTimeout(toTail, wait);
  }, [count, group]);
  useEffect(() => () => window.clearTimeout(lastFollow.current.timer), []);
  // Bring a newly selected request's entry into view, once: later entries must not pull the
  // view back to it while the person scrolls.
  const shownRequestIndex = useRef<number | null>(null);
  useEffect(() => {
    if (scrollToIndex === shownRequestIndex.current) return;
    if (scrollToIndex === null || scrollToIndex < first || scrollToIndex > last) return;
    shownRequestIndex.current = scrollToIndex;
    const el = scrollRef.current;
    const x = HEADER_W + (scrollToIndex - first) * CELL_W;
    // Already on screen (e.g. the person clicked it): leave the view where it is.
    if (
      el === null ||
      (x >= el.scrollLeft + HEADER_W && x + CELL_W <= el.scrollLeft + el.clientWidth)
    ) {
      return;
    }
    follow.current = false;
    virt.scrollToIndex(scrollToIndex - first, { align: 'center' });
  }, [scrollToIndex, first, last, virt]);
  const onScroll = (): void => {
    const el = scrollRef.current;
    if (el === null) return;
    const f = lastFollow.current;
    // Where the last catch-up put the view: its right edge at the end of the grid as it was
    // then (the browser clamps the offset; the grid may have grown since): still following.
    // Anywhere else, following resumes only when the person scrolls back to the tail.
    const settled = f.target >= 0 && el.scrollLeft + el.clientWidth >= f.target - 1;
    follow.current = settled || atTail(el.scrollLeft, el.clientWidth, el.scrollWidth, CELL_W);
    if (!settled) f.target = -1;
  };
  const onKey = (ev: KeyboardEvent<HTMLDivElement>): void => {
    if (rows.length === 0 || count === 0) return;
    const cur = selected ?? { node: rows[0].node, index: last };
    const r = Math.max(
      0,
      rows.findIndex((x) => x.node === cur.node),
    );
    let next: CellRef | null = null;
    if (ev.key === 'ArrowLeft') next = { node: cur.node, index: Math.max(first, cur.index - 1) };
    else if (ev.key === 'ArrowRight')
      next = { node: cur.node, index: Math.min(last, cur.index + 1) };
    else if (ev.key === 'ArrowUp') next = { node: rows[Math.max(0, r - 1)].node, index: cur.index };
    else if (ev.key === 'ArrowDown')
      next = { node: rows[Math.min(rows.length - 1, r + 1)].node, index: cur.index };
    else if (ev.key === 'Home') next = { node: cur.node, index: first };
    else if (ev.key === 'End') next = { node: cur.node, index: last };
    else if (ev.key === 'Enter' || ev.key === ' ') next = cur;
    if (next === null) return;
    ev.preventDefault();
    ev.stopPropagation();
    follow.current = next.index === last;
    virt.scrollToIndex(next.index - first, { align: 'auto' });
    onSelect(next);
  };
  const onClick = (ev: MouseEvent<HTMLDivElement>): void => {
    const t = (ev.target as HTMLElement).closest<HTMLElement>('.log-cell');
    if (t === null) return;
    onSelect({ node: t.dataset.node!, index: Number(t.dataset.index) });
  };
  const items = virt.getVirtualItems();
  const width = virt.getTotalSize();
  // The cells of a row sit in a window that starts at the first column on screen, each keyed
  // and placed by its column within the window. When the view jumps to the tail only the window
  // moves: each cell keeps its element and its place, and takes the entry of its new index (a
  // term number that is usually the same), so the browser lays out one box, not every cell on
  // screen removed and another created.
  const windowLeft = items.length > 0 ? items[0].start : 0;
  const windowFirst = items.length > 0 ? items[0].index : 0;
  return (
    <div
      ref={scrollRef}
      className="log-scroll"
      tabIndex={0}
      role="group"
      aria-label={label}
      onScroll={onScroll}
      onKeyDown={onKey}
      onClick={onClick}
    >
      <div
        className={`log-canvas${compact ? ' compact' : ''}`}
        style={{ width, height: AXIS_H + rows.length * rowH }}
      >
        <div className="log-axis" style={{ width }}>
          <div className="log-corner">index</div>
          {items.map((v) => {
            const index = first + v.index;
            const show = index % 5 === 0 || index === first || selected?.index === index;
            return show ? (
              <span key={v.key} className="log-axis-label" style={{ left: v.start }}>
                {index}
              </span>
            ) : null;
          })}
        </div>
        {rows.map((row) => (
          <div
            key={row.node}
            className={`log-row${row.status !== 'up' ? ' down' : ''}`}
            style={{ width }}
            data-node={row.node}
          >
            <RowHeader row={row} />
            {row.group !== null && (
              <div className="log-window" style={{ left: windowLeft }}>
                {items.map((v) => {
                  const index = first + v.index;
                  const cell = cellAt(row.group!.log, index);
                  const marks: FollowerMarks | null = row.marks;
                  const ghost = ghostAt(row.ghosts, index);
                  return (
                    <Cell
                      key={v.index - windowFirst}
                      {...cellProps(cell, ghost)}
                      ghostKey={row.ghosts.length > 0 ? row.ghosts[row.ghosts.length - 1].seq : 0}
                      node={row.node}
                      index={index}
                      left={v.start - windowLeft}
                      selected={selected?.node === row.node && selected.index === index}
                      highlighted={
                        highlightRequest !== null &&
                        cell.type === 'entry' &&
                        cell.entry.requestId === highlightRequest
                      }
                      isMatch={marks !== null && marks.match === index}
                      isNext={marks !== null && marks.next === index}
                    />
                  );
                })}
              </div>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}
