import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { EventFeed } from './types.ts';

function ev(seq: number): TraceEvent {
  return { seq, t: seq, node: 'n1', type: 'commit', group: 'g', index: seq } as TraceEvent;
}

describe('EventFeed', () => {
  it('passes every batch on and keeps at most its limit, the newest', () => {
    const feed = new EventFeed(100);
    const seen: number[] = [];
    feed.subscribe((batch) => seen.push(...batch.map((e) => e.seq)));
    for (let i = 1; i <= 1000; i++) feed.push([ev(i)]);
    expect(seen).toHaveLength(1000);
    const held = feed.events();
    expect(held.length).toBeLessThanOrEqual(100);
    expect(held.length).toBeGreaterThanOrEqual(90);
    expect(held[held.length - 1].seq).toBe(1000);
    // Contiguous: only the oldest were dropped.
    held.forEach((e, i) => expect(e.seq).toBe(held[0].seq + i));
  });

  it('copies its array once per tenth of the limit, not once per batch', () => {
    const feed = new EventFeed(1000);
    let copies = 0;
    let last = feed.events();
    for (let i = 1; i <= 5000; i++) {
      feed.push([ev(i)]);
      if (feed.events() !== last) copies++;
      last = feed.events();
    }
    // 4,000 events past the limit, a copy per 100 of them.
    expect(copies).toBeLessThanOrEqual(41);
  });

  it('a late subscriber gets what is held as a reset batch', () => {
    const feed = new EventFeed(10);
    for (let i = 1; i <= 25; i++) feed.push([ev(i)]);
    const got: [number, boolean][] = [];
    feed.subscribe((batch, reset) => got.push([batch.length, reset]));
    expect(got).toEqual([[feed.events().length, true]]);
  });
});
