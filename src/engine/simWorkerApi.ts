// What workers/sim.worker.ts exposes: a SimHost paced to wall time. Every frame the host runs up
// to the virtual time the speed allows (virtual ms = wall ms × speed since the last change of
// speed), or, at 'max', as much as a frame's budget of wall time lets it; the new events go to
// the page in one batch per frame.
// Invariants: pacing decides only *when* the host advances, never what happens: a command runs
// at the virtual time the host stands at when it arrives, and the host logs it there (see
// simHost.ts), so a run is reproduced by its seed and its command log. The clock's pause, the
// speed and reset are the pacer's; everything else goes to the host. A frame that takes too long
// (the machine cannot keep up with the speed) rebases the clock instead of piling up debt.
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import { isHostCommand, SimHost, type LoggedCommand, type SimEngineOptions } from './simHost.ts';
import { refuse, type EngineCommand, type EngineResult, type EngineStatus } from './types.ts';

export type SimEventSink = (batch: TraceEvent[], reset: boolean) => void;

export interface SimWorkerApi {
  /** Build the run and start its clock; answers the trace header. */
  start(options: SimEngineOptions, onEvents: SimEventSink): TraceHeader;
  command(cmd: EngineCommand): Promise<EngineResult>;
  status(): EngineStatus;
  commandLog(): LoggedCommand[];
  /** The host's trace as JSON Lines (the most recent events; see SIM_TRACE_LIMIT). */
  exportTrace(): string;
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

export function createSimWorkerApi(clock: PacerClock = realClock): SimWorkerApi {
  let host: SimHost | null = null;
  let options: SimEngineOptions | null = null;
  let sink: SimEventSink = () => undefined;
  let speed: number | 'max' = 1;
  let paused = false;
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

  const schedule = (): void => {
    if (timer !== null || stopped || paused || host === null || host.stopped) return;
    timer = clock.setTimeout(frame, speed === 'max' ? 0 : FRAME_MS);
  };

  const frame = (): void => {
    timer = null;
    if (host === null || paused || stopped) return;
    const started = clock.now();
    if (speed === 'max') {
      // Bounded in virtual time too, so a frame ends even where the clock barely moves.
      const limit = host.nowMs + MAX_FRAME_VIRTUAL_MS;
      do host.advanceTo(host.nowMs + MAX_STEP_MS);
      while (!host.stopped && host.nowMs < limit && clock.now() - started < MAX_FRAME_BUDGET_MS);
    } else {
      const target = Math.floor(baseVirtual + (started - baseWall) * speed);
      if (target > host.nowMs) host.advanceTo(target);
      if (clock.now() - started > MAX_LAG_MS) rebase();
    }
    flush();
    schedule();
  };

  const build = (): void => {
    host?.dispose();
    host = new SimHost(options!);
    rebase();
  };

  return {
    start(opts, onEvents) {
      if (options !== null) throw new Error('the simulator is already started');
      options = opts;
      sink = onEvents;
      speed = opts.speed;
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
      // The command's own events (the fault, the client's invoke) go out at once.
      flush();
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

    exportTrace() {
      if (host === null) throw new Error('the simulator is not started');
      return host.exportTrace();
    },

    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      host?.dispose();
    },
  };
}
