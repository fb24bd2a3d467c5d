// The one interface the page uses to run a cluster without knowing which engine runs it (DESIGN.md
// §1): the live browser cluster, the deterministic simulator in a Worker, or a replay of a trace.
// An engine hands out the trace header, an event stream, and commands whose outcomes are values.
// Invariants: a command an engine cannot honour is refused with a message naming the engine and
// the command, never ignored; a subscriber that arrives late first receives every event the
// engine still holds, so folding its batches in order gives the same state as if it had been
// there from the start; a batch flagged `reset` replaces everything received before it.
import type { ClientReply } from '../node/types.ts';
import type { LinkPolicy } from '../net/policy.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import { trimmedSize } from '../trace/recorder.ts';

export type EngineKind = 'live' | 'simulated' | 'replay';

export const ENGINE_KINDS: readonly EngineKind[] = ['live', 'simulated', 'replay'];

/** What each engine is, in a few words for the page and the console. */
export const ENGINE_LABELS: Record<EngineKind, string> = {
  live: 'live: each node a Web Worker, state in IndexedDB',
  simulated: 'simulated: the deterministic simulator in a Worker, seeded',
  replay: 'replay: a recorded or imported trace',
};

/**
 * A node argument: an id ("n2") or a reference resolved when the command runs
 * ("@leader:nacos_config", "@follower:nacos_config").
 */
export type NodeRef = string;

/** Every command an engine may be asked to run; discriminated on `type`, named as in scenarios. */
export type EngineCommand =
  | { type: 'crash'; node: NodeRef }
  | { type: 'restart'; node: NodeRef }
  /** Without a node: stop the engine's clock (a replay stops playing). */
  | { type: 'pause'; node?: NodeRef }
  /** Without a node: start the engine's clock again (a replay plays). */
  | { type: 'resume'; node?: NodeRef }
  | { type: 'skew'; node: NodeRef; rate: number }
  | { type: 'partition'; sides: NodeId[][] }
  | { type: 'heal' }
  | { type: 'cut'; from: NodeId; to: NodeId }
  | { type: 'link'; from: NodeId; to: NodeId }
  | { type: 'network'; change: Partial<LinkPolicy>; from?: NodeId; to?: NodeId }
  | { type: 'hold'; on: boolean }
  | { type: 'release'; msgId?: number }
  | { type: 'discard'; msgId: number }
  /** Lose one message in flight (`msgId` as its sender numbered it) before it arrives. */
  | { type: 'drop-message'; from: NodeId; to: NodeId; msgId: number }
  /** Put a second copy of a message in flight on the wire (it arrives once more). */
  | { type: 'duplicate-message'; from: NodeId; to: NodeId; msgId: number }
  | { type: 'write'; node: NodeRef; group: GroupId; op: Record<string, unknown> }
  | { type: 'read'; node: NodeRef; group: GroupId; query: Record<string, unknown> }
  | { type: 'add-node'; node?: NodeId }
  | { type: 'remove-node'; node: NodeRef }
  | { type: 'transfer-leader'; group: GroupId; to: NodeRef }
  | { type: 'snapshot'; node: NodeRef; group: GroupId }
  /** The node's state machine of `group` throws on its next apply (the group goes to ERROR). */
  | { type: 'fail-apply'; node: NodeRef; group: GroupId }
  /** A rate of the engine's clock against wall time, or 'max': as fast as the machine goes. */
  | { type: 'speed'; speed: number | 'max' }
  /** Replay only: move the cursor to just after event `seq`, or to the last event at or before `t`. */
  | { type: 'seek'; seq?: number; t?: number }
  /** Start again from the beginning (a new run with the same options; a replay rewinds). */
  | { type: 'reset' };

export type EngineCommandType = EngineCommand['type'];

/**
 * A command's outcome. `value` carries what the command answers: the node id it acted on after
 * resolving a reference, a client's reply, a held message, ...
 */
export type EngineResult =
  { ok: true; value?: NodeId | ClientReply | unknown } | { ok: false; error: string };

/** Called with each batch of events in order; `reset` batches replace all earlier ones. */
export type EngineListener = (batch: readonly TraceEvent[], reset: boolean) => void;

/** One group on one node, as the engine can tell it (null groups: the node is down). */
export interface EngineGroupStatus {
  role: string;
  term: number;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  voters: NodeId[];
  error: string | null;
}

export interface EngineNodeStatus {
  id: NodeId;
  state: string;
  paused: boolean;
  skew: number;
  groups: Record<GroupId, EngineGroupStatus> | null;
}

/** What status() answers on every engine; engines add fields of their own. */
export interface EngineStatus {
  engine: EngineKind;
  /** The engine's clock: cluster ms (virtual for simulated and replay). */
  nowMs: number;
  speed: number | 'max';
  paused: boolean;
  nodes: Record<NodeId, EngineNodeStatus>;
  leaders: Record<GroupId, NodeId | null>;
  [extra: string]: unknown;
}

export interface Engine {
  readonly kind: EngineKind;
  /** The trace header of what this engine runs (or replays). */
  header(): TraceHeader;
  nodeIds(): NodeId[];
  groups(): readonly GroupId[];
  /** Every event the engine holds, in seq order (for a replay: up to its cursor). */
  events(): readonly TraceEvent[];
  /**
   * Receive events in batches. The listener is first called, synchronously, with the events so
   * far (when there are any), then with each new batch. Returns the unsubscribe function.
   */
  subscribe(listener: EngineListener): () => void;
  /** Run a command; refusals and failures come back as `{ ok: false, error }`, never thrown. */
  command(cmd: EngineCommand): Promise<EngineResult>;
  status(): Promise<EngineStatus>;
  /** Stop the engine for good (workers terminated, timers cleared, listeners dropped). */
  dispose(): Promise<void>;
}

/** A refusal: "<engine> engine: <command>: <why>". */
export function refuse(kind: EngineKind, cmd: EngineCommandType, why: string): EngineResult {
  // The cluster's own errors often name the command already ("crash: n1 is already crashed").
  const text = why.startsWith(`${cmd}: `) ? why : `${cmd}: ${why}`;
  return { ok: false, error: `${kind} engine: ${text}` };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Fan out batches to listeners, keeping the events so far for late subscribers (at most
 * `limit`, the oldest dropped first, as the recorders bound their traces).
 */
export class EventFeed {
  private held: TraceEvent[] = [];
  private readonly listeners = new Set<EngineListener>();

  constructor(private readonly limit = 300_000) {}

  events(): readonly TraceEvent[] {
    return this.held;
  }

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    if (this.held.length > 0) listener(this.held.slice(), true);
    return () => this.listeners.delete(listener);
  }

  /** Append a batch (or, with reset, replace everything by it) and pass it on. */
  push(batch: readonly TraceEvent[], reset = false): void {
    if (reset) this.held = batch.slice();
    else {
      if (batch.length === 0) return;
      for (const e of batch) this.held.push(e);
    }
    // Over the limit, keep trimmedSize(limit): a copy per tenth of the limit, not per batch (at
    // 30,000 events/s a copy of the whole array per batch took an eighth of the page's time).
    if (this.held.length > this.limit) {
      this.held = this.held.slice(this.held.length - trimmedSize(this.limit));
    }
    for (const l of this.listeners) {
      try {
        l(batch, reset);
      } catch (err) {
        console.error('engine event listener failed', err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** What a scenario run on the live engine reports at its end: its checks and failed steps. */
export interface LiveScenarioResult {
  expects: readonly { that: string; passed: boolean; detail: string }[];
  stepErrors: readonly { at: number; action: string; message: string }[];
  ok: boolean;
}

/**
 * What the page needs of the console API (window.playground): the active engine, the resume
 * offer a reload leaves, and the commands behind its few controls. The views depend on this and
 * on src/state only, never on the runtime that implements it.
 */
export interface PageHost {
  readonly engine: EngineKind;
  readonly activeEngine: Engine | null;
  readonly resumeOffer: {
    clusterId: string;
    nodes: readonly NodeId[];
    groups: readonly GroupId[];
  } | null;
  /** Be told when the cluster or engine is replaced, or the resume offer changes. */
  onClusterChange(listener: () => void): () => void;
  /** Options as the console's useEngine takes them (e.g. { scenario, speed } for a lesson). */
  useEngine(kind: EngineKind, options?: unknown): Promise<unknown>;
  resumeCluster(clusterId: string): Promise<unknown>;
  createCluster(): Promise<unknown>;
  /** Save the active engine's trace as a JSON Lines file (throws when there is none). */
  downloadTrace(filename?: unknown): void;
  importTrace(
    file: File,
    options: { onProgress: (done: number, total: number) => void },
  ): Promise<{ ok: boolean; events: number; errors: string[] }>;
  /** The trace as a JSON Lines Blob, built off the page's thread. */
  exportTraceFile?(options: { onProgress: (done: number, total: number) => void }): Promise<Blob>;
  /** The trace converted for another tool (src/trace/convert), off the page's thread. */
  convertTrace?(format: string, window?: { fromMs?: number; toMs?: number }): Promise<string>;
  /** The trace checks' outcome (src/trace/check.ts), off the page's thread. */
  checkTrace?(): Promise<{
    ok: boolean;
    text: string;
    checks: { name: string; failures: number; first: string | null }[];
    notes: string[];
  }>;
  /** Run a scenario file on a new live cluster; resolves when its duration is over. */
  runScenario?(file: unknown): Promise<LiveScenarioResult>;
  /** The run as a scenario file (src/trace/reproduce.ts). */
  reproduce?(): Promise<{
    ok: boolean;
    scenario: unknown;
    exact: boolean;
    notes: string[];
    errors: string[];
  }>;
}
