import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { EventMerge, STALE_MS } from './eventMerge.ts';

const ev = (node: string, t: number): TraceEvent =>
  ({ seq: 0, t, node, type: 'narrate', text: `${node}@${t}` }) as TraceEvent;
const names = (es: readonly TraceEvent[]): string[] => es.map((e) => (e as { text: string }).text);

describe('EventMerge', () => {
  it('releases the streams in time order, each in its own order, ties to the first arrival', () => {
    const m = new EventMerge();
    m.push('n1', 0, [ev('n1', 1), ev('n1', 5), ev('n1', 5)]);
    m.push('n2', 1, [ev('n2', 2), ev('n2', 5)]);
    m.push('n1', 2, [ev('n1', 6)]);
    expect(m.size).toBe(6);
    expect(names(m.take(null))).toEqual(['n1@1', 'n2@2', 'n1@5', 'n1@5', 'n2@5', 'n1@6']);
    expect(m.size).toBe(0);
    expect(m.take(null)).toEqual([]);
  });

  it('holds back what may still be overtaken: only up to the latest time that arrived by the cutoff', () => {
    const m = new EventMerge();
    m.push('n1', 0, [ev('n1', 10), ev('n1', 30)]);
    m.push('n2', 50, [ev('n2', 20), ev('n2', 40)]);
    // By 10 ms only n1's batch had arrived: everything up to t = 30 goes, n2's t = 20 with it.
    expect(names(m.take(10))).toEqual(['n1@10', 'n2@20', 'n1@30']);
    expect(m.size).toBe(1);
    expect(m.take(10)).toEqual([]);
    expect(names(m.take(50))).toEqual(['n2@40']);
  });

  it('waits for every stream that says how far it got, so a late batch is never overtaken', () => {
    const m = new EventMerge();
    // n2 is busy: it has said it got to t = 90 only. n1's t = 105 arrived long ago.
    m.push('n2', 0, [], 90);
    m.push('n1', 0, [ev('n1', 105)], 110);
    // The time window alone would release n1@105 by now (it arrived 130 ms ago): not while n2
    // may still send something earlier.
    expect(m.take(10, 130)).toEqual([]);
    // n2's late batch: its t = 100 goes first.
    m.push('n2', 140, [ev('n2', 100)], 120);
    expect(names(m.take(20, 150))).toEqual(['n2@100', 'n1@105']);
    // A stream's state outlives its batches: n1 said 110, so n2's next event at 115 waits.
    m.push('n2', 160, [ev('n2', 115)], 130);
    expect(m.take(40, 170)).toEqual([]);
    m.push('n1', 180, [], 140);
    expect(names(m.take(60, 190))).toEqual(['n2@115']);
  });

  it('stops waiting for a stream that went silent or was closed', () => {
    const m = new EventMerge();
    m.push('n1', 0, [ev('n1', 10), ev('n1', 50)], 60);
    m.push('n2', 0, [], 20);
    m.push('n3', 0, [], 30);
    expect(names(m.take(0, 10))).toEqual(['n1@10']);
    m.close('n2'); // a terminated worker
    expect(m.take(0, 20)).toEqual([]); // n3 still holds it back at 30
    // n3 silent for longer than STALE_MS: n1's say alone counts.
    m.push('n1', STALE_MS, [], 60);
    expect(m.take(0, STALE_MS)).toEqual([]);
    expect(names(m.take(0, STALE_MS + 1))).toEqual(['n1@50']);
    // A closed stream's source comes back (a restarted worker): it counts again.
    m.push('n2', 600, [ev('n2', 70)], 80);
    m.push('n1', 600, [ev('n1', 90)], 95);
    expect(names(m.take(500, 610))).toEqual(['n2@70']);
  });

  it('releases exactly what sorting everything held and taking the old-enough prefix does', () => {
    // The merge it replaced: all held events stably sorted by time, released up to the last one
    // that arrived by the cutoff. With distinct times the two must agree on every release.
    const streams = fc.array(
      fc.array(
        fc.record({ at: fc.integer({ min: 0, max: 500 }), n: fc.integer({ min: 1, max: 4 }) }),
        { maxLength: 6 },
      ),
      { minLength: 1, maxLength: 4 },
    );
    const cutoffs = fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 6 });
    fc.assert(
      fc.property(streams, cutoffs, fc.integer({ min: 0, max: 1000 }), (ss, cuts, salt) => {
        // Distinct times: a stream's batches in order, the times interleaved across streams.
        let tick = salt;
        const pushes: { source: string; at: number; events: TraceEvent[] }[] = [];
        ss.forEach((batches, k) => {
          let at = 0;
          for (const b of batches) {
            at = Math.max(at, b.at);
            const events = Array.from({ length: b.n }, () => ev(`n${k}`, (tick += 7) % 10_007));
            pushes.push({ source: `n${k}`, at, events });
          }
        });
        // Each stream's times must rise: renumber them per stream in push order.
        const bySource = new Map<string, number>();
        for (const p of pushes) {
          for (const e of p.events) {
            const next = Math.max((bySource.get(p.source) ?? -1) + 1, e.t);
            (e as { t: number }).t = next * 10 + Number(p.source.slice(1));
            bySource.set(p.source, next);
          }
        }
        pushes.sort((a, b) => a.at - b.at);
        const m = new EventMerge();
        let ref: { e: TraceEvent; at: number }[] = [];
        let i = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          for (; i < pushes.length && pushes[i].at <= cut; i++) {
            m.push(pushes[i].source, pushes[i].at, pushes[i].events);
            for (const e of pushes[i].events) ref.push({ e, at: pushes[i].at });
          }
          ref.sort((a, b) => a.e.t - b.e.t);
          let last = -1;
          ref.forEach((r, j) => {
            if (r.at <= cut) last = j;
          });
          const want = ref.slice(0, last + 1).map((r) => r.e);
          ref = ref.slice(last + 1);
          expect(m.take(cut)).toEqual(want);
        }
        expect(m.size).toBe(ref.length);
      }),
    );
  });
});
