// The leader's view of one follower's log, as in etcd's tracker: probe mode sends one
// AppendEntries at a time until the match point is found; replicate mode pipelines up to
// `maxInflight` messages; snapshot mode waits for an InstallSnapshot to finish.
// Invariant: match < next.

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded window of in-flight AppendEntries, identified by the last index each carried. */
export class Inflights {
  private readonly buf: number[] = [];
  constructor(readonly capacity: number) {}

  full(): boolean {
    return this.buf.length >= this.capacity;
  }

  count(): number {
    return this.buf.length;
  }

  add(lastIndex: number): void {
    this.buf.push(lastIndex);
  }

  /** Release every message whose last index is ≤ `index` (acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.buf.length && this.buf[n] <= index) n++;
    if (n > 0) this.buf.splice(0, n);
  }

  freeFirst(): void {
    this.buf.shift();
  }

  reset(): void {
    this.buf.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe mode, one message is out and we wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In snapshot mode, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Leader tick at which the pending snapshot was sent (to retry a lost one). */
  snapshotSentTick = 0;
  /**
   * The leader tick on which the leader SENT the last message this peer answered, or -1 before
   * any answer (SOFAJRaft's Replicator.lastRpcSendTimestamp). The leader lease and check-quorum
   * count from it, never from when the answer arrived: an answer that took long to come back
   * says nothing about what the peer has done since it was sent.
   */
  ackedSendTick = -1;
  /** The leader tick on which this peer's progress was created: check-quorum's grace start. */
  aliveSinceTick = 0;
  /** The highest broadcast round this peer acknowledged (ReadIndex). */
  ackedRound = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  /** An acknowledgement up to `n`: returns true if match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /**
   * A rejection of the AppendEntries whose prevLogIndex was `rejected`. `matchHint` is the
   * largest index that may still match. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.probeSent = false;
    this.inflights.reset();
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }
}
