// `window.playground`: the console API that scripts the running app from the browser console
// and from browser tests (DESIGN.md §3; documented in the README's "Console API" section).
// Every command works on the active engine (src/engine): the live cluster by default, or the
// simulator in a Worker, or a replay of a trace (useEngine, importTrace); `engine` says which,
// and a command an engine cannot honour is refused with a message saying so. Creating, resuming
// or resetting a cluster replaces it (and makes the live engine active again), and those are
// serialized so a script can call them back to back. Node arguments of the
// commands that return promises take an id ("n2") or a reference resolved when the command runs
// ("@leader:nacos_config", "@follower:nacos_config"); the synchronous network commands take ids.
// Invariant: every command checks all its arguments (types, ranges, known nodes and groups,
// nothing coerced) before it acts, so a refused command changes nothing; errors are thrown with
// a message naming the command, the argument and what was wrong.
// Durability across reloads: the page remembers its cluster (id and options) in localStorage;
// after a reload the cluster's databases are still there and resumeCluster() starts its nodes on
// them, as a restart of every node (the point of keeping Raft's state in IndexedDB).
import { proxy, wrap } from 'comlink';
import { initialNetworkPolicy, NetworkPolicyError } from '../net/policy.ts';
import { CONFIG_GROUP, DEFAULT_GROUPS } from '../cp/groups.ts';
import type { ClientReply } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import { parseScenario, parseScenarioText } from '../scenario/format.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import {
  exportTrace as traceToJsonl,
  importTrace,
  type ImportProgress,
  type ImportResult,
} from '../trace/jsonl.ts';
import { parseReplayOptions, parseSimulatedOptions } from '../engine/options.ts';
import { REPLAY_COMMANDS, ReplayEngine } from '../engine/replay.ts';
import { SimulatedEngine } from '../engine/simulated.ts';
import {
  ENGINE_KINDS,
  refuse,
  type Engine,
  type EngineCommand,
  type EngineKind,
  type EngineListener,
  type EngineStatus,
} from '../engine/types.ts';
import { z } from 'zod';
import { describeValue } from '../trace/schema.ts';
import { LiveEngine } from '../engine/live.ts';
import {
  Cluster,
  ClusterError,
  groupSummaries,
  leaderIn,
  sleep,
  type ClusterListener,
  type ClusterOptions,
  type GroupSummary,
  type NodeInfo,
} from './cluster.ts';
import { wallNowMs } from './clock.ts';
import {
  checkBoolean,
  checkGroup,
  checkNodeRef,
  checkNoArgs,
  checkNumber,
  checkOneOf,
  checkPayload,
  ConsoleArgError,
  MAX_SPEED,
  MIN_SPEED,
  NODE_ID_RE,
  parseClusterOptions,
  parseNetworkSettings,
  type ValidClusterOptions,
} from './clusterOptions.ts';
import { clusterLockName, clusterNodeIds, collectStaleClusters } from './idbStorage.ts';
import {
  RequestRefs,
  resolveRef,
  runScenarioInBrowser,
  type BrowserRunResult,
} from './scenarioRunner.ts';
import type { HeldMessage, LogView } from './workerApi.ts';
import type { TraceImportApi } from '../../workers/traceImport.worker.ts';
import type { TraceCheckOutcome, TraceIoApi } from '../../workers/traceIo.worker.ts';
import { CONVERT_FORMATS, isConvertFormat } from '../trace/convert/index.ts';
import type { ReproduceResult } from '../trace/reproduce.ts';
import { Lifeline } from './lifeline.ts';

/** Network settings as the console and scenario files name them. */
export interface NetworkSettings {
  delayMs?: [number, number];
  drop?: number;
  duplicate?: number;
}

export type { GroupSummary };

export interface NodeSummary extends NodeInfo {
  groups: Record<GroupId, GroupSummary> | null;
}

export interface PlaygroundStatus {
  /** Which engine answered: always 'live' here (see status() for the others' shape). */
  engine: 'live';
  clusterId: string;
  /** Started from the databases a previous page left (resumeCluster). */
  resumed: boolean;
  speed: number;
  paused: boolean;
  timing: string;
  durability: string;
  network: ReturnType<Cluster['network']>;
  nodes: Record<NodeId, NodeSummary>;
  /** The leader of each group (null when none is running). */
  leaders: Record<GroupId, NodeId | null>;
  /** Events the bounded in-memory trace dropped (null: none). */
  traceDropped: { events: number; firstSeq: number; lastSeq: number } | null;
}

/** A cluster whose databases a previous page left, which resumeCluster() can start again. */
export interface ResumeOffer {
  clusterId: string;
  /** The nodes that have a database. */
  nodes: NodeId[];
  groups: GroupId[];
  /** The options it was created with (clusterId aside). */
  options: ValidClusterOptions;
  /** When it was last saved (wall ms). */
  savedAtMs: number;
}

/** What importTrace answers. */
export interface ImportSummary {
  ok: boolean;
  events: number;
  errors: string[];
}

/** An engine other than the live cluster, when one is active. */
type OtherEngine = SimulatedEngine | ReplayEngine;

const importOptionsSchema = z.strictObject({
  onProgress: z
    .custom<ImportProgress>((v) => typeof v === 'function', {
      error: 'onProgress must be a function',
    })
    .optional(),
  open: z.boolean({ error: 'open must be true or false' }).optional(),
});

const convertWindowSchema = z.strictObject({
  fromMs: z.number({ error: 'fromMs must be a number of cluster ms' }).nonnegative().optional(),
  toMs: z.number({ error: 'toMs must be a number of cluster ms' }).nonnegative().optional(),
});

const seekSchema = z.union(
  [
    z.number().int().nonnegative(),
    z.strictObject({ seq: z.number().int().nonnegative() }),
    z.strictObject({ t: z.number().nonnegative() }),
  ],
  { error: 'seek: expected an event seq (a whole number), { seq } or { t } (cluster ms)' },
);

/** The localStorage key of the cluster this browser ran last. */
export const SAVED_CLUSTER_KEY = 'raft-playground/last-cluster';
/** Texts at least this long are parsed in a worker, off the page's thread. */
export const WORKER_IMPORT_CHARS = 512 * 1024;

interface SavedCluster {
  clusterId: string;
  options: ValidClusterOptions;
  nodes: NodeId[];
  savedAtMs: number;
}

const HELP = `window.playground — script the Raft cluster (each node is a Web Worker).
  await playground.createCluster({ nodes: 5, timing: 'lesson' })   'nacos' (default) or 'lesson'
  await playground.resumeCluster()           start the last cluster again from its databases
  await playground.status()                  roles, terms, commit indexes per node and group
  await playground.write('n2', '${CONFIG_GROUP}', { type: 'publish', dataId: 'a', content: 'v1' })
      add casMd5 for a CAS publish (Nacos 2.2.4): blank = plain publish; an absent item is
      inserted whatever md5 is given; a present one only if its md5 matches, else it fails
  await playground.read('@leader:${CONFIG_GROUP}', '${CONFIG_GROUP}', { type: 'get', dataId: 'a' })
  await playground.crash('@leader:${CONFIG_GROUP}'); await playground.restart('n1')
  await playground.pause('n3'); await playground.resume('n3')     pause() alone freezes everything
  playground.speed(0.5)                      0.01× to 10×
  playground.durability('relaxed')           'strict' (default: flushed to disk) or 'relaxed'
  playground.partition(['n1', 'n2'], ['n3', 'n4', 'n5']); playground.heal()
  playground.cut('n1', 'n2'); playground.link('n1', 'n2')          one direction
  playground.network({ delayMs: [20, 60], drop: 0.1, duplicate: 0 }, from?, to?)
  playground.hold(true); await playground.held(); await playground.release()
  await playground.skew('n2', 1.5); await playground.addNode(); await playground.removeNode('n5')
  await playground.transferLeader('${CONFIG_GROUP}', '@follower:${CONFIG_GROUP}')
  await playground.snapshot('n1', '${CONFIG_GROUP}'); await playground.failApply('n2', '${CONFIG_GROUP}')
  await playground.runScenario(jsonOrText)   a scenario file (README: Scenario files)
  playground.exportTrace(); playground.downloadTrace(); await playground.importTrace(textOrFile)
  await playground.exportTraceFile()         the trace as a Blob, built in a worker (onProgress)
  await playground.convertTrace('perfetto')  also shiviz, edn, history-json, mermaid ({ fromMs, toMs })
  await playground.checkTrace(); await playground.traceSummary(); await playground.reproduce()
  await playground.reset()                   delete the cluster's databases and start anew
  playground.engine                          'live', 'simulated' or 'replay': where commands go
  await playground.useEngine('simulated', { seed: 42, nodes: 5, speed: 'max' })   same commands
  await playground.useEngine('replay'); await playground.seek({ t: 5000 }); playground.resume()
  await playground.useEngine('live')         back to the browser cluster`;

/** Reject with the error `fn` throws, so every async command fails as a rejected promise. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The nodes of `clusterId` that have a database in this browser (in the default storage bucket
 * or in their own), in id order.
 */
async function databasesOf(clusterId: string): Promise<NodeId[]> {
  return (await clusterNodeIds(clusterId)).filter((id) => NODE_ID_RE.test(id));
}

/** Whether some page (this one included) holds the cluster's Web Lock, i.e. runs it. */
async function lockHeld(clusterId: string): Promise<boolean> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks === undefined) return false;
  const q = await locks.query();
  const name = clusterLockName(clusterId);
  return [...(q.held ?? []), ...(q.pending ?? [])].some((l) => l.name === name);
}

function readSaved(): SavedCluster | null {
  if (typeof localStorage === 'undefined') return null;
  try {
    const raw = localStorage.getItem(SAVED_CLUSTER_KEY);
    if (raw === null) return null;
    const v = JSON.parse(raw) as Partial<SavedCluster>;
    if (typeof v.clusterId !== 'string' || !Array.isArray(v.nodes)) return null;
    // What was saved is checked again: another version of the app may have written it.
    const options = parseClusterOptions(v.options ?? {}, 'saved cluster');
    return {
      clusterId: v.clusterId,
      options,
      nodes: v.nodes.filter((x): x is string => typeof x === 'string'),
      savedAtMs: typeof v.savedAtMs === 'number' ? v.savedAtMs : 0,
    };
  } catch {
    return null;
  }
}

export class Playground {
  private current: Cluster | null = null;
  private options: ValidClusterOptions = {};
  private serial: Promise<unknown> = Promise.resolve();
  private readonly changeListeners = new Set<(c: Cluster | null) => void>();
  private readonly rng = new SeededRng(1);
  private requestRefs: { cluster: Cluster; refs: RequestRefs } | null = null;
  /** The Web Lock this page holds on a resumable cluster while it offers it. */
  private guard: { clusterId: string; release: () => Promise<void> } | null = null;
  private importWorker: {
    worker: Worker;
    api: ReturnType<typeof wrap<TraceImportApi>>;
    life: Lifeline;
  } | null = null;
  /** The worker that exports, converts and checks traces off the page's thread. */
  private traceIoWorker: { worker: Worker; api: ReturnType<typeof wrap<TraceIoApi>> } | null = null;
  /** The active engine when it is not the live cluster. */
  private other: OtherEngine | null = null;
  /** The speed last set on the other engine (null: its starting speed). */
  private otherSpeed: number | 'max' | null = null;
  /** Whether switching away from the live cluster paused it (switching back resumes it). */
  private livePausedBySwitch = false;
  /** The last trace imported with importTrace that was valid (a bad file never replaces it). */
  imported: ImportResult | null = null;
  /** The cluster a previous page left, offered for resuming (set by offerResume). */
  resumeOffer: ResumeOffer | null = null;

  /** The current cluster (null before createCluster or after destroy). */
  get cluster(): Cluster | null {
    return this.current;
  }

  /** Which engine commands go to: 'live' (the browser cluster), 'simulated' or 'replay'. */
  get engine(): EngineKind {
    return this.other?.kind ?? 'live';
  }

  /** The active engine behind the Engine interface (null: live, before createCluster). */
  get activeEngine(): Engine | null {
    if (this.other !== null) return this.other;
    return this.current === null ? null : new LiveEngine(this.current);
  }

  /**
   * Make `kind` the active engine. 'simulated' starts a new seeded simulator in a Worker (options:
   * seed, nodes, groups, timing, network, readOnly, snapshotIntervalEntries, speed — a number or
   * 'max'); 'replay' plays the last imported trace, or else the active engine's trace so far
   * (options: speed); 'live' returns to the browser cluster (with options: a new one, as
   * createCluster). The live cluster is paused, not stopped, while another engine runs.
   */
  useEngine(kind: unknown, options?: unknown, ...rest: unknown[]): Promise<unknown> {
    return attempt(async () => {
      checkNoArgs('useEngine (a kind and one options object)', rest);
      const k = checkOneOf('useEngine: kind', kind, ENGINE_KINDS);
      if (k === 'live') {
        if (options !== undefined) parseClusterOptions(options, "useEngine('live')");
        await this.exclusive(() => this.leaveOther());
        if (options !== undefined || this.current === null) return this.createCluster(options);
        return this.status();
      }
      if (k === 'simulated') {
        const opts = parseSimulatedOptions(options);
        return this.exclusive(async () => {
          const engine = await SimulatedEngine.create(opts);
          await this.enterOther(engine);
          return engine.status();
        });
      }
      const opts = parseReplayOptions(options);
      return this.exclusive(async () => {
        let source: { header: ReturnType<Engine['header']>; events: readonly TraceEvent[] };
        if (this.imported?.ok) source = this.imported;
        else {
          const active = this.activeEngine;
          if (active === null) {
            throw new ConsoleArgError(
              "useEngine('replay'): nothing to replay: import a trace (playground.importTrace) " +
                'or run an engine first',
            );
          }
          source = { header: active.header(), events: [...active.events()] };
        }
        const engine = new ReplayEngine(source.header, source.events, { speed: opts.speed });
        await this.enterOther(engine);
        return engine.status();
      });
    });
  }

  /** Replay only: show the trace up to event `seq` ({ seq }), or up to cluster time { t }. */
  seek(target: unknown): Promise<number> {
    return attempt(async () => {
      const r = seekSchema.safeParse(target);
      if (!r.success) {
        throw new ConsoleArgError(
          `seek: expected an event seq (a whole number), { seq } or { t } (cluster ms), got ${describeValue(target)}`,
        );
      }
      const to = typeof r.data === 'number' ? { seq: r.data } : r.data;
      return (await this.send('seek', { type: 'seek', ...to })) as number;
    });
  }

  /** Make `engine` the active one: the previous other engine is disposed, the live one paused. */
  private async enterOther(engine: OtherEngine): Promise<void> {
    const prev = this.other;
    this.other = engine;
    if (prev !== null) await prev.dispose();
    else if (this.current !== null && !this.current.paused) {
      this.current.pause();
      this.livePausedBySwitch = true;
    }
    this.notify();
  }

  /** Back to the live engine: the other one is disposed, the live cluster resumed if we paused it. */
  private async leaveOther(): Promise<void> {
    const prev = this.other;
    if (prev === null) return;
    this.other = null;
    await prev.dispose();
    if (this.livePausedBySwitch && this.current !== null) this.current.resume();
    this.livePausedBySwitch = false;
    this.notify();
  }

  /** Run `cmd` on the active other engine; its refusal becomes the thrown error. */
  private async send(command: string, cmd: EngineCommand): Promise<unknown> {
    const e = this.other;
    if (e === null) {
      throw new ClusterError(
        `${command}: the live engine has no ${cmd.type}; it replays traces only`,
      );
    }
    const r = await e.command(cmd);
    if (!r.ok) throw new ClusterError(r.error);
    return r.value;
  }

  /**
   * With another engine active: refuse what a replay cannot do before looking at the arguments
   * (so the message says why), and check node arguments against that engine's nodes.
   */
  private otherRef(
    e: OtherEngine,
    command: string,
    cmd: EngineCommand['type'],
    node: unknown,
    what = 'node',
    refs = true,
  ): string {
    this.gate(e, cmd);
    return checkNodeRef(`${command}: ${what}`, node, e.nodeIds(), e.groups(), refs);
  }

  private gate(e: OtherEngine, cmd: EngineCommand['type']): void {
    if (e.kind === 'replay' && !REPLAY_COMMANDS.has(cmd)) {
      const r = refuse(
        'replay',
        cmd,
        'a replay shows a recorded run and cannot change it; switch to the live or simulated engine (playground.useEngine)',
      );
      throw new ClusterError(r.ok ? '' : r.error);
    }
  }

  /** A live-only command while another engine is active: say so. */
  private liveOnly(command: string): void {
    if (this.other !== null) {
      throw new ClusterError(
        `${command}: works on the live engine only; the active engine is ${this.other.kind} ` +
          `(playground.useEngine('live'))`,
      );
    }
  }

  help(): string {
    console.log(HELP);
    return HELP;
  }

  /**
   * Be told when the cluster is replaced (create, resume, reset, destroy, runScenario) or the
   * resume offer changes.
   */
  onClusterChange(listener: (c: Cluster | null) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ───────────────────────────── cluster ─────────────────────────────

  /**
   * Replace the current cluster (its databases are deleted) by a new one. Every option is
   * checked first: a refused call leaves the running cluster as it was.
   */
  createCluster(options?: unknown, ...rest: unknown[]): Promise<PlaygroundStatus> {
    return attempt(() => {
      checkNoArgs('createCluster (one options object)', rest);
      const opts = parseClusterOptions(options);
      // The network settings as the cluster will build them, so their errors come now too.
      try {
        initialNetworkPolicy(opts.network ?? {});
      } catch (err) {
        if (err instanceof NetworkPolicyError) {
          throw new ConsoleArgError(`createCluster: network: ${err.message}`);
        }
        throw err;
      }
      return this.exclusive(async () => {
        if (opts.clusterId !== undefined && opts.clusterId !== this.current?.clusterId) {
          await this.checkIdFree(opts.clusterId);
        }
        await this.leaveOther();
        // The user chose a new cluster over the one a previous page left: let it be collected.
        await this.dropGuard();
        await this.teardown(true);
        // Best effort: a database some stray connection keeps open must not hold up the start.
        await Promise.race([collectStaleClusters().catch(() => undefined), sleep(3000)]);
        const c = await Cluster.create(opts);
        this.options = opts;
        this.install(c);
        return this.status();
      });
    });
  }

  /** Refuse a cluster id that another page runs or whose databases are on disk. */
  private async checkIdFree(clusterId: string): Promise<void> {
    if (this.guard?.clusterId !== clusterId && (await lockHeld(clusterId))) {
      throw new ConsoleArgError(
        `createCluster: clusterId: cluster ${clusterId} is running in another tab or window; ` +
          `choose another id (or leave clusterId out for a fresh one)`,
      );
    }
    const dbs = await databasesOf(clusterId);
    if (dbs.length > 0) {
      throw new ConsoleArgError(
        `createCluster: clusterId: cluster ${clusterId} has databases on disk ` +
          `(${dbs.join(', ')}); resume it with playground.resumeCluster('${clusterId}') ` +
          `rather than overwrite it, or choose another id`,
      );
    }
  }

  /** Delete the cluster's databases and start a new cluster with the same options. */
  reset(...args: unknown[]): Promise<PlaygroundStatus | EngineStatus> {
    return attempt(() => {
      checkNoArgs('reset', args);
      if (this.other !== null)
        return this.send('reset', { type: 'reset' }).then(() => this.status());
      const { clusterId: _old, ...options } = this.options;
      return this.createCluster(options);
    });
  }

  /** Stop the cluster; with deleteData (default true) its databases are deleted. */
  destroy(deleteData: unknown = true): Promise<void> {
    return attempt(() => {
      const del = checkBoolean('destroy: deleteData', deleteData);
      return this.exclusive(async () => {
        const id = this.current?.clusterId;
        await this.teardown(del);
        if (del && id !== undefined && readSaved()?.clusterId === id) this.forgetSaved();
      });
    });
  }

  /**
   * The cluster a previous page (or destroy(false)) left, if its databases are still in this
   * browser and no page runs it; null otherwise. With an id, that cluster.
   */
  async resumable(clusterId?: unknown): Promise<ResumeOffer | null> {
    if (clusterId !== undefined && (typeof clusterId !== 'string' || clusterId === '')) {
      throw new ConsoleArgError(
        `resumable: expected a cluster id, got ${describeValue(clusterId)}`,
      );
    }
    const saved = readSaved();
    const id = clusterId ?? saved?.clusterId;
    if (id === undefined || id === this.current?.clusterId) return null;
    if (this.guard?.clusterId !== id && (await lockHeld(id))) return null;
    const nodes = await databasesOf(id);
    if (nodes.length === 0) return null;
    const options = saved?.clusterId === id ? saved.options : {};
    return {
      clusterId: id,
      nodes,
      groups: options.groups ?? [...DEFAULT_GROUPS],
      options,
      savedAtMs: saved?.clusterId === id ? saved.savedAtMs : 0,
    };
  }

  /**
   * On page load: if the last cluster can be resumed, hold its lock (so no page collects its
   * databases as stale meanwhile) and return the offer; the page shows it.
   */
  async offerResume(): Promise<ResumeOffer | null> {
    const saved = readSaved();
    if (saved === null || this.current !== null) return null;
    const held = await this.holdGuard(saved.clusterId);
    if (!held) return null;
    const offer = await this.resumable(saved.clusterId);
    if (offer === null) await this.dropGuard();
    // A cluster started meanwhile (a script was quicker) makes the offer moot.
    if (this.current !== null) return null;
    this.resumeOffer = offer;
    this.notify();
    return offer;
  }

  /**
   * Start the last cluster (or `clusterId`) again from its databases: each node recovers its
   * term, vote, log, configuration and snapshot, as after a crash of every node. The running
   * cluster, if any, is replaced.
   */
  resumeCluster(clusterId?: unknown, ...rest: unknown[]): Promise<PlaygroundStatus> {
    return attempt(() => {
      checkNoArgs('resumeCluster (one cluster id)', rest);
      if (clusterId !== undefined && (typeof clusterId !== 'string' || clusterId === '')) {
        throw new ConsoleArgError(
          `resumeCluster: expected a cluster id, got ${describeValue(clusterId)}`,
        );
      }
      return this.exclusive(async () => {
        const id = clusterId ?? readSaved()?.clusterId;
        if (id !== undefined && id === this.current?.clusterId) {
          throw new ConsoleArgError(`resumeCluster: cluster ${id} is already running here`);
        }
        const offer = await this.resumable(id);
        if (offer === null) {
          throw new ConsoleArgError(
            id === undefined
              ? 'resumeCluster: no cluster to resume: this browser has not run one yet'
              : `resumeCluster: cluster ${id} cannot be resumed: its databases are gone or ` +
                  `another tab runs it`,
          );
        }
        await this.leaveOther();
        await this.teardown(true);
        await this.dropGuard();
        const c = await Cluster.create({
          ...offer.options,
          clusterId: offer.clusterId,
          resume: { nodeIds: offer.nodes },
        });
        this.options = { ...offer.options, clusterId: offer.clusterId };
        this.install(c);
        return this.status();
      });
    });
  }

  /** Take the cluster's lock (waiting a little for a page being unloaded to let it go). */
  private async holdGuard(clusterId: string): Promise<boolean> {
    if (this.guard?.clusterId === clusterId) return true;
    await this.dropGuard();
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (locks === undefined) return true;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let settle!: (held: boolean) => void;
    const got = new Promise<boolean>((r) => (settle = r));
    const done = locks
      .request(clusterLockName(clusterId), { signal: AbortSignal.timeout(3000) }, () => {
        settle(true);
        return released;
      })
      .catch(() => settle(false));
    const held = await got;
    if (held) {
      this.guard = {
        clusterId,
        release: async () => {
          release();
          await done;
        },
      };
    }
    return held;
  }

  private async dropGuard(): Promise<void> {
    const g = this.guard;
    this.guard = null;
    if (g !== null) await g.release();
  }

  private save(): void {
    const c = this.current;
    if (c === null || typeof localStorage === 'undefined') return;
    const { clusterId: _id, ...options } = this.options;
    const saved: SavedCluster = {
      clusterId: c.clusterId,
      options,
      nodes: c.memberIds(),
      savedAtMs: Date.now(),
    };
    try {
      localStorage.setItem(SAVED_CLUSTER_KEY, JSON.stringify(saved));
    } catch (err) {
      console.warn('could not remember the cluster for a reload:', errorText(err));
    }
  }

  private forgetSaved(): void {
    if (typeof localStorage !== 'undefined') localStorage.removeItem(SAVED_CLUSTER_KEY);
  }

  private async teardown(deleteData: boolean): Promise<void> {
    const c = this.current;
    this.current = null;
    if (c !== null) await c.destroy({ deleteData });
    this.notify();
  }

  private install(c: Cluster): void {
    this.current = c;
    this.resumeOffer = null;
    this.save();
    this.notify();
  }

  private notify(): void {
    for (const l of this.changeListeners) l(this.current);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private c(): Cluster {
    if (this.current === null) {
      throw new ClusterError('no cluster: run `await playground.createCluster()` first');
    }
    return this.current;
  }

  /** Check a node argument (id or reference) of `command` and resolve it. */
  private async node(command: string, node: unknown, what = 'node'): Promise<NodeId> {
    const c = this.c();
    const ref = checkNodeRef(`${command}: ${what}`, node, c.nodeIds(), c.groups);
    try {
      return await resolveRef(c, this.rng, ref);
    } catch (err) {
      throw new ClusterError(`${command}: ${what}: ${errorText(err)}`);
    }
  }

  /**
   * The node a write or read goes to: as node(), but a reference is resolved against a status
   * at most 100 ms old (RequestRefs), so a script sending hundreds of requests a second through
   * '@leader:g' does not ask every worker for its status before each one.
   */
  private async requestNode(command: string, node: unknown): Promise<NodeId> {
    const c = this.c();
    const ref = checkNodeRef(`${command}: node`, node, c.nodeIds(), c.groups);
    if (this.requestRefs === null || this.requestRefs.cluster !== c) {
      this.requestRefs = { cluster: c, refs: new RequestRefs(c, wallNowMs) };
    }
    try {
      return await this.requestRefs.refs.resolve(this.rng, ref);
    } catch (err) {
      throw new ClusterError(`${command}: node: ${errorText(err)}`);
    }
  }

  /** A node id argument of a synchronous command (no reference: it cannot wait for status). */
  private nodeId(command: string, node: unknown, what: string): NodeId {
    const e = this.other;
    if (e !== null)
      return checkNodeRef(`${command}: ${what}`, node, e.nodeIds(), e.groups(), false);
    const c = this.c();
    return checkNodeRef(`${command}: ${what}`, node, c.nodeIds(), c.groups, false);
  }

  private group(command: string, group: unknown): GroupId {
    if (this.other !== null) return checkGroup(`${command}: group`, group, this.other.groups());
    return checkGroup(`${command}: group`, group, this.c().groups);
  }

  /** The live cluster's status, or the active engine's (`engine` says which). */
  async status(...args: unknown[]): Promise<PlaygroundStatus> {
    checkNoArgs('status', args);
    if (this.other !== null) return (await this.other.status()) as unknown as PlaygroundStatus;
    const c = this.c();
    const statuses = await c.statuses();
    const nodes: Record<NodeId, NodeSummary> = {};
    for (const info of c.nodes()) {
      const groups = groupSummaries(statuses.get(info.id));
      nodes[info.id] = { ...info, groups };
    }
    const leaders: Record<GroupId, NodeId | null> = {};
    for (const g of c.groups) leaders[g] = leaderIn(statuses, g);
    return {
      engine: 'live',
      clusterId: c.clusterId,
      resumed: c.resumed,
      speed: c.speed,
      paused: c.paused,
      timing: `${c.timing.profile} (election timeout ${c.timing.electionTimeoutMs} ms, tick ${c.timing.tickMs} ms)`,
      durability: c.durability,
      network: c.network(),
      nodes,
      leaders,
      traceDropped: c.droppedEvents,
    };
  }

  nodes(...args: unknown[]): NodeInfo[] {
    checkNoArgs('nodes', args);
    this.liveOnly('nodes');
    return this.c().nodes();
  }

  async leader(group: unknown = CONFIG_GROUP): Promise<NodeId | null> {
    const e = this.other;
    if (e !== null) {
      const g = checkGroup('leader: group', group, e.groups());
      return (await e.status()).leaders[g] ?? null;
    }
    return this.c().leaderOf(this.group('leader', group));
  }

  // ───────────────────────────── faults ─────────────────────────────

  async crash(node: unknown): Promise<NodeId> {
    const e = this.other;
    if (e !== null) {
      return (await this.send('crash', {
        type: 'crash',
        node: this.otherRef(e, 'crash', 'crash', node),
      })) as NodeId;
    }
    const id = await this.node('crash', node);
    this.c().crash(id);
    return id;
  }

  async restart(node: unknown): Promise<NodeId> {
    const e = this.other;
    if (e !== null) {
      return (await this.send('restart', {
        type: 'restart',
        node: this.otherRef(e, 'restart', 'restart', node),
      })) as NodeId;
    }
    const id = await this.node('restart', node);
    await this.c().restart(id);
    return id;
  }

  /** Pause one node (SIGSTOP), or with no argument the whole cluster (ticks and deliveries). */
  async pause(node?: unknown): Promise<void> {
    const e = this.other;
    if (e !== null) {
      const n = node === undefined ? undefined : this.otherRef(e, 'pause', 'pause', node);
      await this.send('pause', n === undefined ? { type: 'pause' } : { type: 'pause', node: n });
      return;
    }
    if (node === undefined) return this.c().pause();
    await this.c().pauseNode(await this.node('pause', node));
  }

  async resume(node?: unknown): Promise<void> {
    const e = this.other;
    if (e !== null) {
      const n = node === undefined ? undefined : this.otherRef(e, 'resume', 'resume', node);
      await this.send('resume', n === undefined ? { type: 'resume' } : { type: 'resume', node: n });
      return;
    }
    if (node === undefined) return this.c().resume();
    await this.c().resumeNode(await this.node('resume', node));
  }

  /** Get, or set (0.01 to 10), the cluster's speed. */
  speed(speed?: unknown): number | 'max' {
    const e = this.other;
    if (e !== null) {
      if (speed !== undefined) {
        const v =
          speed === 'max' ? 'max' : checkNumber("speed (or 'max')", speed, MIN_SPEED, MAX_SPEED);
        this.otherSpeed = v;
        // Validated above, so only a dead worker refuses it; that shows in status().
        void this.send('speed', { type: 'speed', speed: v }).catch(() => undefined);
      }
      return this.otherSpeed ?? (e.kind === 'simulated' ? e.options.speed : 1);
    }
    if (speed !== undefined) {
      this.c().setSpeed(checkNumber('speed', speed, MIN_SPEED, MAX_SPEED));
    }
    return this.c().speed;
  }

  /** Get, or set ('strict' or 'relaxed'), how writes reach the disk. */
  durability(mode?: unknown): string {
    this.liveOnly('durability');
    if (mode !== undefined) {
      this.c().setDurability(checkOneOf('durability', mode, ['strict', 'relaxed'] as const));
    }
    return this.c().durability;
  }

  async skew(node: unknown, rate: unknown): Promise<void> {
    const r = checkNumber('skew: rate', rate, 0, 100, { above: true });
    const e = this.other;
    if (e !== null) {
      await this.send('skew', {
        type: 'skew',
        node: this.otherRef(e, 'skew', 'skew', node),
        rate: r,
      });
      return;
    }
    await this.c().skew(await this.node('skew', node), r);
  }

  /** partition(['n1','n2'], ['n3','n4','n5']) or partition([['n1','n2'], ['n3']]). */
  partition(...sides: unknown[]): void | Promise<void> {
    if (this.other !== null) this.gate(this.other, 'partition');
    const list =
      sides.length === 1 && Array.isArray(sides[0]) && Array.isArray(sides[0][0])
        ? (sides[0] as unknown[])
        : sides;
    const usage = 'sides as arrays of node ids, e.g. ["n1","n2"], ["n3"]';
    if (list.length === 0) throw new ConsoleArgError(`partition: give ${usage}`);
    const seen = new Map<NodeId, number>();
    const out: NodeId[][] = list.map((side, i) => {
      if (!Array.isArray(side) || side.length === 0) {
        throw new ConsoleArgError(
          `partition: side ${i + 1}: expected a non-empty array of node ids, got ${describeValue(side)} (give ${usage})`,
        );
      }
      return side.map((x, j) => {
        const id = this.nodeId('partition', x, `side ${i + 1}[${j}]`);
        const other = seen.get(id);
        if (other !== undefined) {
          throw new ConsoleArgError(
            `partition: ${id} is on side ${other + 1} and side ${i + 1}; a node is on one side`,
          );
        }
        seen.set(id, i);
        return id;
      });
    });
    if (this.other !== null) return this.sendVoid('partition', { type: 'partition', sides: out });
    this.c().partition(out);
  }

  heal(...args: unknown[]): void | Promise<void> {
    checkNoArgs('heal', args);
    if (this.other !== null) return this.sendVoid('heal', { type: 'heal' });
    this.c().heal();
  }

  cut(from: unknown, to: unknown): void | Promise<void> {
    if (this.other !== null) this.gate(this.other, 'cut');
    const f = this.nodeId('cut', from, 'from');
    if (this.other !== null) {
      return this.sendVoid('cut', { type: 'cut', from: f, to: this.nodeId('cut', to, 'to') });
    }
    this.c().cut(f, this.nodeId('cut', to, 'to'));
  }

  link(from: unknown, to: unknown): void | Promise<void> {
    if (this.other !== null) this.gate(this.other, 'link');
    const f = this.nodeId('link', from, 'from');
    if (this.other !== null) {
      return this.sendVoid('link', { type: 'link', from: f, to: this.nodeId('link', to, 'to') });
    }
    this.c().link(f, this.nodeId('link', to, 'to'));
  }

  /** Delay range, loss and duplication on every link, or on the direction from → to. */
  network(settings: unknown, from?: unknown, to?: unknown): void | Promise<void> {
    if (this.other !== null) this.gate(this.other, 'network');
    const change = parseNetworkSettings(settings);
    if ((from === undefined) !== (to === undefined)) {
      throw new ConsoleArgError('network: give both from and to for one link, or neither');
    }
    const f = from === undefined ? undefined : this.nodeId('network', from, 'from');
    const t = to === undefined ? undefined : this.nodeId('network', to, 'to');
    if (this.other !== null) {
      return this.sendVoid('network', {
        type: 'network',
        change,
        ...(f !== undefined && t !== undefined ? { from: f, to: t } : {}),
      });
    }
    try {
      this.c().setNetwork(change, f, t);
    } catch (err) {
      if (err instanceof NetworkPolicyError) throw new ConsoleArgError(err.message);
      throw err;
    }
  }

  /** Hold mode: messages wait until released one by one (off releases them all). */
  hold(on: unknown = true): void | Promise<void> {
    const v = checkBoolean('hold', on);
    if (this.other !== null) return this.sendVoid('hold', { type: 'hold', on: v });
    this.c().setHold(v);
  }

  held(...args: unknown[]): Promise<HeldMessage[]> {
    return attempt(() => {
      checkNoArgs('held', args);
      this.liveOnly('held');
      return this.c().held();
    });
  }

  /** Deliver one held message (the oldest by default). */
  release(msgId?: unknown): Promise<HeldMessage | null> {
    return attempt(() => {
      const id =
        msgId === undefined
          ? undefined
          : checkNumber('release: msgId', msgId, 0, Number.MAX_SAFE_INTEGER, { int: true });
      if (this.other !== null) {
        return this.send(
          'release',
          id === undefined ? { type: 'release' } : { type: 'release', msgId: id },
        ) as Promise<HeldMessage | null>;
      }
      return this.c().release(id, false);
    });
  }

  /** Throw away one held message. */
  discard(msgId: unknown): Promise<HeldMessage | null> {
    return attempt(() => {
      const id = checkNumber('discard: msgId', msgId, 0, Number.MAX_SAFE_INTEGER, { int: true });
      if (this.other !== null) {
        return this.send('discard', { type: 'discard', msgId: id }) as Promise<HeldMessage | null>;
      }
      return this.c().release(id, true);
    });
  }

  addNode(id?: unknown): Promise<NodeId> {
    return attempt(async () => {
      if (id !== undefined && (typeof id !== 'string' || !NODE_ID_RE.test(id))) {
        throw new ConsoleArgError(
          `addNode: expected a new node id like "n6" (or nothing), got ${describeValue(id)}`,
        );
      }
      if (this.other !== null) {
        return (await this.send(
          'addNode',
          id === undefined ? { type: 'add-node' } : { type: 'add-node', node: id },
        )) as NodeId;
      }
      const added = await this.c().addNode(id);
      this.save();
      return added;
    });
  }

  async removeNode(node: unknown): Promise<void> {
    const e = this.other;
    if (e !== null) {
      await this.send('removeNode', {
        type: 'remove-node',
        node: this.otherRef(e, 'removeNode', 'remove-node', node),
      });
      return;
    }
    await this.c().removeNode(await this.node('removeNode', node));
    this.save();
  }

  async transferLeader(group: unknown, to: unknown): Promise<NodeId> {
    const e = this.other;
    if (e !== null) {
      this.gate(e, 'transfer-leader');
      const g = this.group('transferLeader', group);
      const ref = this.otherRef(e, 'transferLeader', 'transfer-leader', to, 'to');
      return (await this.send('transferLeader', {
        type: 'transfer-leader',
        group: g,
        to: ref,
      })) as NodeId;
    }
    const g = this.group('transferLeader', group);
    const id = await this.node('transferLeader', to, 'to');
    await this.c().transferLeader(g, id);
    return id;
  }

  async snapshot(node: unknown, group: unknown = CONFIG_GROUP): Promise<void> {
    const e = this.other;
    if (e !== null) {
      this.gate(e, 'snapshot');
      const g = this.group('snapshot', group);
      await this.send('snapshot', {
        type: 'snapshot',
        node: this.otherRef(e, 'snapshot', 'snapshot', node),
        group: g,
      });
      return;
    }
    const g = this.group('snapshot', group);
    await this.c().snapshot(await this.node('snapshot', node), g);
  }

  /**
   * Damage a node's stored snapshot of a group (take one first with snapshot()); restart the
   * node to see the checksum check fail and the group enter ERROR under nacos.
   */
  async corruptSnapshot(node: unknown, group: unknown = CONFIG_GROUP): Promise<void> {
    this.liveOnly('corruptSnapshot');
    const g = this.group('corruptSnapshot', group);
    await this.c().corruptSnapshot(await this.node('corruptSnapshot', node), g);
  }

  async failApply(node: unknown, group: unknown = CONFIG_GROUP): Promise<void> {
    this.liveOnly('failApply');
    const g = this.group('failApply', group);
    await this.c().failApply(await this.node('failApply', node), g);
  }

  // ───────────────────────────── clients ─────────────────────────────

  /** A write at a node, with any group's operation; resolves with the reply. */
  async write(node: unknown, group: unknown, op: unknown): Promise<ClientReply> {
    const e = this.other;
    if (e !== null) this.gate(e, 'write');
    const g = this.group('write', group);
    const payload = checkPayload('write: op', op);
    if (e !== null) {
      const ref = this.otherRef(e, 'write', 'write', node);
      return (await this.send('write', {
        type: 'write',
        node: ref,
        group: g,
        op: payload,
      })) as ClientReply;
    }
    return this.c().write(await this.requestNode('write', node), g, payload);
  }

  async read(node: unknown, group: unknown, query: unknown): Promise<ClientReply> {
    const e = this.other;
    if (e !== null) this.gate(e, 'read');
    const g = this.group('read', group);
    const payload = checkPayload('read: query', query);
    if (e !== null) {
      const ref = this.otherRef(e, 'read', 'read', node);
      return (await this.send('read', {
        type: 'read',
        node: ref,
        group: g,
        query: payload,
      })) as ClientReply;
    }
    return this.c().read(await this.requestNode('read', node), g, payload);
  }

  async log(node: unknown, group: unknown = CONFIG_GROUP): Promise<LogView> {
    this.liveOnly('log');
    const g = this.group('log', group);
    return this.c().log(await this.node('log', node), g);
  }

  async appliedState(node: unknown, group: unknown = CONFIG_GROUP): Promise<unknown> {
    this.liveOnly('appliedState');
    const g = this.group('appliedState', group);
    return this.c().appliedState(await this.node('appliedState', node), g);
  }

  // ───────────────────────────── scenarios and traces ─────────────────────────────

  /**
   * Run a scenario file (parsed JSON or its text) on a new cluster, which replaces the current
   * one and stays up afterwards for inspection. Resolves when the scenario's duration is over.
   */
  runScenario(file: unknown, options?: unknown): Promise<BrowserRunResult> {
    let overrides: Partial<ClusterOptions>;
    try {
      overrides = parseClusterOptions(options, 'runScenario: options');
    } catch (err) {
      return Promise.reject(err);
    }
    const parsed = typeof file === 'string' ? parseScenarioText(file) : parseScenario(file);
    if (!parsed.ok) {
      return Promise.reject(
        new ClusterError(`scenario is invalid:\n  ${parsed.errors.join('\n  ')}`),
      );
    }
    let started!: () => void;
    const clusterUp = new Promise<void>((resolve) => (started = resolve));
    const run = this.exclusive(async () => {
      await this.leaveOther();
      await this.dropGuard();
      await this.teardown(true);
      const p = runScenarioInBrowser(parsed.scenario, {
        cluster: overrides,
        onCluster: (c) => {
          const { initial: _i, scenario: _s, resume: _r, ...rest } = c.options;
          this.options = { ...(rest as ValidClusterOptions), clusterId: c.clusterId };
          this.install(c);
          started();
        },
      });
      // Other commands may act on the cluster while the scenario runs.
      p.catch(() => started());
      return p;
    });
    return clusterUp.then(() => run).then((r) => r.result);
  }

  /** The merged trace so far as JSON Lines. */
  exportTrace(...args: unknown[]): string {
    checkNoArgs('exportTrace', args);
    if (this.other !== null) return traceToJsonl(this.other.header(), this.other.events());
    return this.c().exportTrace();
  }

  /** Save the trace as a .jsonl file (a browser download). */
  downloadTrace(filename: unknown = 'raft-playground-trace.jsonl'): void {
    if (typeof filename !== 'string' || filename.trim() === '') {
      throw new ConsoleArgError(
        `downloadTrace: expected a file name, got ${describeValue(filename)}`,
      );
    }
    const blob = new Blob([this.exportTrace()], { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /**
   * Validate and load a trace file (its text, or a File/Blob from a file picker). Large files
   * are parsed in a worker, off the page's thread, with progress; reading stops at the 20th
   * error. A valid trace is kept as `imported`; a bad one changes nothing.
   */
  importTrace(
    input: unknown,
    options: { onProgress?: ImportProgress; open?: boolean } = {},
  ): Promise<ImportSummary> {
    return attempt(async () => {
      const o = importOptionsSchema.safeParse(options);
      if (!o.success) {
        throw new ConsoleArgError(
          `importTrace: ${o.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown option ${i.keys.map((k) => `"${k}"`).join(', ')} (options: onProgress, open)` : i.message)).join('; ')}`,
        );
      }
      const isBlob = typeof Blob !== 'undefined' && input instanceof Blob;
      if (typeof input !== 'string' && !isBlob) {
        throw new ConsoleArgError(
          `importTrace: expected the trace's text or a File, got ${describeValue(input)}`,
        );
      }
      if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
        throw new ConsoleArgError('importTrace: onProgress must be a function');
      }
      const size = typeof input === 'string' ? input.length : (input as Blob).size;
      let r: ImportResult;
      if (size >= WORKER_IMPORT_CHARS && typeof Worker !== 'undefined') {
        r = await this.importInWorker(input as string | Blob, options.onProgress);
      } else {
        const text = typeof input === 'string' ? input : await (input as Blob).text();
        r = importTrace(text, { onProgress: options.onProgress });
      }
      if (!r.ok) return { ok: false, events: 0, errors: r.errors };
      this.imported = r;
      // The file opens in the replay engine unless the caller only wanted it checked and kept.
      if (options.open !== false) {
        const engine = new ReplayEngine(r.header, r.events);
        await this.exclusive(() => this.enterOther(engine));
      }
      return { ok: true, events: r.events.length, errors: [] };
    });
  }

  private async importInWorker(
    input: string | Blob,
    onProgress: ImportProgress | undefined,
  ): Promise<ImportResult> {
    if (this.importWorker === null) {
      const worker = new Worker(new URL('../../workers/traceImport.worker.ts', import.meta.url), {
        type: 'module',
        name: 'trace import',
      });
      const life = new Lifeline();
      worker.addEventListener('error', (ev) => {
        ev.preventDefault();
        life.end(new ClusterError(`importTrace: the import worker failed: ${ev.message}`));
      });
      this.importWorker = { worker, api: wrap<TraceImportApi>(worker), life };
    }
    const { worker, api, life } = this.importWorker;
    try {
      return await life.guard<ImportResult>(
        api.importTrace(input, onProgress ? proxy(onProgress) : undefined),
      );
    } catch (err) {
      worker.terminate();
      this.importWorker = null;
      throw err;
    }
  }

  // ───────────── trace files off the page's thread (workers/traceIo.worker.ts) ─────────────

  /** The active engine's header and events, or an error saying there is no trace yet. */
  private traceSource(command: string): { header: TraceHeader; events: readonly TraceEvent[] } {
    const engine = this.activeEngine;
    if (engine === null) {
      throw new ClusterError(`${command}: no trace: create a cluster or choose an engine first`);
    }
    return { header: engine.header(), events: engine.events() };
  }

  private traceIo(): ReturnType<typeof wrap<TraceIoApi>> {
    if (this.traceIoWorker === null) {
      const worker = new Worker(new URL('../../workers/traceIo.worker.ts', import.meta.url), {
        type: 'module',
        name: 'trace io',
      });
      worker.addEventListener('error', (ev) => {
        ev.preventDefault();
        worker.terminate();
        if (this.traceIoWorker?.worker === worker) this.traceIoWorker = null;
      });
      this.traceIoWorker = { worker, api: wrap<TraceIoApi>(worker) };
    }
    return this.traceIoWorker.api;
  }

  /**
   * The trace as a JSON Lines Blob (what exportTrace returns, as a file), built in a worker in
   * parts, so a large trace neither freezes the page nor becomes one huge string.
   */
  exportTraceFile(options: unknown = {}): Promise<Blob> {
    return attempt(async () => {
      const o = importOptionsSchema.pick({ onProgress: true }).safeParse(options);
      if (!o.success) {
        throw new ConsoleArgError(
          `exportTraceFile: ${o.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown option ${i.keys.map((k) => `"${k}"`).join(', ')} (options: onProgress)` : i.message)).join('; ')}`,
        );
      }
      const { header, events } = this.traceSource('exportTraceFile');
      const onProgress = o.data.onProgress;
      return this.traceIo().exportJsonl(
        header,
        events,
        onProgress === undefined ? undefined : proxy(onProgress),
      );
    });
  }

  /**
   * The trace converted for another tool: 'perfetto', 'shiviz', 'edn', 'history-json' or
   * 'mermaid'; `{ fromMs, toMs }` keeps a window of cluster time (Mermaid's diagram above all).
   */
  convertTrace(format: unknown, window: unknown = {}): Promise<string> {
    return attempt(async () => {
      if (typeof format !== 'string' || !isConvertFormat(format)) {
        throw new ConsoleArgError(
          `convertTrace: expected a format (${CONVERT_FORMATS.join(', ')}), got ${describeValue(format)}`,
        );
      }
      const w = convertWindowSchema.safeParse(window);
      if (!w.success) {
        throw new ConsoleArgError(
          `convertTrace: ${w.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown option ${i.keys.map((k) => `"${k}"`).join(', ')} (options: fromMs, toMs)` : `${i.path.join('.')}: ${i.message}`)).join('; ')}`,
        );
      }
      if (w.data.fromMs !== undefined && w.data.toMs !== undefined && w.data.toMs < w.data.fromMs) {
        throw new ConsoleArgError(
          `convertTrace: toMs ${w.data.toMs} is before fromMs ${w.data.fromMs}`,
        );
      }
      const { header, events } = this.traceSource('convertTrace');
      return this.traceIo().convert(header, events, format, w.data);
    });
  }

  /** Run the trace checks (as `npm run trace -- check`) on the active engine's trace. */
  checkTrace(...args: unknown[]): Promise<TraceCheckOutcome> {
    return attempt(async () => {
      checkNoArgs('checkTrace', args);
      const { header, events } = this.traceSource('checkTrace');
      return this.traceIo().check(header, events);
    });
  }

  /** What happened in the trace, as `npm run trace -- summary` prints it. */
  traceSummary(...args: unknown[]): Promise<string> {
    return attempt(async () => {
      checkNoArgs('traceSummary', args);
      const { header, events } = this.traceSource('traceSummary');
      return this.traceIo().summary(header, events);
    });
  }

  /**
   * The run as a scenario file (src/trace/reproduce.ts): its client operations and faults as
   * steps. Exact by seed for a simulated run; best effort for a live one (the notes say why).
   */
  reproduce(...args: unknown[]): Promise<ReproduceResult> {
    return attempt(async () => {
      checkNoArgs('reproduce', args);
      const { header, events } = this.traceSource('reproduce');
      return this.traceIo().reproduce(header, events);
    });
  }

  /** The merged trace events so far. */
  trace(...args: unknown[]): readonly TraceEvent[] {
    checkNoArgs('trace', args);
    if (this.other !== null) return this.other.events();
    return this.c().events();
  }

  /** Receive the merged event stream in batches; returns the unsubscribe function. */
  events(listener: unknown): () => void {
    if (typeof listener !== 'function') {
      throw new ConsoleArgError(
        `events: expected a function called with each batch of events, got ${describeValue(listener)}`,
      );
    }
    if (this.other !== null) return this.other.subscribe(listener as EngineListener);
    return this.c().subscribe(listener as ClusterListener);
  }

  /** An engine command whose value the console does not return. */
  private async sendVoid(command: string, cmd: EngineCommand): Promise<void> {
    await this.send(command, cmd);
  }

  /** Test hooks: faults no user action produces. */
  readonly debug = {
    /** Make `from` post raw data on its port to `to` (a malformed message). */
    injectFrame: (from: NodeId, to: NodeId, data: unknown): Promise<void> =>
      attempt(() =>
        this.c().injectFrame(
          this.nodeId('injectFrame', from, 'from'),
          this.nodeId('injectFrame', to, 'to'),
          data,
        ),
      ),
    /** The node's next storage write fails as if the disk were full. */
    failNextWrite: (node: NodeId): Promise<void> =>
      attempt(() => this.c().failNextWrite(this.nodeId('failNextWrite', node, 'node'))),
    /** The node's next storage write waits `ms` (1 to 60,000) before it starts: a stalled disk. */
    stallNextWrite: (node: NodeId, ms: number): Promise<void> =>
      attempt(() => {
        checkHookMs('stallNextWrite', ms, 60_000);
        return this.c().stallNextWrite(this.nodeId('stallNextWrite', node, 'node'), ms);
      }),
    /** Right after the node's next send its worker is busy `ms` (1 to 10,000): a stuck thread. */
    blockAfterNextSend: (node: NodeId, ms: number): Promise<void> =>
      attempt(() => {
        checkHookMs('blockAfterNextSend', ms, 10_000);
        return this.c().blockAfterNextSend(this.nodeId('blockAfterNextSend', node, 'node'), ms);
      }),
    /** The node's worker throws an uncaught error. */
    throwInWorker: (node: NodeId, message = 'injected uncaught error'): Promise<void> =>
      attempt(() =>
        this.c().throwInWorker(this.nodeId('throwInWorker', node, 'node'), String(message)),
      ),
    /** The default network settings, for reference. */
    defaultNetwork: () => initialNetworkPolicy().link,
  };
}

declare global {
  interface Window {
    playground: Playground;
  }
}

/** Create the playground and put it on window.playground. */
export function installPlayground(target: Window = window): Playground {
  const p = new Playground();
  target.playground = p;
  return p;
}

/** A test hook's duration: an integer number of ms from 1 to `max`, or a clear error. */
function checkHookMs(hook: string, ms: unknown, max: number): asserts ms is number {
  if (!(typeof ms === 'number' && Number.isInteger(ms) && ms >= 1 && ms <= max)) {
    throw new Error(`${hook}: ms must be an integer from 1 to ${max}, got ${String(ms)}`);
  }
}
