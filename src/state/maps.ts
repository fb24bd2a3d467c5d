// Copy-on-write for the fold, with ownership scoped to one batch: maps (messages in flight, open
// requests), the view state's own records (the state, its nodes, its checks) and the long
// lists the fold appends to on every event (plist.ts plAppend). reduce() never changes an object
// a caller may hold: it copies, then sets. Copying per event is what dominated the page under
// load (a map of n entries is O(n); the state and its records are a dozen fields each, tens of
// thousands of times a second, and as many objects for the collector). So a batch fold
// (Timeline) marks the objects it created itself as owned, and later events of the same batch
// update those in place: nobody else can hold them yet. Ownership ends (seal) before any state
// of the batch escapes: at a checkpoint, and when the batch returns.
// Invariants: an object reachable from a state handed out (returned, or kept as a checkpoint) is
// never modified afterwards; outside a transient scope these functions always copy; an owned
// object is referenced from one place in the state (never shared by two fields), so changing it
// in place changes only what the event changes.

let owned: WeakSet<object> | null = null;

/** `m` with `key` set to `v`: in place when this batch created `m`, else a copy. */
export function mapSet<T>(m: ReadonlyMap<string, T>, key: string, v: T): ReadonlyMap<string, T> {
  if (owned !== null && owned.has(m)) {
    (m as Map<string, T>).set(key, v);
    return m;
  }
  const out = new Map(m).set(key, v);
  owned?.add(out);
  return out;
}

/** `m` without `key` (the same map when it has no such key). */
export function mapDelete<T>(m: ReadonlyMap<string, T>, key: string): ReadonlyMap<string, T> {
  if (!m.has(key)) return m;
  if (owned !== null && owned.has(m)) {
    (m as Map<string, T>).delete(key);
    return m;
  }
  const out = new Map(m);
  out.delete(key);
  owned?.add(out);
  return out;
}

/** Whether the current batch created `o`, so that it may be changed in place. */
export function owns(o: object): boolean {
  return owned !== null && owned.has(o);
}

/** `o`, just created by the fold, marked as the current batch's (a no-op outside a batch). */
export function claim<T extends object>(o: T): T {
  owned?.add(o);
  return o;
}

/**
 * `o` is about to be referenced from a second place in the state: the batch gives up changing
 * it in place (the next change to either copy goes to a new object).
 */
export function disown(o: object): void {
  owned?.delete(o);
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `o` itself when the current batch owns it, else a shallow copy that the batch owns. */
export function edit<T extends object>(o: T): Mutable<T> {
  if (owned !== null && owned.has(o)) return o as Mutable<T>;
  const copy = { ...o };
  owned?.add(copy);
  return copy;
}

/**
 * Run a batch fold in which maps the fold creates may be updated in place. `seal()` ends the
 * ownership of every map created so far: call it before keeping an intermediate state.
 */
export function withTransientMaps<R>(fold: (seal: () => void) => R): R {
  const outer = owned;
  owned = new WeakSet();
  try {
    return fold(() => {
      owned = new WeakSet();
    });
  } finally {
    owned = outer;
  }
}
