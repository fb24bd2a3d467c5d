// One node on the ring: a disc in its term's colour with the term written in it, its id and
// role beside it, the leader ringed and crowned, candidates ringed dashed (pre-candidates
// dotted), and each abnormal state marked in words and a glyph: crashed (grey, ✕), paused (❚❚),
// failed (red, with its message in the title), ERROR (red badge), skewed clock (×rate), removed
// (faded). The election timer is drawn by TimerArc, apart, since it changes every frame.
// Invariant: colour is never the only cue: the term is written, the role and states are words.
import { DISK_STALL_NOTE } from '../../state/reduce.ts';
import { memo } from 'react';
import type { GroupView, NodeView } from '../../state/model.ts';
import { termColor, termTextColor } from '../theme.ts';
import type { Point } from '../viz/ring.ts';

const ROLE_TEXT: Record<GroupView['role'], string> = {
  leader: 'leader',
  candidate: 'candidate',
  'pre-candidate': 'pre-candidate',
  follower: 'follower',
};

/** Short state words for a node (the label under its id and its accessible name). */
export function nodeStateWords(n: NodeView, g: GroupView | undefined): string[] {
  const words: string[] = [];
  if (n.status === 'crashed') words.push('crashed');
  else if (n.status === 'failed') words.push('failed');
  else if (g !== undefined) words.push(ROLE_TEXT[g.role]);
  if (n.paused) words.push('paused');
  if (n.status === 'up' && n.note?.startsWith(DISK_STALL_NOTE) === true) words.push('disk stalled');
  if (g?.error != null) words.push('ERROR');
  if (n.removed) words.push('removed');
  if (n.clockRate !== 1) words.push(`clock ×${rateText(n.clockRate)}`);
  return words;
}

/**
 * Where a node's label (two lines; three beside a node with more than its role) goes: outside the ring, away from the centre — beside a node
 * on the ring's left or right, above one at the top, below one at the bottom — clear of the
 * disc and its timer arc.
 */
export function labelPlacement(
  at: Point,
  center: Point,
  r: number,
): { x: number; y: number; anchor: 'start' | 'middle' | 'end' } {
  const dx = at.x - center.x;
  const dy = at.y - center.y;
  const len = Math.hypot(dx, dy);
  if (len > 0 && Math.abs(dx) >= len * 0.7) {
    return dx > 0 ? { x: r + 13, y: -3, anchor: 'start' } : { x: -r - 13, y: -3, anchor: 'end' };
  }
  return dy < 0 ? { x: 0, y: -r - 27, anchor: 'middle' } : { x: 0, y: r + 23, anchor: 'middle' };
}

export function rateText(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(2).replace(/0+$/, '');
}

export const NodeMark = memo(function NodeMark({
  node,
  group,
  at,
  center,
  r,
  selected,
  focusable,
  dragging,
  onPointerDown,
  onSelect,
}: {
  node: NodeView;
  group: GroupView | undefined;
  at: Point;
  center: Point;
  r: number;
  selected: boolean;
  /** The one node of the ring in the tab order (roving tabindex). */
  focusable: boolean;
  dragging: boolean;
  onPointerDown: (id: string, ev: React.PointerEvent<SVGGElement>) => void;
  onSelect: (id: string) => void;
}) {
  const down = node.status !== 'up';
  const term = group?.term ?? 0;
  const role = group?.role ?? 'follower';
  const fill = down ? '#b9c0cb' : termColor(term);
  const text = down ? '#4b5563' : termTextColor(term);
  const words = nodeStateWords(node, group);
  const label = labelPlacement(at, center, r);
  // Beside a node (at the stage's left or right edge) the role and any other states take a line
  // each, so the label stays inside the stage; above or below a node, centred, they share one.
  const split = label.anchor !== 'middle' && words.length > 1;
  const failed = node.status === 'failed' || group?.error != null;
  const title = [
    `${node.id}: ${words.join(', ')}, term ${term}`,
    node.note !== null ? `(${node.note})` : '',
    group?.error != null ? `ERROR: ${group.error}` : '',
  ]
    .filter((x) => x !== '')
    .join(' ');
  return (
    <g
      className={`node-mark${dragging ? '' : ' moves'}${selected ? ' selected' : ''}${node.removed ? ' removed' : ''}`}
      style={{ transform: `translate(${at.x}px, ${at.y}px)` }}
      data-node={node.id}
      role="button"
      tabIndex={focusable ? 0 : -1}
      aria-label={title}
      aria-pressed={selected}
      onPointerDown={(ev) => onPointerDown(node.id, ev)}
      onKeyDown={(ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          ev.stopPropagation();
          onSelect(node.id);
        }
      }}
    >
      <title>{title}</title>
      {selected && <circle className="node-focus" r={r + 11} />}
      {role === 'leader' && !down && <circle className="leader-ring" r={r + 4} />}
      {(role === 'candidate' || role === 'pre-candidate') && !down && (
        <circle
          className="candidate-ring"
          r={r + 4}
          strokeDasharray={role === 'candidate' ? '5 3' : '1.5 3'}
        />
      )}
      <circle
        className="node-disc"
        r={r}
        fill={fill}
        stroke={failed ? 'var(--bad)' : 'var(--panel)'}
        strokeWidth={failed ? 3 : 2}
      />
      <text className="node-term" dy="0.35em" fill={text} fontSize={Math.round(r * 0.72)}>
        {term}
      </text>
      {role === 'leader' && !down && (
        <path
          className="leader-crown"
          transform={`translate(${-r * 0.78}, ${-r * 0.78})`}
          d="M-9,5 l0,-9 l4.5,4 l4.5,-7 l4.5,7 l4.5,-4 l0,9 z"
          aria-hidden="true"
        />
      )}
      {node.status === 'crashed' && (
        <path
          className="crash-cross"
          d={`M${-r * 0.55},${-r * 0.55}L${r * 0.55},${r * 0.55}M${r * 0.55},${-r * 0.55}L${-r * 0.55},${r * 0.55}`}
        />
      )}
      {node.paused && (
        <g className="paused-badge" transform={`translate(${r * 0.75}, ${-r * 0.75})`}>
          <circle r={8} />
          <path d="M-3,-4v8M3,-4v8" />
        </g>
      )}
      {group?.error != null && (
        <g className="error-badge" transform={`translate(0, ${r * 0.62})`}>
          <rect x={-16} y={-7} width={32} height={14} rx={3} />
          <text dy="0.35em">ERROR</text>
        </g>
      )}
      <text className="node-label" x={label.x} y={label.y} textAnchor={label.anchor}>
        <tspan className="node-id">{node.id}</tspan>
        <tspan x={label.x} dy="1.2em" className="node-words">
          {split ? words[0] : words.join(' · ')}
        </tspan>
        {split && (
          <tspan x={label.x} dy="1.2em" className="node-words">
            {words.slice(1).join(' · ')}
          </tspan>
        )}
      </text>
    </g>
  );
});
