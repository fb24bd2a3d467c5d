import { describe, expect, it } from 'vitest';
import { claim, edit, mapDelete, mapSet, owns, withTransientMaps } from './maps.ts';
import { plAppend, plAppendBounded, plFrom, plToArray } from './plist.ts';

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

describe('batch-owned records and lists', () => {
  it('edits in place only what the batch created, and copies everything else', () => {
    const held = { a: 1, list: plFrom([1, 2, 3]) };
    const out = withTransientMaps((seal) => {
      const e1 = edit(held);
      expect(e1).not.toBe(held);
      expect(edit(e1)).toBe(e1);
      e1.a = 2;
      const l1 = plAppend(held.list, 4);
      expect(l1).not.toBe(held.list);
      expect(plAppend(l1, 5)).toBe(l1); // the batch's own: appended in place
      const bounded = plAppendBounded(l1, 6, 4);
      expect(bounded).toBe(l1);
      expect(plToArray(bounded)).toEqual([3, 4, 5, 6]);
      seal();
      expect(owns(e1)).toBe(false);
      expect(plAppend(l1, 7)).not.toBe(l1); // sealed: copied
      return { e1, l1 };
    });
    expect(held).toEqual({ a: 1, list: plFrom([1, 2, 3]) });
    expect(out.e1.a).toBe(2);
    expect(plToArray(out.l1)).toEqual([3, 4, 5, 6]);
    // Outside a batch nothing is owned: every append copies.
    expect(plAppend(out.l1, 8)).not.toBe(out.l1);
    expect(claim({})).toEqual({});
    expect(edit(out.e1)).not.toBe(out.e1);
  });
});
