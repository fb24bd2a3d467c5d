// A store selection that follows the live head at most a few times a second: for the logs, lists,
// tables and charts that change every frame under load but that a person reads, not watches
// (the cluster view keeps every frame). The selection is compared shallowly, so an unchanged one
// renders nothing. While the cursor shows the past (scrubbing, stepping, replay) it follows at
// once: there every change is one the person asked for.
// Invariants: the first render and every change of `deps` read the store at once; after that
// the value lags the live head by at most `intervalMs`; no timer outlives the component.
import { startTransition, useEffect, useRef, useState, type DependencyList } from 'react';
import { shallow } from 'zustand/shallow';
import type { ViewStoreState } from '../state/store.ts';
import { useViewStore } from './context.ts';

export function useThrottledSel<T>(
  selector: (s: ViewStoreState) => T,
  intervalMs: number,
  deps: DependencyList,
): T {
  const store = useViewStore();
  const sel = useRef(selector);
  sel.current = selector;
  const [value, setValue] = useState(() => selector(store.getState()));
  const current = useRef(value);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const update = (live: boolean): void => {
      timer = null;
      last = performance.now();
      const v = sel.current(store.getState());
      if (!shallow(v, current.current)) {
        current.current = v;
        if (live) startTransition(() => setValue(v));
        else setValue(v);
      }
    };
    update(false);
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.cursor !== null || prev.cursor !== null) {
        if (timer !== null) clearTimeout(timer);
        update(false);
        return;
      }
      if (timer !== null) return;
      timer = setTimeout(() => update(true), Math.max(0, last + intervalMs - performance.now()));
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
    // `deps` are the selector's inputs besides the store.
  }, [store, intervalMs, ...deps]);
  return value;
}
