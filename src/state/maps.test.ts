import { describe, expect, it } from 'vitest';
import { mapDelete, mapSet, withTransientMaps } from './maps.ts';

describe('copy-on-write maps with batch ownership', () => {
  it('copies outside a transient scope, so a held map never changes', () => {
    const a: ReadonlyMap<string, number> = new Map([['x', 1]]);
    const b = mapSet(a, 'y', 2);
    const c = mapDelete(b, 'x');
    expect([...a]).toEqual([['x', 1]]);
    expect([...b]).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    expect([...c]).toEqual([['y', 2]]);
  });

  it('updates in place only the maps the batch created, until sealed', () => {
    const held: ReadonlyMap<string, number> = new Map([['x', 1]]);
    const kept: ReadonlyMap<string, number>[] = [];
    const last = withTransientMaps((seal) => {
      const m1 = mapSet(held, 'a', 1);
      const m2 = mapSet(m1, 'b', 2);
      expect(m2).toBe(m1); // created by this batch: updated in place
      seal();
      kept.push(m2);
      const m3 = mapDelete(m2, 'a');
      expect(m3).not.toBe(m2); // sealed: copied
      return mapSet(m3, 'c', 3);
    });
    expect([...held]).toEqual([['x', 1]]);
    expect([...kept[0]].map(([k]) => k)).toEqual(['x', 'a', 'b']);
    expect([...last].map(([k]) => k)).toEqual(['x', 'b', 'c']);
    // After the scope, the returned map is no longer owned.
    expect(mapSet(last, 'd', 4)).not.toBe(last);
  });
});
