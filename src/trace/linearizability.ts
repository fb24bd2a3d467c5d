// The linearizability checker for client histories (DESIGN.md §4: "client histories are
// linearizable"). Wing & Gong's search with Lowe's memoization, shaped like Porcupine's
// checker: the calls and returns of one key sit in a doubly linked list sorted by time; the
// search walks it from the head, linearizes a call whose operation the model accepts (lifting
// the call and its return out of the list), and backtracks when it meets a return it has not
// linearized. Keys are independent (P-compositionality), so each (group, key) is checked on
// its own. Beyond Porcupine, ops of unknown outcome (`info`) wait in a list of their own and
// are tried only when the completed ops cannot go on without them, a read-only op that fits is
// linearized without alternatives, and a configuration is skipped when an explored one with
// fewer ops of unknown outcome covers it (see checkOperations for why each is sound).
//
// Invariants: deterministic (no clock; the budget counts search steps, so the same history
// always gets the same verdict); a verdict 'ok' or 'not-linearizable' is exact, only an
// exhausted budget gives 'unknown'; the operations reported for a violation are the shortest
// prefix of the smallest failing key that still fails.
import type { HistoryError, HistoryTime, KeyHistory, Operation } from './history.ts';
import { collectHistories, formatHistoryErrors } from './history.ts';
import type { AnyModel, Model } from './models.ts';
import type { TraceEvent } from './events.ts';

export interface CheckOptions {
  /** Which clock orders calls and returns; default 'seq', the trace's total order. */
  time?: HistoryTime;
  /** Search steps allowed per key before giving up with 'unknown'. Default 2,000,000. */
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
  | { ok: 'unknown'; group: string; key: string; steps: number; reason: string };

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
  | { verdict: 'unknown'; steps: number };

export const STEPS_PER_KEY_MAX_DEFAULT = 2_000_000;

/**
 * How many of the records sharing a memo key a new configuration is compared with, newest
 * first. Configurations that differ only in their info ops pile up under one key; comparing
 * with all of them costs more than the pruning saves.
 */
const BUCKET_SCAN_MAX = 32;

const NIL = -1;
const HEAD = 0;
/** The pass-1 cursor of a configuration just entered: look for a forced op first. */
const FIRST = -2;

/** murmur3's 32-bit finalizer: a fixed pseudo-random value per integer, for Zobrist hashing. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The info ops linearized so far, as a persistent stack shared by the memo records. */
interface InfoNode {
  op: number;
  parent: InfoNode | null;
  size: number;
}

/** One configuration the search entered. */
interface MemoRecord<S> {
  /** The linearized completed ops: [m, ...those above m] (see compactCompleted). */
  completed: number[];
  state: S;
  /** The linearized info ops. */
  info: InfoNode | null;
}

/**
 * One key's calls and returns as linked lists in arrays; op i has call entry 2i+1 and return
 * entry 2i+2, entry 0 heads both lists. The main list holds the calls and returns of completed
 * ops in time order, as Porcupine's does. The calls of info ops (return at infinity) sit in a
 * list of their own, so the search can try them only after every completed candidate.
 */
interface Entries {
  next: Int32Array;
  prev: Int32Array;
  infoNext: Int32Array;
  infoPrev: Int32Array;
  /** Position of each entry in time order (0 for the head and info returns). */
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
  const lists = {
    next: new Int32Array(size).fill(NIL),
    prev: new Int32Array(size).fill(NIL),
    infoNext: new Int32Array(size).fill(NIL),
    infoPrev: new Int32Array(size).fill(NIL),
    rank: new Int32Array(size),
    callsBefore: new Int32Array(n),
  };
  let last = HEAD;
  let infoLast = HEAD;
  let callsSeen = 0;
  order.forEach((e, position) => {
    lists.rank[e] = position + 1;
    const isCall = (e & 1) === 1;
    const op = isCall ? (e - 1) >> 1 : (e - 2) >> 1;
    if (isCall) callsSeen++;
    else lists.callsBefore[op] = callsSeen;
    if (returns[op] === Infinity) {
      lists.infoNext[infoLast] = e;
      lists.infoPrev[e] = infoLast;
      infoLast = e;
    } else {
      lists.next[last] = e;
      lists.prev[e] = last;
      last = e;
    }
  });
  return lists;
}

/**
 * Search for a linearization of one key's operations. Porcupine's walk over the main list,
 * with three changes, each sound by the same argument below:
 * - Ops of unknown outcome (info) are tried only after every completed candidate, first those
 *   after which the op of the first pending return fits. One left out can always be linearized
 *   last (any state accepts an unknown output), so the search succeeds as soon as every
 *   completed op is linearized.
 * - A completed read-only op (Model.readOnly) that fits is linearized at once, without
 *   alternatives: moved ahead of the ops that any linearization from here puts before it, it
 *   changes none of their states, and no real-time order forbids that (they all return after
 *   it is called, or they would not be pending).
 * - A configuration is skipped when an entered one has the same linearized completed ops and
 *   state and a subset of its info ops (what the larger can do, the smaller can too, with the
 *   extra info ops moved to the end); and an op that sets the state whatever it was
 *   (Model.overwrites) is never tried right after an info op: trying it where that run of info
 *   ops began reaches the same state with fewer info ops.
 * Why nothing is lost: suppose the search fails although some entered configuration can be
 * completed. Take one whose measure (completed ops left, info ops before the next completed op
 * in its best completion) is least. Its next step in that completion, or the read-only op
 * forced there, leads to a configuration with a smaller measure that can be completed and was
 * entered, or is covered by an entered one that can be completed with no larger measure: a
 * contradiction.
 *
 * `ops` must be sorted by call (as collectHistories leaves them). With `explain`, a failure
 * also says which prefix got furthest and what could not follow it.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: { stepsMax?: number; explain?: boolean } = {},
): SearchVerdict {
  const stepsMax = options.stepsMax ?? STEPS_PER_KEY_MAX_DEFAULT;
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
  const { next, prev, infoNext, infoPrev, rank, callsBefore } = buildEntries(
    ops.map((o) => o.call),
    ops.map((o) => o.return),
  );
  const completed = new Uint8Array(n);
  const overwrites = new Uint8Array(n);
  const readOnly = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    completed[i] = ops[i].return === Infinity ? 0 : 1;
    overwrites[i] = model.overwrites(ops[i].input, ops[i].output) ? 1 : 0;
    readOnly[i] = model.readOnly(ops[i].input, ops[i].output) ? 1 : 0;
  }
  // Symmetry classes of info ops: within one, ops are used in call order only, so the ones
  // linearized are always the first classUsed[k] of classMembers[k].
  const classOf = new Int32Array(n).fill(-1);
  const classMembers: number[][] = [];
  {
    const names = model.unknownEffectClasses(ops);
    const ids = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const name = names[i];
      if (completed[i] === 1 || name === null) continue;
      let k = ids.get(name);
      if (k === undefined) {
        k = classMembers.length;
        ids.set(name, k);
        classMembers.push([]);
      }
      classOf[i] = k;
      classMembers[k].push(i);
    }
  }
  const classUsed = new Int32Array(classMembers.length);
  const notNextInClass = (i: number): boolean =>
    classOf[i] !== -1 && classMembers[classOf[i]][classUsed[classOf[i]]] !== i;

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
  const memo = new Map<number, MemoRecord<S> | MemoRecord<S>[]>();
  // The configuration being tried, for `covers` (kept outside it to avoid a closure per step).
  let trySet: number[] = scratch;
  let tryState: S = model.init();
  let tryInfoSize = 0;
  /**
   * Whether an entered configuration makes the one being tried redundant: the same completed
   * ops and state, and a subset of its info ops. Any linearization from the larger one works
   * from the smaller too, with the extra info ops moved to the end.
   */
  const covers = (r: MemoRecord<S>): boolean => {
    if (r.completed.length !== trySet.length) return false;
    for (let j = 0; j < trySet.length; j++) if (r.completed[j] !== trySet[j]) return false;
    if ((r.info?.size ?? 0) > tryInfoSize || !model.equal(r.state, tryState)) return false;
    return allLinearized(r.info);
  };
  /** Enter the configuration (linearized ops, state); null if an entered one covers it. */
  const remember = (state: S, info: InfoNode | null): MemoRecord<S> | null => {
    const key = (hashCompleted ^ Math.imul(model.hash(state), 0x9e3779b1)) & 0x3fffffff;
    trySet = compactCompleted();
    tryState = state;
    tryInfoSize = info?.size ?? 0;
    const found = memo.get(key);
    if (found !== undefined) {
      if (Array.isArray(found)) {
        // Only the latest records: a check skipped costs pruning, never a wrong verdict.
        for (let j = found.length - 1; j >= 0 && j >= found.length - BUCKET_SCAN_MAX; j--) {
          if (covers(found[j])) return null;
        }
      } else if (covers(found)) {
        return null;
      }
    }
    const record: MemoRecord<S> = { completed: trySet.slice(), state, info };
    if (found === undefined) memo.set(key, record);
    else if (Array.isArray(found)) found.push(record);
    else memo.set(key, [found, record]);
    return record;
  };

  const lift = (e: number): void => {
    if (completed[(e - 1) >> 1] === 0) {
      infoNext[infoPrev[e]] = infoNext[e];
      if (infoNext[e] !== NIL) infoPrev[infoNext[e]] = infoPrev[e];
      return;
    }
    const ret = e + 1;
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e]; // a call is never last: its return follows it
    next[prev[ret]] = next[ret];
    if (next[ret] !== NIL) prev[next[ret]] = prev[ret];
  };
  const unlift = (e: number): void => {
    if (completed[(e - 1) >> 1] === 0) {
      infoNext[infoPrev[e]] = e;
      if (infoNext[e] !== NIL) infoPrev[infoNext[e]] = e;
      return;
    }
    const ret = e + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== NIL) prev[next[ret]] = ret;
    next[prev[e]] = e;
    prev[next[e]] = e;
  };

  // The search stack: per linearized op, its call entry and what to restore on backtracking.
  const frames: {
    entry: number;
    state: S;
    m: number;
    info: InfoNode | null;
    firstReturn: number;
    phase: number;
    /** Linearized without alternatives: backtracking past it gives up its configuration. */
    forced: boolean;
  }[] = [];
  let deepest: { prefix: number[]; state: S } | null = null;

  let state = model.init();
  let info: InfoNode | null = null;
  // Pass 1 walks the main list from `entry` over completed calls up to the first return. Pass
  // 2 then walks the info list from `infoEntry` over info calls made before that return, twice:
  // phase 0 tries the info ops after which the first return's op fits, phase 1 the others. The
  // order only makes a valid history's linearization come sooner; both phases are complete.
  let pass1 = true;
  let entry = FIRST;
  let firstReturn = NIL;
  let infoEntry = NIL;
  let phase = 0;

  /** No overwriting op right after an info op (see the header). */
  const afterInfoRefused = (i: number): boolean =>
    overwrites[i] === 1 &&
    frames.length > 0 &&
    completed[(frames[frames.length - 1].entry - 1) >> 1] === 0;

  /** Linearize the op of call entry `e` next, reaching `nextState`, if the memo allows it. */
  const linearize = (e: number, nextState: S, forced: boolean): boolean => {
    const i = (e - 1) >> 1;
    const isInfo = completed[i] === 0;
    const mBefore = m;
    const nextInfo = isInfo ? { op: i, parent: info, size: (info?.size ?? 0) + 1 } : info;
    linearized[i] = 1;
    if (!isInfo) {
      hashCompleted ^= zobrist[i];
      if (i === m) advanceM();
    }
    if (remember(nextState, nextInfo) === null) {
      linearized[i] = 0;
      if (!isInfo) hashCompleted ^= zobrist[i];
      m = mBefore;
      return false;
    }
    frames.push({ entry: e, state, m: mBefore, info, firstReturn, phase, forced });
    state = nextState;
    info = nextInfo;
    if (isInfo) {
      infoPath[nextInfo!.size] = nextInfo;
      if (classOf[i] !== -1) classUsed[classOf[i]]++;
    }
    lift(e);
    pass1 = true;
    entry = FIRST;
    if (explain && (deepest === null || frames.length > deepest.prefix.length)) {
      deepest = { prefix: frames.map((f) => (f.entry - 1) >> 1), state };
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
      if (!fits) continue;
      if (!linearize(e, nextState, true)) giveUp();
      return true;
    }
    return false;
  };

  /** Leave this configuration untried further: the next iteration backtracks. */
  const giveUp = (): void => {
    pass1 = false;
    phase = 1;
    infoEntry = NIL;
  };

  let steps = 0;
  while (next[HEAD] !== NIL) {
    if (++steps > stepsMax) return { verdict: 'unknown', steps: steps - 1 };
    if (pass1) {
      if (entry === FIRST) {
        entry = next[HEAD];
        if (maybeForce()) continue;
      }
      const e = entry;
      if ((e & 1) === 0) {
        pass1 = false;
        firstReturn = e;
        infoEntry = infoNext[HEAD];
        phase = 0;
        continue;
      }
      entry = next[e];
      const i = (e - 1) >> 1;
      if (readOnly[i] === 1 || afterInfoRefused(i)) continue; // tried by maybeForce
      const [fits, nextState] = model.step(state, ops[i].input, ops[i].output);
      if (fits) linearize(e, nextState, false);
      continue;
    }
    if (infoEntry !== NIL && rank[infoEntry] < rank[firstReturn]) {
      const e = infoEntry;
      infoEntry = infoNext[e];
      const i = (e - 1) >> 1;
      if (afterInfoRefused(i) || notNextInClass(i)) continue;
      const nextState = model.step(state, ops[i].input, undefined)[1];
      const blocked = ops[(firstReturn - 2) >> 1];
      const enables = model.step(nextState, blocked.input, blocked.output)[0];
      if (enables === (phase === 0)) linearize(e, nextState, false);
      continue;
    }
    if (phase === 0) {
      phase = 1;
      infoEntry = infoNext[HEAD];
      continue;
    }
    // The first return cannot be linearized next in this configuration: backtrack.
    const frame = frames.pop();
    if (frame === undefined) {
      const explanation = explain ? explainFailure(model, ops, rank, completed, deepest) : null;
      return { verdict: 'fail', steps, explanation };
    }
    const i = (frame.entry - 1) >> 1;
    state = frame.state;
    info = frame.info;
    m = frame.m;
    linearized[i] = 0;
    unlift(frame.entry);
    if (classOf[i] !== -1) classUsed[classOf[i]]--;
    if (frame.forced) {
      hashCompleted ^= zobrist[i];
      giveUp();
    } else if (completed[i] === 1) {
      hashCompleted ^= zobrist[i];
      pass1 = true;
      entry = next[frame.entry];
    } else {
      pass1 = false;
      firstReturn = frame.firstReturn;
      phase = frame.phase;
      infoEntry = infoNext[frame.entry];
    }
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
  const stepsMax = options.stepsPerKeyMax ?? STEPS_PER_KEY_MAX_DEFAULT;
  let failing: KeyHistory | null = null;
  let unknown: KeyHistory | null = null;
  let steps = 0;
  let operations = 0;
  for (const h of histories) {
    const model = models[h.group];
    const v = checkOperations(model, h.operations, { stepsMax });
    steps += v.steps;
    operations += h.operations.length;
    if (v.verdict === 'fail') {
      if (failing === null || h.operations.length < failing.operations.length) failing = h;
    } else if (v.verdict === 'unknown') {
      unknown ??= h;
    }
  }
  if (failing !== null) return describeFailure(failing, models[failing.group], options);
  if (unknown !== null) {
    return {
      ok: 'unknown',
      group: unknown.group,
      key: unknown.key,
      steps,
      reason:
        `${unknown.group} key ${unknown.key}: no verdict within ${stepsMax} search steps ` +
        `(${unknown.operations.length} operations); raise stepsPerKeyMax or lower the ` +
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
  const stepsMax = options.stepsPerKeyMax ?? STEPS_PER_KEY_MAX_DEFAULT;
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
  if (result.ok === 'unknown') return `linearizability unknown: ${result.reason}`;
  return result.message;
}
