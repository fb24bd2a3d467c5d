// Copy-on-write maps for the fold (messages in flight, open requests), with ownership scoped to
// one batch. reduce() never changes a map a caller may hold: it copies, then sets. Copying a map
// of n entries per event is O(n), and under load (hundreds of open requests, tens of thousands
// of events a second) that dominates the page. So a batch fold (Timeline) marks the maps it
// created itself as owned, and later events of the same batch update those in place: nobody
// else can hold them yet. Ownership ends (seal) before any state of the batch escapes: at a
// checkpoint, and when the batch returns.
// Invariant: a map reachable from a state handed out (returned, or kept as a checkpoint) is
// never modified afterwards; outside a transient scope these functions always copy.

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
