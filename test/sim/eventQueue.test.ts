// The event queue orders by (time, insertion order), whatever order events are pushed in.
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/eventQueue.ts';
import type { Timed } from '../../src/sim/eventQueue.ts';
import { SeededRng } from '../../src/raft/rand.ts';

interface Ev extends Timed {
  name: string;
}

function ev(timeMs: number, name: string): Ev {
  return { timeMs, seq: 0, name };
}

function drain(q: EventQueue<Ev>): string[] {
  const out: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.name);
  return out;
}

describe('EventQueue', () => {
  it('pops the earliest first and ties in insertion order', () => {
    const q = new EventQueue<Ev>();
    q.push(ev(5, 'c'));
    q.push(ev(1, 'a'));
    q.push(ev(5, 'd'));
    q.push(ev(3, 'b'));
    q.push(ev(5, 'e'));
    expect(q.peek()?.name).toBe('a');
    expect(q.size).toBe(5);
    expect(drain(q)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(q.pop()).toBeUndefined();
  });

  it('agrees with a naive model under random pushes and pops (seed 4242)', () => {
    const seed = 4242;
    const rng = new SeededRng(seed);
    const q = new EventQueue<Ev>();
    let model: Ev[] = [];
    const popBoth = (): void => {
      // The model's earliest: smallest time, then first pushed.
      let best = 0;
      for (let i = 1; i < model.length; i++) if (model[i].timeMs < model[best].timeMs) best = i;
      const want = model[best];
      model = model.filter((_, i) => i !== best);
      const got = q.pop();
      if (got !== want) throw new Error(`seed ${seed}: popped ${got?.name}, expected ${want.name}`);
    };
    for (let i = 0; i < 3000; i++) {
      if (rng.chance(0.4) && model.length > 0) popBoth();
      const e = ev(rng.int(50), `e${i}`);
      model.push(e);
      q.push(e);
    }
    while (model.length > 0) popBoth();
    expect(q.size).toBe(0);
  });
});
