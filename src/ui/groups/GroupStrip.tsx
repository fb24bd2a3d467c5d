// The groups strip: one chip per Raft group (multi-raft) with its leader and term, which is also
// the selector of the group every view shows. A radio group: arrow keys move the selection,
// `g` cycles it from anywhere on the page.
// Invariant: fixed height (36 px) and fixed-width chips, so leaders and terms changing never
// move anything; the term is written as a number beside its colour.
import { useRef, type KeyboardEvent } from 'react';
import type { GroupId } from '../../state/model.ts';
import { selectedGroupOf, useSel, useViewStore } from '../context.ts';
import { useShortcut } from '../shortcuts.ts';
import { termColor, termTextColor } from '../theme.ts';
import { groupSummary, shortGroupName } from './groupSummary.ts';
import './groups.css';

function GroupChip({
  group,
  selected,
  onSelect,
  refFor,
}: {
  group: GroupId;
  selected: boolean;
  onSelect: (g: GroupId) => void;
  refFor: (g: GroupId, el: HTMLButtonElement | null) => void;
}) {
  const { leader, term, errors } = useSel((s) => groupSummary(s.view, group));
  const name = shortGroupName(group);
  const state = leader === null ? `no leader, term ${term}` : `leader ${leader}, term ${term}`;
  return (
    <button
      ref={(el) => refFor(group, el)}
      type="button"
      role="radio"
      aria-checked={selected}
      tabIndex={selected ? 0 : -1}
      className="group-chip"
      data-group={group}
      title={`${group}: ${state}${errors > 0 ? `, ERROR on ${errors} node${errors === 1 ? '' : 's'}` : ''}`}
      aria-label={`${name} (${group}): ${state}${errors > 0 ? `, ERROR on ${errors}` : ''}`}
      onClick={() => onSelect(group)}
    >
      <span className="group-chip-name">{name}</span>
      <span className="group-chip-leader">{leader ?? '—'}</span>
      <span
        className="term-badge"
        style={{ background: termColor(term), color: termTextColor(term) }}
        aria-hidden="true"
      >
        {term}
      </span>
      {errors > 0 && (
        <span className="group-chip-error" aria-hidden="true">
          ERROR
        </span>
      )}
    </button>
  );
}

/** The strip at the top of the stage: every group's leader and term; picks the shown group. */
export function GroupStrip() {
  const store = useViewStore();
  const groups = useSel((s) => s.view.groups);
  const current = useSel(selectedGroupOf);
  const refs = useRef(new Map<GroupId, HTMLButtonElement>());
  const choose = (g: GroupId): void => {
    const s = store.getState();
    s.select(s.selectedNode, g);
  };
  const move = (step: number): GroupId | null => {
    if (groups.length === 0) return null;
    const i = Math.max(0, groups.indexOf(current ?? ''));
    const g = groups[(i + step + groups.length) % groups.length];
    choose(g);
    return g;
  };
  useShortcut('g', 'Show the next Raft group', 'Groups', () => move(1), groups.length > 1);
  const onKey = (ev: KeyboardEvent<HTMLDivElement>): void => {
    const step =
      ev.key === 'ArrowRight' || ev.key === 'ArrowDown'
        ? 1
        : ev.key === 'ArrowLeft' || ev.key === 'ArrowUp'
          ? -1
          : 0;
    if (step === 0) return;
    ev.preventDefault();
    const g = move(step);
    if (g !== null) refs.current.get(g)?.focus();
  };
  return (
    <div className="group-strip" role="radiogroup" aria-label="Raft group shown" onKeyDown={onKey}>
      {groups.map((g) => (
        <GroupChip
          key={g}
          group={g}
          selected={g === current}
          onSelect={choose}
          refFor={(id, el) => {
            if (el) refs.current.set(id, el);
            else refs.current.delete(id);
          }}
        />
      ))}
      {groups.length === 0 && <span className="muted">No group yet</span>}
    </div>
  );
}
