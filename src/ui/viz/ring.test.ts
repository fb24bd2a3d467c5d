import { describe, expect, it } from 'vitest';
import {
  dropIntent,
  lassoPick,
  ringLayout,
  sideRegionPath,
  sidesAfterDrop,
  sidesAfterLasso,
  sidesOf,
  type Point,
} from './ring.ts';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('ring layout', () => {
  it('puts every node on the ring inside the box, the first at the top, in id order', () => {
    const l = ringLayout(['n10', 'n2', 'n1'], null, 600, 400);
    expect([...l.positions.keys()]).toEqual(['n1', 'n2', 'n10']);
    const top = l.positions.get('n1')!;
    expect(top.x).toBeCloseTo(300);
    expect(top.y).toBeLessThan(200);
    for (const p of l.positions.values()) {
      // On the ellipse with radii rx, ry around the centre.
      expect(((p.x - 300) / l.rx) ** 2 + ((p.y - 200) / l.ry) ** 2).toBeCloseTo(1);
      expect(p.x - l.nodeRadius).toBeGreaterThan(0);
      expect(p.y - l.nodeRadius).toBeGreaterThan(0);
      expect(p.x + l.nodeRadius).toBeLessThan(600);
      expect(p.y + l.nodeRadius).toBeLessThan(400);
    }
  });

  it('keeps nodes apart, also at 9 nodes', () => {
    const l = ringLayout(
      Array.from({ length: 9 }, (_, i) => `n${i + 1}`),
      null,
      590,
      380,
    );
    const ps = [...l.positions.values()];
    for (let i = 0; i < ps.length; i++) {
      for (let j = i + 1; j < ps.length; j++) {
        const d = Math.hypot(ps[i].x - ps[j].x, ps[i].y - ps[j].y);
        expect(d).toBeGreaterThan(2 * l.nodeRadius + 8);
      }
    }
  });

  it('gathers each side of a partition and pulls the sides apart', () => {
    const l = ringLayout(ids, [['n2', 'n4']], 600, 600);
    expect(l.sides).toEqual([
      ['n2', 'n4'],
      ['n1', 'n3', 'n5'],
    ]);
    expect(l.sideOf.get('n4')).toBe(0);
    expect(l.sideOf.get('n5')).toBe(1);
    // The closest pair across sides is farther apart than neighbours within a side.
    const d = (a: string, b: string): number => {
      const p = l.positions.get(a)!;
      const q = l.positions.get(b)!;
      return Math.hypot(p.x - q.x, p.y - q.y);
    };
    const within = d('n2', 'n4');
    const across = Math.min(d('n2', 'n1'), d('n2', 'n5'), d('n4', 'n1'), d('n4', 'n3'));
    expect(across).toBeGreaterThan(within);
  });

  it('treats nodes on no side as one more side, and ignores unknown ids', () => {
    expect(sidesOf(ids, [['n3', 'n9'], ['n1']])).toEqual([['n3'], ['n1'], ['n2', 'n4', 'n5']]);
  });
});

describe('dragging a node', () => {
  const l = ringLayout(ids, null, 600, 600);
  const at = (id: string) => l.positions.get(id)!;

  it('is a click when it barely moves', () => {
    const p = at('n1');
    expect(dropIntent(l, 'n1', { x: p.x + 3, y: p.y + 2 })).toEqual({ kind: 'none' });
  });

  it('cuts a node off when dropped far from everyone', () => {
    const p = at('n1');
    const intent = dropIntent(l, 'n1', { x: p.x, y: p.y - 4 * l.nodeRadius });
    expect(intent).toEqual({ kind: 'alone' });
    expect(sidesAfterDrop(l, 'n1', intent)).toEqual([['n2', 'n3', 'n4', 'n5'], ['n1']]);
  });

  it('joins the side of the node it is dropped on; one side left means heal', () => {
    const split = ringLayout(ids, [['n1']], 600, 600);
    const onN1 = split.positions.get('n1')!;
    const intent = dropIntent(split, 'n2', onN1);
    expect(intent).toEqual({ kind: 'join', side: 0 });
    expect(sidesAfterDrop(split, 'n2', intent)).toEqual([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ]);
    const back = dropIntent(split, 'n1', split.positions.get('n3')!);
    expect(sidesAfterDrop(split, 'n1', back)).toBeNull();
  });

  it('changes nothing when dropped on a node of its own side', () => {
    expect(dropIntent(l, 'n1', at('n2'))).toEqual({ kind: 'none' });
    expect(sidesAfterDrop(l, 'n1', { kind: 'none' })).toBe('unchanged');
  });
});

describe('side regions', () => {
  it('draws a point, a segment or a hull', () => {
    expect(sideRegionPath([{ x: 1, y: 2 }])).toBe('M1,2Z');
    expect(
      sideRegionPath([
        { x: 0, y: 0 },
        { x: 10, y: 0 },
      ]),
    ).toBe('M0,0L10,0Z');
    const hull = sideRegionPath([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 5, y: 1 },
      { x: 5, y: 10 },
    ]);
    expect(hull.split('L')).toHaveLength(3); // the inner point is not on the hull
  });
});

describe('lassoing nodes', () => {
  const five = ['n1', 'n2', 'n3', 'n4', 'n5'];
  /** A square of half-width h around the point. */
  const around = (p: Point, h: number): Point[] => [
    { x: p.x - h, y: p.y - h },
    { x: p.x + h, y: p.y - h },
    { x: p.x + h, y: p.y + h },
    { x: p.x - h, y: p.y + h },
  ];

  it('picks the nodes whose centres are inside the drawn outline', () => {
    const l = ringLayout(five, null, 600, 600);
    const p1 = l.positions.get('n1')!;
    const p2 = l.positions.get('n2')!;
    const mid = { x: (p1.x + p2.x) / 2, y: (p1.y + p2.y) / 2 };
    const half = Math.max(Math.abs(p1.x - p2.x), Math.abs(p1.y - p2.y)) / 2 + 10;
    expect(lassoPick(l, around(mid, half))).toEqual(['n1', 'n2']);
    expect(lassoPick(l, around(l.center, 5))).toEqual([]);
    // A line is no outline.
    expect(lassoPick(l, [p1, p2])).toEqual([]);
  });

  it('cuts the picked nodes off together and keeps the other sides', () => {
    const whole = ringLayout(five, null, 600, 600);
    expect(sidesAfterLasso(whole, ['n2', 'n1'])).toEqual([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ]);
    const split = ringLayout(five, [['n1'], ['n2', 'n3', 'n4', 'n5']], 600, 600);
    expect(sidesAfterLasso(split, ['n1', 'n4'])).toEqual([
      ['n1', 'n4'],
      ['n2', 'n3', 'n5'],
    ]);
    expect(sidesAfterLasso(split, ['n4', 'n5'])).toEqual([['n4', 'n5'], ['n1'], ['n2', 'n3']]);
  });

  it('changes nothing for an empty pick, everyone, or a side as it stands', () => {
    const split = ringLayout(five, [['n1', 'n2']], 600, 600);
    expect(sidesAfterLasso(split, [])).toBe('unchanged');
    expect(sidesAfterLasso(split, five)).toBe('unchanged');
    expect(sidesAfterLasso(split, ['n2', 'n1'])).toBe('unchanged');
    expect(sidesAfterLasso(split, ['n9'])).toBe('unchanged');
  });
});
