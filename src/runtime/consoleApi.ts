// `window.playground`: the console API that scripts the running app from the browser console
// and from browser tests (DESIGN.md §3; documented in the README's "Console API" section).
// Every command works on the current cluster; creating or resetting a cluster replaces it, and
// those two are serialized so a script can call them back to back. Node arguments take an id
// ("n2") or a reference resolved when the command runs ("@leader:nacos_config",
// "@follower:nacos_config"). Errors are thrown with a message naming what was wrong.
import { initialNetworkPolicy, type LinkPolicy } from '../node/networkPolicy.ts';
import type { ClientReply } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import { parseScenario, parseScenarioText } from '../sim/scenario.ts';
import type { TraceEvent } from '../trace/events.ts';
import { importTrace, type ImportResult } from '../trace/jsonl.ts';
import {
  Cluster,
  ClusterError,
  sleep,
  type ClusterListener,
  type ClusterOptions,
  type NodeInfo,
} from './cluster.ts';
import { collectStaleClusters } from './idbStorage.ts';
import { resolveRef, runScenarioInBrowser, type BrowserRunResult } from './scenarioRunner.ts';
import type { HeldMessage, LogView } from './workerApi.ts';

/** Network settings as the console and scenario files name them. */
export interface NetworkSettings {
  delayMs?: [number, number];
  drop?: number;
  duplicate?: number;
}

export interface GroupSummary {
  role: string;
  term: number;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  voters: NodeId[];
  error: string | null;
}

export interface NodeSummary extends NodeInfo {
  groups: Record<GroupId, GroupSummary> | null;
}

export interface PlaygroundStatus {
  clusterId: string;
  speed: number;
  paused: boolean;
  timing: string;
  durability: string;
  network: ReturnType<Cluster['network']>;
  nodes: Record<NodeId, NodeSummary>;
  /** The leader of each group (null when none is running). */
  leaders: Record<GroupId, NodeId | null>;
}

const HELP = `window.playground — script the Raft cluster (each node is a Web Worker).
  await playground.createCluster({ nodes: 5, timing: 'lesson' })   'nacos' (default) or 'lesson'
  await playground.status()                  roles, terms, commit indexes per node and group
  await playground.write('n2', 'nacos_config', { type: 'publish', dataId: 'a', content: 'v1' })
  await playground.read('@leader:nacos_config', 'nacos_config', { type: 'get', dataId: 'a' })
  playground.crash('@leader:nacos_config'); await playground.restart('n1')
  await playground.pause('n3'); await playground.resume('n3')     pause() alone freezes everything
  playground.speed(0.5)                      0.01× to 10×
  playground.durability('relaxed')           'strict' (default: flushed to disk) or 'relaxed'
  playground.partition(['n1', 'n2'], ['n3', 'n4', 'n5']); playground.heal()
  playground.cut('n1', 'n2'); playground.link('n1', 'n2')          one direction
  playground.network({ delayMs: [20, 60], drop: 0.1, duplicate: 0 }, from?, to?)
  playground.hold(true); await playground.held(); await playground.release()
  await playground.skew('n2', 1.5); await playground.addNode(); await playground.removeNode('n5')
  await playground.transferLeader('nacos_config', 'n3'); await playground.snapshot('n1', 'nacos_config')
  await playground.failApply('n2', 'nacos_config')
  await playground.runScenario(jsonOrText)   a scenario file (README: Scenario files)
  playground.exportTrace(); playground.downloadTrace(); playground.importTrace(text)
  await playground.reset()                   delete the cluster's databases and start anew`;

export class Playground {
  private current: Cluster | null = null;
  private options: ClusterOptions = {};
  private serial: Promise<unknown> = Promise.resolve();
  private readonly changeListeners = new Set<(c: Cluster | null) => void>();
  private readonly rng = new SeededRng(1);
  /** The last trace imported with importTrace, if it was valid. */
  imported: ImportResult | null = null;

  /** The current cluster (null before createCluster or after destroy). */
  get cluster(): Cluster | null {
    return this.current;
  }

  help(): string {
    console.log(HELP);
    return HELP;
  }

  /** Be told when the cluster is replaced (create, reset, destroy, runScenario). */
  onClusterChange(listener: (c: Cluster | null) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ───────────────────────────── cluster ─────────────────────────────

  /** Replace the current cluster (its databases are deleted) by a new one. */
  createCluster(options: ClusterOptions = {}): Promise<PlaygroundStatus> {
    return this.exclusive(async () => {
      await this.teardown(true);
      this.options = { ...options };
      // Best effort: a database some stray connection keeps open must not hold up the start.
      await Promise.race([collectStaleClusters().catch(() => undefined), sleep(3000)]);
      this.install(await Cluster.create(this.options));
      return this.status();
    });
  }

  /** Delete the cluster's databases and start a new cluster with the same options. */
  reset(): Promise<PlaygroundStatus> {
    const { clusterId: _old, ...options } = this.options;
    return this.createCluster(options);
  }

  /** Stop the cluster; with deleteData (default true) its databases are deleted. */
  destroy(deleteData = true): Promise<void> {
    return this.exclusive(() => this.teardown(deleteData));
  }

  private async teardown(deleteData: boolean): Promise<void> {
    const c = this.current;
    this.current = null;
    if (c !== null) await c.destroy({ deleteData });
    this.notify();
  }

  private install(c: Cluster): void {
    this.current = c;
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

  private async ref(node: string): Promise<NodeId> {
    return resolveRef(this.c(), this.rng, node);
  }

  async status(): Promise<PlaygroundStatus> {
    const c = this.c();
    const statuses = await c.statuses();
    const nodes: Record<NodeId, NodeSummary> = {};
    for (const info of c.nodes()) {
      const st = statuses.get(info.id);
      let groups: Record<GroupId, GroupSummary> | null = null;
      if (st !== undefined) {
        groups = {};
        for (const [g, s] of Object.entries(st.groups)) {
          groups[g] = {
            role: s.role,
            term: s.term,
            leader: s.leader,
            commit: s.commit,
            applied: s.applied,
            lastIndex: s.lastIndex,
            voters: s.conf.voters,
            error: s.errMsg,
          };
        }
      }
      nodes[info.id] = { ...info, groups };
    }
    const leaders: Record<GroupId, NodeId | null> = {};
    for (const g of c.groups) {
      let best: NodeId | null = null;
      let bestTerm = -1;
      for (const [id, st] of statuses) {
        const s = st.groups[g];
        if (st.failure === null && s?.role === 'leader' && s.term > bestTerm) {
          best = id;
          bestTerm = s.term;
        }
      }
      leaders[g] = best;
    }
    return {
      clusterId: c.clusterId,
      speed: c.speed,
      paused: c.paused,
      timing: `${c.timing.profile} (election timeout ${c.timing.electionTimeoutMs} ms, tick ${c.timing.tickMs} ms)`,
      durability: c.durability,
      network: c.network(),
      nodes,
      leaders,
    };
  }

  nodes(): NodeInfo[] {
    return this.c().nodes();
  }

  async leader(group: GroupId = 'nacos_config'): Promise<NodeId | null> {
    return this.c().leaderOf(group);
  }

  // ───────────────────────────── faults ─────────────────────────────

  async crash(node: string): Promise<NodeId> {
    const id = await this.ref(node);
    this.c().crash(id);
    return id;
  }

  async restart(node: string): Promise<NodeId> {
    const id = await this.ref(node);
    await this.c().restart(id);
    return id;
  }

  /** Pause one node (SIGSTOP), or with no argument the whole cluster (ticks and deliveries). */
  async pause(node?: string): Promise<void> {
    if (node === undefined) return this.c().pause();
    await this.c().pauseNode(await this.ref(node));
  }

  async resume(node?: string): Promise<void> {
    if (node === undefined) return this.c().resume();
    await this.c().resumeNode(await this.ref(node));
  }

  /** Get, or set (0.01 to 10), the cluster's speed. */
  speed(speed?: number): number {
    if (speed !== undefined) this.c().setSpeed(speed);
    return this.c().speed;
  }

  /** Get, or set ('strict' or 'relaxed'), how writes reach the disk. */
  durability(mode?: 'strict' | 'relaxed'): string {
    if (mode !== undefined) this.c().setDurability(mode);
    return this.c().durability;
  }

  async skew(node: string, rate: number): Promise<void> {
    await this.c().skew(await this.ref(node), rate);
  }

  /** partition(['n1','n2'], ['n3','n4','n5']) or partition([['n1','n2'], ['n3']]). */
  partition(...sides: (NodeId[] | NodeId[][])[]): void {
    const list = (
      sides.length === 1 && Array.isArray(sides[0][0]) ? sides[0] : sides
    ) as NodeId[][];
    if (!list.every((s) => Array.isArray(s) && s.every((x) => typeof x === 'string'))) {
      throw new ClusterError(
        'partition: give sides as arrays of node ids, e.g. ["n1","n2"], ["n3"]',
      );
    }
    this.c().partition(list);
  }

  heal(): void {
    this.c().heal();
  }

  cut(from: NodeId, to: NodeId): void {
    this.c().cut(from, to);
  }

  link(from: NodeId, to: NodeId): void {
    this.c().link(from, to);
  }

  /** Delay range, loss and duplication on every link, or on the direction from → to. */
  network(settings: NetworkSettings & Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    const known = new Set([
      'delayMs',
      'drop',
      'duplicate',
      'delayMsMin',
      'delayMsMax',
      'dropRatio',
      'duplicateRatio',
    ]);
    for (const k of Object.keys(settings)) {
      if (!known.has(k)) {
        throw new ClusterError(`network: unknown setting "${k}" (use delayMs, drop, duplicate)`);
      }
    }
    const change: Partial<LinkPolicy> = {};
    if (settings.delayMs !== undefined) [change.delayMsMin, change.delayMsMax] = settings.delayMs;
    if (settings.delayMsMin !== undefined) change.delayMsMin = settings.delayMsMin;
    if (settings.delayMsMax !== undefined) change.delayMsMax = settings.delayMsMax;
    const drop = settings.drop ?? settings.dropRatio;
    if (drop !== undefined) change.dropRatio = drop;
    const dup = settings.duplicate ?? settings.duplicateRatio;
    if (dup !== undefined) change.duplicateRatio = dup;
    this.c().setNetwork(change, from, to);
  }

  /** Hold mode: messages wait until released one by one (off releases them all). */
  hold(on = true): void {
    this.c().setHold(on);
  }

  held(): Promise<HeldMessage[]> {
    return this.c().held();
  }

  /** Deliver one held message (the oldest by default). */
  release(msgId?: number): Promise<HeldMessage | null> {
    return this.c().release(msgId, false);
  }

  /** Throw away one held message. */
  discard(msgId: number): Promise<HeldMessage | null> {
    return this.c().release(msgId, true);
  }

  addNode(id?: NodeId): Promise<NodeId> {
    return this.c().addNode(id);
  }

  async removeNode(node: string): Promise<void> {
    await this.c().removeNode(await this.ref(node));
  }

  transferLeader(group: GroupId, to: NodeId): Promise<void> {
    return this.c().transferLeader(group, to);
  }

  async snapshot(node: string, group: GroupId = 'nacos_config'): Promise<void> {
    await this.c().snapshot(await this.ref(node), group);
  }

  async failApply(node: string, group: GroupId = 'nacos_config'): Promise<void> {
    await this.c().failApply(await this.ref(node), group);
  }

  // ───────────────────────────── clients ─────────────────────────────

  /** A write at a node, with any group's operation; resolves with the reply. */
  async write(node: string, group: GroupId, op: unknown): Promise<ClientReply> {
    return this.c().write(await this.ref(node), group, op);
  }

  async read(node: string, group: GroupId, query: unknown): Promise<ClientReply> {
    return this.c().read(await this.ref(node), group, query);
  }

  async log(node: string, group: GroupId = 'nacos_config'): Promise<LogView> {
    return this.c().log(await this.ref(node), group);
  }

  async appliedState(node: string, group: GroupId = 'nacos_config'): Promise<unknown> {
    return this.c().appliedState(await this.ref(node), group);
  }

  // ───────────────────────────── scenarios and traces ─────────────────────────────

  /**
   * Run a scenario file (parsed JSON or its text) on a new cluster, which replaces the current
   * one and stays up afterwards for inspection. Resolves when the scenario's duration is over.
   */
  runScenario(file: unknown, options: Partial<ClusterOptions> = {}): Promise<BrowserRunResult> {
    const parsed = typeof file === 'string' ? parseScenarioText(file) : parseScenario(file);
    if (!parsed.ok) {
      return Promise.reject(
        new ClusterError(`scenario is invalid:\n  ${parsed.errors.join('\n  ')}`),
      );
    }
    let started!: () => void;
    const clusterUp = new Promise<void>((resolve) => (started = resolve));
    const run = this.exclusive(async () => {
      await this.teardown(true);
      const p = runScenarioInBrowser(parsed.scenario, {
        cluster: options,
        onCluster: (c) => {
          this.options = { ...c.options };
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
  exportTrace(): string {
    return this.c().exportTrace();
  }

  /** Save the trace as a .jsonl file (a browser download). */
  downloadTrace(filename = 'raft-playground-trace.jsonl'): void {
    const blob = new Blob([this.exportTrace()], { type: 'application/x-ndjson' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  /** Validate and load a trace file's text; kept as `imported` for inspection. */
  importTrace(text: string): { ok: boolean; events: number; errors: string[] } {
    const r = importTrace(text);
    this.imported = r;
    return r.ok
      ? { ok: true, events: r.events.length, errors: [] }
      : { ok: false, events: 0, errors: r.errors };
  }

  /** The merged trace events so far. */
  trace(): readonly TraceEvent[] {
    return this.c().events();
  }

  /** Receive the merged event stream in batches; returns the unsubscribe function. */
  events(listener: ClusterListener): () => void {
    return this.c().subscribe(listener);
  }

  /** Test hooks: faults no user action produces. */
  readonly debug = {
    /** Make `from` post raw data on its port to `to` (a malformed message). */
    injectFrame: (from: NodeId, to: NodeId, data: unknown): Promise<void> =>
      this.c().injectFrame(from, to, data),
    /** The node's next storage write fails as if the disk were full. */
    failNextWrite: (node: NodeId): Promise<void> => this.c().failNextWrite(node),
    /** The node's worker throws an uncaught error. */
    throwInWorker: (node: NodeId, message = 'injected uncaught error'): Promise<void> =>
      this.c().throwInWorker(node, message),
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
