// The simulated engine as the page sees it: a Worker running workers/sim.worker.ts, reached with
// comlink; the trace comes back in batches and is kept here for late subscribers and export.
// Invariants: this module imports only the worker API's *type*, so the page's bundle carries no
// simulator code; a worker that dies turns every pending and later command into a refusal
// naming the failure, never a hang.
// Branches: fork(atMs, cmd) acts in the past (the worker replays the run to atMs from its seed
// and command log, then runs cmd); the earlier branch is kept and switchBranch returns to it.
// Either way the trace arrives as a reset batch; branch listeners hear of every change.
import { proxy, wrap, type Remote } from 'comlink';
import type { NodeId } from '../raft/types.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import type { LoggedCommand, SimEngineOptions } from './simHost.ts';
import type { BranchInfo, SimWorkerWire } from './simWorkerApi.ts';
import { Lifeline } from '../runtime/lifeline.ts';
import {
  errorText,
  EventFeed,
  refuse,
  type Engine,
  type EngineCommand,
  type EngineListener,
  type EngineResult,
  type EngineStatus,
} from './types.ts';

export class SimulatedEngine implements Engine {
  readonly kind = 'simulated' as const;
  private readonly feed = new EventFeed();
  private nodes: NodeId[];
  private failure: string | null = null;
  private disposed = false;
  private readonly branchListeners = new Set<() => void>();

  private constructor(
    private readonly worker: Worker,
    private readonly api: Remote<SimWorkerWire>,
    private readonly headerValue: TraceHeader,
    private readonly life: Lifeline,
    readonly options: SimEngineOptions,
  ) {
    this.nodes = [...headerValue.cluster.nodes];
  }

  /** Start a simulator in a new Worker; rejects if the worker cannot load. */
  static async create(options: SimEngineOptions): Promise<SimulatedEngine> {
    const worker = new Worker(new URL('../../workers/sim.worker.ts', import.meta.url), {
      type: 'module',
      name: 'simulator',
    });
    const api = wrap<SimWorkerWire>(worker);
    let engine: SimulatedEngine | null = null;
    const early: { batch: TraceEvent[]; reset: boolean }[] = [];
    const life = new Lifeline();
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      const message = `the simulator's worker failed: ${ev.message || 'it threw or did not load'}`;
      if (engine !== null) engine.failure = message;
      life.end(new Error(message));
    });
    const sink = proxy((json: string, reset: boolean) => {
      const batch = JSON.parse(json) as TraceEvent[];
      if (engine === null) early.push({ batch, reset });
      else if (!engine.disposed) engine.feed.push(batch, reset);
    });
    let header: TraceHeader;
    try {
      header = await life.guard(api.start(options, sink));
    } catch (err) {
      worker.terminate();
      throw err;
    }
    engine = new SimulatedEngine(worker, api, header, life, options);
    for (const { batch, reset } of early) engine.feed.push(batch, reset);
    return engine;
  }

  header(): TraceHeader {
    return this.headerValue;
  }

  nodeIds(): NodeId[] {
    return [...this.nodes];
  }

  groups(): readonly string[] {
    return this.headerValue.cluster.groups;
  }

  events(): readonly TraceEvent[] {
    return this.feed.events();
  }

  subscribe(listener: EngineListener): () => void {
    return this.feed.subscribe(listener);
  }

  async command(cmd: EngineCommand): Promise<EngineResult> {
    if (this.disposed) return refuse('simulated', cmd.type, 'the engine was replaced');
    if (this.failure !== null) return refuse('simulated', cmd.type, this.failure);
    try {
      const r = await this.life.guard<EngineResult>(this.api.command(cmd));
      if (r.ok && cmd.type === 'add-node' && typeof r.value === 'string') this.nodes.push(r.value);
      if (r.ok && cmd.type === 'reset') {
        this.nodes = [...this.headerValue.cluster.nodes];
        this.branchesChanged();
      }
      return r;
    } catch (err) {
      return refuse('simulated', cmd.type, errorText(err));
    }
  }

  async status(): Promise<EngineStatus> {
    if (this.failure !== null) throw new Error(this.failure);
    return this.life.guard(this.api.status());
  }

  /** The commands run so far, at their virtual times: with the seed, they reproduce the run. */
  commandLog(): Promise<LoggedCommand[]> {
    return this.life.guard(this.api.commandLog());
  }

  /**
   * Act in the past: run `cmd` at cluster time `atMs` in a new branch replayed from the seed and
   * the command log; the current branch is kept (see SimWorkerApi.fork).
   */
  async fork(atMs: number, cmd: EngineCommand): Promise<EngineResult> {
    if (this.disposed) return refuse('simulated', cmd.type, 'the engine was replaced');
    if (this.failure !== null) return refuse('simulated', cmd.type, this.failure);
    try {
      const r = await this.life.guard<EngineResult>(this.api.fork(atMs, cmd));
      if (r.ok) await this.branchNodes();
      return r;
    } catch (err) {
      return refuse('simulated', cmd.type, errorText(err));
    }
  }

  /** The run's branches (the first run, then one per fork), the current one flagged. */
  branches(): Promise<BranchInfo[]> {
    if (this.failure !== null) return Promise.reject(new Error(this.failure));
    return this.life.guard(this.api.branches());
  }

  /** Take up branch `id` where it was left. */
  async switchBranch(id: number): Promise<EngineResult> {
    if (this.disposed) return refuse('simulated', 'reset', 'the engine was replaced');
    try {
      const r = await this.life.guard<EngineResult>(this.api.switchBranch(id));
      if (r.ok) await this.branchNodes();
      return r;
    } catch (err) {
      return { ok: false, error: `simulated engine: switch branch: ${errorText(err)}` };
    }
  }

  /** Be told when a fork, a switch or a reset changed the branches. */
  onBranchesChange(listener: () => void): () => void {
    this.branchListeners.add(listener);
    return () => this.branchListeners.delete(listener);
  }

  /** The current branch's nodes (it may have added some), then tell the listeners. */
  private async branchNodes(): Promise<void> {
    const st = await this.life.guard(this.api.status()).catch(() => null);
    if (st !== null) this.nodes = Object.keys(st.nodes);
    this.branchesChanged();
  }

  private branchesChanged(): void {
    for (const l of this.branchListeners) {
      try {
        l();
      } catch (err) {
        console.error('branch listener failed', err);
      }
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.feed.clear();
    this.branchListeners.clear();
    await Promise.race([this.life.guard(this.api.stop()), sleep(500)]).catch(() => undefined);
    this.worker.terminate();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
