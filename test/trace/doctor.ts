// Doctored traces for the check tests: a real run's events with one fault planted (a second
// leader in a term, a changed applied entry, a lost acknowledged write, ...), renumbered so the
// file still reads as a valid trace. Each returns the doctored events and the seq of the planted
// event, which the check's failure must name.
import type { TraceEvent } from '../../src/trace/events.ts';

type Ev = TraceEvent;
type Of<T extends Ev['type']> = Extract<Ev, { type: T }>;

export interface Doctored {
  events: Ev[];
  /** The seq (after renumbering) of the event that breaks the rule. */
  seq: number;
}

/** Insert `extra` right after position `at` and renumber seq 0..n-1; returns the new event's seq. */
function insertAfter(events: readonly Ev[], at: number, extra: Ev): Doctored {
  const out = [...events.slice(0, at + 1), extra, ...events.slice(at + 1)];
  return { events: out.map((e, i) => ({ ...e, seq: i })), seq: at + 1 };
}

function find<T extends Ev['type']>(
  events: readonly Ev[],
  type: T,
  pred: (e: Of<T>, i: number) => boolean = () => true,
): number {
  const i = events.findIndex((e, k) => e.type === type && pred(e as Of<T>, k));
  if (i < 0) throw new Error(`the trace has no ${type} event to doctor`);
  return i;
}

/** Another node declares itself leader of a term that already has one. */
export function twoLeaders(events: readonly Ev[]): Doctored {
  const i = find(events, 'role', (e) => e.to === 'leader');
  const e = events[i] as Of<'role'>;
  const other = [...new Set(events.map((x) => x.node))].find((n) => n !== null && n !== e.node)!;
  return insertAfter(events, i, { ...e, node: other, from: 'candidate' });
}

/** One node applies a different operation at an index another node applied too. */
export function changedApply(events: readonly Ev[]): Doctored {
  const firstBy = new Map<string, string>();
  const i = find(events, 'apply', (e) => {
    const k = `${e.group}|${e.index}`;
    const prior = firstBy.get(k);
    if (prior === undefined) firstBy.set(k, e.node!);
    return prior !== undefined && prior !== e.node;
  });
  const out = [...events];
  const e = out[i] as Of<'apply'>;
  out[i] = { ...e, op: { tampered: true, was: e.op } };
  return { events: out, seq: e.seq };
}

/** Every apply of an acknowledged write is removed: the write is gone. */
export function lostWrite(events: readonly Ev[]): Doctored {
  const writes = new Set(
    events
      .filter((e) => e.type === 'request' && e.kind === 'write')
      .map((e) => (e as Of<'request'>).requestId),
  );
  const i = find(
    events,
    'ok',
    (e) => e.requestId !== undefined && writes.has(e.requestId) && e.result !== false,
  );
  const ok = events[i] as Of<'ok'>;
  const kept = events.filter((e) => !(e.type === 'apply' && e.requestId === ok.requestId));
  if (kept.length === events.length) throw new Error('the write was never applied');
  const renumbered = kept.map((e, k) => ({ ...e, seq: k }));
  return { events: renumbered, seq: kept.indexOf(ok) };
}

/** A node's commit index goes down within its life. */
export function commitBack(events: readonly Ev[]): Doctored {
  const i = find(events, 'commit', (e) => e.index >= 2);
  const e = events[i] as Of<'commit'>;
  return insertAfter(events, i, { ...e, index: e.index - 1 });
}

/** One node's copy of an entry reads differently from another's at the same index and term. */
export function forkedEntry(events: readonly Ev[]): Doctored {
  const seen = new Map<string, string>();
  let at = -1;
  for (let i = 0; i < events.length && at < 0; i++) {
    const e = events[i];
    if (e.type !== 'append') continue;
    for (const entry of e.entries) {
      const k = `${e.group}|${entry[0]}|${entry[1]}`;
      const prior = seen.get(k);
      if (prior === undefined) seen.set(k, e.node!);
      else if (prior !== e.node) at = i;
    }
  }
  if (at < 0) throw new Error('no entry appended on two nodes');
  const e = events[at] as Of<'append'>;
  const out = [...events];
  out[at] = {
    ...e,
    entries: e.entries.map(([index, term, kind, label]) => [
      index,
      term,
      kind,
      `${label} (forged)`,
    ]),
  };
  return { events: out, seq: e.seq };
}

/** A node truncates entries it has seen committed. */
export function truncateCommitted(events: readonly Ev[]): Doctored {
  const i = find(events, 'commit', (e) => e.index >= 1);
  const e = events[i] as Of<'commit'>;
  return insertAfter(events, i, {
    seq: 0,
    t: e.t,
    node: e.node,
    type: 'truncate',
    group: e.group,
    from: e.index,
  });
}

/** A client reads, after a write was acknowledged, a value nobody wrote. */
export function impossibleRead(events: readonly Ev[]): Doctored {
  let at = -1;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.type === 'ok' && e.op === 'put') at = i;
  }
  if (at < 0) throw new Error('the trace has no acknowledged put');
  const put = events[at] as Of<'ok'>;
  const call = { group: put.group, op: 'get', key: put.key, value: null, process: 'planted' };
  const invoke: Ev = { seq: 0, t: put.t, node: put.node, type: 'invoke', ...call };
  const ok: Ev = {
    seq: 0,
    t: put.t,
    node: put.node,
    type: 'ok',
    ...call,
    result: { found: true, content: 'never written' },
  };
  const out = [...events.slice(0, at + 1), invoke, ok, ...events.slice(at + 1)];
  return { events: out.map((e, i) => ({ ...e, seq: i })), seq: at + 2 };
}

/** The host recorded an invariant violation. */
export function recordedViolation(events: readonly Ev[]): Doctored {
  const at = Math.floor(events.length / 2);
  const e = events[at];
  return insertAfter(events, at, {
    seq: 0,
    t: e.t,
    node: null,
    type: 'violation',
    invariant: 'election-safety',
    detail: 'planted by the test',
  });
}
