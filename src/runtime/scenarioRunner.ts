// Runs a scenario file (DESIGN.md §3, validated by src/scenario/format.ts) on a real browser
// cluster, through the scenario engine both hosts share (src/scenario): the cluster it describes
// is created, each step fires when the cluster clock reaches its `at` (so speed and pause
// apply), `@leader:` / `@follower:` references are resolved when the step fires, and
// expectations are checked by src/scenario/expect.ts over a view of the workers' statuses, logs
// and state machines, so they mean what they mean in the simulator. Unlike the simulator, a
// browser run is not reproducible from its seed: real timers and a real disk decide the
// interleaving. This file imports nothing from src/sim (the page's bundle stays without it).
// Ordering kept: steps fire by time, then in file order (stepOrder); a step that cannot run (no
// leader to resolve, node down) is recorded as a step error and in the trace, never skipped.
import type { DurableState, TimingConfig } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import {
  resolveNodeRefSyntax,
  type ExpectStep,
  type NodeRef,
  type Scenario,
  type Step,
} from '../scenario/format.ts';
import { initialDurableState, linkPolicy, scenarioTiming } from '../scenario/setup.ts';
import {
  executeStep as executeShared,
  resolveRef as resolveShared,
  stepOrder,
  UnresolvedRef,
  type ClientSummary,
  type ExpectOutcome,
  type RefView,
  type ScenarioActions,
  type StepError,
} from '../scenario/engine.ts';
import {
  evaluateExpect as evaluateShared,
  ExpectFailed,
  type ExpectView,
  type LogView,
} from '../scenario/expect.ts';
import { outcomeType, type HistoryReply } from '../trace/clientHistory.ts';
import { Cluster, ClusterError, leaderIn, sleep, type ClusterOptions } from './cluster.ts';
import type { NodeStatus } from './workerApi.ts';

export type { ExpectOutcome, StepError };

export interface BrowserRunResult {
  name: string;
  seed: number;
  clusterId: string;
  durationMs: number;
  expects: ExpectOutcome[];
  failedExpects: ExpectOutcome[];
  stepErrors: StepError[];
  /** Requests by outcome as the trace's history records them (ok / fail / info), see runner.ts. */
  clients: ClientSummary;
  /** No failed expectation and no step error. */
  ok: boolean;
}

export interface BrowserRunOptions {
  /** Overrides for the cluster (speed, durability, trace settings). */
  cluster?: Partial<ClusterOptions>;
  /** Called with the cluster as soon as it exists (to watch it while the run goes on). */
  onCluster?: (cluster: Cluster) => void;
}

/** The cluster options a scenario describes. */
export function clusterOptionsOf(scenario: Scenario): ClusterOptions {
  const c = scenario.cluster;
  const raft = c.raft ?? {};
  const timing: TimingConfig = scenarioTiming(scenario);
  const initial: Record<NodeId, DurableState> = {};
  for (const [id, init] of Object.entries(scenario.initial ?? {})) {
    initial[id] = initialDurableState(c.groups, init);
  }
  return {
    nodes: c.nodes,
    groups: [...c.groups],
    timing,
    seed: scenario.seed,
    network: linkPolicy(c.network ?? {}),
    initial,
    scenario: scenario.name,
    ...(raft.readOnly ? { readOnly: raft.readOnly } : {}),
    ...(raft.fidelity ? { fidelity: raft.fidelity } : {}),
  };
}

/** Run a validated scenario on a new browser cluster; resolves at the scenario's end. */
export async function runScenarioInBrowser(
  scenario: Scenario,
  opts: BrowserRunOptions = {},
): Promise<{ result: BrowserRunResult; cluster: Cluster }> {
  const cluster = await Cluster.create({ ...clusterOptionsOf(scenario), ...opts.cluster });
  opts.onCluster?.(cluster);
  const rng = new SeededRng(scenario.seed);
  const expects: ExpectOutcome[] = [];
  const stepErrors: StepError[] = [];
  const clients: Promise<void>[] = [];
  const counts: ClientSummary = { issued: 0, ok: 0, failed: 0, unknown: 0 };
  const track: StepContext['track'] = (group, kind, payload, p) => {
    counts.issued++;
    clients.push(
      p.then((reply) => {
        // The same mapping the cluster's trace uses for this reply (cluster.ts submit).
        const type = outcomeType(group, kind, payload, reply);
        if (type === 'ok') counts.ok++;
        else if (type === 'fail') counts.failed++;
        else counts.unknown++;
      }),
    );
  };
  const ctx: StepContext = { cluster, rng, track };
  for (const { step, index: i } of stepOrder(scenario)) {
    await waitUntil(cluster, step.at);
    if (cluster.isDestroyed) break;
    try {
      if (step.do === 'expect') {
        const outcome = await checkExpect(cluster, rng, step, i);
        expects.push(outcome);
        cluster.record(null, {
          type: 'expect',
          that: step.that,
          passed: outcome.passed,
          detail: outcome.detail,
        });
      } else {
        await executeStep(ctx, step);
      }
    } catch (err) {
      if (!(err instanceof UnresolvedRef || err instanceof ClusterError || err instanceof Error)) {
        throw err;
      }
      stepErrors.push({ step: i, at: step.at, action: step.do, message: err.message });
      cluster.record(null, {
        type: 'fault',
        fault: 'step-error',
        step: i,
        message: err.message,
      });
    }
  }
  await waitUntil(cluster, scenario.durationMs);
  const failedExpects = expects.filter((e) => !e.passed);
  // Requests still waiting at the end have no outcome yet: unknown.
  counts.unknown += counts.issued - counts.ok - counts.failed - counts.unknown;
  const result: BrowserRunResult = {
    name: scenario.name,
    seed: scenario.seed,
    clusterId: cluster.clusterId,
    durationMs: scenario.durationMs,
    expects,
    failedExpects,
    stepErrors,
    clients: counts,
    ok: failedExpects.length === 0 && stepErrors.length === 0,
  };
  return { result, cluster };
}

/** Sleep until the cluster clock reads `atMs` (speed and pause apply). */
async function waitUntil(cluster: Cluster, atMs: number): Promise<void> {
  while (!cluster.isDestroyed) {
    const gap = atMs - cluster.now();
    if (gap <= 0) return;
    const wallMs = cluster.paused ? 50 : Math.min(50, gap / cluster.speed);
    await sleep(Math.max(1, wallMs));
  }
}

interface StepContext {
  cluster: Cluster;
  rng: SeededRng;
  track: (
    group: GroupId,
    kind: 'write' | 'read',
    payload: unknown,
    reply: Promise<HistoryReply>,
  ) => void;
}

/** What a reference can name now: the cluster's nodes, and each group's leader and followers. */
async function refView(cluster: Cluster): Promise<RefView> {
  const statuses = running(await cluster.statuses());
  const members = cluster.memberIds();
  return {
    nodeIds: cluster.nodeIds(),
    leaderOf: (g) => leaderIn(statuses, g),
    followersOf: (g) =>
      [...statuses]
        .filter(([id, st]) => st.groups[g]?.role === 'follower' && members.includes(id))
        .map(([id]) => id)
        .sort(),
  };
}

/** The node a reference names now. */
export async function resolveRef(cluster: Cluster, rng: SeededRng, ref: NodeRef): Promise<NodeId> {
  // A plain node id needs no status: asking every worker for one before each write cost five
  // round trips per request (at 100 writes/s, 500 status calls a second competing with Raft).
  if (resolveNodeRefSyntax(ref)?.kind === 'id') {
    return resolveShared(plainIdView(cluster), rng, ref);
  }
  return resolveShared(await refView(cluster), rng, ref);
}

/**
 * Resolves node references for a stream of client requests: a reference is resolved against
 * the cluster's statuses of at most `maxAgeMs` ago, so a load of hundreds of requests a second
 * through '@follower:g' asks the workers for their status a few times a second, not five times
 * per request. Plain ids need no status at all. Faults and scenario steps use resolveRef, which
 * always asks now.
 */
export class RequestRefs {
  private view: { atMs: number; view: Promise<RefView> } | null = null;

  constructor(
    readonly cluster: Cluster,
    private readonly now: () => number,
    private readonly maxAgeMs = 100,
  ) {}

  async resolve(rng: SeededRng, ref: NodeRef): Promise<NodeId> {
    if (resolveNodeRefSyntax(ref)?.kind === 'id') {
      return resolveShared(plainIdView(this.cluster), rng, ref);
    }
    const t = this.now();
    if (this.view === null || t - this.view.atMs > this.maxAgeMs) {
      this.view = { atMs: t, view: refView(this.cluster) };
    }
    return resolveShared(await this.view.view, rng, ref);
  }
}

/** A view that resolves plain ids only (references need refView's statuses). */
function plainIdView(cluster: Cluster): RefView {
  return {
    nodeIds: cluster.nodeIds(),
    leaderOf: () => null,
    followersOf: () => [],
  };
}

/** The scenario actions on the browser cluster. */
function clusterActions(ctx: StepContext): ScenarioActions<void | Promise<void>> {
  const c = ctx.cluster;
  return {
    write: async (node, group, op) => ctx.track(group, 'write', op, c.write(node, group, op)),
    read: async (node, group, query) => ctx.track(group, 'read', query, c.read(node, group, query)),
    crash: (node) => c.crash(node),
    restart: (node) => c.restart(node),
    pause: (node) => c.pauseNode(node),
    resume: (node) => c.resumeNode(node),
    partition: (sides) => c.partition(sides),
    heal: () => c.heal(),
    cut: (from, to) => c.cut(from, to),
    link: (from, to) => c.link(from, to),
    network: (change, from, to) => c.setNetwork(change, from, to),
    skew: (node, rate) => c.skew(node, rate),
    addNode: async (node) => void (await c.addNode(node)),
    removeNode: async (node) => {
      // Removal completes in the background; failures surface in the trace.
      c.removeNode(node).catch((err: Error) =>
        c.record(null, { type: 'fault', fault: 'step-error', message: err.message }),
      );
    },
    transferLeader: (group, to) => c.transferLeader(group, to),
    snapshot: (node, group) => c.snapshot(node, group),
    failApply: (node, group) => c.failApply(node, group),
    corruptSnapshot: (node, group) => c.corruptSnapshot(node, group),
    narrate: async (text) => void c.record(null, { type: 'narrate', text }),
  };
}

async function executeStep(ctx: StepContext, step: Exclude<Step, ExpectStep>): Promise<void> {
  const view = await refView(ctx.cluster);
  await executeShared(clusterActions(ctx), view, ctx.rng, step);
}

// ───────────────────────────── expectations ─────────────────────────────

async function checkExpect(
  cluster: Cluster,
  rng: SeededRng,
  step: ExpectStep,
  i: number,
): Promise<ExpectOutcome> {
  let passed = true;
  let detail: string;
  try {
    detail = await evaluateExpect(cluster, rng, step);
  } catch (err) {
    if (!(err instanceof ExpectFailed || err instanceof UnresolvedRef)) throw err;
    passed = false;
    detail = err.message;
  }
  return { step: i, at: step.at, that: step.that, group: step.group, passed, detail };
}

/** Check one expectation now (src/scenario/expect.ts over the workers); returns what held. */
export async function evaluateExpect(
  cluster: Cluster,
  rng: SeededRng,
  step: ExpectStep,
): Promise<string> {
  const node = step.node === undefined ? undefined : await resolveRef(cluster, rng, step.node);
  return evaluateShared(await expectView(cluster, step), step, node);
}

function running(statuses: Map<NodeId, NodeStatus>): Map<NodeId, NodeStatus> {
  return new Map([...statuses].filter(([, st]) => st.failure === null));
}

/**
 * The workers' state for one expectation, fetched before it is checked: statuses, and the logs
 * or state machines of the step's group on the running nodes when the expectation reads them. A
 * crashed node's disk is not read here: it counts as down.
 */
async function expectView(cluster: Cluster, step: ExpectStep): Promise<ExpectView> {
  const g = step.group;
  const statuses = running(await cluster.statuses());
  const ids = [...statuses.keys()].filter((id) => statuses.get(id)!.groups[g] !== undefined);
  const logs = new Map<NodeId, LogView>();
  const states = new Map<NodeId, unknown>();
  if (step.that === 'committed' || step.that === 'log-equal') {
    await Promise.all(
      ids.map(async (id) => {
        const log = await cluster.log(id, g);
        const byIndex = new Map(log.entries.map(([i, term, , op]) => [i, { term, op }]));
        logs.set(id, {
          firstIndex: log.firstIndex,
          lastIndex: log.lastIndex,
          entry: (i) => byIndex.get(i),
        });
      }),
    );
  }
  if (step.that === 'applied-equal') {
    await Promise.all(ids.map(async (id) => states.set(id, await cluster.appliedState(id, g))));
  }
  const leader = leaderIn(statuses, g);
  const conf = leader === null ? null : statuses.get(leader)!.groups[g].conf;
  const members = cluster.memberIds();
  return {
    nodeIds: cluster.nodeIds().sort(),
    memberIds: members,
    status: (id, group) => {
      const st = statuses.get(id)?.groups[group];
      if (st === undefined) return null;
      const { role, term, commit, applied } = st;
      return { role, term, commit, applied, voters: st.conf.voters };
    },
    isMember: (id) =>
      conf === null
        ? members.includes(id)
        : conf.voters.includes(id) || conf.outgoing.includes(id) || conf.learners.includes(id),
    log: (id) => logs.get(id)!,
    appliedState: (id) => states.get(id),
    durable: () => null,
  };
}
