// The cluster clock the view animates with: the model's time (the last event's `t`) carried
// forward between model updates at the rate cluster time has been observed to pass against
// wall time, so election timers run down and messages glide at the engine's speed, whatever the
// engine (live, simulated at any speed, replay). Timers and messages read the same clock.
// Invariants: pure (wall time is passed in); the estimate never goes backwards while the model
// moves forward, and never runs more than `maxLeadMs` of cluster time past the model, so when
// the engine pauses (no events) the picture stops instead of running on.
export interface ClockState {
  /** The model's time at the last update, and the wall time it was seen. */
  modelT: number;
  wallAt: number;
  /** Cluster ms per wall ms, smoothed. */
  rate: number;
  /** The last time handed out (the display never goes back unless the model does). */
  shown: number;
}

export const INITIAL_RATE = 1;

export function clockStart(modelT: number, wall: number): ClockState {
  return { modelT, wallAt: wall, rate: INITIAL_RATE, shown: modelT };
}

/**
 * A new model time seen at `wall`. The observed rate (cluster ms per wall ms since the last
 * update) is smoothed in; a model that went back (a replay seeking, a new run) restarts the
 * clock there.
 */
export function clockObserve(c: ClockState, modelT: number, wall: number): ClockState {
  if (modelT < c.modelT) return clockStart(modelT, wall);
  if (modelT === c.modelT) return c;
  const dWall = wall - c.wallAt;
  let rate = c.rate;
  if (dWall > 0) {
    const observed = (modelT - c.modelT) / dWall;
    // Long gaps (a paused engine resumed) say little about the speed: weigh them less.
    const w = dWall > 2000 ? 0.1 : 0.3;
    rate = Math.min(1000, Math.max(0.001, rate * (1 - w) + observed * w));
  }
  return { modelT, wallAt: wall, rate, shown: Math.max(c.shown, modelT) };
}

/** The cluster time to draw at wall time `wall`. */
export function clockNow(c: ClockState, wall: number, maxLeadMs: number): number {
  const ahead = Math.min(maxLeadMs, Math.max(0, (wall - c.wallAt) * c.rate));
  return Math.max(c.shown, c.modelT + ahead);
}

/** Remember what was shown (so the next frame never draws an earlier time). */
export function clockShown(c: ClockState, t: number): ClockState {
  return t > c.shown ? { ...c, shown: t } : c;
}

/**
 * How much of an election timer is left, 1 (just reset) to 0 (ran out), at cluster time `now`.
 * The timer runs in the node's own clock, `clockRate` times real speed (a skewed node).
 */
export function timerLeft(
  timer: { timeoutMs: number; resetAt: number },
  now: number,
  clockRate: number,
): number {
  if (timer.timeoutMs <= 0) return 0;
  const elapsed = Math.max(0, now - timer.resetAt) * clockRate;
  return Math.max(0, 1 - elapsed / timer.timeoutMs);
}
