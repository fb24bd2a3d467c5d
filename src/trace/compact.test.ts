// The compact line encoding loses nothing: real simulator traces with faults (crashes,
// partitions, duplicated and dropped messages, snapshots) exported compactly import back to the
// same events, byte for byte, and the compact file is much smaller than the full one.
import { describe, expect, it } from 'vitest';
import { runRandom } from '../sim/random.ts';
import { CompactDecoder, CompactEncoder } from './compact.ts';
import type { TraceEvent, TraceHeader } from './events.ts';
import { exportTrace, importTrace } from './jsonl.ts';
import { TraceRecorder } from './recorder.ts';

const header: TraceHeader = {
  format: 'raft-playground-trace',
  version: 2,
  engine: 'cli',
  appVersion: 'test',
  seed: null,
  scenario: null,
  cluster: { nodes: ['n1', 'n2', 'n3'], groups: ['nacos_config'], raft: null, network: null },
  initial: null,
};

function randomTrace(seed: number): readonly TraceEvent[] {
  const recorder = new TraceRecorder();
  runRandom(seed, { faultPhaseMs: 8_000, clients: 3, trace: recorder });
  return recorder.events();
}

describe('compact trace lines', () => {
  for (const seed of [3, 11]) {
    it(`round-trips a random run with faults byte for byte (seed ${seed})`, () => {
      const events = randomTrace(seed);
      expect(events.length).toBeGreaterThan(1000);
      const text = exportTrace(header, events);
      const full = exportTrace(header, events, { compact: false });
      expect(JSON.parse(text.slice(0, text.indexOf('\n')))).toMatchObject({ encoding: 'compact' });
      // Line by line, the decoder gives back each event exactly (key order included).
      const enc = new CompactEncoder();
      const dec = new CompactDecoder();
      for (const e of events) {
        const line = JSON.stringify(enc.encode(e));
        const back = JSON.stringify(dec.decode(JSON.parse(line)));
        if (back !== JSON.stringify(e)) expect(back).toBe(JSON.stringify(e));
      }
      // And the file imports to the same events (validation orders keys as the schema does).
      const back = importTrace(text);
      if (!back.ok) throw new Error(back.errors.join('\n'));
      expect(back.header).toEqual(header);
      expect(back.events).toEqual(events);
      expect(text.length).toBeLessThan(full.length * 0.75);
    });
  }

  it('leaves a receipt only what its send does not say, and reads full lines too', () => {
    const send = {
      seq: 0,
      t: 5,
      node: 'n1',
      type: 'send',
      group: 'nacos_config',
      deliverAt: 9,
      msgId: 4,
      from: 'n1',
      to: 'n2',
      msgType: 'AppendEntries',
      term: 2,
      entries: null,
      prevIndex: 3,
      prevTerm: 2,
      commit: 3,
      hb: true,
    } as TraceEvent;
    const recv = { ...send, seq: 1, t: 9, node: 'n2', type: 'recv', sentAt: 5 } as TraceEvent;
    delete (recv as { deliverAt?: number }).deliverAt;
    const ordered = { seq: 1, t: 9, node: 'n2', type: 'recv', group: 'nacos_config', sentAt: 5 };
    const recvInOrder = { ...ordered, ...recv } as TraceEvent;
    const enc = new CompactEncoder();
    enc.encode(send);
    expect(enc.encode(recvInOrder)).toEqual({
      t: 9,
      node: 'n2',
      type: 'recv',
      msgId: 4,
      from: 'n1',
    });
    const dec = new CompactDecoder();
    expect(JSON.stringify(dec.decode(send))).toBe(JSON.stringify(send));
    expect(
      JSON.stringify(dec.decode({ t: 9, node: 'n2', type: 'recv', msgId: 4, from: 'n1' })),
    ).toBe(JSON.stringify(recvInOrder));
  });

  it('reports a receipt whose send it never saw as incomplete, not as something else', () => {
    const text =
      JSON.stringify({ ...header, encoding: 'compact' }) +
      '\n' +
      JSON.stringify({ t: 9, node: 'n2', type: 'recv', msgId: 4, from: 'n1' }) +
      '\n';
    const r = importTrace(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^line 2: event\.group/);
  });
});
