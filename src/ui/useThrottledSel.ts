// A store selection that follows the live head at most a few times a second: for the logs, lists,
// tables and charts that change every frame under load but that a person reads, not watches
// (the cluster view keeps every frame). The selection is compared shallowly, so an unchanged one
// renders nothing. While the cursor shows the past (scrubbing, stepping, replay) it follows at
// once: there every change is one the person asked for. Live updates take turns with the other
// panels' (panelUpdates.ts: one per animation frame) and render as a transition.
// Invariants: the first render and every change of `deps` read the store at once; after that
// the value lags the live head by about `intervalMs` (plus a frame or two while other panels
// take theirs); nothing scheduled outlives the component.
import { startTransition, useEffect, useRef, useState, type DependencyList } from 'react';
import { shallow } from 'zustand/shallow';
import type { ViewStoreState } from '../state/store.ts';
import { useViewStore } from './context.ts';
import { schedulePanelUpdate } from './panelUpdates.ts';

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
    let cancel: (() => void) | null = null;
    const update = (live: boolean): void => {
      cancel = null;
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
        cancel?.();
        update(false);
        return;
      }
      if (cancel !== null) return;
      cancel = schedulePanelUpdate({ due: last + intervalMs, run: () => update(true) });
    });
    return () => {
      unsubscribe();
      cancel?.();
    };
    // `deps` are the selector's inputs besides the store.
  }, [store, intervalMs, ...deps]);
  return value;
}
