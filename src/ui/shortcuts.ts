// Keyboard shortcuts: components register what a key does while they are mounted, and one
// listener on the window dispatches; the `?` overlay lists what is registered, so the list can
// never disagree with the keys. Keys typed into a form field are left to the field.
// Invariant: the most recently registered handler of a key wins; unmounting restores the
// previous one.
import { useEffect, useRef } from 'react';
import { createStore } from 'zustand/vanilla';

export interface Shortcut {
  /** KeyboardEvent.key, e.g. "c", "?", "ArrowRight", " ". */
  key: string;
  /** What it does, for the overlay ("Crash the selected node"). */
  label: string;
  /** Where it belongs in the overlay ("Nodes", "Time", ...). */
  section: string;
}

interface Entry extends Shortcut {
  id: number;
  run: () => void;
  /** Higher wins over more recent (a lesson's keys over the page's while it is shown). */
  priority: number;
}

export const shortcutStore = createStore<{ entries: readonly Entry[] }>()(() => ({ entries: [] }));

let nextId = 1;

/** Register a shortcut while the calling component is mounted. */
export function useShortcut(
  key: string,
  label: string,
  section: string,
  run: () => void,
  enabled = true,
  priority = 0,
): void {
  const ref = useRef(run);
  ref.current = run;
  useEffect(() => {
    if (!enabled) return;
    const id = nextId++;
    const entry: Entry = { id, key, label, section, run: () => ref.current(), priority };
    shortcutStore.setState((s) => ({ entries: [...s.entries, entry] }));
    return () => shortcutStore.setState((s) => ({ entries: s.entries.filter((e) => e.id !== id) }));
  }, [key, label, section, enabled, priority]);
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return (
    target.isContentEditable ||
    tag === 'TEXTAREA' ||
    tag === 'SELECT' ||
    (tag === 'INPUT' &&
      !['button', 'checkbox', 'radio', 'range'].includes((target as HTMLInputElement).type))
  );
}

/** Keys that move within a focused control (a slider, a list): the control keeps them. */
const NAVIGATION_KEYS = new Set(['Home', 'End', 'PageUp', 'PageDown']);

/** Dispatch a key press to its shortcut; true when one ran. */
export function dispatchShortcut(ev: KeyboardEvent): boolean {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target)) return false;
  // A focused control that handled the key (a list moving to its end) keeps it; so does a
  // range input, whose navigation keys move its value without being prevented.
  if (ev.defaultPrevented) return false;
  if (
    NAVIGATION_KEYS.has(ev.key) &&
    ev.target instanceof HTMLInputElement &&
    ev.target.type === 'range'
  ) {
    return false;
  }
  const entries = shortcutStore.getState().entries;
  let best: Entry | null = null;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.key === ev.key && (best === null || e.priority > best.priority)) best = e;
  }
  if (best === null) return false;
  ev.preventDefault();
  best.run();
  return true;
}

/** Install the one window listener (App does, once). */
export function useShortcutListener(): void {
  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      dispatchShortcut(ev);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The registered shortcuts, grouped by section, each key once (the one that would run). */
export function shortcutList(entries: readonly Shortcut[]): [string, Shortcut[]][] {
  const seen = new Set<string>();
  const bySection = new Map<string, Shortcut[]>();
  // The one that would run last: by priority, then by registration (a stable sort).
  const prio = (e: Shortcut): number => (e as Partial<Entry>).priority ?? 0;
  const ordered = [...entries].sort((a, b) => prio(a) - prio(b));
  for (let i = ordered.length - 1; i >= 0; i--) {
    const e = ordered[i];
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    const list = bySection.get(e.section) ?? [];
    list.unshift({ key: e.key, label: e.label, section: e.section });
    bySection.set(e.section, list);
  }
  return [...bySection.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}
