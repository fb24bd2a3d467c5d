// The replay engine: a player over a recorded or imported trace. It holds every event and a
// cursor (how many have been shown); playing moves the cursor along the trace's own clock at the
// chosen speed (or as fast as the page takes them, at 'max'); seek moves it to any event or time.
// Invariants: subscribers always hold exactly the events before the cursor — moving forward sends
// the events passed over, moving back sends a `reset` batch with the prefix (the state model may
// instead rebuild from its checkpoints, using `all()` and `cursor`); commands that would change
// what happened (crash, write, ...) are refused: a replay shows a run, it does not run one.
import type { NodeId } from '../raft/types.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import {
  EventFeed,
  refuse,
  type Engine,
  type EngineCommand,
  type EngineGroupStatus,
  type EngineListener,
  type EngineResult,
  type EngineStatus,
} from './types.ts';

/** Wall ms between frames while playing; events per frame at 'max'. */
const FRAME_MS = 33;
const MAX_EVENTS_PER_FRAME = 5_000;

/** The commands a replay honours; every other is refused. */
export const REPLAY_COMMANDS = new Set<EngineCommand['type']>([
  'pause',
  'resume',
  'speed',
  'seek',
  'reset',
]);

export interface ReplayTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: ReplayTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ReplayEngine implements Engine {
  readonly kind = 'replay' as const;
  private readonly feed = new EventFeed(Infinity);
  private cursorValue = 0;
  private playing = false;
  private speedValue: number | 'max';
  private timer: unknown = null;
  // While playing: at wall time baseWall the replay's clock stood at trace time baseT.
  private baseWall = 0;
  private baseT = 0;
  private disposed = false;
  private readonly timers: ReplayTimers;

  constructor(
    private readonly headerValue: TraceHeader,
    private readonly trace: readonly TraceEvent[],
    opts: { speed?: number | 'max'; timers?: ReplayTimers } = {},
  ) {
    this.speedValue = opts.speed ?? 1;
    this.timers = opts.timers ?? realTimers;
  }

  header(): TraceHeader {
    return this.headerValue;
  }

  nodeIds(): NodeId[] {
    const ids = new Set(this.headerValue.cluster.nodes);
    for (const e of this.trace) if (e.node !== null) ids.add(e.node);
    return [...ids];
  }

  groups(): readonly string[] {
    return this.headerValue.cluster.groups;
  }

  /** Every event of the trace, shown or not. */
  all(): readonly TraceEvent[] {
    return this.trace;
  }

  /** How many events are shown: all()[0 .. cursor). */
  get cursor(): number {
    return this.cursorValue;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  /** The trace time the replay stands at: the last shown event's, or the first event's before any. */
  get nowMs(): number {
    if (this.cursorValue > 0) return this.trace[this.cursorValue - 1].t;
    return this.trace.length > 0 ? this.trace[0].t : 0;
  }

  events(): readonly TraceEvent[] {
    return this.feed.events();
  }

  subscribe(listener: EngineListener): () => void {
    return this.feed.subscribe(listener);
  }

  play(): void {
    if (this.disposed || this.playing) return;
    this.playing = true;
    this.rebase();
    this.schedule();
  }

  pause(): void {
    this.playing = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  setSpeed(speed: number | 'max'): void {
    this.speedValue = speed;
    this.rebase();
  }

  /**
   * Move the cursor to just after the event with seq `seq` (the last event with a smaller seq
   * when that one is missing), or to just after the last event at or before time `t`.
   */
  seek(to: { seq?: number; t?: number }): number {
    const key =
      to.seq !== undefined ? (e: TraceEvent) => e.seq <= to.seq! : (e: TraceEvent) => e.t <= to.t!;
    // Events are in seq order and their times never decrease: the prefix satisfying `key` is
    // found by binary search.
    let lo = 0;
    let hi = this.trace.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(this.trace[mid])) lo = mid + 1;
      else hi = mid;
    }
    this.moveTo(lo);
    this.rebase();
    return lo;
  }

  async command(cmd: EngineCommand): Promise<EngineResult> {
    if (this.disposed) return refuse('replay', cmd.type, 'the engine was replaced');
    switch (cmd.type) {
      case 'pause':
      case 'resume':
        if (cmd.node !== undefined) break;
        if (cmd.type === 'pause') this.pause();
        else this.play();
        return { ok: true, value: this.playing };
      case 'speed':
        this.setSpeed(cmd.speed);
        return { ok: true, value: cmd.speed };
      case 'seek':
        if ((cmd.seq === undefined) === (cmd.t === undefined)) {
          return refuse('replay', 'seek', 'give seq or t, one of them');
        }
        return { ok: true, value: this.seek(cmd) };
      case 'reset':
        this.pause();
        this.moveTo(0);
        return { ok: true, value: 0 };
      default:
        break;
    }
    return refuse(
      'replay',
      cmd.type,
      'a replay shows a recorded run and cannot change it; ' +
        "switch to the live or simulated engine (playground.useEngine('simulated'))",
    );
  }

  async status(): Promise<EngineStatus> {
    return {
      ...this.fold(),
      cursor: this.cursorValue,
      total: this.trace.length,
      traceDropped: this.headerValue.dropped ?? null,
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.pause();
    this.feed.clear();
  }

  // ---- internals -------------------------------------------------------------------------------

  private moveTo(target: number): void {
    const n = Math.max(0, Math.min(target, this.trace.length));
    if (n >= this.cursorValue) {
      const batch = this.trace.slice(this.cursorValue, n);
      this.cursorValue = n;
      this.feed.push(batch);
    } else {
      this.cursorValue = n;
      this.feed.push(this.trace.slice(0, n), true);
    }
    if (n === this.trace.length) this.pause();
  }

  private rebase(): void {
    this.baseWall = this.timers.now();
    this.baseT = this.nowMs;
  }

  private schedule(): void {
    if (!this.playing || this.timer !== null || this.disposed) return;
    this.timer = this.timers.setTimeout(
      () => this.frame(),
      this.speedValue === 'max' ? 0 : FRAME_MS,
    );
  }

  private frame(): void {
    this.timer = null;
    if (!this.playing) return;
    if (this.cursorValue >= this.trace.length) {
      this.pause();
      return;
    }
    if (this.speedValue === 'max') this.moveTo(this.cursorValue + MAX_EVENTS_PER_FRAME);
    else {
      const t = this.baseT + (this.timers.now() - this.baseWall) * this.speedValue;
      let n = this.cursorValue;
      while (n < this.trace.length && this.trace[n].t <= t) n++;
      // The first event always shows at once, however far from the trace's start it is.
      if (this.cursorValue === 0 && n === 0) n = 1;
      this.moveTo(n);
    }
    this.schedule();
  }

  /** Roles, terms and indexes per node and group, folded from the shown events (for status()). */
  private fold(): EngineStatus {
    const nodes: EngineStatus['nodes'] = {};
    const node = (id: NodeId): EngineStatus['nodes'][string] =>
      (nodes[id] ??= { id, state: 'running', paused: false, skew: 1, groups: {} });
    const group = (id: NodeId, g: string): EngineGroupStatus =>
      ((node(id).groups ??= {})[g] ??= {
        role: 'follower',
        term: 0,
        leader: null,
        commit: 0,
        applied: 0,
        lastIndex: 0,
        voters: [],
        error: null,
      });
    for (const id of this.headerValue.cluster.nodes) node(id);
    for (let i = 0; i < this.cursorValue; i++) {
      const e = this.trace[i];
      if (e.node === null) continue;
      switch (e.type) {
        case 'node-crash':
          node(e.node).state = 'crashed';
          node(e.node).groups = null;
          break;
        case 'node-start':
        case 'node-restart':
          node(e.node).state = 'running';
          node(e.node).groups = {};
          break;
        case 'role': {
          const s = group(e.node, e.group);
          s.role = e.to;
          s.term = e.term;
          s.leader = e.leader;
          break;
        }
        case 'commit':
          group(e.node, e.group).commit = e.index;
          break;
        case 'apply':
          group(e.node, e.group).applied = e.index;
          break;
        default:
          break;
      }
    }
    const leaders: Record<string, NodeId | null> = {};
    for (const g of this.headerValue.cluster.groups) {
      let best: NodeId | null = null;
      let bestTerm = -1;
      for (const n of Object.values(nodes)) {
        const s = n.groups?.[g];
        if (s?.role === 'leader' && s.term > bestTerm) {
          best = n.id;
          bestTerm = s.term;
        }
      }
      leaders[g] = best;
    }
    return {
      engine: 'replay',
      nowMs: this.nowMs,
      speed: this.speedValue,
      paused: !this.playing,
      nodes,
      leaders,
    };
  }
}
