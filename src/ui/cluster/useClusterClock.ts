// What the moving layer of the cluster view (election timers, messages in flight) draws, taken
// once per animation frame: the view model as the store holds it and the cluster time to draw
// (clock.ts: the model's time carried forward between updates). Under load the store folds
// every frame and the clock ticks every frame; followed separately, each re-rendered the layer,
// so it rendered and drew its canvas twice a frame. Here one loop reads both and renders once,
// inside the frame, before it is painted. Under prefers-reduced-motion the clock advances four
// times a second (model changes still show at once). requestAnimationFrame stops in a hidden
// tab, so a hidden page draws nothing.
// Invariant: one loop per mounted cluster view; it stops when the view unmounts; a frame in which
// neither the model nor the time to draw changed renders nothing.
import { useEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { ViewState } from '../../state/model.ts';
import type { ViewStoreState } from '../../state/store.ts';
import { clockNow, clockObserve, clockShown, clockStart, type ClockState } from './clock.ts';

/** At most this much cluster time is drawn past the model (a paused engine stops soon). */
const MAX_LEAD_MS = 1500;

/** Under prefers-reduced-motion, how often the clock advances (wall ms). */
const REDUCED_MOTION_MS = 250;

export function usePrefersReducedMotion(): boolean {
  const [reduce, setReduce] = useState(
    () =>
      typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches,
  );
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia('(prefers-reduced-motion: reduce)');
    const on = (): void => setReduce(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return reduce;
}

export interface MovingFrame {
  /** The model the store holds (the cursor's past state while one is set). */
  view: ViewState;
  /** The cluster time to draw. */
  now: number;
}

/**
 * The model and the cluster time to draw, refreshed once per animation frame. While the model is
 * paused or the cursor shows the past, the time stands still at what the model says.
 */
export function useMovingFrame(store: { getState(): ViewStoreState }): MovingFrame {
  const reduce = usePrefersReducedMotion();
  const [frame, setFrame] = useState<MovingFrame>(() => {
    const view = store.getState().view;
    return { view, now: view.t };
  });
  const shown = useRef(frame);
  useEffect(() => {
    let clock: ClockState | null = null;
    let id = 0;
    let advancedAt = -Infinity;
    const tick = (ts: number): void => {
      id = requestAnimationFrame(tick);
      const s = store.getState();
      const view = s.view;
      const wall = performance.now();
      clock = clock === null ? clockStart(view.t, wall) : clockObserve(clock, view.t, wall);
      let now = clock.shown;
      const still = view.paused || s.cursor !== null;
      if (!still && (!reduce || ts - advancedAt >= REDUCED_MOTION_MS)) {
        advancedAt = ts;
        now = clockNow(clock, wall, MAX_LEAD_MS);
        clock = clockShown(clock, now);
      } else if (reduce) {
        now = Math.max(shown.current.now, view.t);
      }
      // A past moment (the time bar's cursor) shows exactly its own time.
      if (s.cursor !== null) now = view.t;
      const prev = shown.current;
      if (prev.view === view && prev.now === now) return;
      const next = { view, now };
      shown.current = next;
      // Rendered here, inside the frame, so what is drawn is painted with this frame.
      flushSync(() => setFrame(next));
    };
    id = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(id);
  }, [store, reduce]);
  return frame;
}
