// Where the cluster view puts its nodes: on a ring, in id order, and, while the network is
// partitioned, each side gathered on its own arc and pulled away from the others, so a side
// reads as one region. Also what a drag of a node means (which side it joins) and the region
// each side draws. d3 computes the hull; React renders.
// Invariants: pure; the same ids, sides and box give the same layout; every node gets a
// position inside the box; a node's side in the layout is the side the network model gives it
// (nodes on no side form one more side, as src/net/policy.ts treats them).
import { polygonContains, polygonHull } from 'd3';
import type { NodeId } from '../../state/model.ts';

export interface Point {
  x: number;
  y: number;
}

export interface RingLayout {
  center: Point;
  /** The ring's radii (an ellipse filling the box), and the smaller of the two. */
  rx: number;
  ry: number;
  radius: number;
  /** A node's circle radius. */
  nodeRadius: number;
  positions: ReadonlyMap<NodeId, Point>;
  /** The sides (index → ids); one side holding everyone when the network is whole. */
  sides: readonly (readonly NodeId[])[];
  /** Index into sides, per node. */
  sideOf: ReadonlyMap<NodeId, number>;
}

/** Numeric order of ids like n2 < n10, then plain string order. */
export function compareIds(a: NodeId, b: NodeId): number {
  const na = Number(a.replace(/^\D+/, ''));
  const nb = Number(b.replace(/^\D+/, ''));
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The sides a partition makes of `ids`: the model's sides restricted to known ids, in order,
 * with the nodes on no side as one more side; one side with everyone when `partition` is null.
 */
export function sidesOf(
  ids: readonly NodeId[],
  partition: readonly (readonly NodeId[])[] | null,
): NodeId[][] {
  const sorted = [...ids].sort(compareIds);
  if (partition === null) return [sorted];
  const known = new Set(sorted);
  const placed = new Set<NodeId>();
  const sides: NodeId[][] = [];
  for (const side of partition) {
    const s = side.filter((id) => known.has(id) && !placed.has(id)).sort(compareIds);
    for (const id of s) placed.add(id);
    if (s.length > 0) sides.push(s);
  }
  const rest = sorted.filter((id) => !placed.has(id));
  if (rest.length > 0) sides.push(rest);
  return sides;
}

/** The node radius that keeps n nodes on a ring of radius r apart (with room for labels). */
export function nodeRadiusFor(n: number, ringRadius: number): number {
  if (n <= 1) return Math.min(30, ringRadius * 0.5);
  const chord = 2 * ringRadius * Math.sin(Math.PI / n);
  return Math.max(14, Math.min(30, chord * 0.3));
}

/** Room beside a node on the ring's left or right for its label (two short lines). */
const LABEL_SIDE_PX = 94;
/** Room above or below a node for its label. */
const LABEL_BELOW_PX = 38;

/**
 * The layout in a width × height box. The ring is an ellipse that fills the box (minus room
 * for the labels), so a wide stage is used. Unpartitioned, nodes sit evenly on it, the first at
 * the top, clockwise. Partitioned, each side takes an arc proportional to its size with an
 * empty slot between arcs, and is moved outwards along its arc's middle by `pull` of the radii.
 */
export function ringLayout(
  ids: readonly NodeId[],
  partition: readonly (readonly NodeId[])[] | null,
  width: number,
  height: number,
): RingLayout {
  const center = { x: width / 2, y: height / 2 };
  const sides = sidesOf(ids, partition);
  const n = sides.reduce((k, s) => k + s.length, 0);
  const partitioned = sides.length > 1;
  const pull = partitioned ? 0.22 : 0;
  const radii = (nr: number): { rx: number; ry: number } => ({
    rx: Math.max(40, (width / 2 - nr - LABEL_SIDE_PX) / (1 + pull)),
    ry: Math.max(40, (height / 2 - nr - LABEL_BELOW_PX) / (1 + pull)),
  });
  const slots = n + (partitioned ? sides.length : 0);
  const first = radii(24);
  // Node size from the tighter radius, counting the empty slots between sides.
  const nodeRadius = nodeRadiusFor(Math.max(n, slots), Math.min(first.rx, first.ry));
  const { rx, ry } = radii(nodeRadius);
  const radius = Math.min(rx, ry);
  const positions = new Map<NodeId, Point>();
  const sideOf = new Map<NodeId, number>();
  const step = (2 * Math.PI) / Math.max(1, slots);
  let slot = partitioned ? 0.5 : 0;
  sides.forEach((side, k) => {
    const mid = slot + (side.length - 1) / 2;
    const midAngle = -Math.PI / 2 + mid * step;
    for (const id of side) {
      const a = -Math.PI / 2 + slot * step;
      positions.set(id, {
        x: center.x + rx * (Math.cos(a) + pull * Math.cos(midAngle)),
        y: center.y + ry * (Math.sin(a) + pull * Math.sin(midAngle)),
      });
      sideOf.set(id, k);
      slot += 1;
    }
    if (partitioned) slot += 1;
  });
  return { center, radius, rx, ry, nodeRadius, positions, sides, sideOf };
}

/** What dropping a dragged node at `p` asks for. */
export type DropIntent =
  | { kind: 'none' }
  /** Join the side of the node dropped on (index into layout.sides). */
  | { kind: 'join'; side: number }
  /** Stand alone: a new side with only this node. */
  | { kind: 'alone' };

/**
 * The meaning of a drop: on (or near) a node of another side, join that side; far from where
 * the node was and from every other node, stand alone; anything else is no change (a click or
 * a small nudge).
 */
export function dropIntent(layout: RingLayout, id: NodeId, p: Point): DropIntent {
  const own = layout.sideOf.get(id);
  const from = layout.positions.get(id);
  if (own === undefined || from === undefined) return { kind: 'none' };
  const r = layout.nodeRadius;
  let best: { d: number; side: number } | null = null;
  for (const [other, q] of layout.positions) {
    if (other === id) continue;
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d <= r * 2.4 && (best === null || d < best.d)) {
      best = { d, side: layout.sideOf.get(other)! };
    }
  }
  if (best !== null)
    return best.side === own ? { kind: 'none' } : { kind: 'join', side: best.side };
  const moved = Math.hypot(p.x - from.x, p.y - from.y);
  if (moved < r * 2.5) return { kind: 'none' };
  // Already alone: moving it around its own empty space changes nothing.
  if (layout.sides[own].length === 1) return { kind: 'none' };
  return { kind: 'alone' };
}

/**
 * The partition after a drop, as the `partition` command's sides, or null for "heal" (one side
 * holding everyone). Empty sides disappear.
 */
export function sidesAfterDrop(
  layout: RingLayout,
  id: NodeId,
  intent: DropIntent,
): NodeId[][] | null | 'unchanged' {
  if (intent.kind === 'none') return 'unchanged';
  const sides = layout.sides.map((s) => s.filter((x) => x !== id));
  if (intent.kind === 'join') sides[intent.side].push(id);
  else sides.push([id]);
  const out = sides.filter((s) => s.length > 0);
  return out.length <= 1 ? null : out;
}

/** The nodes whose centres lie inside the lasso `polygon` (in the layout's coordinates), sorted. */
export function lassoPick(layout: RingLayout, polygon: readonly Point[]): NodeId[] {
  if (polygon.length < 3) return [];
  const ring = polygon.map((p): [number, number] => [p.x, p.y]);
  const picked: NodeId[] = [];
  for (const [id, p] of layout.positions) {
    if (polygonContains(ring, [p.x, p.y])) picked.push(id);
  }
  return picked.sort(compareIds);
}

/**
 * The partition after lassoing `picked`: the picked nodes form one side, cut off from every
 * other node, and the rest keep their sides. 'unchanged' when nothing, everyone, or exactly an
 * existing side was picked; null (heal) never, since a lasso always leaves two sides or none.
 */
export function sidesAfterLasso(
  layout: RingLayout,
  picked: readonly NodeId[],
): NodeId[][] | 'unchanged' {
  const chosen = new Set(picked.filter((id) => layout.positions.has(id)));
  if (chosen.size === 0 || chosen.size === layout.positions.size) return 'unchanged';
  const isSide = layout.sides.some(
    (side) => side.length === chosen.size && side.every((id) => chosen.has(id)),
  );
  if (isSide) return 'unchanged';
  const rest = layout.sides
    .map((side) => side.filter((id) => !chosen.has(id)))
    .filter((side) => side.length > 0);
  return [[...chosen].sort(compareIds), ...rest];
}

/**
 * The region a side draws: the hull of its nodes as a path, to be stroked with a round join as
 * wide as 2 × (node radius + padding), so it reads as a rounded area around the side's nodes.
 * One node gives a single point (a dot the stroke turns into a disc); two a segment.
 */
export function sideRegionPath(points: readonly Point[]): string {
  if (points.length === 0) return '';
  if (points.length === 1) {
    const p = points[0];
    return `M${fmt(p.x)},${fmt(p.y)}Z`;
  }
  if (points.length === 2) {
    const [a, b] = points;
    return `M${fmt(a.x)},${fmt(a.y)}L${fmt(b.x)},${fmt(b.y)}Z`;
  }
  const hull = polygonHull(points.map((p) => [p.x, p.y] as [number, number]));
  const pts = hull ?? points.map((p) => [p.x, p.y] as [number, number]);
  return `M${pts.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join('L')}Z`;
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}
