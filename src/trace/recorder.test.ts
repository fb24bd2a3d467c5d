// The recorder stamps a strictly increasing seq, can be switched off, streams to a listener,
// and exports a trace that imports again unchanged.
import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceHeader } from './events.ts';
import { importTrace } from './jsonl.ts';
import { TraceRecorder } from './recorder.ts';

const header: TraceHeader = {
  format: 'raft-playground-trace',
  version: 1,
  seed: 1,
  scenario: null,
  cluster: { nodes: ['n1', 'n2'], groups: ['nacos_config'] },
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
    r.record(null, 20, { type: 'fault', fault: 'crash', detail: { node: 'n2' } });
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
});
