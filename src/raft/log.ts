// The replicated log of one group on one node: entries after a snapshot point, the commit and
// apply indexes, and which entries are durable. Invariants kept: the log is contiguous from
// snapshotIndex+1; applied ≤ committed ≤ lastIndex; a committed entry is never truncated.
// Older entries that are applied and durable are archived: packed, a chunk at a time, into one
// JSON string each (their terms kept as runs), so a long log costs the garbage collector a few
// strings instead of several objects per entry. SOFAJRaft keeps in memory only what is not yet
// applied and reads older entries back from its log storage; the archive plays that part
// synchronously. It changes no behaviour: entry(), slice() and term() answer the same, entries
// read back are equal copies. Configuration entries are also indexed, so the configuration at a
// point is found without scanning the log.
import type { Entry } from './types.ts';

/** How the log archives old entries (RaftConfig.logArchive). */
export interface LogArchiveOptions {
  /** Entries per archived chunk (≥ 1). */
  chunk: number;
  /** Applied, durable entries kept as objects behind the applied point, for followers a little behind (≥ 0). */
  keep: number;
}

/**
 * A chunk of 1,024 entries: packing one is a single synchronous stringify on the apply path, and
 * at 4,096 it held a browser leader's thread for 5-10 ms (20 ms on a busy machine), enough to
 * show in the p99 of writes at 100/s (a worker profile after saturation).
 */
export const DEFAULT_LOG_ARCHIVE: LogArchiveOptions = { chunk: 1024, keep: 4096 };

/** Entries [first, last] packed as one JSON array; runs: [index, term] pairs, a term from its index on. */
interface Chunk {
  readonly first: number;
  readonly last: number;
  readonly json: string;
  readonly runs: readonly number[];
}

export class RaftLog {
  /** Index and term of the last entry folded into the snapshot (0/0 when none). */
  snapshotIndex = 0;
  snapshotTerm = 0;
  /**
   * The entries held as objects: entries[k].index === liveStart + k. Those before liveStart
   * (after the snapshot point) are in the archive.
   */
  entries: Entry[] = [];
  /** The index of entries[0] (lastIndex + 1 when it is empty). */
  private liveStart = 1;
  /** Archived chunks in index order, contiguous, the last ending at liveStart − 1; the first may start at or before the snapshot point. */
  private chunks: Chunk[] = [];
  /** The chunk read last, decoded (a lagging follower is sent one chunk's entries after another). */
  private decoded: { chunk: Chunk; entries: Entry[] } | null = null;
  /** The configuration entries after the snapshot point, in index order. */
  private confs: Entry[] = [];
  private readonly archiveOpts: LogArchiveOptions;
  /** False once an entry's data could not be written as JSON: that log keeps every entry live. */
  private archivable = true;
  committed = 0;
  applied = 0;
  /** Entries up to here are durable on this node's disk. */
  stableIndex = 0;
  /** Counts suffix truncations, so callers can notice one happened. */
  truncations = 0;
  /** The index the last truncation dropped entries from. */
  lastTruncatedFrom = 0;

  constructor(archive: LogArchiveOptions = DEFAULT_LOG_ARCHIVE) {
    if (!(Number.isInteger(archive.chunk) && archive.chunk >= 1)) {
      throw new RangeError(`log archive: chunk must be an integer >= 1, got ${archive.chunk}`);
    }
    if (!(Number.isInteger(archive.keep) && archive.keep >= 0)) {
      throw new RangeError(`log archive: keep must be an integer >= 0, got ${archive.keep}`);
    }
    this.archiveOpts = { ...archive };
  }

  static restore(
    snapshotIndex: number,
    snapshotTerm: number,
    entries: Entry[],
    commit: number,
    archive: LogArchiveOptions = DEFAULT_LOG_ARCHIVE,
  ): RaftLog {
    const log = new RaftLog(archive);
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
    log.liveStart = snapshotIndex + 1;
    log.confs = entries.filter((e) => e.type === 'conf');
    log.stableIndex = log.lastIndex();
    log.committed = Math.min(Math.max(commit, snapshotIndex), log.lastIndex());
    log.applied = snapshotIndex;
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.liveStart - 1 + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** The term of entry `i`, or undefined when it is compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapshotIndex) return this.snapshotTerm;
    if (i < this.snapshotIndex || i > this.lastIndex()) return undefined;
    if (i >= this.liveStart) return this.entries[i - this.liveStart].term;
    const runs = this.chunkOf(i).runs;
    let k = runs.length - 2;
    while (runs[k] > i) k -= 2;
    return runs[k + 1];
  }

  entry(i: number): Entry | undefined {
    if (i <= this.snapshotIndex || i > this.lastIndex()) return undefined;
    if (i >= this.liveStart) return this.entries[i - this.liveStart];
    const c = this.chunkOf(i);
    return this.decode(c)[i - c.first];
  }

  /** The last configuration entry at or before `index` and after the snapshot point. */
  confEntryAtOrBefore(index: number): Entry | undefined {
    for (let k = this.confs.length - 1; k >= 0; k--) {
      if (this.confs[k].index <= index) return this.confs[k];
    }
    return undefined;
  }

  /** The archived chunk holding index `i` (snapshotIndex < i < liveStart). */
  private chunkOf(i: number): Chunk {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.chunks[mid].last < i) lo = mid + 1;
      else hi = mid;
    }
    return this.chunks[lo];
  }

  private decode(c: Chunk): Entry[] {
    if (this.decoded === null || this.decoded.chunk !== c) {
      this.decoded = { chunk: c, entries: JSON.parse(c.json) as Entry[] };
    }
    return this.decoded.entries;
  }

  /**
   * Archive the oldest live entries a chunk at a time while more than `keep` applied, durable
   * entries would stay behind the applied point. Only applied entries are archived: committed,
   * so never truncated, and handed to the state machine already.
   */
  private maybeArchive(): void {
    const { chunk, keep } = this.archiveOpts;
    const done = Math.min(this.applied, this.stableIndex);
    while (this.archivable && done - this.liveStart + 1 >= keep + chunk) {
      const part = this.entries.slice(0, chunk);
      let json: string;
      try {
        json = JSON.stringify(part);
      } catch {
        this.archivable = false; // data JSON cannot hold (a BigInt): keep every entry live
        return;
      }
      const runs: number[] = [];
      for (const e of part) {
        if (runs.length === 0 || runs[runs.length - 1] !== e.term) runs.push(e.index, e.term);
      }
      this.chunks.push({ first: this.liveStart, last: this.liveStart + chunk - 1, json, runs });
      this.entries = this.entries.slice(chunk);
      this.liveStart += chunk;
    }
  }

  /** Drop every entry up to `index` (≥ the snapshot point, ≤ lastIndex), archived or live. */
  private dropThrough(index: number): void {
    if (index >= this.liveStart - 1) {
      this.entries = this.entries.slice(index - this.liveStart + 1);
      this.liveStart = index + 1;
      this.chunks = [];
    } else {
      // The first chunk kept may start at or before the new snapshot point: what lies there is
      // out of reach (term() and entry() answer for the snapshot point and after only).
      this.chunks = this.chunks.filter((c) => c.last > index);
    }
    if (this.decoded !== null && !this.chunks.includes(this.decoded.chunk)) this.decoded = null;
    this.confs = this.confs.filter((e) => e.index > index);
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Entries in [lo, hi), clipped to what the log holds. */
  slice(lo: number, hi: number): Entry[] {
    let from = Math.max(lo, this.firstIndex());
    const to = Math.min(hi, this.lastIndex() + 1);
    if (from >= to) return [];
    if (from >= this.liveStart) {
      return this.entries.slice(from - this.liveStart, to - this.liveStart);
    }
    const out: Entry[] = [];
    while (from < to && from < this.liveStart) {
      const c = this.chunkOf(from);
      const es = this.decode(c);
      const end = Math.min(to, c.last + 1);
      for (let i = from; i < end; i++) out.push(es[i - c.first]);
      from = end;
    }
    for (let i = from; i < to; i++) out.push(this.entries[i - this.liveStart]);
    return out;
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
      if (e.type === 'conf') this.confs.push(e);
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
    // Archived entries are applied, so committed: the check above keeps i past them.
    this.entries.length = Math.max(0, i - this.liveStart);
    while (this.confs.length > 0 && this.confs[this.confs.length - 1].index >= i) this.confs.pop();
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
    if (index > this.stableIndex && this.term(index) === term) {
      this.stableIndex = index;
      this.maybeArchive();
    }
  }

  /** Committed entries not yet handed to the state machine. */
  nextCommitted(maxCount = Infinity): Entry[] {
    const hi = Math.min(this.committed, this.applied + maxCount);
    return this.slice(this.applied + 1, hi + 1);
  }

  appliedTo(i: number): void {
    if (i > this.committed) throw new Error(`applied ${i} beyond commit ${this.committed}`);
    if (i > this.applied) {
      this.applied = i;
      this.maybeArchive();
    }
  }

  /** Fold entries up to `index` into a snapshot point (log compaction). */
  compact(index: number): void {
    if (index <= this.snapshotIndex) return;
    if (index > this.applied) throw new Error(`compact ${index} beyond applied ${this.applied}`);
    const term = this.term(index)!;
    this.dropThrough(index);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** Replace the whole log by a snapshot point (InstallSnapshot). */
  restoreSnapshot(index: number, term: number): void {
    if (this.matchTerm(index, term) && index <= this.lastIndex()) {
      // We already hold the entry: keep the suffix, fold the prefix.
      this.dropThrough(index);
    } else {
      this.entries = [];
      this.liveStart = index + 1;
      this.chunks = [];
      this.decoded = null;
      this.confs = [];
    }
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    this.committed = Math.max(this.committed, index);
    this.applied = Math.max(this.applied, index);
    this.stableIndex = Math.min(this.stableIndex, this.lastIndex());
    if (this.stableIndex < index) this.stableIndex = index;
  }
}
