// The CLI's line reader keeps importTrace's rules: the same trace from the same text (BOM, CRLF
// and blank lines included), the same verdict and first error on malformed text, events streamed
// to onEvent only while the file is valid.
import { describe, expect, it } from 'vitest';
import { readTraceText, TraceLineReader } from '../../src/trace/convert/read.ts';
import { importTrace } from '../../src/trace/jsonl.ts';
import { goldenText } from './fixtures.ts';

const text = goldenText('figure8.trace.jsonl');
const lines = text.split('\n');

describe('readTraceText', () => {
  it('reads what importTrace reads, with a BOM, CRLF line ends and blank lines', () => {
    for (const variant of [
      text,
      `\ufeff${text}`,
      text.replace(/\n/g, '\r\n'),
      text.replace(/\n/, '\n\n\n'),
    ]) {
      const mine = readTraceText(variant);
      const theirs = importTrace(variant);
      expect(mine.ok && theirs.ok).toBe(true);
      if (mine.ok && theirs.ok) {
        expect(mine.trace.header).toEqual(theirs.header);
        expect(mine.trace.events).toEqual(theirs.events);
      }
    }
  });

  it.each([
    ['a bad header', ['{"format":"other"}', ...lines.slice(1)]],
    // Compact lines leave out a seq that follows the previous one, so the repeated line names
    // its seq explicitly to go back.
    [
      'seq going back',
      [
        ...lines.slice(0, 10),
        JSON.stringify({ ...JSON.parse(lines[5]), seq: 1 }),
        ...lines.slice(10),
      ],
    ],
    [
      'an unknown event type',
      [...lines.slice(0, 3), '{"seq":99999,"t":0,"node":null,"type":"zap"}'],
    ],
    ['a line that is not JSON', [...lines.slice(0, 7), '{"seq":', ...lines.slice(7)]],
  ])('refuses %s with importTrace’s first error', (_name, bad) => {
    const t = bad.join('\n');
    const mine = readTraceText(t);
    const theirs = importTrace(t);
    expect(mine.ok).toBe(false);
    expect(theirs.ok).toBe(false);
    if (!mine.ok && !theirs.ok) expect(mine.errors[0]).toBe(theirs.errors[0]);
  });

  it('streams events to onEvent without keeping them, and stops passing them at an error', () => {
    const seen: number[] = [];
    const reader = new TraceLineReader({ keep: false, onEvent: (e) => seen.push(e.seq) });
    for (const l of lines.slice(0, 50)) reader.push(l);
    const ok = reader.finish();
    expect(ok.ok && ok.trace.events.length === 0).toBe(true);
    expect(seen.length).toBe(49);
    const after: number[] = [];
    const bad = new TraceLineReader({ onEvent: (e) => after.push(e.seq) });
    for (const l of [...lines.slice(0, 20), 'oops', ...lines.slice(20, 40)]) bad.push(l);
    expect(bad.finish().ok).toBe(false);
    expect(after.length).toBe(19);
  });
});
