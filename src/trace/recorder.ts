// The trace recorder: stamps event bodies with the global sequence number and cluster time,
// keeps them, and passes each to an optional listener.
// Invariant: the seq numbers it hands out strictly increase by one over its life (clear() drops
// stored events but does not restart seq), so a trace it exports always re-imports.
import type { NodeId } from '../raft/types.ts';
import type { TraceBody, TraceEvent, TraceHeader } from './events.ts';
import { exportTrace } from './jsonl.ts';

export type TraceListener = (event: TraceEvent) => void;

export interface TraceRecorderOptions {
  /** Record at all; when false, record() is a no-op returning null. Default true. */
  enabled?: boolean;
  /** Keep events in memory for events() and toJsonl(); false streams to the listener only. Default true. */
  keep?: boolean;
  /** Called with every recorded event, after it is stored. */
  listener?: TraceListener | null;
  /** The first seq handed out; default 0. */
  firstSeq?: number;
}

export class TraceRecorder {
  /** When false, record() does nothing and returns null; seq does not advance. */
  enabled: boolean;
  /** When false, events are not stored (only passed to the listener). */
  keep: boolean;
  listener: TraceListener | null;
  private stored: TraceEvent[] = [];
  private seq: number;

  constructor(options: TraceRecorderOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.keep = options.keep ?? true;
    this.listener = options.listener ?? null;
    this.seq = options.firstSeq ?? 0;
  }

  /**
   * Stamp `body` with the next seq, time `t` (cluster ms) and `node` (null for cluster-wide
   * events such as faults), store it and tell the listener. Returns the event, or null when
   * the recorder is disabled.
   */
  record(node: NodeId | null, t: number, body: TraceBody): TraceEvent | null {
    if (!this.enabled) return null;
    const event = { seq: this.seq++, t, node, ...body } as TraceEvent;
    if (this.keep) this.stored.push(event);
    if (this.listener !== null) this.listener(event);
    return event;
  }

  /** The stored events in seq order. The array is the recorder's own: do not modify it. */
  events(): readonly TraceEvent[] {
    return this.stored;
  }

  /** How many events are stored. */
  get size(): number {
    return this.stored.length;
  }

  /** The seq the next recorded event will get. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Drop the stored events. Seq keeps counting, so later events still follow earlier ones. */
  clear(): void {
    this.stored = [];
  }

  /** The stored events as a JSON Lines trace file (see exportTrace). */
  toJsonl(header: TraceHeader): string {
    return exportTrace(header, this.stored);
  }
}
