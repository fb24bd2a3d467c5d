// The live linearizability verdict: one checker per view store, which every few seconds sends
// the client history the store has folded since its last look to workers/linCheck.worker.ts
// and asks for a verdict, off the page's thread. Views read it with useLinVerdict().
// Invariants: the worker's history always equals a prefix of the store's (a store that started
// over, or was scrubbed back, resets it); at most one check runs at a time; the checker runs
// only while some view shows its verdict, and lets its worker go a while after the last one.
import { wrap, type Remote } from 'comlink';
import { useEffect, useSyncExternalStore } from 'react';
import type { LinCheckApi } from '../../../workers/linCheck.worker.ts';
import { plGet } from '../../state/plist.ts';
import type { ViewStore } from '../../state/store.ts';
import type { TraceEvent } from '../../trace/events.ts';
import { useViewStore } from '../context.ts';
import type { LinVerdict } from './linVerdict.ts';

/** How often the history is re-checked while it grows. */
export const RECHECK_MS = 3000;
/** How long the worker is kept after the last view showing the verdict went away. */
const IDLE_MS = 15_000;

export interface LinCheckState {
  verdict: LinVerdict | null;
  /** A check is running. */
  busy: boolean;
  /** History events the store holds, and how many the last verdict covered. */
  historyEvents: number;
  /** History events past the store's bound, not checked. */
  dropped: number;
  /** The worker failed (its message), or null. */
  error: string | null;
}

class LinChecker {
  private worker: Worker | null = null;
  private api: Remote<LinCheckApi> | null = null;
  private sent = 0;
  private firstSeq: number | null = null;
  private checkedAt = -1;
  private timer: ReturnType<typeof setInterval> | null = null;
  private idle: ReturnType<typeof setTimeout> | null = null;
  private users = 0;
  private readonly listeners = new Set<() => void>();
  state: LinCheckState = { verdict: null, busy: false, historyEvents: 0, dropped: 0, error: null };

  constructor(private readonly store: ViewStore) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** A view started showing the verdict. */
  use(): () => void {
    this.users++;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
    if (this.timer === null) {
      void this.tick();
      this.timer = setInterval(() => void this.tick(), RECHECK_MS);
    }
    return () => {
      this.users--;
      if (this.users > 0) return;
      this.idle = setTimeout(() => this.shutdown(), IDLE_MS);
    };
  }

  private set(patch: Partial<LinCheckState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private shutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
    this.sent = 0;
    this.firstSeq = null;
    this.checkedAt = -1;
  }

  private ensureWorker(): Remote<LinCheckApi> {
    if (this.api === null) {
      const worker = new Worker(new URL('../../../workers/linCheck.worker.ts', import.meta.url), {
        type: 'module',
        name: 'linearizability check',
      });
      worker.addEventListener('error', (ev) => this.set({ error: ev.message, busy: false }));
      this.worker = worker;
      this.api = wrap<LinCheckApi>(worker);
    }
    return this.api;
  }

  private async tick(): Promise<void> {
    if (this.state.busy) return;
    const { history, historyDropped } = this.store.getState().view.checks;
    const first = plGet(history, 0)?.seq ?? null;
    const api = this.ensureWorker();
    this.set({ busy: true, historyEvents: history.length, dropped: historyDropped });
    try {
      if (history.length < this.sent || first !== this.firstSeq) {
        await api.reset();
        this.sent = 0;
        this.checkedAt = -1;
        this.firstSeq = first;
      }
      if (history.length > this.sent) {
        const batch: TraceEvent[] = [];
        for (let i = this.sent; i < history.length; i++) batch.push(plGet(history, i)!);
        await api.append(batch);
        this.sent = history.length;
      }
      if (this.sent !== this.checkedAt) {
        const verdict = await api.check();
        this.checkedAt = this.sent;
        this.set({ verdict, error: null });
      }
    } catch (err) {
      this.set({ error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.set({ busy: false });
    }
  }
}

const checkers = new WeakMap<ViewStore, LinChecker>();

function checkerOf(store: ViewStore): LinChecker {
  let c = checkers.get(store);
  if (c === undefined) {
    c = new LinChecker(store);
    checkers.set(store, c);
  }
  return c;
}

/** The live verdict on the client history of the page's view store. */
export function useLinVerdict(): LinCheckState {
  const checker = checkerOf(useViewStore());
  useEffect(() => checker.use(), [checker]);
  return useSyncExternalStore(checker.subscribe, () => checker.state);
}
