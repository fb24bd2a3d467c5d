// The simulator's agenda: a binary min-heap of timed events.
// Ordering: by timeMs, then by insertion sequence, so two events at the same instant fire in the
// order they were scheduled. Nothing else (object identity, hash order) influences the order, so
// a run is a pure function of its seed.

/** An event as the queue sees it. `seq` is stamped by push; callers leave it 0. */
export interface Timed {
  timeMs: number;
  seq: number;
}

export class EventQueue<T extends Timed> {
  private readonly heap: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedule `event` at event.timeMs; stamps its insertion sequence. */
  push(event: T): void {
    event.seq = this.nextSeq++;
    const heap = this.heap;
    heap.push(event);
    this.siftUp(heap.length - 1);
  }

  /** The earliest event without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.heap[0];
  }

  /** Remove and return the earliest event, or undefined when empty. */
  pop(): T | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const item = heap[at];
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[at];
    let i = at;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], item)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = item;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}
