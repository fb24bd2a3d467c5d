// Each converter's output checked against its format's rules, on the golden traces and on
// random simulator runs with faults: Perfetto's required fields, paired flow ids and
// non-overlapping slices; ShiViz's expression parsing every line, each host's own clock rising
// by one per event and receives dominating their sends; EDN read by a strict reader; the
// history JSON; Mermaid's lines each a valid statement, within the bound.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/events.ts';
import { messageKey } from '../../src/trace/convert/common.ts';
import { historyOps, toEdn, toHistoryJson } from '../../src/trace/convert/history.ts';
import { toMermaid } from '../../src/trace/convert/mermaid.ts';
import type { ChromeEvent } from '../../src/trace/convert/perfetto.ts';
import { toPerfetto } from '../../src/trace/convert/perfetto.ts';
import { SHIVIZ_REGEX, toShiviz } from '../../src/trace/convert/shiviz.ts';
import { CONVERT_FORMATS, CONVERTERS } from '../../src/trace/convert/index.ts';
import type { Edn } from './edn.ts';
import { readEdn } from './edn.ts';
import { allTraces, goldenTrace, randomRun } from './fixtures.ts';

const traces = allTraces();

/** Messages whose send and receive (or drop) are both in the events: each must get one arrow. */
function pairedMessages(events: readonly TraceEvent[]): number {
  const sent = new Set<string>();
  let paired = 0;
  for (const e of events) {
    if (e.type === 'send') sent.add(messageKey(e));
    else if ((e.type === 'recv' || e.type === 'drop') && sent.delete(messageKey(e))) paired++;
  }
  return paired;
}

describe.each(traces)('perfetto: $name', ({ trace }) => {
  const doc = JSON.parse(toPerfetto(trace)) as {
    traceEvents: ChromeEvent[];
    displayTimeUnit: string;
  };
  const events = doc.traceEvents;

  it('gives every event name, ph, ts, pid and tid, with integral µs', () => {
    expect(events.length).toBeGreaterThan(trace.events.length / 4);
    // Collected, then asserted once: an expect per event is slow on 100,000 events.
    const bad = events.filter(
      (e) =>
        typeof e.name !== 'string' ||
        !['M', 'X', 'i', 's', 'f', 'b', 'e'].includes(e.ph) ||
        !(Number.isInteger(e.ts) && e.ts >= 0) ||
        !Number.isInteger(e.pid) ||
        !Number.isInteger(e.tid) ||
        (e.ph === 'X' && !(typeof e.dur === 'number' && e.dur >= 0)) ||
        (e.ph === 'i' && !['t', 'p', 'g'].includes(e.s ?? '')),
    );
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('names a process per node and a thread per group', () => {
    const names = events.filter((e) => e.ph === 'M' && e.name === 'process_name');
    const nodes = names.map((e) => e.args!.name);
    for (const n of trace.header.cluster.nodes) expect(nodes).toContain(n);
    const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    for (const g of trace.header.cluster.groups) {
      expect(threads.filter((e) => e.args!.name === g).length).toBe(names.length - 1);
    }
  });

  it('pairs every flow id once as s and once as f, one per message with both ends', () => {
    const starts = new Map<unknown, ChromeEvent>();
    const ends = new Map<unknown, ChromeEvent>();
    for (const e of events) {
      if (e.ph !== 's' && e.ph !== 'f') continue;
      const side = e.ph === 's' ? starts : ends;
      expect(side.has(e.id), `flow id ${String(e.id)} repeated as ${e.ph}`).toBe(false);
      side.set(e.id, e);
    }
    expect([...starts.keys()].sort()).toEqual([...ends.keys()].sort());
    for (const [id, s] of starts) {
      const f = ends.get(id)!;
      expect(f.ts).toBeGreaterThanOrEqual(s.ts);
      expect(f.bp).toBe('e');
    }
    expect(starts.size).toBe(pairedMessages(trace.events));
    expect(starts.size).toBeGreaterThan(0);
  });

  it('binds every flow end to a slice on its thread (the node is always in a role or down)', () => {
    const slices = new Map<string, ChromeEvent[]>();
    for (const e of events) {
      if (e.ph !== 'X') continue;
      const k = `${e.pid}:${e.tid}`;
      slices.set(k, [...(slices.get(k) ?? []), e]);
    }
    const unbound = events.filter(
      (e) =>
        (e.ph === 's' || e.ph === 'f') &&
        !(slices.get(`${e.pid}:${e.tid}`) ?? []).some((x) => x.ts <= e.ts && e.ts <= x.ts + x.dur!),
    );
    expect(unbound.slice(0, 5)).toEqual([]);
  });

  it('closes every async request it opens, and never overlaps slices on a thread', () => {
    const open = new Map<string, number>();
    for (const e of events) {
      const key = `${e.cat}|${String(e.id)}`;
      if (e.ph === 'b') open.set(key, (open.get(key) ?? 0) + 1);
      if (e.ph === 'e') open.set(key, (open.get(key) ?? 0) - 1);
    }
    for (const [key, n] of open) expect(n, key).toBe(0);
    const byThread = new Map<string, ChromeEvent[]>();
    for (const e of events.filter((x) => x.ph === 'X')) {
      const k = `${e.pid}:${e.tid}`;
      byThread.set(k, [...(byThread.get(k) ?? []), e]);
    }
    for (const [k, slices] of byThread) {
      slices.sort((a, b) => a.ts - b.ts || a.dur! - b.dur!);
      for (let i = 1; i < slices.length; i++) {
        const prev = slices[i - 1];
        expect(slices[i].ts, `${k}: ${prev.name} then ${slices[i].name}`).toBeGreaterThanOrEqual(
          prev.ts + prev.dur!,
        );
      }
    }
  });
});

describe.each(traces)('shiviz: $name', ({ trace }) => {
  const text = toShiviz(trace);
  const lines = text.split('\n');

  it('opens with the expression to paste and an empty delimiter line', () => {
    expect(lines[0]).toBe(SHIVIZ_REGEX);
    expect(lines[1]).toBe('');
  });

  it('parses every line with its own expression; clocks rise by one and receives dominate sends', () => {
    // ShiViz's named groups are JavaScript's: the expression is used as ShiViz uses it.
    const body = lines.slice(2).join('\n');
    const regex = new RegExp(lines[0], 'g');
    let covered = 0;
    const own = new Map<string, number>();
    const bySeq = new Map<number, Record<string, number>>();
    let m: RegExpExecArray | null;
    let logged = 0;
    while ((m = regex.exec(body)) !== null) {
      expect(m.index, 'a line the expression skipped').toBe(covered);
      covered = m.index + m[0].length + 1;
      const { event, host, clock } = m.groups!;
      const vc = JSON.parse(clock) as Record<string, number>;
      expect(vc[host], `${host} missing from its own clock`).toBeDefined();
      expect(vc[host]).toBe((own.get(host) ?? 0) + 1);
      own.set(host, vc[host]);
      const seq = Number(/\[seq (\d+), t /.exec(event)![1]);
      bySeq.set(seq, vc);
      logged++;
    }
    expect(covered).toBe(body.length);
    expect(logged).toBeGreaterThan(10);
    const sendSeq = new Map<string, number>();
    let receives = 0;
    for (const e of trace.events) {
      if (e.type === 'send') sendSeq.set(messageKey(e), e.seq);
      if (e.type !== 'recv') continue;
      const s = sendSeq.get(messageKey(e));
      if (s === undefined) continue;
      const sent = bySeq.get(s)!;
      const got = bySeq.get(e.seq)!;
      for (const [h, n] of Object.entries(sent))
        expect(got[h] ?? 0, `recv seq ${e.seq}`).toBeGreaterThanOrEqual(n);
      expect(got[e.from]).toBeGreaterThanOrEqual(sent[e.from]);
      receives++;
    }
    expect(receives).toBeGreaterThan(0);
  });
});

function kw(map: Map<Edn, Edn>, key: string): Edn | undefined {
  return map.get(`:${key}`);
}

describe.each(traces)('edn and history-json: $name', ({ trace }) => {
  it('writes EDN a strict reader reads, one Jepsen operation per line, paired per process', () => {
    const text = toEdn(trace);
    const ops = text.split('\n').filter((l) => l !== '' && !l.startsWith(';'));
    const values = ops.map((line) => {
      const v = readEdn(line);
      expect(v.length, line).toBe(1);
      return v[0] as Map<Edn, Edn>;
    });
    expect(readEdn(text).length).toBe(values.length);
    const clientEvents = trace.events.filter((e) =>
      ['invoke', 'ok', 'fail', 'info'].includes(e.type),
    );
    expect(values.length).toBe(clientEvents.length);
    const pending = new Map<Edn, boolean>();
    let lastTime = -1;
    for (const op of values) {
      expect(op).toBeInstanceOf(Map);
      const process = kw(op, 'process');
      expect(Number.isInteger(process)).toBe(true);
      const type = kw(op, 'type') as { keyword: string };
      expect(['invoke', 'ok', 'fail', 'info']).toContain(type.keyword);
      expect(kw(op, 'f')).toHaveProperty('keyword');
      const value = kw(op, 'value') as Edn[];
      expect(Array.isArray(value) && value.length === 2 && typeof value[0] === 'string').toBe(true);
      const time = kw(op, 'time') as number;
      expect(Number.isInteger(time) && time >= lastTime).toBe(true);
      lastTime = time;
      if (type.keyword === 'invoke') {
        expect(pending.get(process!), 'a second invoke before a completion').not.toBe(true);
        pending.set(process!, true);
      } else {
        expect(pending.get(process!), 'a completion without an invoke').toBe(true);
        pending.set(process!, false);
      }
    }
  });

  it('writes the same operations as JSON objects with process, type, f, key, value, time', () => {
    const json = JSON.parse(toHistoryJson(trace)) as Record<string, unknown>[];
    expect(json).toEqual(historyOps(trace));
    for (const op of json) {
      for (const field of ['process', 'type', 'f', 'key', 'value', 'time']) {
        expect(op, field).toHaveProperty(field);
      }
    }
  });
});

/** One Mermaid sequenceDiagram statement per line, by the grammar's statement forms. */
const ID = '[A-Za-z][A-Za-z0-9_]*';
const STATEMENTS = [
  /^sequenceDiagram$/,
  /^ {4}%%.*$/,
  new RegExp(`^ {4}participant ${ID}( as [^;#%<>\\n]+)?$`),
  new RegExp(`^ {4}(${ID})(->>|-->>|-x|--x)(${ID}): [^;#%<>\\n]+$`),
  new RegExp(`^ {4}Note (over ${ID}(,${ID})?|right of ${ID}|left of ${ID}): [^;#%<>\\n]+$`),
];

function mermaidStatements(text: string): string[] {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  expect(lines[0]).toBe('sequenceDiagram');
  const declared = new Set<string>();
  for (const line of lines) {
    expect(
      STATEMENTS.some((r) => r.test(line)),
      `not a statement: ${line}`,
    ).toBe(true);
    const p = new RegExp(`^ {4}participant (${ID})`).exec(line);
    if (p !== null) declared.add(p[1]);
    const arrow = new RegExp(`^ {4}(${ID})(?:->>|-->>|-x|--x)(${ID}):`).exec(line);
    if (arrow !== null) {
      expect(declared.has(arrow[1]) && declared.has(arrow[2]), line).toBe(true);
    }
  }
  return lines;
}

describe.each(traces)('mermaid: $name', ({ trace }) => {
  it('writes valid statements for the whole trace, bounded, saying what it left out', () => {
    const lines = mermaidStatements(toMermaid(trace, { maxStatements: 60 }));
    const drawn = lines.filter((l) => /->>|-->>|-x|--x|Note /.test(l));
    expect(drawn.length).toBeLessThanOrEqual(61);
    expect(lines[lines.length - 1]).toMatch(/more arrows and notes from \d+ ms/);
  });

  it('draws a window: only arrows whose message arrived inside it', () => {
    const first = trace.events[0].t;
    const last = trace.events[trace.events.length - 1].t;
    const fromMs = Math.round(first + (last - first) / 3);
    const toMs = fromMs + 300;
    const lines = mermaidStatements(toMermaid(trace, { fromMs, toMs }));
    for (const l of lines) {
      const at = /@(\d+(?:\.\d+)?) ms/.exec(l);
      if (at !== null) {
        expect(Number(at[1])).toBeGreaterThanOrEqual(fromMs);
        expect(Number(at[1])).toBeLessThanOrEqual(toMs);
      }
    }
  });
});

describe('converters', () => {
  it('lists every format, and each is deterministic', () => {
    const trace = goldenTrace('partition-heal.trace.jsonl');
    expect(CONVERT_FORMATS).toEqual(['perfetto', 'shiviz', 'edn', 'history-json', 'mermaid']);
    for (const f of CONVERT_FORMATS) {
      expect(CONVERTERS[f].convert(trace)).toBe(CONVERTERS[f].convert(trace));
    }
  });

  it('draws the crash, the partition and the dropped messages of a faulty run', () => {
    const trace = randomRun(8).trace;
    const perfetto = JSON.parse(toPerfetto(trace)) as { traceEvents: ChromeEvent[] };
    expect(perfetto.traceEvents.some((e) => e.ph === 'X' && e.name === 'down')).toBe(true);
    expect(perfetto.traceEvents.some((e) => e.cat === 'fault' && e.name === 'crash')).toBe(true);
    expect(perfetto.traceEvents.some((e) => e.ph === 'X' && /^leader t\d+$/.test(e.name))).toBe(
      true,
    );
    const golden = goldenTrace('partition-heal.trace.jsonl');
    const mermaid = toMermaid(golden, { maxStatements: 10_000 });
    expect(mermaid).toMatch(/Note over \w+,\w+: partition /);
    expect(mermaid).toMatch(/-x\w+: .*DROPPED/);
  });

  it('shows leadership transfers, a refused one with its reason', () => {
    const golden = goldenTrace('forward-crash.trace.jsonl');
    const last = golden.events[golden.events.length - 1];
    const at = (i: number, body: Partial<TraceEvent>): TraceEvent =>
      ({
        t: last.t + 1,
        seq: last.seq + i,
        node: 'n1',
        group: 'nacos_config',
        ...body,
      }) as TraceEvent;
    const trace = {
      header: golden.header,
      events: [
        ...golden.events,
        at(1, { type: 'transfer', target: 'n2', outcome: 'start' }),
        at(2, { type: 'transfer', target: 'n3', outcome: 'refused', reason: 'Not a leader' }),
      ],
    };
    const perfetto = JSON.parse(toPerfetto(trace)) as { traceEvents: ChromeEvent[] };
    const names = perfetto.traceEvents.filter((e) => e.cat === 'election').map((e) => e.name);
    expect(names).toContain('transfer to n2: start');
    expect(names).toContain('transfer to n3: refused: Not a leader');
    const shiviz = toShiviz(trace);
    expect(shiviz).toContain('transfer to n3: refused: Not a leader (nacos_config)');
  });

  it('keeps only the window in every format', () => {
    const trace = goldenTrace('forward-crash.trace.jsonl');
    const ops = historyOps(trace, { fromMs: 2600, toMs: 1e9 });
    expect(ops.every((o) => o.time >= 2600 * 1e6)).toBe(true);
    const perfetto = JSON.parse(toPerfetto(trace, { fromMs: 2600, toMs: 3100 })) as {
      traceEvents: ChromeEvent[];
    };
    for (const e of perfetto.traceEvents) {
      if (e.ph !== 'M') expect(e.ts >= 2600_000 && e.ts <= 3100_000, JSON.stringify(e)).toBe(true);
    }
  });
});
