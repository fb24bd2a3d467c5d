// What a node's disk holds, and how one persist batch changes it. Pure, shared by the
// simulator's disks and the browser's IndexedDB adapter so both store exactly the same thing.
// Invariant: a group's stored entries are contiguous and start right after its snapshot.
import type { GroupId } from '../raft/types.ts';
import type { DurableGroupState, DurableState, PersistBatch } from './types.ts';

export function emptyGroupState(): DurableGroupState {
  return { hardState: { term: 0, votedFor: null, commit: 0 }, entries: [], snapshot: null };
}

export function emptyDurableState(groups: readonly GroupId[]): DurableState {
  const s: DurableState = {};
  for (const g of groups) s[g] = emptyGroupState();
  return s;
}

/**
 * Apply one batch in place: snapshot first (dropping the stored log after it with `discardLog`),
 * then entries (replacing the suffix), then hard state.
 */
export function applyPersistBatch(state: DurableState, batch: PersistBatch): void {
  for (const part of batch.groups) {
    const inc = part.incarnation;
    if (inc !== undefined && !(Number.isSafeInteger(inc) && inc > 0)) {
      throw new Error(`persist ${part.group}: incarnation must be a positive integer, got ${inc}`);
    }
    if (part.discardLog && !part.snapshot) {
      throw new Error(`persist ${part.group}: discardLog is only valid with a snapshot`);
    }
    const g = (state[part.group] ??= emptyGroupState());
    if (part.snapshot) {
      const snapIndex = part.snapshot.meta.index;
      g.snapshot = part.snapshot;
      // A snapshot that does not match the log replaces all of it (Raft §7), on disk as in memory.
      g.entries = part.discardLog ? [] : g.entries.filter((e) => e.index > snapIndex);
      if (g.entries.length > 0 && g.entries[0].index !== snapIndex + 1) g.entries = [];
    }
    if (part.entries.length > 0) {
      const first = part.entries[0].index;
      const base = g.snapshot ? g.snapshot.meta.index : 0;
      const keep = Math.max(0, first - base - 1);
      if (keep > g.entries.length) {
        throw new Error(
          `persist ${part.group}: entries start at ${first} but the disk ends at ${base + g.entries.length}`,
        );
      }
      g.entries.length = keep;
      for (const e of part.entries) g.entries.push(e);
    }
    if (part.hardState) g.hardState = { ...part.hardState };
    if (part.incarnation !== undefined) g.incarnation = part.incarnation;
  }
}

/** Drop entries up to `index` from a group's disk (after a snapshot was saved). */
export function compactGroup(g: DurableGroupState, index: number): void {
  const drop = g.entries.findIndex((e) => e.index > index);
  g.entries = drop < 0 ? [] : g.entries.slice(drop);
}

export function cloneDurableState(s: DurableState): DurableState {
  return structuredCloneLike(s);
}

function structuredCloneLike<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
