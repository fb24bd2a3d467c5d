// When the throttled panels (useThrottledSel) take the live head: each asks for an update due a
// moment from now, and at most one runs per animation frame, the most overdue first. Under load
// every panel wants to re-render a few times a second; left to their own timers, several landed
// in the same frame now and then, and that frame's render, style, layout and paint together made
// the page's long tasks (bench:ui). Spread out, each frame carries one panel's change.
// Invariants: an update runs no earlier than its due time, in a frame (so never while the tab is
// hidden), once; a cancelled one never runs; nothing is scheduled while nothing waits.

export interface PanelUpdate {
  /** performance.now() before which it must not run. */
  due: number;
  run: () => void;
}

const waiting = new Set<PanelUpdate>();
let timer: ReturnType<typeof setTimeout> | null = null;
let frame: number | null = null;

const requestFrame = (cb: () => void): number =>
  typeof requestAnimationFrame === 'function'
    ? requestAnimationFrame(cb)
    : (setTimeout(cb, 16) as unknown as number);

/** Wait for the earliest due update, then for a frame. */
function arm(): void {
  if (timer !== null || frame !== null || waiting.size === 0) return;
  let earliest = Infinity;
  for (const u of waiting) earliest = Math.min(earliest, u.due);
  const wait = earliest - performance.now();
  if (wait > 0) {
    timer = setTimeout(() => {
      timer = null;
      arm();
    }, wait);
    return;
  }
  frame = requestFrame(onFrame);
}

function onFrame(): void {
  frame = null;
  const now = performance.now();
  let next: PanelUpdate | null = null;
  for (const u of waiting) {
    if (u.due <= now && (next === null || u.due < next.due)) next = u;
  }
  if (next !== null) {
    waiting.delete(next);
    next.run();
  }
  arm();
}

/** Run `update.run` in a frame at or after `update.due`; the returned function cancels it. */
export function schedulePanelUpdate(update: PanelUpdate): () => void {
  waiting.add(update);
  arm();
  return () => {
    waiting.delete(update);
  };
}
