// What workers/sim.worker.ts exposes: a SimHost paced to wall time. Every frame the host runs up
// to the virtual time the speed allows (virtual ms = wall ms × speed since the last change of
// speed), or, at 'max', as much as a frame's budget of wall time lets it; the new events go to
// the page in one batch per frame.
// Invariants: pacing decides only *when* the host advances, never what happens: a command runs
// at the virtual time the host stands at when it arrives, and the host logs it there (see
// simHost.ts), so a run is reproduced by its seed and its command log. The clock's pause, the
// speed and reset are the pacer's; everything else goes to the host. A frame that takes too long
// (the machine cannot keep up with the speed) rebases the clock instead of piling up debt.
// Branches: fork(atMs, cmd) sets the running host aside (kept, its clients answered as unknown),
// builds a new one that replays the command log up to atMs (forkHost), runs `cmd` there and
// goes on; the page gets the new branch's whole trace as a reset batch. switchBranch takes a
// branch up again where it was left. At most MAX_BRANCHES are kept (the oldest set aside go
// first); reset starts over with one branch.
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import {
  forkHost,
  isHostCommand,
  SimHost,
  type LoggedCommand,
  type SimEngineOptions,
} from './simHost.ts';
import { refuse, type EngineCommand, type EngineResult, type EngineStatus } from './types.ts';

export type SimEventSink = (batch: TraceEvent[], reset: boolean) => void;

/**
 * The API as the Worker exposes it to the page: the same, except that each trace batch crosses
 * as JSON text. One string is cheaper for the page to receive than an object graph (structured
 * cloning 2,000 events took the page about twice as long as JSON.parse of the same events), and
 * under load the page receives tens of thousands of events a second.
 */
export type SimWorkerWire = Omit<SimWorkerApi, 'start'> & {
  start(options: SimEngineOptions, onJson: (json: string, reset: boolean) => void): TraceHeader;
};

/** The Worker's face of `api` (see SimWorkerWire). */
export function wireSimWorkerApi(api: SimWorkerApi): SimWorkerWire {
  return {
    ...api,
    start: (options, onJson) =>
      api.start(options, (batch, reset) => onJson(JSON.stringify(batch), reset)),
  };
}

/** One branch of the run, as the page's branch switcher shows it. */
export interface BranchInfo {
  id: number;
  /** "main", or "fork 2: crash n1 at 12.3 s". */
  label: string;
  /** The branch it forked from (null: the first run). */
  parent: number | null;
  /** The virtual time it forked at (null: the first run). */
  forkAtMs: number | null;
  /** Where its clock stands. */
  nowMs: number;
  /** Commands it has run (its own log, the replayed prefix included). */
  commands: number;
  current: boolean;
}

/** Branches kept at most, the current one included. */
export const MAX_BRANCHES = 8;

export interface SimWorkerApi {
  /** Build the run and start its clock; answers the trace header. */
  start(options: SimEngineOptions, onEvents: SimEventSink): TraceHeader;
  command(cmd: EngineCommand): Promise<EngineResult>;
  status(): EngineStatus;
  commandLog(): LoggedCommand[];
  /** The host's trace as JSON Lines (the most recent events; see SIM_TRACE_LIMIT). */
  exportTrace(): string;
  /**
   * Act in the past: a new branch that replays this one's commands up to `atMs` (cluster ms, no
   * later than now), runs `cmd` there and becomes the current branch; this one is kept.
   * Answers `cmd`'s outcome; a refused `cmd` leaves the branches as they were.
   */
  fork(atMs: number, cmd: EngineCommand): Promise<EngineResult>;
  branches(): BranchInfo[];
  /** Take up branch `id` where it was left (its whole trace goes to the page as a reset batch). */
  switchBranch(id: number): EngineResult;
  /** Stop the clock for good. */
  stop(): void;
}

/** Wall ms between frames, and how long a frame may run the simulator at 'max'. */
export const FRAME_MS = 33;
const MAX_FRAME_BUDGET_MS = 25;
/** Virtual ms per host step at 'max' (small enough that a frame ends near its budget). */
const MAX_STEP_MS = 20;
/** The most virtual ms one frame runs at 'max'. */
const MAX_FRAME_VIRTUAL_MS = 5_000;
/** A frame that falls this far behind its target rebases the clock. */
const MAX_LAG_MS = 500;

/** The wall clock and timers, injected so the pacer can be driven in a test. */
export interface PacerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Branch {
  id: number;
  label: string;
  parent: number | null;
  forkAtMs: number | null;
  host: SimHost;
}

/** A command in a few words, for a branch's label. */
function commandText(cmd: EngineCommand): string {
  const c = cmd as Record<string, unknown>;
  const who = typeof c.node === 'string' ? ` ${c.node}` : '';
  if (cmd.type === 'partition') return `partition ${cmd.sides.map((s) => s.join(' ')).join(' | ')}`;
  if (cmd.type === 'write' || cmd.type === 'read') return `${cmd.type} on${who}`;
  return `${cmd.type}${who}`;
}

export function createSimWorkerApi(clock: PacerClock = realClock): SimWorkerApi {
  let host: SimHost | null = null;
  let branches: Branch[] = [];
  let current: Branch | null = null;
  let nextBranchId = 1;
  let options: SimEngineOptions | null = null;
  let sink: SimEventSink = () => undefined;
  let speed: number | 'max' = 1;
  let paused = false;
  /** Where the pacer pauses by itself (options.pauseAtMs), once; null when not set or reached. */
  let pauseAtMs: number | null = null;
  let stopped = false;
  let timer: unknown = null;
  // The clock's anchor: at wall time baseWall the host stood at virtual time baseVirtual.
  let baseWall = 0;
  let baseVirtual = 0;

  const rebase = (): void => {
    baseWall = clock.now();
    baseVirtual = host?.nowMs ?? 0;
  };

  const flush = (reset = false): void => {
    if (host === null) return;
    const batch = host.drain();
    // The sink is a comlink proxy: a page that went away rejects, which is no one's concern here.
    if (batch.length > 0 || reset) void Promise.resolve(sink(batch, reset)).catch(() => undefined);
  };

  // A client's request waits for its reply, often many frames: its first events (the invoke)
  // need not cross to the page on their own. Requests that arrive together (a load of hundreds a
  // second comes in bursts) share one crossing; each answer still goes out after its events.
  let flushTimer: unknown = null;
  const flushSoon = (): void => {
    if (flushTimer !== null) return;
    flushTimer = clock.setTimeout(() => {
      flushTimer = null;
      flush();
    }, 0);
  };

  const schedule = (): void => {
    if (timer !== null || stopped || paused || host === null || host.stopped) return;
    timer = clock.setTimeout(frame, speed === 'max' ? 0 : FRAME_MS);
  };

  const frame = (): void => {
    timer = null;
    if (host === null || paused || stopped) return;
    const started = clock.now();
    const stopAt = pauseAtMs ?? Infinity;
    if (speed === 'max') {
      // Bounded in virtual time too, so a frame ends even where the clock barely moves.
      const limit = Math.min(host.nowMs + MAX_FRAME_VIRTUAL_MS, stopAt);
      do host.advanceTo(Math.min(host.nowMs + MAX_STEP_MS, stopAt));
      while (!host.stopped && host.nowMs < limit && clock.now() - started < MAX_FRAME_BUDGET_MS);
    } else {
      const target = Math.min(Math.floor(baseVirtual + (started - baseWall) * speed), stopAt);
      if (target > host.nowMs) host.advanceTo(target);
      if (clock.now() - started > MAX_LAG_MS) rebase();
    }
    if (host.nowMs >= stopAt) {
      pauseAtMs = null;
      paused = true;
    }
    flush();
    schedule();
  };

  const build = (): void => {
    for (const b of branches) b.host.dispose();
    host = new SimHost(options!);
    nextBranchId = 1;
    current = { id: nextBranchId++, label: 'main', parent: null, forkAtMs: null, host };
    branches = [current];
    rebase();
  };

  /** Make `b` the running branch; the one running is set aside, its clients answered. */
  const enter = (b: Branch, why: string): void => {
    if (host !== null && host !== b.host) host.detachClients(why);
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    current = b;
    host = b.host;
    rebase();
  };

  const info = (b: Branch): BranchInfo => ({
    id: b.id,
    label: b.label,
    parent: b.parent,
    forkAtMs: b.forkAtMs,
    nowMs: b.host.nowMs,
    commands: b.host.commandCount,
    current: b === current,
  });

  return {
    start(opts, onEvents) {
      if (options !== null) throw new Error('the simulator is already started');
      options = opts;
      sink = onEvents;
      speed = opts.speed;
      pauseAtMs = opts.pauseAtMs ?? null;
      build();
      flush(true);
      schedule();
      return host!.header();
    },

    async command(cmd) {
      if (host === null || stopped)
        return refuse('simulated', cmd.type, 'the simulator is not running');
      switch (cmd.type) {
        case 'speed':
          speed = cmd.speed;
          rebase();
          if (timer !== null) clock.clearTimeout(timer);
          timer = null;
          schedule();
          return { ok: true, value: speed };
        case 'pause':
        case 'resume':
          if (cmd.node !== undefined) break;
          paused = cmd.type === 'pause';
          rebase();
          schedule();
          return { ok: true, value: paused };
        case 'reset':
          build();
          flush(true);
          schedule();
          return { ok: true };
        case 'seek':
          return refuse(
            'simulated',
            'seek',
            'a running simulation only goes forward; export its trace and replay it to seek',
          );
        default:
          break;
      }
      if (!isHostCommand(cmd)) return refuse('simulated', cmd.type, 'unknown command');
      const result = host.apply(cmd);
      // The command's own events (the fault, the client's invoke) go out soon, and always
      // before its answer.
      flushSoon();
      const r = await result;
      flush();
      return r;
    },

    status() {
      if (host === null) throw new Error('the simulator is not started');
      return host.status({ speed, paused });
    },

    commandLog() {
      return host?.commandLog() ?? [];
    },

    async fork(atMs, cmd) {
      if (host === null || current === null || stopped) {
        return refuse('simulated', cmd.type, 'the simulator is not running');
      }
      if (!isHostCommand(cmd)) {
        return refuse('simulated', cmd.type, 'only a command to the cluster can fork the run');
      }
      if (!(typeof atMs === 'number' && Number.isFinite(atMs) && atMs >= 0)) {
        return refuse('simulated', cmd.type, `fork: atMs must be cluster ms ≥ 0, got ${atMs}`);
      }
      if (atMs > host.nowMs) {
        return refuse(
          'simulated',
          cmd.type,
          `fork: ${atMs} ms is later than the run's clock (${host.nowMs} ms)`,
        );
      }
      const parent = current;
      let next: SimHost;
      try {
        next = forkHost(options!, host.commandLog(), atMs);
      } catch (err) {
        return refuse('simulated', cmd.type, err instanceof Error ? err.message : String(err));
      }
      // The new action must run before the branch counts: a refused one forks nothing.
      const before = next.commandCount;
      const result = next.apply(cmd);
      if (next.commandCount === before) {
        next.dispose();
        return result;
      }
      const b: Branch = {
        id: nextBranchId++,
        label: `fork ${nextBranchId - 1}: ${commandText(cmd)} at ${(atMs / 1000).toFixed(1)} s`,
        parent: parent.id,
        forkAtMs: atMs,
        host: next,
      };
      // Events the old branch recorded but did not send yet are part of its trace (events()).
      parent.host.drain();
      enter(b, `the run forked at ${atMs} ms; this request's branch was set aside`);
      branches.push(b);
      while (branches.length > MAX_BRANCHES) {
        const i = branches.findIndex((x) => x !== current);
        branches[i].host.dispose();
        branches.splice(i, 1);
      }
      flush(true);
      schedule();
      const r = await result;
      flush();
      return r;
    },

    branches() {
      return branches.map(info);
    },

    switchBranch(id) {
      if (host === null || stopped) {
        return refuse('simulated', 'reset', 'the simulator is not running');
      }
      const b = branches.find((x) => x.id === id);
      if (b === undefined) {
        return {
          ok: false,
          error: `simulated engine: switch branch: no branch ${id} (branches: ${branches.map((x) => x.id).join(', ')})`,
        };
      }
      if (b !== current) {
        host.drain();
        enter(b, `the run switched to branch ${b.label}; this request's branch was set aside`);
        b.host.drain();
        void Promise.resolve(sink([...b.host.events()], true)).catch(() => undefined);
        schedule();
      }
      return { ok: true, value: info(b) };
    },

    exportTrace() {
      if (host === null) throw new Error('the simulator is not started');
      return host.exportTrace();
    },

    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      for (const b of branches) b.host.dispose();
    },
  };
}
