// The client panel's load generator: sends requests at a chosen rate (open loop: a request goes
// out on schedule whether or not earlier ones have answered, as independent clients would),
// and measures the rate it achieved. The clock and the timer are injected, so tests drive it.
// Invariants: at most `maxOutstanding` requests wait for an answer at once (beyond it a due
// request is skipped and counted, so a stalled cluster cannot pile up unbounded promises); the
// rate shown counts requests sent in the last WINDOW_MS; after stop() nothing more is sent.

export interface LoadStats {
  running: boolean;
  /** Requests sent, answered, and skipped (too many outstanding) since start. */
  sent: number;
  answered: number;
  skipped: number;
  outstanding: number;
  /** Requests sent per second over the last WINDOW_MS. */
  achievedPerSec: number;
}

export interface LoadClock {
  now(): number;
  /** Call `tick` every `ms`; returns the function that stops it. */
  every(ms: number, tick: () => void): () => void;
}

export const browserClock: LoadClock = {
  now: () => performance.now(),
  every: (ms, tick) => {
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  },
};

const TICK_MS = 50;
const WINDOW_MS = 2000;

export class LoadGenerator {
  private stopTimer: (() => void) | null = null;
  private startedAt = 0;
  private due = 0;
  private stats: LoadStats = {
    running: false,
    sent: 0,
    answered: 0,
    skipped: 0,
    outstanding: 0,
    achievedPerSec: 0,
  };
  private sentAt: number[] = [];

  constructor(
    /** Send request number i; resolves when it is answered (whatever the answer). */
    private readonly send: (i: number) => Promise<unknown>,
    private readonly clock: LoadClock = browserClock,
    private readonly maxOutstanding = 2000,
  ) {}

  get running(): boolean {
    return this.stopTimer !== null;
  }

  /** Start sending `ratePerSec` requests per second (restarts the counts). */
  start(ratePerSec: number): void {
    this.stop();
    const rate = Math.max(0, ratePerSec);
    this.startedAt = this.clock.now();
    this.due = 0;
    this.sentAt = [];
    this.stats = {
      running: true,
      sent: 0,
      answered: 0,
      skipped: 0,
      outstanding: 0,
      achievedPerSec: 0,
    };
    this.stopTimer = this.clock.every(TICK_MS, () => this.tick(rate));
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = null;
    this.stats = { ...this.stats, running: false };
  }

  snapshot(): LoadStats {
    const now = this.clock.now();
    while (this.sentAt.length > 0 && this.sentAt[0] <= now - WINDOW_MS) this.sentAt.shift();
    const span = Math.min(WINDOW_MS, Math.max(now - this.startedAt, TICK_MS));
    return {
      ...this.stats,
      achievedPerSec: this.running ? (this.sentAt.length * 1000) / span : 0,
    };
  }

  private tick(rate: number): void {
    const now = this.clock.now();
    // Everything due since the start, so timer jitter does not change the rate.
    const target = Math.floor(((now - this.startedAt) * rate) / 1000);
    while (this.due < target && this.running) {
      const i = this.due++;
      if (this.stats.outstanding >= this.maxOutstanding) {
        this.stats.skipped++;
        continue;
      }
      this.stats.sent++;
      this.stats.outstanding++;
      this.sentAt.push(now);
      const done = (): void => {
        this.stats.outstanding--;
        this.stats.answered++;
      };
      this.send(i).then(done, done);
    }
  }
}
