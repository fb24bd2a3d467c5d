// A follower's or candidate's election timer as an arc around its node that runs down
// clockwise from the top (RaftScope's picture): full when the timer resets, gone when it fires.
// Invariant: drawn from the model's timer (timeoutMs, resetAt) and the shared cluster clock, so
// it moves smoothly between model updates and stops when the engine stops.
import { arc } from 'd3';
import type { GroupView, NodeView } from '../../state/model.ts';
import { termColor } from '../theme.ts';
import type { Point } from '../viz/ring.ts';
import { timerLeft } from './clock.ts';

const timerArc = arc<{ inner: number; outer: number; end: number }>()
  .innerRadius((d) => d.inner)
  .outerRadius((d) => d.outer)
  .startAngle(0)
  .endAngle((d) => d.end);

export function TimerArc({
  node,
  group,
  at,
  r,
  now,
}: {
  node: NodeView;
  group: GroupView | undefined;
  at: Point;
  r: number;
  now: number;
}) {
  if (group === undefined || group.timer === null || node.status !== 'up') return null;
  if (group.role === 'leader' || node.removed) return null;
  const left = timerLeft(group.timer, now, node.clockRate);
  const path = timerArc({ inner: r + 6, outer: r + 9, end: 2 * Math.PI * left }) ?? '';
  return (
    <g
      className="timer-arc moves"
      style={{ transform: `translate(${at.x}px, ${at.y}px)` }}
      aria-hidden="true"
    >
      <circle r={r + 7.5} className="timer-track" />
      <path d={path} fill={termColor(group.term)} />
    </g>
  );
}
