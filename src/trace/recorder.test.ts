// The recorder stamps a strictly increasing seq, can be switched off, streams to a listener,
// and exports a trace that imports again unchanged.
import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceHeader } from './events.ts';
import { importTrace } from './jsonl.ts';
import { TraceRecorder } from './recorder.ts';

const header: TraceHeader = {
  format: 'raft-playground-trace',
  version: 2,
  engine: 'cli',
  appVersion: '0.1.0',
  seed: 1,
  scenario: null,
  cluster: { nodes: ['n1', 'n2'], groups: ['nacos_config'], raft: null, network: null },
  initial: null,
};

describe('TraceRecorder', () => {
  it('stamps seq, t and node', () => {
    const r = new TraceRecorder();
    const a = r.record('n1', 5, { type: 'commit', group: 'nacos_config', index: 3 });
    const b = r.record(null, 7.5, { type: 'narrate', text: 'hi' });
    expect(a).toEqual({
      seq: 0,
      t: 5,
      node: 'n1',
      type: 'commit',
      group: 'nacos_config',
      index: 3,
    });
    expect(b).toEqual({ seq: 1, t: 7.5, node: null, type: 'narrate', text: 'hi' });
    expect(r.events()).toEqual([a, b]);
    expect(r.size).toBe(2);
    expect(r.nextSeq).toBe(2);
  });

  it('starts at firstSeq', () => {
    const r = new TraceRecorder({ firstSeq: 100 });
    expect(r.record(null, 0, { type: 'narrate', text: 'x' })?.seq).toBe(100);
  });

  it('does nothing while disabled, and seq does not advance', () => {
    const seen: TraceEvent[] = [];
    const r = new TraceRecorder({ enabled: false, listener: (e) => seen.push(e) });
    expect(r.record('n1', 0, { type: 'narrate', text: 'x' })).toBeNull();
    expect(r.events()).toEqual([]);
    expect(seen).toEqual([]);
    r.enabled = true;
    expect(r.record('n1', 0, { type: 'narrate', text: 'x' })?.seq).toBe(0);
  });

  it('passes every event to the listener, stored or not', () => {
    const seen: number[] = [];
    const r = new TraceRecorder({ keep: false, listener: (e) => seen.push(e.seq) });
    for (let i = 0; i < 3; i++) r.record('n1', i, { type: 'narrate', text: `${i}` });
    expect(seen).toEqual([0, 1, 2]);
    expect(r.events()).toEqual([]);
  });

  it('clear() drops events but keeps seq increasing', () => {
    const r = new TraceRecorder();
    r.record('n1', 0, { type: 'narrate', text: 'a' });
    r.clear();
    expect(r.events()).toEqual([]);
    expect(r.record('n1', 1, { type: 'narrate', text: 'b' })?.seq).toBe(1);
  });

  it('exports a trace that imports unchanged', () => {
    const r = new TraceRecorder();
    r.record('n1', 0, { type: 'node-start', members: ['n1', 'n2'] });
    r.record('n1', 10, {
      type: 'role',
      group: 'nacos_config',
      from: 'follower',
      to: 'candidate',
      term: 1,
      leader: null,
    });
    r.clear();
    r.record('n2', 20, { type: 'fault', fault: 'crash' });
    const imported = importTrace(r.toJsonl(header));
    expect(imported).toEqual({ ok: true, header, events: r.events() });
  });

  it('records a million events quickly', () => {
    const r = new TraceRecorder();
    const body = { type: 'commit', group: 'nacos_config', index: 1 } as const;
    for (let i = 0; i < 1_000_000; i++) r.record('n1', i, body);
    expect(r.size).toBe(1_000_000);
    expect(r.events()[999_999].seq).toBe(999_999);
  });

  it('records a request without a value as null, so its export imports (a malformed write)', () => {
    const r = new TraceRecorder();
    const call = { group: 'nacos_config', process: 'c1', op: 'put', key: 'a@@DEFAULT_GROUP@@' };
    // describeRequest gives `value: content`, undefined when the write has no content.
    r.record('n1', 0, { type: 'invoke', ...call, value: undefined });
    r.record('n1', 1, { type: 'fail', ...call, value: undefined, result: undefined });
    r.record('n1', 2, { type: 'node-crash', reason: undefined });
    r.record('n1', 3, {
      type: 'apply',
      group: 'nacos_config',
      index: 1,
      term: 1,
      op: undefined,
      result: 1,
    });
    const imported = importTrace(r.toJsonl(header));
    if (!imported.ok) throw new Error(imported.errors.join('\n'));
    expect(imported.events.map((e) => e.type)).toEqual(['invoke', 'fail', 'node-crash', 'apply']);
    expect(imported.events[0]).toMatchObject({ value: null });
    expect(imported.events[1]).toMatchObject({ value: null, result: null });
    expect('reason' in imported.events[2]).toBe(false);
    expect(imported.events).toEqual(r.events());
  });

  it('keeps at most `limit` events, the most recent, and the export says what was dropped', () => {
    const r = new TraceRecorder({ limit: 1000 });
    for (let i = 0; i < 5000; i++) r.record('n1', i, { type: 'narrate', text: `${i}` });
    expect(r.size).toBeLessThanOrEqual(1000);
    expect(r.size).toBeGreaterThanOrEqual(900);
    const events = r.events();
    expect(events.at(-1)!.seq).toBe(4999);
    const first = events[0].seq;
    // Contiguous: the kept events are exactly the most recent ones.
    events.forEach((e, i) => expect(e.seq).toBe(first + i));
    expect(r.dropped).toEqual({ events: first, firstSeq: 0, lastSeq: first - 1 });
    const imported = importTrace(r.toJsonl(header));
    if (!imported.ok) throw new Error(imported.errors.join('\n'));
    expect(imported.header.dropped).toEqual(r.dropped);
    expect(imported.header.notes?.[0]).toMatch(
      new RegExp(`^events with seq 0–${(first - 1).toLocaleString('en-US')} \\(`),
    );
    expect(imported.events).toEqual(events);
  });

  it('holds a bounded number of events however many are recorded', () => {
    const r = new TraceRecorder({ limit: 10_000 });
    const body = { type: 'commit', group: 'nacos_config', index: 1 } as const;
    let max = 0;
    for (let i = 0; i < 1_000_000; i++) {
      r.record('n1', i, body);
      if (r.size > max) max = r.size;
    }
    expect(max).toBe(10_000);
    expect(r.dropped!.events + r.size).toBe(1_000_000);
    expect(new TraceRecorder().dropped).toBeNull();
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new TraceRecorder({ limit: 0 })).toThrow(/limit must be an integer >= 1, got 0/);
    expect(() => new TraceRecorder({ limit: 2.5 })).toThrow(/got 2.5/);
  });
});
