// The replicated log of one group on one node: entries after a snapshot point, the commit and
// apply indexes, and which entries are durable. Invariants kept: entries are contiguous from
// snapshotIndex+1; applied ≤ committed ≤ lastIndex; a committed entry is never truncated.
import type { Entry } from './types.ts';

export class RaftLog {
  /** Index and term of the last entry folded into the snapshot (0/0 when none). */
  snapshotIndex = 0;
  snapshotTerm = 0;
  /** entries[k].index === snapshotIndex + 1 + k */
  entries: Entry[] = [];
  committed = 0;
  applied = 0;
  /** Entries up to here are durable on this node's disk. */
  stableIndex = 0;
  /** Counts suffix truncations, so callers can notice one happened. */
  truncations = 0;
  /** The index the last truncation dropped entries from. */
  lastTruncatedFrom = 0;

  static restore(
    snapshotIndex: number,
    snapshotTerm: number,
    entries: Entry[],
    commit: number,
  ): RaftLog {
    const log = new RaftLog();
    log.snapshotIndex = snapshotIndex;
    log.snapshotTerm = snapshotTerm;
    for (let k = 0; k < entries.length; k++) {
      if (entries[k].index !== snapshotIndex + 1 + k) {
        throw new Error(
          `log restore: entry ${k} has index ${entries[k].index}, expected ${snapshotIndex + 1 + k}`,
        );
      }
    }
    log.entries = entries.slice();
    log.stableIndex = log.lastIndex();
    log.committed = Math.min(Math.max(commit, snapshotIndex), log.lastIndex());
    log.applied = snapshotIndex;
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].term : this.snapshotTerm;
  }

  /** The term of entry `i`, or undefined when it is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapshotIndex) return this.snapshotTerm;
    if (i < this.snapshotIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapshotIndex - 1].term;
  }

  entry(i: number): Entry | undefined {
    if (i <= this.snapshotIndex || i > this.lastIndex()) return undefined;
    return this.entries[i - this.snapshotIndex - 1];
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Entries in [lo, hi), clipped to what the log holds. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.snapshotIndex - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - this.snapshotIndex - 1;
    return from < to ? this.entries.slice(from, to) : [];
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Leader append: entries must continue the log. */
  append(entries: Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.lastIndex() + 1) {
        throw new Error(`append: entry index ${e.index} does not follow ${this.lastIndex()}`);
      }
      this.entries.push(e);
    }
  }

  /**
   * §5.3 follower append: if our log matches (prevIndex, prevTerm), drop any conflicting
   * suffix and append what is new. Returns the last index now known to match the leader, or -1
   * when the consistency check fails.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number {
    if (!this.matchTerm(prevIndex, prevTerm)) {
      // A prefix compacted into our snapshot is committed, so it matches by Log Matching.
      if (!(prevIndex < this.snapshotIndex)) return -1;
    }
    const lastNew = prevIndex + entries.length;
    let k = 0;
    for (; k < entries.length; k++) {
      const e = entries[k];
      if (e.index <= this.snapshotIndex) continue;
      const t = this.term(e.index);
      if (t === e.term) continue;
      if (t !== undefined) this.truncateFrom(e.index);
      break;
    }
    for (; k < entries.length; k++) {
      if (entries[k].index > this.snapshotIndex) this.append([entries[k]]);
    }
    return lastNew;
  }

  /** Drop entries with index ≥ i. Committed entries are never dropped (§5.4). */
  truncateFrom(i: number): void {
    if (i <= this.committed) {
      throw new Error(`truncate at ${i} would drop committed entries (commit ${this.committed})`);
    }
    this.entries.length = Math.max(0, i - this.snapshotIndex - 1);
    this.truncations++;
    this.lastTruncatedFrom = i;
    if (this.stableIndex >= i) this.stableIndex = i - 1;
  }

  /**
   * For fast back-off: the largest index ≤ `index` whose term is ≤ `term`, so a whole
   * conflicting term is skipped in one round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshotIndex) {
      const t = this.term(i);
      if (t !== undefined && t <= term) return i;
      i--;
    }
    return i;
  }

  commitTo(i: number): boolean {
    if (i <= this.committed) return false;
    if (i > this.lastIndex()) {
      throw new Error(`commit ${i} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = i;
    return true;
  }

  /** Entries not yet handed out for persistence. */
  unstableEntries(): Entry[] {
    return this.slice(this.stableIndex + 1, this.lastIndex() + 1);
  }

  /** Persistence of entries up to (index, term) finished; ignored if they were since replaced. */
  stableTo(index: number, term: number): void {
    if (index > this.stableIndex && this.term(index) === term) this.stableIndex = index;
  }

  /** Committed entries not yet handed to the state machine. */
  nextCommitted(maxCount = Infinity): Entry[] {
    const hi = Math.min(this.committed, this.applied + maxCount);
    return this.slice(this.applied + 1, hi + 1);
  }

  appliedTo(i: number): void {
    if (i > this.committed) throw new Error(`applied ${i} beyond commit ${this.committed}`);
    if (i > this.applied) this.applied = i;
  }

  /** Fold entries up to `index` into a snapshot point (log compaction). */
  compact(index: number): void {
    if (index <= this.snapshotIndex) return;
    if (index > this.applied) throw new Error(`compact ${index} beyond applied ${this.applied}`);
    const term = this.term(index)!;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** Replace the whole log by a snapshot point (InstallSnapshot). */
  restoreSnapshot(index: number, term: number): void {
    if (this.matchTerm(index, term) && index <= this.lastIndex()) {
      // We already hold the entry: keep the suffix, fold the prefix.
      this.entries = this.entries.slice(index - this.snapshotIndex);
    } else {
      this.entries = [];
    }
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.committed = Math.max(this.committed, index);
    this.applied = Math.max(this.applied, index);
    this.stableIndex = Math.min(this.stableIndex, this.lastIndex());
    if (this.stableIndex < index) this.stableIndex = index;
  }
}
