import { describe, expect, it } from 'vitest';
import { Lifeline } from './lifeline.ts';

describe('Lifeline', () => {
  it('passes a call through and forgets it once it settles', async () => {
    const life = new Lifeline();
    await expect(life.guard(Promise.resolve(7))).resolves.toBe(7);
    await expect(life.guard(Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(life.guard(3)).resolves.toBe(3);
    expect(life.waiting).toBe(0);
  });

  it('rejects what is pending when the worker dies, and every later call', async () => {
    const life = new Lifeline();
    const never = life.guard(new Promise<number>(() => undefined));
    expect(life.waiting).toBe(1);
    life.end(new Error('n1 crashed'));
    await expect(never).rejects.toThrow('n1 crashed');
    expect(life.waiting).toBe(0);
    await expect(life.guard(Promise.resolve(1))).rejects.toThrow('n1 crashed');
    life.end(new Error('again'));
    expect(life.dead?.message).toBe('n1 crashed');
  });
});
