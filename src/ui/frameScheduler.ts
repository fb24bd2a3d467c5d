// When the page folds incoming trace events into the view store: once per animation frame while
// the tab is visible; while it is hidden, the browser runs no frames, so the events are folded
// once a second instead (the trace keeps being recorded and the queue stays small), and nothing
// is drawn until the tab is visible again.
// Invariant: at most one flush is pending; the returned function cancels it.
import type { FrameScheduler } from '../state/store.ts';

/** How often a hidden tab folds what arrived (ms). */
export const HIDDEN_FLUSH_MS = 1000;

export const pageScheduler: FrameScheduler = (flush) => {
  if (document.hidden) {
    const id = setTimeout(flush, HIDDEN_FLUSH_MS);
    return () => clearTimeout(id);
  }
  const id = requestAnimationFrame(() => flush());
  return () => cancelAnimationFrame(id);
};
