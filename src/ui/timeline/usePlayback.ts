// Playing the past forward: while playing, each animation frame moves the time bar's cursor by
// the wall time since the last frame × the playback speed; reaching the head returns to live and
// stops. The cursor's time is kept here as a continuous number (the store's cursor snaps to the
// last event at or before it, so reading it back would stall between sparse events).
// Invariants: one frame loop at most, stopped on pause, unmount or a new store; playing never
// changes the trace, only which folded state the views show.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ViewStore } from '../../state/store.ts';

/** Playback speeds offered (cluster ms per wall ms). */
export const PLAY_SPEEDS = [0.25, 0.5, 1, 2, 5, 10, 25] as const;

export interface Playback {
  playing: boolean;
  speed: number;
  setSpeed: (speed: number) => void;
  /** Start from the cursor (false when the cursor is live: nothing to play), or stop. */
  toggle: () => boolean;
  stop: () => void;
}

export function usePlayback(store: ViewStore): Playback {
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const speedRef = useRef(speed);
  speedRef.current = speed;
  const stop = useCallback(() => setPlaying(false), []);

  useEffect(() => {
    if (!playing) return;
    let t = store.getState().view.t;
    let placed = store.getState().cursor;
    let last = performance.now();
    let id = requestAnimationFrame(function frame(now: number) {
      const st = store.getState();
      if (st.cursor === null) {
        setPlaying(false);
        return;
      }
      // A seek by the person meanwhile (the cursor is not where this loop put it) moves the
      // playhead with it.
      if (st.cursor !== placed) t = st.view.t;
      t += Math.max(0, now - last) * speedRef.current;
      last = now;
      st.seekTime(t);
      placed = store.getState().cursor;
      if (placed === null) {
        setPlaying(false);
        return;
      }
      id = requestAnimationFrame(frame);
    });
    return () => cancelAnimationFrame(id);
  }, [playing, store]);

  // A new store (another engine) stops playing.
  useEffect(() => () => setPlaying(false), [store]);

  const toggle = useCallback((): boolean => {
    if (playing) {
      setPlaying(false);
      return true;
    }
    if (store.getState().cursor === null) return false;
    setPlaying(true);
    return true;
  }, [playing, store]);

  return { playing, speed, setSpeed, toggle, stop };
}
