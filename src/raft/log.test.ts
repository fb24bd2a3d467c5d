// Unit tests of RaftLog: the follower's append rule (§5.3), truncation that never touches
// committed entries, the fast back-off search, persistence bookkeeping, compaction and snapshot
// restore. Each test builds its log from a list of terms, as the paper's figures do.
import { describe, expect, it } from 'vitest';
import { RaftLog } from './log.ts';
import { entriesFromTerms } from './testNetwork.ts';
import type { Entry } from './types.ts';

/** A log holding one entry per term in `terms` (index 1 first), all durable, nothing committed. */
function logOf(terms: number[], commit = 0): RaftLog {
  return RaftLog.restore(0, 0, entriesFromTerms(terms), commit);
}

/** Entries starting at `index` with the given terms. */
function ents(index: number, terms: number[]): Entry[] {
  return terms.map((term, k) => ({ index: index + k, term, type: 'normal' as const, data: null }));
}

function termsOf(log: RaftLog): number[] {
  return log.entries.map((e) => e.term);
}

describe('RaftLog.restore', () => {
  it('rebuilds a log from durable entries and clamps the commit index to the last entry', () => {
    const log = logOf([1, 1, 2], 7);
    expect(log.firstIndex()).toBe(1);
    expect(log.lastIndex()).toBe(3);
    expect(log.lastTerm()).toBe(2);
    expect(log.stableIndex).toBe(3);
    expect(log.committed).toBe(3);
    expect(log.applied).toBe(0);
  });

  it('starts after a snapshot point: the snapshot counts as committed and applied', () => {
    const log = RaftLog.restore(5, 2, ents(6, [3, 3]), 0);
    expect(log.firstIndex()).toBe(6);
    expect(log.lastIndex()).toBe(7);
    expect(log.committed).toBe(5);
    expect(log.applied).toBe(5);
    expect(log.term(5)).toBe(2);
    expect(log.term(4)).toBeUndefined();
  });

  it('refuses entries that are not contiguous from the snapshot point', () => {
    expect(() => RaftLog.restore(0, 0, ents(2, [1]), 0)).toThrow(/entry 0 has index 2/);
    expect(() => RaftLog.restore(3, 1, ents(5, [1]), 0)).toThrow(/expected 4/);
  });
});

describe('RaftLog.term and slice', () => {
  const log = logOf([1, 2, 3]);

  it('knows the terms of held entries and of the zero index, nothing else', () => {
    expect([0, 1, 2, 3, 4].map((i) => log.term(i))).toEqual([0, 1, 2, 3, undefined]);
    expect(log.matchTerm(2, 2)).toBe(true);
    expect(log.matchTerm(2, 3)).toBe(false);
    expect(log.matchTerm(4, 3)).toBe(false);
  });

  it('slices [lo, hi) clipped to what the log holds', () => {
    expect(log.slice(2, 4).map((e) => e.index)).toEqual([2, 3]);
    expect(log.slice(0, 10).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(log.slice(3, 3)).toEqual([]);
    expect(log.slice(5, 9)).toEqual([]);
  });
});

describe('RaftLog.isUpToDate (§5.4.1)', () => {
  // Our log ends at index 3 with term 2.
  const log = logOf([1, 2, 2]);
  it.each([
    // A later last term wins whatever the length.
    { lastIndex: 1, lastTerm: 3, want: true },
    // Same last term: the longer (or equal) log is at least as up-to-date.
    { lastIndex: 3, lastTerm: 2, want: true },
    { lastIndex: 4, lastTerm: 2, want: true },
    { lastIndex: 2, lastTerm: 2, want: false },
    // An earlier last term loses even when longer.
    { lastIndex: 9, lastTerm: 1, want: false },
  ])('candidate log ending at ($lastIndex, term $lastTerm) → $want', (c) => {
    expect(log.isUpToDate(c.lastIndex, c.lastTerm)).toBe(c.want);
  });
});

describe('RaftLog.maybeAppend (§5.3)', () => {
  // The follower holds terms [1, 2, 3] at indexes 1..3, committed 1.
  it.each([
    // The consistency check fails: wrong term at prevIndex, or prevIndex beyond the end.
    { prev: [3, 2], add: [4], want: -1, terms: [1, 2, 3] },
    { prev: [4, 3], add: [4], want: -1, terms: [1, 2, 3] },
    // Matching prefix, nothing new: last new index is prevIndex + count, the log is untouched.
    { prev: [3, 3], add: [], want: 3, terms: [1, 2, 3] },
    { prev: [1, 1], add: [], want: 1, terms: [1, 2, 3] },
    // Entries already held are not re-appended and the suffix after them survives.
    { prev: [1, 1], add: [2], want: 2, terms: [1, 2, 3] },
    // New entries after the end are appended.
    { prev: [3, 3], add: [4, 4], want: 5, terms: [1, 2, 3, 4, 4] },
    { prev: [2, 2], add: [3, 4], want: 4, terms: [1, 2, 3, 4] },
    // A conflicting entry drops it and everything after it.
    { prev: [1, 1], add: [4], want: 2, terms: [1, 4] },
    { prev: [2, 2], add: [4, 4, 4], want: 5, terms: [1, 2, 4, 4, 4] },
  ])('prev $prev with terms $add → $want, log $terms', (c) => {
    const log = logOf([1, 2, 3], 1);
    const [prevIndex, prevTerm] = c.prev;
    expect(log.maybeAppend(prevIndex, prevTerm, ents(prevIndex + 1, c.add))).toBe(c.want);
    expect(termsOf(log)).toEqual(c.terms);
    expect(log.committed).toBe(1);
  });

  it('counts a truncation and pulls the durable mark back below it', () => {
    const log = logOf([1, 2, 3]);
    expect(log.truncations).toBe(0);
    log.maybeAppend(1, 1, ents(2, [4]));
    expect(log.truncations).toBe(1);
    // Index 2 was replaced: only index 1 is still durable; the new entry must be persisted.
    expect(log.stableIndex).toBe(1);
    expect(log.unstableEntries().map((e) => [e.index, e.term])).toEqual([[2, 4]]);
  });

  it('accepts a prefix that lies inside the snapshot (committed, so it matches)', () => {
    const log = RaftLog.restore(5, 2, ents(6, [3]), 0);
    // prevIndex 3 is compacted away; entries up to 5 are skipped, 6 matches, 7 is new.
    expect(log.maybeAppend(3, 2, ents(4, [2, 2, 3, 3]))).toBe(7);
    expect(log.lastIndex()).toBe(7);
    expect(log.term(7)).toBe(3);
  });
});

describe('RaftLog truncation safety', () => {
  it('never drops a committed entry', () => {
    const log = logOf([1, 2, 3], 2);
    expect(() => log.truncateFrom(2)).toThrow(/committed/);
    expect(() => log.maybeAppend(1, 1, ents(2, [5]))).toThrow(/committed/);
    expect(termsOf(log)).toEqual([1, 2, 3]);
    log.truncateFrom(3);
    expect(termsOf(log)).toEqual([1, 2]);
  });
});

describe('RaftLog.findConflictByTerm (fast back-off)', () => {
  // Terms at indexes 1..9 (index 0 has term 0).
  const log = logOf([1, 1, 1, 4, 4, 5, 5, 6, 6]);
  it.each([
    // The follower's term at the index is already ≤ the asked term: the index itself.
    { index: 9, term: 6, want: 9 },
    { index: 9, term: 7, want: 9 },
    // Skip the whole of terms 6 and 5 in one step.
    { index: 9, term: 4, want: 5 },
    { index: 7, term: 3, want: 3 },
    { index: 9, term: 0, want: 0 },
    // Beyond the end: start the search at the last index.
    { index: 20, term: 5, want: 7 },
    { index: 0, term: 3, want: 0 },
  ])('($index, term $term) → $want', (c) => {
    expect(log.findConflictByTerm(c.index, c.term)).toBe(c.want);
  });

  it('stops at the snapshot point', () => {
    const snap = RaftLog.restore(4, 4, ents(5, [5, 6]), 0);
    expect(snap.findConflictByTerm(6, 2)).toBe(4);
  });
});

describe('RaftLog commit and apply', () => {
  it('commits forward only, never beyond the last entry', () => {
    const log = logOf([1, 1, 1]);
    expect(log.commitTo(2)).toBe(true);
    expect(log.commitTo(1)).toBe(false);
    expect(log.commitTo(2)).toBe(false);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(4)).toThrow(/beyond the last index/);
  });

  it('hands out committed entries in order, bounded, and applies no further than commit', () => {
    const log = logOf([1, 1, 2, 2], 3);
    expect(log.nextCommitted(2).map((e) => e.index)).toEqual([1, 2]);
    log.appliedTo(2);
    expect(log.nextCommitted().map((e) => e.index)).toEqual([3]);
    expect(() => log.appliedTo(4)).toThrow(/beyond commit/);
    log.appliedTo(1);
    expect(log.applied).toBe(2);
  });
});

describe('RaftLog.stableTo', () => {
  it('marks entries durable up to (index, term)', () => {
    const log = new RaftLog();
    log.append(ents(1, [1, 1, 2]));
    expect(log.unstableEntries().map((e) => e.index)).toEqual([1, 2, 3]);
    log.stableTo(2, 1);
    expect(log.stableIndex).toBe(2);
    expect(log.unstableEntries().map((e) => e.index)).toEqual([3]);
  });

  it('ignores an acknowledgement for entries that were replaced meanwhile', () => {
    const log = new RaftLog();
    log.append(ents(1, [1, 1]));
    // A write of (2, term 1) is in flight when a new leader replaces index 2 with term 3.
    log.maybeAppend(1, 1, ents(2, [3]));
    log.stableTo(2, 1);
    expect(log.stableIndex).toBe(0);
    log.stableTo(2, 3);
    expect(log.stableIndex).toBe(2);
  });

  it('never moves backwards', () => {
    const log = logOf([1, 1, 1]);
    log.stableTo(1, 1);
    expect(log.stableIndex).toBe(3);
  });
});

describe('RaftLog.append (leader)', () => {
  it('only continues the log', () => {
    const log = logOf([1]);
    expect(() => log.append(ents(3, [2]))).toThrow(/does not follow 1/);
    log.append(ents(2, [2]));
    expect(log.lastIndex()).toBe(2);
  });
});

describe('RaftLog.compact', () => {
  it('folds applied entries into the snapshot point and keeps the rest addressable', () => {
    const log = logOf([1, 1, 2, 3], 4);
    log.appliedTo(3);
    log.compact(2);
    expect(log.snapshotIndex).toBe(2);
    expect(log.snapshotTerm).toBe(1);
    expect(log.firstIndex()).toBe(3);
    expect(log.lastIndex()).toBe(4);
    expect(log.term(2)).toBe(1);
    expect(log.term(1)).toBeUndefined();
    expect(log.entry(2)).toBeUndefined();
    expect(log.entry(3)?.term).toBe(2);
    expect(log.slice(1, 5).map((e) => e.index)).toEqual([3, 4]);
  });

  it('refuses to compact past applied and ignores an older point', () => {
    const log = logOf([1, 1, 2], 3);
    log.appliedTo(2);
    expect(() => log.compact(3)).toThrow(/beyond applied/);
    log.compact(2);
    log.compact(1);
    expect(log.snapshotIndex).toBe(2);
  });
});

describe('RaftLog.restoreSnapshot', () => {
  it('replaces a log that does not contain the snapshot point', () => {
    const log = logOf([1, 1, 2]);
    log.restoreSnapshot(5, 3);
    expect(log.entries).toEqual([]);
    expect(log.snapshotIndex).toBe(5);
    expect(log.lastIndex()).toBe(5);
    expect(log.lastTerm()).toBe(3);
    expect(log.committed).toBe(5);
    expect(log.applied).toBe(5);
    expect(log.stableIndex).toBe(5);
  });

  it('replaces a log whose entry at the point has another term', () => {
    const log = logOf([1, 1, 2, 2]);
    log.restoreSnapshot(3, 3);
    expect(log.entries).toEqual([]);
    expect(log.lastIndex()).toBe(3);
    expect(log.term(3)).toBe(3);
  });

  it('keeps the suffix after a point it already holds', () => {
    const log = logOf([1, 1, 2, 2, 3]);
    log.restoreSnapshot(3, 2);
    expect(log.snapshotIndex).toBe(3);
    expect(log.entries.map((e) => [e.index, e.term])).toEqual([
      [4, 2],
      [5, 3],
    ]);
    expect(log.committed).toBe(3);
    expect(log.applied).toBe(3);
    expect(log.stableIndex).toBe(5);
  });
});

describe('RaftLog archive (old applied entries packed, no change in behaviour)', () => {
  const terms = [1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5];
  /** Entries with data, a conf entry at 5 and 9, as a group's log holds them. */
  function rich(): Entry[] {
    return terms.map((term, k) => {
      const index = k + 1;
      if (index === 5 || index === 9) {
        const conf = { voters: [`n${index}`], outgoing: [], learners: [] };
        return { index, term, type: 'conf' as const, data: { phase: 'simple', conf } };
      }
      return { index, term, type: 'normal' as const, data: { op: `w${index}`, n: [index] } };
    });
  }
  /** The same log, unarchived and archived in chunks of 2 keeping 1, applied up to `applied`. */
  function pair(applied: number): [RaftLog, RaftLog] {
    const plain = RaftLog.restore(0, 0, rich(), terms.length, { chunk: 1_000, keep: 1_000 });
    const packed = RaftLog.restore(0, 0, rich(), terms.length, { chunk: 2, keep: 1 });
    plain.appliedTo(applied);
    packed.appliedTo(applied);
    return [plain, packed];
  }
  function sameView(a: RaftLog, b: RaftLog): void {
    expect(b.firstIndex()).toBe(a.firstIndex());
    expect(b.lastIndex()).toBe(a.lastIndex());
    expect(b.lastTerm()).toBe(a.lastTerm());
    for (let i = a.snapshotIndex - 1; i <= a.lastIndex() + 1; i++) {
      expect(b.term(i), `term(${i})`).toBe(a.term(i));
      expect(b.entry(i), `entry(${i})`).toEqual(a.entry(i));
      expect(b.confEntryAtOrBefore(i), `conf at ${i}`).toEqual(a.confEntryAtOrBefore(i));
      for (let j = i; j <= a.lastIndex() + 2; j++) {
        expect(b.slice(i, j), `slice(${i}, ${j})`).toEqual(a.slice(i, j));
      }
    }
    expect(b.findConflictByTerm(a.lastIndex(), 2)).toBe(a.findConflictByTerm(a.lastIndex(), 2));
  }

  it('archives whole chunks of applied entries, keeping `keep` behind the applied point', () => {
    const [plain, packed] = pair(9);
    // 9 applied: 8 archived in chunks of 2 would leave 1 live before 10, and keep is 1.
    expect(packed.entries.map((e) => e.index)).toEqual([9, 10, 11, 12]);
    expect(plain.entries).toHaveLength(12);
    sameView(plain, packed);
  });

  it('archives nothing that is not durable yet, nor beyond the applied point', () => {
    const log = new RaftLog({ chunk: 2, keep: 0 });
    log.append(rich().slice(0, 6));
    log.commitTo(6);
    log.appliedTo(6);
    expect(log.entries).toHaveLength(6); // nothing stable
    log.stableTo(3, 1);
    expect(log.entries.map((e) => e.index)).toEqual([3, 4, 5, 6]);
    log.stableTo(6, 3);
    expect(log.entries).toEqual([]);
    expect(log.lastIndex()).toBe(6);
    expect(log.lastTerm()).toBe(3);
    expect(log.entry(4)).toEqual(rich()[3]);
  });

  it('truncates, appends and compacts across the archive as an unarchived log does', () => {
    const [plain, packed] = pair(9);
    for (const log of [plain, packed]) {
      log.committed = 9; // as if entries 10.. were not committed: a new leader may replace them
      expect(log.maybeAppend(10, 4, ents(11, [6, 6]))).toBe(12);
    }
    sameView(plain, packed);
    for (const log of [plain, packed]) log.compact(6); // inside the archive, mid-chunk
    sameView(plain, packed);
    for (const log of [plain, packed]) log.compact(9);
    sameView(plain, packed);
  });

  it('restores a snapshot point it already holds in the archive, or replaces everything', () => {
    let [plain, packed] = pair(11);
    for (const log of [plain, packed]) log.restoreSnapshot(4, 2);
    expect(packed.snapshotIndex).toBe(4);
    sameView(plain, packed);
    [plain, packed] = pair(11);
    for (const log of [plain, packed]) log.restoreSnapshot(4, 9);
    sameView(plain, packed);
    expect(packed.lastIndex()).toBe(4);
    for (const log of [plain, packed]) log.append(ents(5, [9]));
    sameView(plain, packed);
  });

  it('keeps every entry live once one cannot be written as JSON', () => {
    const log = new RaftLog({ chunk: 1, keep: 0 });
    log.append([{ index: 1, term: 1, type: 'normal', data: 1n }, ...ents(2, [1, 1])]);
    log.commitTo(3);
    log.stableTo(3, 1);
    log.appliedTo(3);
    expect(log.entries).toHaveLength(3);
    expect(log.entry(1)?.data).toBe(1n);
  });

  it('refuses archive sizes that are not whole numbers in range', () => {
    expect(() => new RaftLog({ chunk: 0, keep: 1 })).toThrow(/chunk/);
    expect(() => new RaftLog({ chunk: 2, keep: -1 })).toThrow(/keep/);
    expect(() => new RaftLog({ chunk: 1.5, keep: 1 })).toThrow(/chunk/);
  });
});
