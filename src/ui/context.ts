// What every view reaches through React context: the view store (the one state model the views
// read), the active engine (the only way a view changes anything: commands), and the page host
// (engine switching, import and export). Views never talk to a worker or the core.
// Invariant: a view reads the store only through narrow selectors (useSel), so it re-renders
// only when what it shows changed; a command's refusal reaches the person as a notice, never a
// silent no-op.
import { createContext, useCallback, useContext } from 'react';
import type { Engine, EngineCommand, EngineResult, PageHost } from '../engine/types.ts';
import { useView, useViewRef } from '../state/hooks.ts';
import type { ViewStore, ViewStoreState } from '../state/store.ts';
import { notify } from './notices.ts';
import { runAtCursor } from './timeline/actInPast.ts';

export const StoreContext = createContext<ViewStore | null>(null);
export const EngineContext = createContext<Engine | null>(null);
export const HostContext = createContext<PageHost | null>(null);

export function useViewStore(): ViewStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useViewStore: no StoreContext above this component');
  return store;
}

/** A narrow, shallowly compared selection of the view store. */
export function useSel<T>(selector: (s: ViewStoreState) => T): T {
  return useView(useViewStore(), selector);
}

/** useSel by identity: for a large map or list the fold replaces when it changes (hooks.ts). */
export function useSelRef<T>(selector: (s: ViewStoreState) => T): T {
  return useViewRef(useViewStore(), selector);
}

export function useEngine(): Engine | null {
  return useContext(EngineContext);
}

export function useHost(): PageHost | null {
  return useContext(HostContext);
}

/**
 * Run an engine command from a control. The outcome comes back as a value; a refusal or a
 * failure is also shown as a notice naming the command, so a button never fails silently.
 * While the time bar shows the past, a command forks a simulated run there (timeline/actInPast.ts).
 */
export function useCommand(): (cmd: EngineCommand) => Promise<EngineResult> {
  const engine = useEngine();
  const store = useContext(StoreContext);
  return useCallback(
    async (cmd: EngineCommand): Promise<EngineResult> => {
      if (engine === null) {
        const r: EngineResult = { ok: false, error: `${cmd.type}: no cluster is running` };
        notify(r.error, 'error');
        return r;
      }
      const r =
        store === null ? await engine.command(cmd) : await runAtCursor(engine, store, cmd, notify);
      if (!r.ok) notify(r.error, 'error');
      return r;
    },
    [engine, store],
  );
}

/** The group every view shows: the one selected, else the first group of the run. */
export function selectedGroupOf(s: ViewStoreState): string | null {
  return s.selectedGroup ?? s.view.groups[0] ?? null;
}

export function useSelectedGroup(): string | null {
  return useSel(selectedGroupOf);
}
