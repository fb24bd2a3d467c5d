// Unit tests of quorum arithmetic: majorities over one configuration and over a joint
// configuration C(old,new), where both majorities must agree (§6).
import { describe, expect, it } from 'vitest';
import {
  allMembers,
  allVoters,
  committedIndex,
  isVoter,
  majorityIndex,
  voteResult,
} from './quorum.ts';
import type { ConfState } from './types.ts';

function conf(voters: string[], outgoing: string[] = [], learners: string[] = []): ConfState {
  return { voters, outgoing, learners };
}

/** Acknowledged indexes by id (0 for an id not listed). */
function acked(m: Partial<Record<string, number>>): (id: string) => number {
  return (id) => m[id] ?? 0;
}

/** Votes received by id; an id not listed has not answered. */
function votes(m: Partial<Record<string, boolean>>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const [id, v] of Object.entries(m)) if (v !== undefined) out.set(id, v);
  return out;
}

describe('majorityIndex', () => {
  it.each([
    { ids: ['a'], m: { a: 5 }, want: 5 },
    { ids: ['a', 'b'], m: { a: 5, b: 3 }, want: 3 },
    { ids: ['a', 'b', 'c'], m: { a: 5, b: 3, c: 1 }, want: 3 },
    { ids: ['a', 'b', 'c'], m: { a: 5 }, want: 0 },
    // Four voters need three.
    { ids: ['a', 'b', 'c', 'd'], m: { a: 9, b: 7, c: 5, d: 1 }, want: 5 },
    { ids: ['a', 'b', 'c', 'd', 'e'], m: { a: 9, b: 9, c: 2, d: 2, e: 1 }, want: 2 },
    { ids: ['a', 'b', 'c', 'd', 'e'], m: { a: 9, b: 9, c: 9, d: 2, e: 1 }, want: 9 },
  ])('$ids acked $m → $want', (c) => {
    expect(majorityIndex(c.ids, acked(c.m))).toBe(c.want);
  });

  it('is unbounded for an empty set, so it never limits a joint minimum', () => {
    expect(majorityIndex([], acked({}))).toBe(Infinity);
  });
});

describe('committedIndex', () => {
  it('is the simple majority outside a joint configuration', () => {
    expect(committedIndex(conf(['a', 'b', 'c']), acked({ a: 4, b: 4, c: 1 }))).toBe(4);
  });

  it('is the smaller of both majorities in a joint configuration', () => {
    // C(new) = {a, d, e} has a majority at 2; C(old) = {a, b, c} at 4.
    const joint = conf(['a', 'd', 'e'], ['a', 'b', 'c']);
    expect(committedIndex(joint, acked({ a: 4, b: 4, c: 4, d: 2, e: 0 }))).toBe(2);
    expect(committedIndex(joint, acked({ a: 4, b: 1, c: 1, d: 4, e: 4 }))).toBe(1);
    expect(committedIndex(joint, acked({ a: 4, b: 4, c: 1, d: 4, e: 1 }))).toBe(4);
  });

  it('ignores learners', () => {
    const c = conf(['a', 'b', 'c'], [], ['l']);
    expect(committedIndex(c, acked({ a: 3, l: 9 }))).toBe(0);
  });
});

describe('voteResult', () => {
  const three = conf(['a', 'b', 'c']);
  it.each([
    { v: { a: true }, want: 'pending' },
    { v: { a: true, b: true }, want: 'won' },
    { v: { a: true, b: false }, want: 'pending' },
    { v: { a: true, b: false, c: false }, want: 'lost' },
    { v: { a: false, b: false }, want: 'lost' },
    { v: { a: true, b: false, c: true }, want: 'won' },
  ])('three voters, votes $v → $want', (c) => {
    expect(voteResult(three, votes(c.v))).toBe(c.want);
  });

  it('counts only voters of the configuration', () => {
    expect(voteResult(three, votes({ a: true, x: true, y: true }))).toBe('pending');
  });

  it('needs both majorities in a joint configuration', () => {
    const joint = conf(['a', 'd', 'e'], ['a', 'b', 'c']);
    expect(voteResult(joint, votes({ a: true, b: true, c: true }))).toBe('pending');
    expect(voteResult(joint, votes({ a: true, b: true, d: true }))).toBe('won');
    expect(voteResult(joint, votes({ a: true, b: true, d: false, e: false }))).toBe('lost');
    expect(voteResult(joint, votes({ a: true, d: true, b: false, c: false }))).toBe('lost');
  });

  it('wins a single-voter election with its own vote', () => {
    expect(voteResult(conf(['a']), votes({ a: true }))).toBe('won');
  });
});

describe('membership helpers', () => {
  const c = conf(['a', 'd'], ['a', 'b'], ['l']);
  it('lists voters of both halves once, then learners', () => {
    expect(allVoters(c)).toEqual(['a', 'd', 'b']);
    expect(allMembers(c)).toEqual(['a', 'd', 'b', 'l']);
  });

  it('treats outgoing voters as voters and learners as non-voters', () => {
    expect(isVoter(c, 'b')).toBe(true);
    expect(isVoter(c, 'd')).toBe(true);
    expect(isVoter(c, 'l')).toBe(false);
    expect(isVoter(c, 'z')).toBe(false);
  });
});
