// The cluster time a frame draws (see clock.ts): the model's time carried forward between
// updates, refreshed once per animation frame (four times a second under
// prefers-reduced-motion). requestAnimationFrame stops in a hidden tab, so a hidden page draws
// nothing.
// Invariant: one loop per mounted cluster view; it stops when the view unmounts.
import { useEffect, useRef, useState } from 'react';
import { clockNow, clockObserve, clockShown, clockStart, type ClockState } from './clock.ts';

/** At most this much cluster time is drawn past the model (a paused engine stops soon). */
const MAX_LEAD_MS = 1500;

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

/** The cluster time to draw now, given the model's time; re-renders the caller each frame. */
export function useClusterClock(modelT: number, paused: boolean): number {
  const clock = useRef<ClockState | null>(null);
  const [now, setNow] = useState(modelT);
  const reduce = usePrefersReducedMotion();
  const wall = performance.now();
  if (clock.current === null) clock.current = clockStart(modelT, wall);
  else clock.current = clockObserve(clock.current, modelT, wall);
  useEffect(() => {
    let id = 0;
    let last = 0;
    const frame = (ts: number): void => {
      id = requestAnimationFrame(frame);
      if (reduce && ts - last < 250) return;
      last = ts;
      const c = clock.current;
      if (c === null) return;
      const t = paused ? c.shown : clockNow(c, performance.now(), MAX_LEAD_MS);
      clock.current = clockShown(c, t);
      setNow(t);
    };
    id = requestAnimationFrame(frame);
    return () => cancelAnimationFrame(id);
  }, [reduce, paused]);
  return Math.max(now, modelT);
}
