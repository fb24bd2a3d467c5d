// A persistent (immutable) list in fixed-size chunks, for the long sequences of the view model
// (a node's log, the recent requests, the charts' buckets). Appending copies only the last chunk
// and the array of chunk pointers, so a log of n entries grows in O(CHUNK + n / CHUNK) per entry
// instead of O(n), and every older version stays valid: a checkpoint or a React render holding
// one sees exactly what it saw.
// Invariant: every chunk but the last is full (CHUNK items counted from the list's own start,
// `start` items of the first chunk are skipped); a list is never mutated after it is returned.

import { claim, owns } from './maps.ts';

const SHIFT = 7;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

export interface PList<T> {
  readonly chunks: readonly (readonly T[])[];
  /** Items of chunks[0] before the list's first item (dropped from the front). */
  readonly start: number;
  readonly length: number;
}

const EMPTY: PList<never> = { chunks: [], start: 0, length: 0 };

export function plEmpty<T>(): PList<T> {
  return EMPTY;
}

export function plFrom<T>(items: readonly T[]): PList<T> {
  let l = plEmpty<T>();
  for (const x of items) l = plPush(l, x);
  return l;
}

/** The item at position i (0-based), or undefined outside the list. */
export function plGet<T>(l: PList<T>, i: number): T | undefined {
  if (i < 0 || i >= l.length) return undefined;
  const j = l.start + i;
  return l.chunks[j >> SHIFT][j & MASK];
}

export function plLast<T>(l: PList<T>): T | undefined {
  return plGet(l, l.length - 1);
}

export function plPush<T>(l: PList<T>, x: T): PList<T> {
  const end = l.start + l.length;
  if ((end & MASK) === 0) {
    // The last chunk is full (or there is none): open a new one.
    return { chunks: [...l.chunks, [x]], start: l.start, length: l.length + 1 };
  }
  const chunks = l.chunks.slice();
  const last = chunks.length - 1;
  const c = chunks[last].slice(0, end & MASK) as T[];
  c.push(x);
  chunks[last] = c;
  return { chunks, start: l.start, length: l.length + 1 };
}

/** A list the current batch owns, with its chunk array and last chunk: changed in place. */
type BatchList<T> = { chunks: T[][]; start: number; length: number };

/**
 * plPush for the fold's batch (maps.ts): a list the current batch created is appended to in
 * place (its chunk array and last chunk are its own), any other is copied once and the copy
 * is the batch's. Only for lists the state references from one place.
 */
export function plAppend<T>(l: PList<T>, x: T): PList<T> {
  if (!owns(l)) return claim(plPush(l, x));
  const m = l as BatchList<T>;
  const end = m.start + m.length;
  if ((end & MASK) === 0) m.chunks.push([x]);
  else m.chunks[m.chunks.length - 1].push(x);
  m.length++;
  return l;
}

/** plAppend, then the oldest items dropped so the list holds at most `bound`. */
export function plAppendBounded<T>(l: PList<T>, x: T, bound: number): PList<T> {
  const out = plAppend(l, x);
  if (out.length <= bound) return out;
  // plAppend made `out` the batch's own: drop from its front in place.
  const m = out as BatchList<T>;
  const j = m.start + (m.length - bound);
  if (j >> SHIFT > 0) m.chunks.splice(0, j >> SHIFT);
  m.start = j & MASK;
  m.length = bound;
  return out;
}

/** The list with x appended, then its oldest items dropped so it holds at most `bound`. */
export function plPushBounded<T>(l: PList<T>, x: T, bound: number): PList<T> {
  const out = plPush(l, x);
  return out.length > bound ? plDrop(out, out.length - bound) : out;
}

/** The list with its item at position i replaced (i must be inside the list). */
export function plSet<T>(l: PList<T>, i: number, x: T): PList<T> {
  if (i < 0 || i >= l.length) throw new RangeError(`plSet: ${i} outside 0..${l.length - 1}`);
  const j = l.start + i;
  const chunks = l.chunks.slice();
  const c = chunks[j >> SHIFT].slice() as T[];
  c[j & MASK] = x;
  chunks[j >> SHIFT] = c;
  return { chunks, start: l.start, length: l.length };
}

/** The first n items (n clamped to the list). */
export function plTake<T>(l: PList<T>, n: number): PList<T> {
  if (n >= l.length) return l;
  if (n <= 0) return EMPTY;
  const end = l.start + n;
  const nChunks = ((end - 1) >> SHIFT) + 1;
  const chunks = l.chunks.slice(0, nChunks);
  // Cut the last chunk so a later push copies from a chunk that ends where the list ends.
  chunks[nChunks - 1] = chunks[nChunks - 1].slice(0, ((end - 1) & MASK) + 1);
  return { chunks, start: l.start, length: n };
}

/** The list without its first n items. */
export function plDrop<T>(l: PList<T>, n: number): PList<T> {
  if (n <= 0) return l;
  if (n >= l.length) return EMPTY;
  const j = l.start + n;
  return { chunks: l.chunks.slice(j >> SHIFT), start: j & MASK, length: l.length - n };
}

/** The items as a plain array (for tests and small views). */
export function plToArray<T>(l: PList<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < l.length; i++) out.push(plGet(l, i)!);
  return out;
}
