// Short notices for the person at the controls: a refused command, a finished export. A tiny
// zustand store outside the view model (notices are about the page, not the cluster, so they are
// not in the trace). Invariant: at most MAX_NOTICES are kept; each disappears after its time.
import { createStore } from 'zustand/vanilla';

export type NoticeLevel = 'info' | 'error';

export interface Notice {
  id: number;
  text: string;
  level: NoticeLevel;
}

export const MAX_NOTICES = 4;
const NOTICE_MS: Record<NoticeLevel, number> = { info: 4000, error: 8000 };

export const noticeStore = createStore<{ notices: readonly Notice[] }>()(() => ({ notices: [] }));

let nextId = 1;

export function dismiss(id: number): void {
  noticeStore.setState((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));
}

/** Show a notice; it is dismissed by the person or after a few seconds. */
export function notify(text: string, level: NoticeLevel = 'info'): number {
  const id = nextId++;
  noticeStore.setState((s) => ({
    notices: [...s.notices, { id, text, level }].slice(-MAX_NOTICES),
  }));
  setTimeout(() => dismiss(id), NOTICE_MS[level]);
  return id;
}
