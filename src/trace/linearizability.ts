// The linearizability checker for client histories (DESIGN.md §4: "client histories are
// linearizable"). Wing & Gong's search with Lowe's memoization, shaped like Porcupine's
// checker: the calls and returns of one key sit in a doubly linked list sorted by time; the
// search walks it from the head, linearizes a call whose operation the model accepts (lifting
// the call and its return out of the list), and backtracks when it meets a return it has not
// linearized. Keys are independent (P-compositionality), so each (group, key) is checked on
// its own, on the key's own model (Model.forKey), which may hold equal the states no op of the
// key tells apart. Beyond Porcupine, ops of unknown outcome (`info`) wait in lists of their own
// and are tried only when the completed ops cannot go on without them, and then only one per
// symmetry class, only those that can change the state and may be needed there, and none that
// another class's next op can stand in for; a read-only op that fits is linearized without
// alternatives; and a configuration is skipped when an explored one with fewer ops of unknown
// outcome covers it (see checkOperations for why each is sound).
//
// Invariants: deterministic (no clock; the budget counts search steps, so the same history
// always gets the same verdict); a verdict 'ok' or 'not-linearizable' is exact, only an
// exhausted budget gives 'undecided', which is no verdict (never a violation); the operations
// reported for a violation are the shortest prefix of the smallest failing key that still
// fails.
import type { HistoryError, HistoryTime, KeyHistory, Operation } from './history.ts';
import { collectHistories, formatHistoryErrors } from './history.ts';
import type { AnyModel, Model } from './models.ts';
import type { TraceEvent } from './events.ts';

export interface CheckOptions {
  /** Which clock orders calls and returns; default 'seq', the trace's total order. */
  time?: HistoryTime;
  /**
   * Search steps allowed per key before giving up with 'undecided'. Default stepsMaxFor(the
   * key's operations): 2,000,000, or 200 per operation for longer keys.
   */
  stepsPerKeyMax?: number;
  /** Shrink a failing key to its shortest failing prefix (default true). */
  minimize?: boolean;
}

export type CheckResult =
  | {
      ok: true;
      /** Keys checked, operations checked, search steps taken over all keys. */
      keys: number;
      operations: number;
      steps: number;
    }
  | {
      ok: false;
      kind: 'not-linearizable';
      group: string;
      key: string;
      /** The shortest failing prefix of the key's operations, in call order. */
      operations: Operation[];
      /** Operations returning after this time were treated as still pending. */
      cutoff: number;
      /** How many operations the key has in the whole history. */
      keyOperations: number;
      explanation: Explanation | null;
      /** What failed and why, followed by the operations, one per line. */
      message: string;
    }
  | { ok: false; kind: 'invalid-history'; errors: HistoryError[]; message: string }
  | {
      /** The budget ran out before a verdict: neither linearizable nor a violation. */
      ok: 'undecided';
      /** The first key left undecided, and how many keys were. */
      group: string;
      key: string;
      undecidedKeys: number;
      steps: number;
      reason: string;
    };

/**
 * Why a key failed: the longest linearizable prefix found and what could not follow it.
 * Operations are named by their `id`.
 */
export interface Explanation {
  /** Operation ids in the order they were linearized. */
  prefix: number[];
  /** The model state after the prefix. */
  state: string;
  /** The operation that returned before anything fitting could be linearized. */
  blocking: number;
  /** The operations that could have come next, and whether the model accepts each one. */
  candidates: { id: number; fits: boolean }[];
}

export type SearchVerdict =
  | { verdict: 'ok'; steps: number }
  | { verdict: 'fail'; steps: number; explanation: Explanation | null }
  | { verdict: 'undecided'; steps: number };

/** The search budget of a key: this many steps at least, more for long keys (see stepsMaxFor). */
export const STEPS_PER_KEY_MAX_DEFAULT = 2_000_000;
/** Steps allowed per operation of a key beyond STEPS_PER_KEY_MAX_DEFAULT. */
export const STEPS_PER_OPERATION_DEFAULT = 200;

/**
 * The default budget of a key of `operations` operations. A linearizable history costs about
 * (concurrency + classes of unknown outcome) steps per operation, so a fixed budget would give
 * up on long keys that are easy; the floor leaves room for short keys that are hard.
 */
export function stepsMaxFor(operations: number): number {
  return Math.max(STEPS_PER_KEY_MAX_DEFAULT, STEPS_PER_OPERATION_DEFAULT * operations);
}

/**
 * How many of the records sharing a memo key a new configuration is compared with, newest
 * first. Configurations that differ only in their info ops pile up under one key; comparing
 * with all of them costs more than the pruning saves.
 */
const BUCKET_SCAN_MAX = 32;

const NIL = -1;
const HEAD = 0;
/** The guard list of a state without a guard (Model.guard null): every guarded list. */
const WILD = -3;
/** The pass-1 cursor of a configuration just entered: look for a forced op first. */
const FIRST = -2;

/** murmur3's 32-bit finalizer: a fixed pseudo-random value per integer, for Zobrist hashing. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A growable list of 32-bit integers: the memo's records without a boxed array per field. */
class IntList {
  private data = new Int32Array(1024);
  length = 0;
  at(i: number): number {
    return this.data[i];
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
}

/**
 * A map from non-negative 31-bit keys to record numbers (NIL when absent), open addressing with
 * linear probing, kept at most half full: millions of memo chains without a Map's per-entry cost.
 */
class IntTable {
  private keys = new Int32Array(1 << 12).fill(NIL);
  private values = new Int32Array(1 << 12);
  private size = 0;
  get(key: number): number {
    const mask = this.keys.length - 1;
    for (let h = Math.imul(key, 0x9e3779b1) & mask; ; h = (h + 1) & mask) {
      const k = this.keys[h];
      if (k === key) return this.values[h];
      if (k === NIL) return NIL;
    }
  }
  set(key: number, value: number): void {
    if (2 * (this.size + 1) > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    for (let h = Math.imul(key, 0x9e3779b1) & mask; ; h = (h + 1) & mask) {
      const k = this.keys[h];
      if (k === key) {
        this.values[h] = value;
        return;
      }
      if (k === NIL) {
        this.keys[h] = key;
        this.values[h] = value;
        this.size++;
        return;
      }
    }
  }
  private grow(): void {
    const { keys, values } = this;
    this.keys = new Int32Array(keys.length * 2).fill(NIL);
    this.values = new Int32Array(keys.length * 2);
    this.size = 0;
    for (let h = 0; h < keys.length; h++) if (keys[h] !== NIL) this.set(keys[h], values[h]);
  }
}

/** The info ops linearized so far, as a persistent stack shared by the memo records. */
interface InfoNode {
  op: number;
  parent: InfoNode | null;
  size: number;
}

/**
 * One key's calls and returns of completed ops as a linked list in arrays, as Porcupine's: op i
 * has call entry 2i+1 and return entry 2i+2, entry 0 heads the list, entries in time order. The
 * ops of unknown outcome (return at infinity) are not in it: the search keeps them apart (see
 * checkOperations), so that they cost nothing while the completed ops can go on without them.
 */
interface Entries {
  next: Int32Array;
  prev: Int32Array;
  /** Position in time order of every call entry and of the return entries of completed ops. */
  rank: Int32Array;
  /** For a completed op i: how many calls (of any op) sort before its return. */
  callsBefore: Int32Array;
}

function buildEntries(calls: readonly number[], returns: readonly number[]): Entries {
  const n = calls.length;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    order.push(2 * i + 1);
    if (returns[i] !== Infinity) order.push(2 * i + 2);
  }
  const timeOf = (e: number): number =>
    (e & 1) === 1 ? calls[(e - 1) >> 1] : returns[(e - 2) >> 1];
  // Calls before returns at equal times (touching intervals count as concurrent), then by op.
  order.sort((a, b) => timeOf(a) - timeOf(b) || (b & 1) - (a & 1) || a - b);
  const size = 2 * n + 1;
  const next = new Int32Array(size).fill(NIL);
  const prev = new Int32Array(size).fill(NIL);
  const rank = new Int32Array(size);
  const callsBefore = new Int32Array(n);
  let last = HEAD;
  let callsSeen = 0;
  for (let position = 0; position < order.length; position++) {
    const e = order[position];
    rank[e] = position + 1;
    const isCall = (e & 1) === 1;
    const op = isCall ? (e - 1) >> 1 : (e - 2) >> 1;
    if (isCall) callsSeen++;
    else callsBefore[op] = callsSeen;
    if (returns[op] === Infinity) continue;
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  return { next, prev, rank, callsBefore };
}

/**
 * The ops of unknown outcome the search may try, in circular linked lists of op indices sorted
 * by call, one sentinel per list at index n + list. Of each symmetry class only its next unused
 * member is listed (a class's ops are used in call order). List 0 holds the ops that may change
 * any state; list l > 0 the ops whose Model.effectGuard is the l-th guard, which are needed only
 * in states of that guard or of none (Model.guard null). A blocked search so walks list 0 and
 * the list of its state's guard, and never meets the many ops that cannot change its state:
 * without the lists, every op of unknown outcome called so far was a candidate at every block,
 * and the steps grew with the operations times the ops of unknown outcome. A state of no guard
 * walks every guarded list, but skips at once the lists all of whose ops one class absorbs when
 * that class's next op is tried there and changes the state (the config store's absent state
 * and its CASes of unseen contents: see configStoreModel).
 */
interface InfoLists {
  next: Int32Array;
  prev: Int32Array;
  /** Per op of unknown outcome: its class; -1 for completed ops. */
  classOf: Int32Array;
  /** Per class: its ops in call order, the list holding it, how many are linearized. */
  members: number[][];
  listOf: Int32Array;
  used: Int32Array;
  /** Guard → list (1..); list 0 is the unguarded one. */
  listByGuard: Map<string, number>;
  /** Per op of unknown outcome: the class absorbing it (Model.unknownEffectAbsorbers), or -1. */
  absorberOf: Int32Array;
  /**
   * The guarded lists in the order a state of no guard walks them: grouped by the class that
   * absorbs all their ops (-1: none, or not one for all), so a group can be skipped at once.
   * `wildRunEnd[p]`: the position after the group of the list at position p.
   */
  wildOrder: Int32Array;
  wildPosition: Int32Array;
  wildRunEnd: Int32Array;
  /** Per list: the class absorbing all its ops, or -1. */
  listAbsorber: Int32Array;
}

function buildInfoLists<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  completed: Uint8Array,
): InfoLists {
  const n = ops.length;
  const names = model.unknownEffectClasses(ops);
  const classOf = new Int32Array(n).fill(-1);
  const members: number[][] = [];
  const lists: number[] = [];
  const listByGuard = new Map<string, number>();
  const classByName = new Map<string, number>();
  const rawClassByName = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (completed[i] === 1) continue;
    const guard = model.effectGuard(ops[i].input);
    let list = 0;
    if (guard !== null) {
      list = listByGuard.get(guard) ?? listByGuard.size + 1;
      listByGuard.set(guard, list);
    }
    // Two ops of one class change every state alike, so they share a guard too; the list in the
    // name keeps a model that says otherwise from breaking the lists.
    const name = names[i] === null ? null : `${list}\u0000${names[i]}`;
    let k = name === null ? undefined : classByName.get(name);
    if (k === undefined) {
      k = members.length;
      members.push([]);
      lists.push(list);
      if (name !== null) classByName.set(name, k);
    }
    classOf[i] = k;
    members[k].push(i);
    const raw = names[i];
    if (raw !== null) rawClassByName.set(raw, (rawClassByName.get(raw) ?? k) === k ? k : -1);
  }
  // A name given in two lists names no class: such an op is then absorbed by none. A class
  // whose own ops are absorbed absorbs none (no chains, so no cycle skips every op).
  const absorbers = model.unknownEffectAbsorbers?.(ops);
  const absorberOf = new Int32Array(n).fill(-1);
  for (let i = 0; absorbers !== undefined && i < n; i++) {
    const name = absorbers[i];
    if (completed[i] === 1 || name === null) continue;
    const k = rawClassByName.get(name) ?? -1;
    if (k !== classOf[i]) absorberOf[i] = k;
  }
  for (let i = 0; i < n; i++) {
    const k = absorberOf[i];
    if (k >= 0 && members[k].some((j) => absorberOf[j] !== -1)) absorberOf[i] = -1;
  }
  const listCount = listByGuard.size + 1;
  const listAbsorber = new Int32Array(listCount).fill(-2); // -2: no op seen yet
  for (let k = 0; k < members.length; k++) {
    for (const i of members[k]) {
      const l = lists[k];
      listAbsorber[l] =
        listAbsorber[l] === -2 || listAbsorber[l] === absorberOf[i] ? absorberOf[i] : -1;
    }
  }
  listAbsorber[0] = -1;
  const wildOrder = Int32Array.from(
    Array.from({ length: listCount - 1 }, (_, j) => j + 1).sort(
      (a, b) => listAbsorber[a] - listAbsorber[b] || a - b,
    ),
  );
  const wildPosition = new Int32Array(listCount);
  const wildRunEnd = new Int32Array(wildOrder.length);
  for (let p = wildOrder.length - 1; p >= 0; p--) {
    wildPosition[wildOrder[p]] = p;
    const same =
      p + 1 < wildOrder.length && listAbsorber[wildOrder[p + 1]] === listAbsorber[wildOrder[p]];
    wildRunEnd[p] = same ? wildRunEnd[p + 1] : p + 1;
  }
  const size = n + listByGuard.size + 1;
  const next = new Int32Array(size);
  const prev = new Int32Array(size);
  for (let l = n; l < size; l++) {
    next[l] = l;
    prev[l] = l;
  }
  // Classes are numbered in the call order of their first ops: appending keeps lists sorted.
  for (let k = 0; k < members.length; k++) {
    const i = members[k][0];
    const sentinel = n + lists[k];
    const last = prev[sentinel];
    next[last] = i;
    prev[i] = last;
    next[i] = sentinel;
    prev[sentinel] = i;
  }
  return {
    next,
    prev,
    classOf,
    members,
    listOf: Int32Array.from(lists),
    used: new Int32Array(members.length),
    listByGuard,
    absorberOf,
    wildOrder,
    wildPosition,
    wildRunEnd,
    listAbsorber,
  };
}

/** Take op i (listed) out of its list and list its class's next op in its place in call order. */
function liftInfo(x: InfoLists, n: number, i: number): void {
  const { next, prev } = x;
  next[prev[i]] = next[i];
  prev[next[i]] = prev[i];
  const k = x.classOf[i];
  const used = ++x.used[k];
  if (used === x.members[k].length) return;
  const j = x.members[k][used];
  const sentinel = n + x.listOf[k];
  let q = next[prev[i]];
  while (q !== sentinel && q < j) q = next[q];
  const p = prev[q];
  next[p] = j;
  prev[j] = p;
  next[j] = q;
  prev[q] = j;
}

/** Undo liftInfo(i); lifts are undone in the reverse order, so i's links are still valid. */
function unliftInfo(x: InfoLists, i: number): void {
  const { next, prev } = x;
  const k = x.classOf[i];
  const used = x.used[k]--;
  if (used < x.members[k].length) {
    const j = x.members[k][used];
    next[prev[j]] = next[j];
    prev[next[j]] = prev[j];
  }
  next[prev[i]] = i;
  prev[next[i]] = i;
}

/**
 * Search for a linearization of one key's operations: Porcupine's walk over the calls and
 * returns of the completed ops (lifting an op that fits out of the list, backtracking on a
 * return not linearized), with four changes, each sound by the argument below:
 * - Ops of unknown outcome (info; return at infinity) are tried only when the completed ops
 *   cannot go on without them (the first pending return's op cannot be linearized next), first
 *   those after which that op fits. One left out can always be linearized last (any state
 *   accepts an unknown output), so the search succeeds as soon as every completed op is
 *   linearized. Of those, only the next unused op of each symmetry class is tried
 *   (Model.unknownEffectClasses), and only those that change the state and may be needed there
 *   (see InfoLists): a configuration with one more op that changed nothing is covered by the
 *   one without it. Nor is an op u tried where the next unused op v of the class that absorbs
 *   u (Model.unknownEffectAbsorbers) is tried too and changes the state as u would: a
 *   linearization that uses u here, and v later (where v's class is needed, so u does there
 *   what v does) or never, becomes one that uses v here and u there, no longer.
 * - A completed read-only op (Model.readOnly) that fits is linearized at once, without
 *   alternatives: moved ahead of the ops that any linearization from here puts before it, it
 *   changes none of their states, and no real-time order forbids that (they all return after
 *   it is called, or they would not be pending).
 * - A configuration is skipped when an entered one has the same linearized completed ops and
 *   state and a subset of its info ops (what the larger can do, the smaller can too, with the
 *   extra info ops moved to the end); and an op that sets the state whatever it was
 *   (Model.overwrites) is never tried right after an info op: trying it where that run of info
 *   ops began reaches the same state with fewer info ops.
 * - More generally, a completed op c is never tried right after an info op u linearized from
 *   state s when c fits s and u can move past c: swapped (u(c(s)) = c(u(s))) or dropped to the
 *   end (c(s) = c(u(s))). The order with c before u was open to the configuration u was
 *   linearized from, with one info op fewer. So every info op in a linearization the search
 *   still tries is followed by another info op or by a completed op it changes; and an info op
 *   is tried only when Model.mayEnable says it may be needed in such a run before some
 *   completed op that can come next (a registry register or deregister only where it sets its
 *   instance as a pending list shows it). Without these, an old unused info op could patch any
 *   wrong order of the completed ops, and wrong branches went deep before failing.
 * Why nothing is lost: suppose the search fails although some entered configuration can be
 * completed. Take one whose measure (completed ops left, info ops before the next completed op
 * in its best completion, info ops linearized) is least. If its next step is a completed op
 * refused after an info op u, the configuration u was linearized from can be completed with
 * that op next and has one info op fewer: a smaller measure. If it is an info op that
 * Model.mayEnable rules out, or its guard does, leaving it out of that run (with the ops the
 * guard's contract names) gives a completion with fewer info ops before the next completed op.
 * If it is an info op u absorbed by the next op v of a class, swapping u and v gives a
 * completion of the same measure whose next step, v, is tried. Otherwise its next step in that
 * completion, or the read-only op forced there, leads to a configuration with a smaller measure
 * that can be completed and was entered, or is covered by an entered one that can be completed
 * with no larger measure: a contradiction.
 *
 * Cost: a step is one candidate looked at. With the completed ops' concurrency c and the
 * classes of unknown outcome that can change a state u, a linearizable history costs about
 * (c + u) steps per op; nothing is allocated per step but the memo's records.
 *
 * `ops` must be sorted by call (as collectHistories leaves them). With `explain`, a failure
 * also says which prefix got furthest and what could not follow it.
 */
export function checkOperations<S, I, O>(
  generalModel: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: { stepsMax?: number; explain?: boolean } = {},
): SearchVerdict {
  const model = generalModel.forKey?.(ops) ?? generalModel;
  const stepsMax = options.stepsMax ?? stepsMaxFor(ops.length);
  const explain = options.explain ?? false;
  const n = ops.length;
  for (let i = 0; i < n; i++) {
    if (i > 0 && ops[i].call < ops[i - 1].call) {
      throw new Error('checkOperations: ops must be sorted by call');
    }
    if (ops[i].return < ops[i].call) {
      throw new Error(`checkOperations: op ${ops[i].id} returns before it is called`);
    }
  }
  const calls = new Array<number>(n);
  const returns = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    calls[i] = ops[i].call;
    returns[i] = ops[i].return;
  }
  const { next, prev, rank, callsBefore } = buildEntries(calls, returns);
  const completed = new Uint8Array(n);
  const overwrites = new Uint8Array(n);
  const readOnly = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    completed[i] = ops[i].return === Infinity ? 0 : 1;
    overwrites[i] = model.overwrites(ops[i].input, ops[i].output) ? 1 : 0;
    readOnly[i] = model.readOnly(ops[i].input, ops[i].output) ? 1 : 0;
  }
  const infoLists = buildInfoLists(model, ops, completed);
  const infoNext = infoLists.next;
  const guarded = infoLists.listByGuard.size > 0;
  /**
   * The list of the ops of unknown outcome that may change `s` beside list 0; -1 if none; WILD
   * if `s` has no guard (every guarded list may hold ops that change it).
   */
  const guardListOf = (s: S): number => {
    if (!guarded) return -1;
    const g = model.guard(s);
    return g === null ? WILD : (infoLists.listByGuard.get(g) ?? -1);
  };

  const linearized = new Uint8Array(n);
  const zobrist = new Int32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = mix32(i + 0x9e3779b9);

  // m: the first completed op not linearized (n if none). The linearized completed ops are
  // described exactly, and compactly, by m and those above it, which must all have been called
  // before m returned: at most the concurrency, not the history's length.
  let m = 0;
  const advanceM = (): void => {
    while (m < n && (linearized[m] === 1 || completed[m] === 0)) m++;
  };
  advanceM();
  const scratch: number[] = [];
  const compactCompleted = (): number[] => {
    scratch.length = 0;
    scratch.push(m);
    if (m < n) {
      for (let i = m + 1; i < callsBefore[m]; i++) {
        if (linearized[i] === 1 && completed[i] === 1) scratch.push(i);
      }
    }
    return scratch;
  };
  // The current chain of linearized info ops by depth, so that a walk down another chain can
  // stop where the two chains join.
  const infoPath: (InfoNode | null)[] = [null];
  const allLinearized = (other: InfoNode | null): boolean => {
    const depth = info?.size ?? 0;
    for (let node = other; node !== null; node = node.parent) {
      if (node.size <= depth && infoPath[node.size] === node) return true;
      if (linearized[node.op] === 0) return false;
    }
    return true;
  };

  let hashCompleted = 0;
  // The memo: the configurations entered, as parallel arrays (no object per record). Record r
  // holds its linearized completed ops (see compactCompleted) at memoSets[memoStart[r] ..
  // + memoLength[r]), its state and its info ops; records of one hash form a chain, newest
  // first, through memoNext, headed in `memo`.
  const memo = new IntTable();
  const memoSets = new IntList();
  const memoStart = new IntList();
  const memoLength = new IntList();
  const memoNext = new IntList();
  const memoState: S[] = [];
  const memoInfo: (InfoNode | null)[] = [];
  /**
   * Whether entered configuration r makes the one being tried redundant: the same completed
   * ops and state, and a subset of its info ops. Any linearization from the larger one works
   * from the smaller too, with the extra info ops moved to the end.
   */
  const covers = (r: number, set: number[], state: S, infoSize: number): boolean => {
    if (memoLength.at(r) !== set.length) return false;
    const start = memoStart.at(r);
    for (let j = 0; j < set.length; j++) if (memoSets.at(start + j) !== set[j]) return false;
    const other = memoInfo[r];
    if ((other?.size ?? 0) > infoSize || !model.equal(memoState[r], state)) return false;
    return allLinearized(other);
  };
  /** Enter the configuration (linearized ops, state); false if an entered one covers it. */
  const remember = (state: S, info: InfoNode | null): boolean => {
    const key = (hashCompleted ^ Math.imul(model.hash(state), 0x9e3779b1)) & 0x3fffffff;
    const set = compactCompleted();
    const infoSize = info?.size ?? 0;
    const head = memo.get(key);
    // Only the latest records of a chain: a check skipped costs pruning, never a wrong verdict.
    let scanned = 0;
    for (let r = head; r !== NIL && scanned < BUCKET_SCAN_MAX; r = memoNext.at(r)) {
      if (covers(r, set, state, infoSize)) return false;
      scanned++;
    }
    const r = memoStart.length;
    memoStart.push(memoSets.length);
    memoLength.push(set.length);
    for (let j = 0; j < set.length; j++) memoSets.push(set[j]);
    memoNext.push(head);
    memoState.push(state);
    memoInfo.push(info);
    memo.set(key, r);
    return true;
  };

  const lift = (e: number): void => {
    const ret = e + 1;
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e]; // a call is never last: its return follows it
    next[prev[ret]] = next[ret];
    if (next[ret] !== NIL) prev[next[ret]] = prev[ret];
  };
  const unlift = (e: number): void => {
    const ret = e + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== NIL) prev[next[ret]] = ret;
    next[prev[e]] = e;
    prev[next[e]] = e;
  };

  // The search stack, one frame per linearized op, as parallel arrays (nothing allocated per
  // step): the op, and what to restore when backtracking past it.
  const frameOp = new Int32Array(n);
  /** The op of the first return in the configuration the frame's op was linearized from. */
  const frameFirst = new Int32Array(n);
  const frameM = new Int32Array(n);
  const frameFirstReturn = new Int32Array(n);
  /** Pass-2 cursor: wild * 8 + deferred * 4 + phase * 2 + segment. */
  const frameCursor = new Int8Array(n);
  const frameGuardList = new Int32Array(n);
  /** Linearized without alternatives: backtracking past it gives up its configuration. */
  const frameForced = new Uint8Array(n);
  const frameState: S[] = new Array<S>(n);
  const frameInfo: (InfoNode | null)[] = new Array<InfoNode | null>(n);
  let depth = 0;
  let deepest: { prefix: number[]; state: S } | null = null;

  let state = model.init();
  let info: InfoNode | null = null;
  // Pass 1 walks the main list from `entry` over completed calls up to the first return. Pass
  // 2 then walks the info lists (segment 0: list 0; segment 1: the list of the state's guard,
  // or, when the state has none (wild), every guarded list in turn, `guardList` the one being
  // walked, but none whose ops all the next op of one class absorbs; see absorbsAll) over the
  // ops called before that return, twice: phase 0 tries the ops after which the first
  // return's op fits, phase 1 the others. The order only makes a valid history's
  // linearization come sooner; both phases are complete. Phase 0 notes (deferred) whether it
  // passed over an op that phase 1 would try; if not, phase 1 is skipped, a walk saved.
  let pass1 = true;
  let entry = FIRST;
  let first = NIL;
  let firstReturn = NIL;
  let phase = 0;
  let deferred = false;
  let segment = 0;
  let guardList = -1;
  let wild = false;
  let candidate = NIL;

  /** No overwriting op right after an info op (see the header). */
  const afterInfoRefused = (i: number): boolean =>
    overwrites[i] === 1 && depth > 0 && completed[frameOp[depth - 1]] === 0;

  /**
   * Whether completed op i, which fits the current state and leads to `nextState`, must not
   * follow the info op linearized last (u, from state s): i fits s too, and u can move past it,
   * either swapped (u(i(s)) equals i(u(s))) or dropped to the end (i(s) equals i(u(s)): i hides
   * u's effect). Either way an order with i before u exists, is tried from the configuration u
   * was linearized from, and leaves u later or unused (see the header). A registry write
   * commutes with or hides every register or deregister, so only a list that u made fit may
   * follow u; without this, an info op could be tried before every completed op.
   */
  const passedByInfo = (i: number, nextState: S): boolean => {
    if (depth === 0) return false;
    const u = frameOp[depth - 1];
    if (completed[u] === 1) return false;
    const s = frameState[depth - 1];
    const [fits, afterI] = model.step(s, ops[i].input, ops[i].output);
    if (!fits) return false;
    if (model.equal(afterI, nextState)) return true;
    return model.equal(model.step(afterI, ops[u].input, undefined)[1], nextState);
  };

  /**
   * Whether info op u may be needed in a run of info ops right before some completed op that
   * could come next (called before the first return; see Model.mayEnable).
   */
  const mayEnableSome = (u: number): boolean => {
    for (let e = next[HEAD]; (e & 1) === 1; e = next[e]) {
      const i = (e - 1) >> 1;
      if (model.mayEnable(state, ops[u].input, ops[i].input, ops[i].output)) return true;
    }
    return false;
  };

  /**
   * Whether info op u, which would lead from the state to `nextState`, need not be tried here:
   * the next unused op v of the class absorbing u (Model.unknownEffectAbsorbers) is tried in
   * this walk too (called before the first return, in a list walked here, not refused) and leads
   * to the same state. A linearization that uses u here, and v later or never, has a
   * counterpart that uses v here and u where it used v (u does there what v does).
   */
  const absorbed = (u: number, nextState: S): boolean => {
    const k = infoLists.absorberOf[u];
    if (k < 0) return false;
    const list = infoLists.listOf[k];
    // v's list is walked here: list 0, the guard's list, or in a wild walk any list that holds
    // no absorbed ops (v's class absorbs none).
    if (list !== 0 && (wild ? infoLists.listAbsorber[list] !== -1 : list !== guardList)) {
      return false;
    }
    const v = absorberReady(k);
    return v >= 0 && model.equal(model.step(state, ops[v].input, undefined)[1], nextState);
  };

  /**
   * Class k's next unused op if it would be tried in this walk where it changes the state
   * (called before the first return, not refused, maybe needed), else -1.
   */
  const absorberReady = (k: number): number => {
    if (infoLists.used[k] === infoLists.members[k].length) return -1;
    const v = infoLists.members[k][infoLists.used[k]];
    if (rank[2 * v + 1] >= rank[firstReturn] || afterInfoRefused(v)) return -1;
    return mayEnableSome(v) ? v : -1;
  };

  /**
   * Whether every op of the wild walk's group of lists at position p can be left untried:
   * their absorbing class's next op is tried in this walk and changes the state, so each of
   * them leaves the state unchanged or changes it alike (Model.unknownEffectAbsorbers).
   */
  const absorbsAll = (p: number): boolean => {
    const k = infoLists.listAbsorber[infoLists.wildOrder[p]];
    if (k < 0 || infoLists.listAbsorber[infoLists.listOf[k]] !== -1) return false;
    const v = absorberReady(k);
    return v >= 0 && !model.equal(model.step(state, ops[v].input, undefined)[1], state);
  };

  /** The wild walk's next list from position p, skipping absorbed groups; -1 after the last. */
  const wildListFrom = (p: number): number => {
    const order = infoLists.wildOrder;
    while (p < order.length) {
      if (!absorbsAll(p)) return order[p];
      p = infoLists.wildRunEnd[p];
    }
    return -1;
  };

  /** Linearize op i next, reaching `nextState`, if the memo allows it. */
  const linearize = (i: number, nextState: S, forced: boolean): boolean => {
    const isInfo = completed[i] === 0;
    const mBefore = m;
    const nextInfo = isInfo ? { op: i, parent: info, size: (info?.size ?? 0) + 1 } : info;
    linearized[i] = 1;
    if (!isInfo) {
      hashCompleted ^= zobrist[i];
      if (i === m) advanceM();
    }
    if (!remember(nextState, nextInfo)) {
      linearized[i] = 0;
      if (!isInfo) hashCompleted ^= zobrist[i];
      m = mBefore;
      return false;
    }
    frameOp[depth] = i;
    frameFirst[depth] = first;
    frameM[depth] = mBefore;
    frameFirstReturn[depth] = firstReturn;
    frameCursor[depth] = (wild ? 8 : 0) + (deferred ? 4 : 0) + phase * 2 + segment;
    frameGuardList[depth] = guardList;
    frameForced[depth] = forced ? 1 : 0;
    frameState[depth] = state;
    frameInfo[depth] = info;
    depth++;
    state = nextState;
    info = nextInfo;
    if (isInfo) {
      infoPath[nextInfo!.size] = nextInfo;
      liftInfo(infoLists, n, i);
    } else {
      lift(2 * i + 1);
    }
    pass1 = true;
    entry = FIRST;
    if (explain && (deepest === null || depth > deepest.prefix.length)) {
      deepest = { prefix: Array.from(frameOp.subarray(0, depth)), state };
    }
    return true;
  };

  /**
   * Linearize a read-only completed candidate that fits, if there is one, without trying
   * alternatives: moved ahead of the ops that any linearization from here puts before it, it
   * changes none of their states, and no real-time order forbids that (they all return after it
   * is called). If the memo refuses it, this configuration is given up.
   */
  const maybeForce = (): boolean => {
    for (let e = next[HEAD]; (e & 1) === 1; e = next[e]) {
      const i = (e - 1) >> 1;
      if (readOnly[i] === 0 || afterInfoRefused(i)) continue;
      const [fits, nextState] = model.step(state, ops[i].input, ops[i].output);
      if (!fits || passedByInfo(i, nextState)) continue;
      if (!linearize(i, nextState, true)) giveUp();
      return true;
    }
    return false;
  };

  /** Leave this configuration untried further: the next iteration backtracks. */
  const giveUp = (): void => {
    pass1 = false;
    phase = 1;
    segment = 1;
    guardList = -1;
    wild = false;
    candidate = infoLists.next.length; // no list's sentinel: ends the walk at once
  };
  const sentinelOf = (seg: number): number => (seg === 0 ? n : n + guardList);

  let steps = 0;
  while (next[HEAD] !== NIL) {
    if (++steps > stepsMax) return { verdict: 'undecided', steps: steps - 1 };
    if (pass1) {
      if (entry === FIRST) {
        entry = next[HEAD];
        if (maybeForce()) continue;
        // Try the op of the first return before the others (in call order): it must come
        // before every op called after it returns, and a real history's order is closer to
        // the order of the returns than to that of the calls (a write takes effect when it
        // commits, late in its interval). Only the order changes; every candidate is tried.
        let r = entry;
        while ((r & 1) === 1) r = next[r];
        first = (r - 2) >> 1;
        if (readOnly[first] === 0 && !afterInfoRefused(first)) {
          const [fits, nextState] = model.step(state, ops[first].input, ops[first].output);
          if (fits && !passedByInfo(first, nextState) && linearize(first, nextState, false)) {
            continue;
          }
        }
      }
      const e = entry;
      if ((e & 1) === 0) {
        pass1 = false;
        firstReturn = e;
        phase = 0;
        deferred = false;
        segment = 0;
        guardList = guardListOf(state);
        wild = guardList === WILD;
        candidate = infoNext[n];
        continue;
      }
      entry = next[e];
      const i = (e - 1) >> 1;
      if (i === first) continue; // tried first
      if (readOnly[i] === 1 || afterInfoRefused(i)) continue; // tried by maybeForce
      const [fits, nextState] = model.step(state, ops[i].input, ops[i].output);
      if (fits && !passedByInfo(i, nextState)) linearize(i, nextState, false);
      continue;
    }
    const c = candidate;
    if (c < n && rank[2 * c + 1] < rank[firstReturn]) {
      candidate = infoNext[c];
      if (afterInfoRefused(c)) continue;
      const nextState = model.step(state, ops[c].input, undefined)[1];
      if (model.equal(nextState, state)) continue; // covered by this configuration
      if (absorbed(c, nextState)) continue;
      const blocked = ops[(firstReturn - 2) >> 1];
      const enables = model.step(nextState, blocked.input, blocked.output)[0];
      if (phase === 0 && !enables) {
        if (!deferred && mayEnableSome(c)) deferred = true;
        continue;
      }
      if (phase === 1 && enables) continue;
      if (!mayEnableSome(c)) continue;
      linearize(c, nextState, false);
      continue;
    }
    if (wild) {
      const l = wildListFrom(segment === 0 ? 0 : infoLists.wildPosition[guardList] + 1);
      if (l > 0) {
        segment = 1;
        guardList = l;
        candidate = infoNext[n + l];
        continue;
      }
    } else if (segment === 0 && guardList > 0) {
      segment = 1;
      candidate = infoNext[sentinelOf(1)];
      continue;
    }
    if (phase === 0 && deferred) {
      phase = 1;
      segment = 0;
      candidate = infoNext[n];
      continue;
    }
    // The first return cannot be linearized next in this configuration: backtrack.
    if (depth === 0) {
      const explanation = explain ? explainFailure(model, ops, rank, completed, deepest) : null;
      return { verdict: 'fail', steps, explanation };
    }
    depth--;
    const i = frameOp[depth];
    state = frameState[depth];
    info = frameInfo[depth];
    m = frameM[depth];
    linearized[i] = 0;
    if (frameForced[depth] === 1) {
      hashCompleted ^= zobrist[i];
      unlift(2 * i + 1);
      giveUp();
    } else if (completed[i] === 1) {
      hashCompleted ^= zobrist[i];
      unlift(2 * i + 1);
      pass1 = true;
      first = frameFirst[depth];
      // After the op of the first return, the others from the head; after another, the next.
      entry = i === first ? next[HEAD] : next[2 * i + 1];
    } else {
      unliftInfo(infoLists, i);
      pass1 = false;
      firstReturn = frameFirstReturn[depth];
      deferred = (frameCursor[depth] & 4) !== 0;
      phase = (frameCursor[depth] >> 1) & 1;
      segment = frameCursor[depth] & 1;
      wild = (frameCursor[depth] & 8) !== 0;
      guardList = frameGuardList[depth];
      candidate = infoNext[i];
    }
    frameState[depth] = undefined as S; // let the state go
    frameInfo[depth] = null;
  }
  return { verdict: 'ok', steps };
}

function explainFailure<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  rank: Int32Array,
  completed: Uint8Array,
  deepest: { prefix: number[]; state: S } | null,
): Explanation {
  const prefix = deepest?.prefix ?? [];
  const state = deepest?.state ?? model.init();
  const done = new Set(prefix);
  let blocking = -1;
  for (let i = 0; i < ops.length; i++) {
    if (done.has(i) || completed[i] === 0) continue;
    if (blocking === -1 || rank[2 * i + 2] < rank[2 * blocking + 2]) blocking = i;
  }
  const candidates: { id: number; fits: boolean }[] = [];
  for (let i = 0; blocking !== -1 && i < ops.length; i++) {
    if (done.has(i) || rank[2 * i + 1] > rank[2 * blocking + 2]) continue;
    candidates.push({ id: ops[i].id, fits: model.step(state, ops[i].input, ops[i].output)[0] });
  }
  return {
    prefix: prefix.map((i) => ops[i].id),
    state: model.describeState(state),
    blocking: blocking === -1 ? -1 : ops[blocking].id,
    candidates,
  };
}

/**
 * The history of one key cut at `cutoff`: operations called by then, those returning later
 * turned pending (unknown output, return Infinity), and pending read-only ones dropped.
 */
function prefixAt<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  cutoff: number,
): { kept: Operation<I, O>[]; cut: Operation<I, O>[] } {
  const kept: Operation<I, O>[] = [];
  const cut: Operation<I, O>[] = [];
  for (const op of ops) {
    if (op.call > cutoff) continue;
    if (op.return <= cutoff) {
      kept.push(op);
      cut.push(op);
    } else if (!model.readOnly(op.input, undefined)) {
      kept.push(op);
      cut.push({ ...op, output: undefined, return: Infinity });
    }
  }
  return { kept, cut };
}

/**
 * The shortest prefix of a failing key's history that still fails. Linearizability is closed
 * under prefixes, so failure is monotone in the cutoff and a binary search over the returns
 * finds the first one that makes the history fail.
 */
function shortestFailingPrefix<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  stepsMax: number,
): { ops: Operation<I, O>[]; cutoff: number; verdict: SearchVerdict } {
  const returns = ops
    .map((o) => o.return)
    .filter((r) => r !== Infinity)
    .sort((a, b) => a - b);
  let lo = 0; // a prefix with no returns is always linearizable
  let hi = returns.length; // the whole history fails
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const v = checkOperations(model, prefixAt(model, ops, returns[mid - 1]).cut, { stepsMax });
    if (v.verdict === 'fail') hi = mid;
    else if (v.verdict === 'ok') lo = mid;
    else break;
  }
  const cutoff = hi === 0 ? Infinity : returns[hi - 1];
  const { kept, cut } = prefixAt(model, ops, cutoff);
  const verdict = checkOperations(model, cut, { stepsMax, explain: true });
  return { ops: kept, cutoff, verdict };
}

/**
 * Check every client history in `events` against the model of its group. Groups without a
 * model are skipped. A malformed history is reported as 'invalid-history', never checked.
 */
export function checkHistory(
  events: readonly TraceEvent[],
  models: Readonly<Record<string, AnyModel>>,
  options: CheckOptions = {},
): CheckResult {
  const collected = collectHistories(events, models, options.time ?? 'seq');
  if (!collected.ok) {
    return {
      ok: false,
      kind: 'invalid-history',
      errors: collected.errors,
      message: `invalid client history:\n${formatHistoryErrors(collected.errors)}`,
    };
  }
  return checkKeyHistories(collected.histories, models, options);
}

/** checkHistory for histories already collected (see collectHistories). */
export function checkKeyHistories(
  histories: readonly KeyHistory[],
  models: Readonly<Record<string, AnyModel>>,
  options: CheckOptions = {},
): CheckResult {
  let failing: KeyHistory | null = null;
  let undecided: KeyHistory | null = null;
  let undecidedKeys = 0;
  let steps = 0;
  let operations = 0;
  for (const h of histories) {
    const model = models[h.group];
    const stepsMax = options.stepsPerKeyMax ?? stepsMaxFor(h.operations.length);
    const v = checkOperations(model, h.operations, { stepsMax });
    steps += v.steps;
    operations += h.operations.length;
    if (v.verdict === 'fail') {
      if (failing === null || h.operations.length < failing.operations.length) failing = h;
    } else if (v.verdict === 'undecided') {
      undecided ??= h;
      undecidedKeys++;
    }
  }
  // A key that fails decides the history, whatever the budget left undecided elsewhere.
  if (failing !== null) return describeFailure(failing, models[failing.group], options);
  if (undecided !== null) {
    const stepsMax = options.stepsPerKeyMax ?? stepsMaxFor(undecided.operations.length);
    return {
      ok: 'undecided',
      group: undecided.group,
      key: undecided.key,
      undecidedKeys,
      steps,
      reason:
        `${undecided.group} key ${undecided.key}` +
        (undecidedKeys > 1 ? ` and ${undecidedKeys - 1} more keys` : '') +
        `: no verdict within ${stepsMax} search steps ` +
        `(${undecided.operations.length} operations); raise stepsPerKeyMax or lower the ` +
        `concurrency per key`,
    };
  }
  return { ok: true, keys: histories.length, operations, steps };
}

function describeFailure(
  h: KeyHistory,
  model: AnyModel,
  options: CheckOptions,
): Extract<CheckResult, { kind: 'not-linearizable' }> {
  const stepsMax = options.stepsPerKeyMax ?? stepsMaxFor(h.operations.length);
  const shortest =
    options.minimize === false
      ? {
          ops: h.operations,
          cutoff: Infinity,
          verdict: checkOperations(model, h.operations, { stepsMax, explain: true }),
        }
      : shortestFailingPrefix(model, h.operations, stepsMax);
  const explanation = shortest.verdict.verdict === 'fail' ? shortest.verdict.explanation : null;
  const lines = [
    `${h.group} key ${h.key} is not linearizable (${model.name} model).`,
    shortest.cutoff === Infinity
      ? `All ${h.operations.length} operations of the key:`
      : `Its shortest failing prefix, up to the return at ${shortest.cutoff}, holds ` +
        `${shortest.ops.length} of its ${h.operations.length} operations.`,
  ];
  if (explanation !== null) {
    lines.push(...explainLines(explanation, shortest.ops, model, shortest.cutoff));
  }
  lines.push('Operations (id process [call, return] op → output):');
  lines.push(...renderOperations(shortest.ops, model, { cutoff: shortest.cutoff }));
  return {
    ok: false,
    kind: 'not-linearizable',
    group: h.group,
    key: h.key,
    operations: shortest.ops,
    cutoff: shortest.cutoff,
    keyOperations: h.operations.length,
    explanation,
    message: lines.join('\n'),
  };
}

const EXPLAIN_UNKNOWN_MAX = 5;

function explainLines(
  x: Explanation,
  ops: readonly Operation[],
  model: AnyModel,
  cutoff: number,
): string[] {
  const byId = new Map(ops.map((op) => [op.id, op]));
  const name = (id: number): string => {
    const op = byId.get(id)!;
    const output = op.return > cutoff ? undefined : op.output;
    return `#${id} ${op.process} ${model.describeOperation(op.input, output)}`;
  };
  const order = x.prefix.length === 0 ? '(none)' : x.prefix.map((id) => `#${id}`).join(' ');
  const lines = [`The longest linearizable order found: ${order}; it leaves the state ${x.state}.`];
  if (x.blocking >= 0) {
    lines.push(
      `Then ${name(x.blocking)} returns at ${byId.get(x.blocking)!.return}, but no order of the ` +
        `operations that could come first explains it:`,
    );
    // Every op of unknown outcome called by then is a candidate; a few of them make the point.
    let unknownShown = 0;
    for (const c of x.candidates) {
      const unknown = byId.get(c.id)!.outcome === 'info';
      if (unknown && unknownShown++ >= EXPLAIN_UNKNOWN_MAX) continue;
      lines.push(
        `  ${name(c.id)}: ${c.fits ? 'fits here, but leads nowhere' : 'does not fit here'}`,
      );
    }
    if (unknownShown > EXPLAIN_UNKNOWN_MAX) {
      lines.push(`  ... and ${unknownShown - EXPLAIN_UNKNOWN_MAX} more of unknown outcome`);
    }
  }
  return lines;
}

function formatTime(time: number): string {
  return time === Infinity ? '∞' : String(time);
}

/**
 * One line per operation: id, process, [call, return], the op and its output. With a cutoff,
 * an operation returning after it is shown as pending there, with what it really returned.
 */
export function renderOperations(
  ops: readonly Operation[],
  model: AnyModel,
  options: { cutoff?: number } = {},
): string[] {
  const cutoff = options.cutoff ?? Infinity;
  const idWidth = ops.reduce((w, o) => Math.max(w, String(o.id).length), 1);
  const processWidth = ops.reduce((w, o) => Math.max(w, o.process.length), 1);
  return ops.map((o) => {
    const span = `[${formatTime(o.call)}, ${formatTime(o.return)}]`;
    const head = `#${String(o.id).padEnd(idWidth)} ${o.process.padEnd(processWidth)} ${span}`;
    if (o.return > cutoff && o.return !== Infinity) {
      const pending = model.describeOperation(o.input, undefined);
      const real = model.describeOperation(o.input, o.output);
      return `${head} ${pending} (pending at the cutoff; later: ${real})`;
    }
    const unknown = o.outcome === 'info' ? ' (outcome unknown)' : '';
    return `${head} ${model.describeOperation(o.input, o.output)}${unknown}`;
  });
}

/** A one-paragraph summary of a check result, for logs and CLI output. */
export function formatCheckResult(result: CheckResult): string {
  if (result.ok === true) {
    return (
      `linearizable: ${result.operations} operations over ${result.keys} keys ` +
      `(${result.steps} search steps)`
    );
  }
  if (result.ok === 'undecided') return `linearizability undecided: ${result.reason}`;
  return result.message;
}
