// One node's simulated disk: its durable state and a queue of writes in progress.
// Ordering it keeps: a write takes a random time, but writes complete in the order they were
// issued (a write's completion time is never before its predecessor's), and a write's effect on
// the durable state exists only once it completes. A crash loses every write not yet complete;
// restart reads back exactly what completed.
import type { SeededRng } from '../raft/rand.ts';
import type { DurableState, PersistBatch } from '../node/types.ts';
import { applyPersistBatch, cloneDurableState } from '../node/storage.ts';
import { corruptSnapshot } from '../node/snapshotFiles.ts';
import type { GroupId } from '../raft/types.ts';

export interface DiskTiming {
  writeMsMin: number;
  writeMsMax: number;
}

export const DEFAULT_DISK_TIMING: DiskTiming = { writeMsMin: 1, writeMsMax: 5 };

interface PendingWrite {
  token: number;
  batch: PersistBatch;
  doneMs: number;
}

export class SimDisk {
  private state: DurableState;
  private readonly pending: PendingWrite[] = [];
  private pendingHead = 0;
  private lastDoneMs = 0;

  constructor(
    initial: DurableState,
    private readonly rng: SeededRng,
    private readonly timing: DiskTiming = DEFAULT_DISK_TIMING,
  ) {
    this.state = initial;
  }

  /** Writes issued and not yet complete. */
  get inFlight(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Start a write at nowMs; returns when it will complete (never before an earlier write). */
  write(token: number, batch: PersistBatch, nowMs: number): number {
    const { writeMsMin, writeMsMax } = this.timing;
    const tookMs = writeMsMax > writeMsMin ? this.rng.range(writeMsMin, writeMsMax) : writeMsMin;
    const doneMs = Math.max(nowMs + tookMs, this.lastDoneMs);
    this.lastDoneMs = doneMs;
    this.pending.push({ token, batch, doneMs });
    return doneMs;
  }

  /** Complete the oldest write, which must be `token`; its batch becomes durable. */
  complete(token: number): PersistBatch {
    const head = this.pending[this.pendingHead];
    if (head === undefined || head.token !== token) {
      throw new Error(`disk: completing write ${token}, but the oldest pending is ${head?.token}`);
    }
    this.pendingHead++;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    applyPersistBatch(this.state, head.batch);
    return head.batch;
  }

  /** The process died: writes not yet complete are lost. Returns how many were lost. */
  crash(): number {
    const lost = this.inFlight;
    this.pending.length = 0;
    this.pendingHead = 0;
    this.lastDoneMs = 0;
    return lost;
  }

  /** A copy of what is durable, for a restarting node (it must not alias the disk). */
  load(): DurableState {
    return cloneDurableState(this.state);
  }

  /**
   * Damage the group's stored snapshot (the `corrupt-snapshot` fault): its data changes, its
   * recorded checksum does not. False when the disk holds no snapshot of the group.
   */
  corruptSnapshot(group: GroupId): boolean {
    const g = this.state[group];
    if (!g?.snapshot) return false;
    g.snapshot = corruptSnapshot(g.snapshot);
    return true;
  }

  /** The durable state itself, read-only by convention (invariant checks and tests). */
  get durable(): DurableState {
    return this.state;
  }
}
