// Export in parts and import with validation: the parts are exportTrace's bytes; a bad line, an
// unknown version and a truncated file get errors naming the line and field; a huge file
// imports in seconds and a huge bad one is refused after its first errors, not its end.
import { describe, expect, it } from 'vitest';
import { exportTrace, importTrace, MAX_IMPORT_ERRORS } from '../../trace/jsonl.ts';
import { syntheticHeader, syntheticTrace } from '../spacetime/testTrace.ts';
import { exportParts } from './streamExport.ts';

const header = syntheticHeader(5);

describe('exportParts', () => {
  it("writes exportTrace's bytes, in parts, with progress", () => {
    const events = syntheticTrace(12_345);
    const seen: number[] = [];
    const parts = exportParts(header, events, {
      partLines: 1000,
      onProgress: (done) => seen.push(done),
    });
    expect(parts.join('')).toBe(exportTrace(header, events));
    expect(parts).toHaveLength(1 + Math.ceil(events.length / 1000));
    expect(seen.at(-1)).toBe(events.length);
    expect(exportParts(header, []).join('')).toBe(exportTrace(header, []));
    expect(() => exportParts(header, events, { partLines: 0 })).toThrow(/partLines/);
  });

  it('imports what it exported, event for event', () => {
    const events = syntheticTrace(5_000);
    const r = importTrace(exportParts(header, events).join(''));
    expect(r.ok && r.events).toEqual(events);
  });
});

describe('importing a bad file', () => {
  const good = exportTrace(header, syntheticTrace(200), { compact: false }).split('\n');

  it('names the line and the field of a bad event', () => {
    const lines = [...good];
    const e = JSON.parse(lines[5]) as Record<string, unknown>;
    lines[5] = JSON.stringify({ ...e, t: 'soon' });
    const r = importTrace(lines.join('\n'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatch(/^line 6: event\.t: /);
  });

  it('refuses an unknown version by name', () => {
    const h = JSON.parse(good[0]) as Record<string, unknown>;
    const r = importTrace([JSON.stringify({ ...h, version: 99 }), ...good.slice(1)].join('\n'));
    expect(!r.ok && r.errors.join('\n')).toMatch(/line 1: header\.version: .*99/);
  });

  it('reports a truncated file at its last line, and loads nothing', () => {
    const text = good.join('\n');
    const cut = text.slice(0, text.length - 40);
    const r = importTrace(cut);
    expect(r.ok).toBe(false);
    const lastLine = cut.split('\n').length;
    expect(!r.ok && r.errors).toEqual([expect.stringMatching(new RegExp(`^line ${lastLine}: `))]);
  });

  it('imports a 50,000-event file in seconds, and stops early on a huge bad one', () => {
    const events = syntheticTrace(50_000);
    const text = exportParts(header, events).join('');
    let t = performance.now();
    const r = importTrace(text);
    const okMs = performance.now() - t;
    expect(r.ok && r.events.length).toBe(events.length);
    const bad = text.replace(/"t":/g, '"t":"x","u":');
    t = performance.now();
    // How far into the file the import read (progress every 4 KB), not how long it took:
    // a timing ratio fails on a busy machine, the position does not.
    let readTo = 0;
    const rb = importTrace(bad, { progressEvery: 4096, onProgress: (pos) => (readTo = pos) });
    const badMs = performance.now() - t;
    expect(!rb.ok && rb.errors.length).toBe(MAX_IMPORT_ERRORS + 1);
    console.log(
      `import: ${events.length} events (${(text.length / 1e6).toFixed(1)} MB) in ${okMs.toFixed(0)} ms; ` +
        `a bad file of the same size refused in ${badMs.toFixed(0)} ms after reading ${readTo} of ${bad.length} characters`,
    );
    expect(readTo).toBeGreaterThan(0);
    expect(readTo).toBeLessThan(bad.length / 100);
    expect(okMs).toBeLessThan(12_000);
  }, 30_000);
});
