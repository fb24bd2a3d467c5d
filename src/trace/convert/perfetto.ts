// Trace → Chrome trace-event JSON, the format Perfetto (ui.perfetto.dev) and chrome://tracing
// open. A process per node (pid 1..n, in the order the header lists them; pid 0 is "cluster"
// for cluster-wide faults), a thread per group (tid 1..g) holding the node's roles in that
// group as complete slices (X) and its messages, commits and elections as instant events (i),
// and a "node" thread (tid 0) for its faults. A node's group threads are always inside a slice
// from its start: its role, or "down" between a crash and its restart. Messages are flow
// arrows: an `s` at the send and an `f` (bound to the enclosing slice, bp "e") at the receive or
// the drop, with one id per message. Client requests are async slices (b/e) from invoke to
// ok/fail/info. Timestamps are cluster time in µs.
// Invariants: every event has name, ph, ts, pid and tid; every flow id appears exactly once as
// `s` and once as `f` (a message whose other end lies outside the trace or the window gets no
// arrow); every `b` has its `e`; role slices on one thread never overlap.
import type { Role } from '../../raft/types.ts';
import type { TraceEvent } from '../events.ts';
import type { ConvertOptions } from './common.ts';
import {
  describeFault,
  describeMessage,
  eventsInWindow,
  messageKey,
  oneLine,
  traceGroups,
  traceNodes,
  transferText,
} from './common.ts';
import type { Trace } from './read.ts';

/** One Chrome trace event (the fields this converter writes). */
export interface ChromeEvent {
  name: string;
  cat?: string;
  ph: 'M' | 'X' | 'i' | 's' | 'f' | 'b' | 'e';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: number | string;
  /** Instant scope: thread, process or global. */
  s?: 't' | 'p' | 'g';
  /** Flow binding point: "e" binds the flow's end to the enclosing slice. */
  bp?: 'e';
  args?: Record<string, unknown>;
}

const CLUSTER_PID = 0;
const NODE_TID = 0;

interface OpenSlice {
  name: string;
  startUs: number;
  role: Role | 'down' | 'unknown';
  term: number | null;
}

/** Microseconds from cluster ms; integral so viewers never round two events together. */
function us(t: number): number {
  return Math.round(t * 1000);
}

/** The Chrome trace events of a trace (see the file header for the layout). */
export function toPerfettoEvents(trace: Trace, options: ConvertOptions = {}): ChromeEvent[] {
  const events = eventsInWindow(trace.events, options);
  const nodes = traceNodes(trace.header, events);
  const groups = traceGroups(trace.header, events);
  const pidOf = new Map(nodes.map((n, i) => [n, i + 1]));
  const tidOf = new Map(groups.map((g, i) => [g, i + 1]));
  const out: ChromeEvent[] = [];

  const meta = (pid: number, tid: number, name: string, value: string | number): void => {
    const args = name.endsWith('sort_index') ? { sort_index: value } : { name: value };
    out.push({ name, ph: 'M', ts: 0, pid, tid, args });
  };
  meta(CLUSTER_PID, NODE_TID, 'process_name', 'cluster');
  meta(CLUSTER_PID, NODE_TID, 'process_sort_index', 0);
  meta(CLUSTER_PID, NODE_TID, 'thread_name', 'faults');
  for (const [node, pid] of pidOf) {
    meta(pid, NODE_TID, 'process_name', node);
    meta(pid, NODE_TID, 'process_sort_index', pid);
    meta(pid, NODE_TID, 'thread_name', 'node');
    meta(pid, NODE_TID, 'thread_sort_index', 0);
    for (const [group, tid] of tidOf) {
      meta(pid, tid, 'thread_name', group);
      meta(pid, tid, 'thread_sort_index', tid);
    }
  }
  if (events.length === 0) return out;

  const firstUs = us(events[0].t);
  const lastUs = us(events[events.length - 1].t);
  const pid = (node: string | null): number => (node === null ? CLUSTER_PID : pidOf.get(node)!);
  const tid = (group: string): number => tidOf.get(group)!;

  // Open slices per thread ("pid:tid"): at most one, so slices on a thread never overlap.
  const open = new Map<string, OpenSlice & { pid: number; tid: number }>();
  const close = (p: number, t: number, endUs: number): void => {
    const key = `${p}:${t}`;
    const slice = open.get(key);
    if (slice === undefined) return;
    open.delete(key);
    out.push({
      name: slice.name,
      cat: slice.role === 'down' ? 'down' : 'role',
      ph: 'X',
      ts: slice.startUs,
      dur: endUs - slice.startUs,
      pid: p,
      tid: t,
      args: slice.term === null ? { role: slice.role } : { role: slice.role, term: slice.term },
    });
  };
  const begin = (p: number, t: number, slice: OpenSlice): void => {
    close(p, t, slice.startUs);
    open.set(`${p}:${t}`, { ...slice, pid: p, tid: t });
  };
  // A window that starts mid-run opens with every node's role unknown (the first role change
  // names it); a whole trace starts with the nodes' node-start events instead.
  if (!events.some((e) => e.type === 'node-start' && e.t === events[0].t)) {
    for (const p of pidOf.values()) {
      for (const t of tidOf.values()) {
        begin(p, t, {
          name: 'role before the window',
          startUs: firstUs,
          role: 'unknown',
          term: null,
        });
      }
    }
  }

  // Messages get an arrow only when both ends are in the window: find those pairs first.
  const sent = new Set<string>();
  const paired = new Set<string>();
  for (const e of events) {
    if (e.type === 'send') sent.add(messageKey(e));
    else if ((e.type === 'recv' || e.type === 'drop') && sent.has(messageKey(e))) {
      paired.add(messageKey(e));
    }
  }
  const flowIds = new Map<string, number>();
  let nextFlow = 1;

  /** Client requests in flight, by process: their async slice's id and name. */
  const requests = new Map<string, { id: string; name: string; pid: number; tid: number }>();
  let nextRequest = 1;

  const instant = (
    e: TraceEvent,
    name: string,
    cat: string,
    t: number,
    args?: Record<string, unknown>,
  ): void => {
    const p = pid(e.node);
    const scope = p === CLUSTER_PID ? 'g' : 't';
    out.push({ name: oneLine(name), cat, ph: 'i', s: scope, ts: us(e.t), pid: p, tid: t, args });
  };

  for (const e of events) {
    const ts = us(e.t);
    switch (e.type) {
      case 'node-start':
      case 'node-restart': {
        // A node (re)starts as a follower in every group, until its first role change says more.
        const p = pid(e.node);
        for (const t of tidOf.values()) {
          begin(p, t, { name: 'follower', startUs: ts, role: 'follower', term: null });
        }
        break;
      }
      case 'node-crash': {
        // Down on every group's thread, so drops at the dead node still sit in a slice.
        const p = pid(e.node);
        for (const t of tidOf.values()) {
          begin(p, t, { name: 'down', startUs: ts, role: 'down', term: null });
        }
        break;
      }
      case 'role': {
        if (e.node === null) break;
        const p = pid(e.node);
        const t = tid(e.group);
        const before = open.get(`${p}:${t}`);
        // A slice opened at the window's start did not know the role: the change says it.
        if (before !== undefined && before.role === 'unknown') before.name = e.from;
        begin(p, t, { name: `${e.to} t${e.term}`, startUs: ts, role: e.to, term: e.term });
        if (e.to === 'leader') instant(e, `leader t${e.term}`, 'election', t, { term: e.term });
        if (e.to === 'candidate')
          instant(e, `election t${e.term}`, 'election', t, { term: e.term });
        break;
      }
      case 'send': {
        const key = messageKey(e);
        instant(e, describeMessage(e), 'message', tid(e.group), { msgId: e.msgId, to: e.to });
        if (paired.has(key) && !flowIds.has(key)) {
          const id = nextFlow++;
          flowIds.set(key, id);
          out.push({
            name: e.msgType,
            cat: 'message',
            ph: 's',
            id,
            ts,
            pid: pid(e.node),
            tid: tid(e.group),
          });
        }
        break;
      }
      case 'recv':
      case 'drop': {
        const key = messageKey(e);
        const where = e.node ?? e.to;
        const label =
          e.type === 'recv' ? describeMessage(e) : `drop ${describeMessage(e)} (${e.reason})`;
        const p = pid(where);
        out.push({
          name: oneLine(label),
          cat: e.type === 'recv' ? 'message' : 'drop',
          ph: 'i',
          s: 't',
          ts,
          pid: p,
          tid: tid(e.group),
          args: { msgId: e.msgId, from: e.from },
        });
        const id = flowIds.get(key);
        if (id !== undefined) {
          flowIds.delete(key);
          paired.delete(key);
          out.push({
            name: e.msgType,
            cat: 'message',
            ph: 'f',
            bp: 'e',
            id,
            ts,
            pid: p,
            tid: tid(e.group),
          });
        }
        break;
      }
      case 'commit':
        instant(e, `commit ${e.index}`, 'commit', tid(e.group), { index: e.index });
        break;
      case 'truncate':
        instant(e, `truncate from ${e.from}`, 'log', tid(e.group), { from: e.from });
        break;
      case 'snapshot':
        if (e.stage !== 'chunk') {
          instant(e, `snapshot ${e.stage} ${e.index}/${e.term}`, 'log', tid(e.group));
        }
        break;
      case 'step-down':
        instant(e, `step down: ${e.reason}`, 'election', tid(e.group));
        break;
      case 'transfer':
        instant(e, transferText(e), 'election', tid(e.group), { target: e.target });
        break;
      case 'fault':
        instant(e, describeFault(e), 'fault', NODE_TID, { fault: e.fault });
        break;
      case 'violation':
        instant(e, `violation ${e.invariant}: ${e.detail}`, 'violation', NODE_TID);
        break;
      case 'invoke': {
        const p = pid(e.node);
        const t = tid(e.group);
        const id = `r${nextRequest++}`;
        const name = oneLine(`${e.op} ${e.key}`);
        const prior = requests.get(e.process);
        if (prior !== undefined) endRequest(prior, ts, { outcome: 'superseded' });
        requests.set(e.process, { id, name, pid: p, tid: t });
        out.push({
          name,
          cat: 'client',
          ph: 'b',
          id,
          ts,
          pid: p,
          tid: t,
          args: { process: e.process },
        });
        break;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        const r = requests.get(e.process);
        if (r === undefined) break;
        requests.delete(e.process);
        endRequest(r, ts, { outcome: e.type, result: oneLine(JSON.stringify(e.result) ?? 'null') });
        break;
      }
      default:
        break;
    }
  }
  for (const slice of [...open.values()]) close(slice.pid, slice.tid, lastUs);
  for (const r of requests.values()) endRequest(r, lastUs, { outcome: 'pending' });
  return out;

  function endRequest(
    r: { id: string; name: string; pid: number; tid: number },
    ts: number,
    args: Record<string, unknown>,
  ): void {
    out.push({ name: r.name, cat: 'client', ph: 'e', id: r.id, ts, pid: r.pid, tid: r.tid, args });
  }
}

/**
 * The trace as a Chrome trace-event JSON object ({traceEvents, displayTimeUnit, otherData}),
 * one event per line so a large file stays readable and diffable.
 */
export function toPerfetto(trace: Trace, options: ConvertOptions = {}): string {
  const events = toPerfettoEvents(trace, options);
  const h = trace.header;
  const other = {
    source: 'raft-playground',
    engine: h.engine,
    seed: h.seed,
    scenario: h.scenario,
    appVersion: h.appVersion,
  };
  const lines = events.map((e) => JSON.stringify(e));
  return (
    `{"displayTimeUnit":"ms","otherData":${JSON.stringify(other)},"traceEvents":[\n` +
    lines.join(',\n') +
    '\n]}\n'
  );
}
