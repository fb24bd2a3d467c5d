// The links between nodes: a thin line per pair; a cut direction dashed red with an arrowhead
// at the node it no longer reaches (both directions cut: dashed red, no arrow); a pair split by
// the partition faint dashed red. Each link has a wide invisible hit line: clicking it selects
// the link (the dock then offers cut one direction, both, or restore, and its own sliders).
// Invariant: the drawing says exactly what the model's network says (cuts, partition sides).
import { memo } from 'react';
import type { NodeId } from '../../state/model.ts';
import type { Point } from '../viz/ring.ts';

export interface LinkSpec {
  a: NodeId;
  b: NodeId;
  cutAB: boolean;
  cutBA: boolean;
  /** The two ends are on different sides of the partition. */
  split: boolean;
}

export function linkSpecs(
  ids: readonly NodeId[],
  cuts: readonly string[],
  sideOf: ReadonlyMap<NodeId, number>,
): LinkSpec[] {
  const cut = new Set(cuts);
  const out: LinkSpec[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i];
      const b = ids[j];
      out.push({
        a,
        b,
        cutAB: cut.has(`${a}>${b}`),
        cutBA: cut.has(`${b}>${a}`),
        split: sideOf.get(a) !== sideOf.get(b),
      });
    }
  }
  return out;
}

export const Links = memo(function Links({
  links,
  positions,
  r,
  selected,
  onSelect,
}: {
  links: readonly LinkSpec[];
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  selected: string | null;
  onSelect: (key: string) => void;
}) {
  return (
    <g className="links">
      {links.map((l) => {
        const p = positions.get(l.a);
        const q = positions.get(l.b);
        if (p === undefined || q === undefined) return null;
        const key = `${l.a}|${l.b}`;
        const anyCut = l.cutAB || l.cutBA;
        // A pair split by the partition: the side regions already say it; a line would only
        // clutter (its hit line stays, to cut or restore it by hand).
        const cls = anyCut ? 'link cut' : l.split ? 'link split' : 'link';
        const dx = q.x - p.x;
        const dy = q.y - p.y;
        const len = Math.hypot(dx, dy) || 1;
        // Arrowheads at the blocked receiver's edge.
        const ux = dx / len;
        const uy = dy / len;
        const end = (at: Point, s: number): Point => ({
          x: at.x - ux * (r + 12) * s,
          y: at.y - uy * (r + 12) * s,
        });
        const label = `link ${l.a}–${l.b}${
          l.cutAB && l.cutBA
            ? ': cut both ways'
            : l.cutAB
              ? `: ${l.a}→${l.b} cut`
              : l.cutBA
                ? `: ${l.b}→${l.a} cut`
                : l.split
                  ? ': across the partition'
                  : ''
        }`;
        return (
          <g key={key} className={selected === key ? `${cls} selected` : cls}>
            {(!l.split || anyCut || selected === key) && (
              <line x1={p.x} y1={p.y} x2={q.x} y2={q.y} className="link-line" />
            )}
            {l.cutAB !== l.cutBA && (
              <Arrow
                at={l.cutAB ? end(q, 1) : end(p, -1)}
                ux={l.cutAB ? ux : -ux}
                uy={l.cutAB ? uy : -uy}
              />
            )}
            <line
              x1={p.x}
              y1={p.y}
              x2={q.x}
              y2={q.y}
              className="link-hit"
              data-link={key}
              role="button"
              aria-label={label}
              onClick={() => onSelect(key)}
            >
              <title>{label}</title>
            </line>
          </g>
        );
      })}
    </g>
  );
});

function Arrow({ at, ux, uy }: { at: Point; ux: number; uy: number }) {
  const s = 7;
  const bx = at.x - ux * s;
  const by = at.y - uy * s;
  return (
    <path
      className="link-arrow"
      d={`M${at.x},${at.y}L${bx - uy * s * 0.6},${by + ux * s * 0.6}L${bx + uy * s * 0.6},${by - ux * s * 0.6}Z`}
    />
  );
}
