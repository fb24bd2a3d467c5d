// The state-machine contents of the view model, replayed from `apply` events through the real
// processors of src/cp (they are pure), lazily. The model keeps, per node and group, an SmRef:
// an immutable handle that says "the contents after applying `op` to the contents of `prev`"
// (or "the contents `base`" at a chain's root). Contents are computed only when a view or a
// test asks (smContents), by replaying the ops since the nearest materialized ancestor, so
// folding an apply event costs one small allocation however large the state machine is.
// Invariants: an SmRef's contents never change once created; the caches below only remember
// work already done (a processor advanced to a ref, the plain contents of a ref), so asking in
// any order, or rebuilding a past state from a checkpoint, gives the same contents.
import { createProcessor } from '../cp/processors.ts';
import type { StateMachine } from '../cp/stateMachine.ts';
import type { GroupId } from '../raft/types.ts';

export interface SmRef {
  readonly group: GroupId;
  /** The last log index applied to these contents (0 for the empty state machine). */
  readonly index: number;
  /**
   * False when the contents cannot be known from the trace (a snapshot loaded whose saving
   * the trace does not hold, e.g. a trace that starts after it).
   */
  readonly known: boolean;
  /** The contents before `op`, or null at a chain's root. Cut to null once materialized. */
  prev: SmRef | null;
  /** The op applied on top of prev (undefined for a root). */
  readonly op: unknown;
  /** At a root: the contents as plain data (a processor snapshot), or undefined for empty. */
  base: unknown;
}

/** The empty state machine of a group. */
export function smEmpty(group: GroupId): SmRef {
  return { group, index: 0, known: true, prev: null, op: undefined, base: undefined };
}

/** Contents that cannot be known (see SmRef.known), at `index`. */
export function smUnknown(group: GroupId, index: number): SmRef {
  return { group, index, known: false, prev: null, op: undefined, base: undefined };
}

/** The contents after applying `op` at `index`. */
export function smApply(prev: SmRef, index: number, op: unknown): SmRef {
  return { group: prev.group, index, known: prev.known, prev, op, base: undefined };
}

/** A processor advanced exactly to a ref; taken over (moved) by the ref's successor. */
const processors = new WeakMap<SmRef, StateMachine>();
/** The plain contents of a ref, once computed. */
const contents = new WeakMap<SmRef, unknown>();

/**
 * The contents of `ref` as the processor's snapshot() gives them (what RaftNode.appliedState
 * returns), or null when they cannot be known. The returned value is shared: do not modify it.
 */
export function smContents(ref: SmRef): unknown {
  if (!ref.known) return null;
  const cached = contents.get(ref);
  if (cached !== undefined) return cached;
  // Walk back to the nearest ref with a live processor, known contents, or a root.
  const chain: SmRef[] = [];
  let r: SmRef = ref;
  let sm: StateMachine;
  for (;;) {
    const live = processors.get(r);
    if (live !== undefined) {
      // Move the processor forward; r keeps its contents as plain data.
      processors.delete(r);
      if (!contents.has(r)) contents.set(r, live.snapshot());
      sm = live;
      break;
    }
    const known = contents.get(r) ?? (r.prev === null ? r.base : undefined);
    if (known !== undefined || r.prev === null) {
      sm = createProcessor(ref.group);
      if (known !== undefined) sm.restore(known);
      break;
    }
    chain.push(r);
    r = r.prev;
  }
  for (let i = chain.length - 1; i >= 0; i--) sm.apply(chain[i].op);
  const out = sm.snapshot();
  contents.set(ref, out);
  processors.set(ref, sm);
  // The chain before ref is no longer needed to compute it: cut it so old refs can be freed.
  ref.prev = null;
  ref.base = out;
  return out;
}
