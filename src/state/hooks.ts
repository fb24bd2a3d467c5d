// React's access to the view store: narrow selectors, compared shallowly (zustand's useShallow),
// so a component re-renders only when what it reads changed. Components never fold events
// themselves; they read the store.
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ViewStore, ViewStoreState } from './store.ts';

/** Select from the store; the result is compared shallowly (an object of fields, or an array). */
export function useView<T>(store: ViewStore, selector: (s: ViewStoreState) => T): T {
  return useStore(store, useShallow(selector));
}

/**
 * Select one value by identity (no shallow comparison): for a large map or list the fold
 * replaces whenever it changes, where comparing entries would visit all of them on every flush.
 */
export function useViewRef<T>(store: ViewStore, selector: (s: ViewStoreState) => T): T {
  return useStore(store, selector);
}
