// Time in the browser runtime. Two kinds of clock, both piecewise linear in wall time:
// - cluster time (the `t` of every trace event and the scale of network delays), which runs at
//   the cluster's speed and stops while the cluster is paused; the main thread owns it and sends
//   its anchor to every worker, so every worker reads the same cluster time;
// - a node's local time, which runs at speed × the node's clock skew and stops while the
//   cluster or the node is paused; the node's ticks come from it.
// Invariant: a RateClock never goes backwards, whatever its rate changes are.

/**
 * When this thread's performance clock started (ms since the epoch). Read once: it is fixed for
 * the thread's life, and reading it on every call cost a worker as much as the clock itself (every
 * trace event reads the clock; a profile of a leader under load).
 */
const TIME_ORIGIN = performance.timeOrigin;

/** Wall time in ms, comparable across the main thread and workers of one page. */
export function wallNowMs(): number {
  return TIME_ORIGIN + performance.now();
}

export const MIN_SPEED = 0.01;
export const MAX_SPEED = 10;

/** The cluster clock's anchor: at wall time `wallMs` the cluster time was `clusterMs`. */
export interface ClockState {
  speed: number;
  paused: boolean;
  clusterMs: number;
  wallMs: number;
}

/** A clock that advances at `rate` × wall time from an anchor; rate 0 stops it. */
export class RateClock {
  private anchorValue: number;
  private anchorWall: number;
  private rateNow: number;
  private last = 0;

  constructor(value = 0, rate = 1, wallMs = wallNowMs()) {
    this.anchorValue = value;
    this.anchorWall = wallMs;
    this.rateNow = rate;
  }

  get rate(): number {
    return this.rateNow;
  }

  now(wallMs = wallNowMs()): number {
    const v = this.anchorValue + (wallMs - this.anchorWall) * this.rateNow;
    // Anchors from another thread may be a hair behind what we already handed out.
    if (v > this.last) this.last = v;
    return this.last;
  }

  /** Change the rate from now on, keeping the value continuous. */
  setRate(rate: number, wallMs = wallNowMs()): void {
    this.anchorValue = this.now(wallMs);
    this.anchorWall = wallMs;
    this.rateNow = rate;
  }

  /** Re-anchor: at wall time `wallMs` the value is `value` (readings still never move back). */
  set(value: number, rate: number, wallMs: number): void {
    this.anchorValue = value;
    this.anchorWall = wallMs;
    this.rateNow = rate;
  }

  /** Wall ms until the clock reads `value` (Infinity when stopped). */
  wallMsUntil(value: number, wallMs = wallNowMs()): number {
    const gap = value - this.now(wallMs);
    if (gap <= 0) return 0;
    return this.rateNow > 0 ? gap / this.rateNow : Infinity;
  }
}

/** A cluster clock reading `state`. */
export function clusterClockFrom(state: ClockState): RateClock {
  return new RateClock(state.clusterMs, state.paused ? 0 : state.speed, state.wallMs);
}

export function checkSpeed(speed: number): number {
  if (!(typeof speed === 'number' && speed >= MIN_SPEED && speed <= MAX_SPEED)) {
    throw new RangeError(`speed must be between ${MIN_SPEED} and ${MAX_SPEED}, got ${speed}`);
  }
  return speed;
}
