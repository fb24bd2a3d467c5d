// The selected request's path on the ring: the client's node ringed, an arrow to the leader
// when the request was forwarded, and a tick on every node that applied its entry.
// Invariant: drawn from requestPath.ts over the model's request; nothing when none is selected.
import type { NodeId } from '../../state/model.ts';
import type { Point } from '../viz/ring.ts';
import type { RequestPath } from './requestPath.ts';

export function RequestPathMarks({
  path,
  positions,
  r,
}: {
  path: RequestPath;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
}) {
  const o = path.origin === null ? undefined : positions.get(path.origin);
  const l = path.leader === null ? undefined : positions.get(path.leader);
  let arrow: string | null = null;
  if (o !== undefined && l !== undefined && path.origin !== path.leader) {
    const dx = l.x - o.x;
    const dy = l.y - o.y;
    const len = Math.hypot(dx, dy) || 1;
    const ux = dx / len;
    const uy = dy / len;
    const a = { x: o.x + ux * (r + 12), y: o.y + uy * (r + 12) };
    const b = { x: l.x - ux * (r + 14), y: l.y - uy * (r + 14) };
    const h = 8;
    arrow = `M${a.x},${a.y}L${b.x},${b.y}M${b.x - ux * h - uy * h * 0.6},${b.y - uy * h + ux * h * 0.6}L${b.x},${b.y}L${b.x - ux * h + uy * h * 0.6},${b.y - uy * h - ux * h * 0.6}`;
  }
  return (
    <g className="request-path" data-request={path.id} aria-hidden="true">
      {o !== undefined && <circle className="request-origin" cx={o.x} cy={o.y} r={r + 14} />}
      {arrow !== null && <path className="request-arrow" d={arrow} />}
      {path.appliedOn.map((id) => {
        const p = positions.get(id);
        if (p === undefined) return null;
        return (
          <g key={id} transform={`translate(${p.x + r * 0.7}, ${p.y + r * 0.7})`}>
            <circle r={7} className="request-applied" />
            <path d="M-3,0L-1,2.5L3.5,-2.5" className="request-tick" />
          </g>
        );
      })}
    </g>
  );
}
