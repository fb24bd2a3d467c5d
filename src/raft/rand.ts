// A small seeded pseudo-random generator (sfc32) whose whole state is four 32-bit words, so a
// run can be replayed exactly from its seed and the state can be saved as plain data.
import type { Rng } from './types.ts';

export interface SeededRngState {
  a: number;
  b: number;
  c: number;
  d: number;
}

export class SeededRng implements Rng {
  state: SeededRngState;

  constructor(seed: number | SeededRngState) {
    if (typeof seed === 'number') {
      // Spread the seed over the state with splitmix32, then warm up.
      let s = seed >>> 0;
      const next = (): number => {
        s = (s + 0x9e3779b9) >>> 0;
        let z = s;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
      };
      this.state = { a: next(), b: next(), c: next(), d: next() };
      for (let i = 0; i < 12; i++) this.next32();
    } else {
      this.state = { ...seed };
    }
  }

  /** Next uniform 32-bit unsigned integer. */
  next32(): number {
    const st = this.state;
    const t = (((st.a + st.b) | 0) + st.d) | 0;
    st.d = (st.d + 1) | 0;
    st.a = st.b ^ (st.b >>> 9);
    st.b = (st.c + (st.c << 3)) | 0;
    st.c = (st.c << 21) | (st.c >>> 11);
    st.c = (st.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 0) return 0;
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** An independent generator derived from this one (for per-node streams). */
  fork(): SeededRng {
    return new SeededRng(this.next32() ^ this.next32());
  }
}
