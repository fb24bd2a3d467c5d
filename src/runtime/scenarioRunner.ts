// Runs a scenario file (DESIGN.md §3, validated by src/sim/scenario.ts) on a real browser
// cluster: the cluster it describes is created, each step fires when the cluster clock reaches
// its `at` (so speed and pause apply), `@leader:` / `@follower:` references are resolved when the
// step fires, and expectations are checked against the running nodes, with the same meaning as
// in the simulator (src/sim/runner.ts). Unlike the simulator, a browser run is not reproducible
// from its seed: real timers and a real disk decide the interleaving.
// Ordering kept: steps fire in file order; a step that cannot run (no leader to resolve, node
// down) is recorded as a step error and in the trace, never skipped silently.
import type { DurableState, TimingConfig } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId, Role } from '../raft/types.ts';
import { resolveNodeRefSyntax } from '../sim/scenario.ts';
import type { ExpectStep, Scenario, Step } from '../sim/scenario.ts';
import {
  canonicalJson,
  initialDurableState,
  linkPolicy,
  scenarioTiming,
} from '../sim/scenarioSetup.ts';
import type { ClientSummary, ExpectOutcome, StepError } from '../sim/runner.ts';
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
  };
}

class UnresolvedRef extends Error {}
class ExpectFailed extends Error {}

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
  for (const [i, step] of scenario.steps.entries()) {
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

/** The node a reference names now. */
export async function resolveRef(cluster: Cluster, rng: SeededRng, ref: string): Promise<NodeId> {
  const syntax = resolveNodeRefSyntax(ref);
  if (syntax === null) throw new UnresolvedRef(`bad node reference "${ref}"`);
  if (syntax.kind === 'id') {
    if (!cluster.nodeIds().includes(syntax.id)) throw new UnresolvedRef(`unknown node "${ref}"`);
    return syntax.id;
  }
  const statuses = await cluster.statuses();
  if (syntax.kind === 'leader') {
    const leader = leaderIn(statuses, syntax.group);
    if (leader === null) throw new UnresolvedRef(`${ref}: no running node leads ${syntax.group}`);
    return leader;
  }
  const followers = [...statuses]
    .filter(([, st]) => st.failure === null && st.groups[syntax.group]?.role === 'follower')
    .map(([id]) => id)
    .sort();
  if (followers.length === 0) {
    throw new UnresolvedRef(`${ref}: no running follower in ${syntax.group}`);
  }
  return rng.pick(followers);
}

async function executeStep(ctx: StepContext, step: Exclude<Step, ExpectStep>): Promise<void> {
  const c = ctx.cluster;
  const ref = (r: string): Promise<NodeId> => resolveRef(c, ctx.rng, r);
  switch (step.do) {
    case 'write':
      ctx.track(step.group, 'write', step.op, c.write(await ref(step.node), step.group, step.op));
      return;
    case 'read':
      ctx.track(
        step.group,
        'read',
        step.query,
        c.read(await ref(step.node), step.group, step.query),
      );
      return;
    case 'crash':
      return c.crash(await ref(step.node));
    case 'restart':
      return c.restart(await ref(step.node));
    case 'pause':
      return c.pauseNode(await ref(step.node));
    case 'resume':
      return c.resumeNode(await ref(step.node));
    case 'partition': {
      const sides: NodeId[][] = [];
      for (const side of step.sides) sides.push(await Promise.all(side.map(ref)));
      return c.partition(sides);
    }
    case 'heal':
      return c.heal();
    case 'cut':
      return c.cut(await ref(step.from), await ref(step.to));
    case 'link':
      return c.link(await ref(step.from), await ref(step.to));
    case 'network': {
      const from = step.from === undefined ? undefined : await ref(step.from);
      const to = step.to === undefined ? undefined : await ref(step.to);
      return c.setNetwork(linkPolicy(step), from, to);
    }
    case 'skew':
      return c.skew(await ref(step.node), step.rate);
    case 'add-node':
      await c.addNode(step.node);
      return;
    case 'remove-node': {
      // Removal completes in the background; failures surface in the trace.
      const id = await ref(step.node);
      c.removeNode(id).catch((err: Error) =>
        c.record(null, { type: 'fault', fault: 'step-error', message: err.message }),
      );
      return;
    }
    case 'transfer-leader':
      return c.transferLeader(step.group, await ref(step.to));
    case 'snapshot':
      return c.snapshot(await ref(step.node), step.group);
    case 'fail-apply':
      return c.failApply(await ref(step.node), step.group);
    case 'narrate':
      return c.record(null, { type: 'narrate', text: step.text });
  }
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

function fail(message: string): never {
  throw new ExpectFailed(message);
}

/** Check one expectation now against the running nodes; returns what held. */
export async function evaluateExpect(
  cluster: Cluster,
  rng: SeededRng,
  step: ExpectStep,
): Promise<string> {
  const g = step.group;
  const node = step.node === undefined ? undefined : await resolveRef(cluster, rng, step.node);
  const statuses = running(await cluster.statuses());
  const leaders = [...statuses]
    .filter(([, st]) => st.groups[g]?.role === 'leader')
    .map(([id, st]) => ({ id, term: st.groups[g].term }));
  const describe = (ls: { id: NodeId; term: number }[]): string =>
    ls.map((l) => `${l.id} (term ${l.term})`).join(', ');
  switch (step.that) {
    case 'single-leader': {
      if (leaders.length !== 1) {
        fail(
          `expected exactly one leader of ${g}, found ${leaders.length === 0 ? 'none' : `${leaders.length}: ${describe(leaders)}`}`,
        );
      }
      const [l] = leaders;
      if (step.term !== undefined && l.term !== step.term) {
        fail(
          `expected the leader of ${g} in term ${step.term}, but ${l.id} leads in term ${l.term}`,
        );
      }
      return `${l.id} is the only leader of ${g} (term ${l.term})`;
    }
    case 'leader':
      return expectRole(statuses, g, node!, 'leader', step.term);
    case 'role':
      return expectRole(statuses, g, node!, step.role!, step.term);
    case 'no-leader':
      if (leaders.length > 0) fail(`expected no leader of ${g}, found ${describe(leaders)}`);
      return `no running node leads ${g}`;
    case 'term': {
      const ids = node === undefined ? [...statuses.keys()] : [node];
      for (const id of ids) {
        const st = statuses.get(id);
        if (st === undefined) fail(`expected ${id} in term ${step.term} of ${g}, but it is down`);
        if (st.groups[g].term !== step.term) {
          fail(`expected term ${step.term} of ${g} on ${id}, found ${st.groups[g].term}`);
        }
      }
      return `term of ${g} is ${step.term} on ${ids.join(', ')}`;
    }
    case 'committed':
      return expectCommitted(cluster, statuses, step, node);
    case 'applied-equal':
      return expectAppliedEqual(cluster, statuses, g, step.index);
    case 'log-equal':
      return expectLogEqual(cluster, statuses, g, step.index);
  }
}

function running(statuses: Map<NodeId, NodeStatus>): Map<NodeId, NodeStatus> {
  return new Map([...statuses].filter(([, st]) => st.failure === null));
}

function expectRole(
  statuses: Map<NodeId, NodeStatus>,
  g: GroupId,
  id: NodeId,
  role: Role,
  term: number | undefined,
): string {
  const st = statuses.get(id)?.groups[g];
  if (st === undefined) fail(`expected ${id} to be ${role} of ${g}, but it is down`);
  if (st.role !== role) {
    fail(`expected ${id} to be ${role} of ${g}, but it is ${st.role} (term ${st.term})`);
  }
  if (term !== undefined && st.term !== term) {
    fail(`expected ${id} to be ${role} of ${g} in term ${term}, but its term is ${st.term}`);
  }
  return `${id} is ${role} of ${g} in term ${st.term}`;
}

async function expectCommitted(
  cluster: Cluster,
  statuses: Map<NodeId, NodeStatus>,
  step: ExpectStep,
  node: NodeId | undefined,
): Promise<string> {
  const g = step.group;
  const index = step.index!;
  const check = async (id: NodeId): Promise<string | null> => {
    const st = statuses.get(id)?.groups[g];
    if (st === undefined) return `${id} is down`;
    if (st.commit < index) return `${id} has committed up to ${st.commit}`;
    if (step.term === undefined && step.value === undefined) return null;
    const log = await cluster.log(id, g);
    const e = log.entries.find(([i]) => i === index);
    if (e === undefined) return null; // Compacted into a snapshot: committed, contents gone.
    if (step.term !== undefined && e[1] !== step.term) {
      return `${id} has term ${e[1]} at ${index}, expected ${step.term}`;
    }
    if (step.value !== undefined && canonicalJson(e[3]) !== canonicalJson(step.value)) {
      return `${id} has ${canonicalJson(e[3])} at ${index}, expected ${canonicalJson(step.value)}`;
    }
    return null;
  };
  if (node !== undefined) {
    const problem = await check(node);
    if (problem !== null) fail(`expected entry ${index} of ${g} committed on ${node}: ${problem}`);
    return `entry ${index} of ${g} is committed on ${node}`;
  }
  const leader = leaderIn(statuses, g);
  const voters =
    leader !== null ? statuses.get(leader)!.groups[g].conf.voters : cluster.memberIds();
  const ok: NodeId[] = [];
  const problems: string[] = [];
  for (const id of voters) {
    const problem = await check(id);
    if (problem === null) ok.push(id);
    else problems.push(problem);
  }
  const majority = Math.floor(voters.length / 2) + 1;
  if (ok.length < majority) {
    fail(
      `expected entry ${index} of ${g} committed on a majority (${majority} of ${voters.length}): ${problems.join('; ')}`,
    );
  }
  return `entry ${index} of ${g} is committed on ${ok.join(', ')}`;
}

async function expectAppliedEqual(
  cluster: Cluster,
  statuses: Map<NodeId, NodeStatus>,
  g: GroupId,
  index: number | undefined,
): Promise<string> {
  const ids = [...statuses.keys()].sort();
  if (ids.length === 0) fail(`no running node to compare ${g} on`);
  const states: string[] = [];
  for (const id of ids) {
    const applied = statuses.get(id)!.groups[g].applied;
    if (index !== undefined && applied < index) {
      fail(`expected ${id} to have applied ${g} up to ${index}, it applied up to ${applied}`);
    }
    states.push(canonicalJson(await cluster.appliedState(id, g)));
  }
  const j = states.findIndex((s) => s !== states[0]);
  if (j >= 0) fail(`state machines of ${g} differ: ${ids[0]} and ${ids[j]}`);
  return `state machines of ${g} are identical on ${ids.join(', ')}`;
}

async function expectLogEqual(
  cluster: Cluster,
  statuses: Map<NodeId, NodeStatus>,
  g: GroupId,
  index: number | undefined,
): Promise<string> {
  const ids = [...statuses.keys()].sort();
  if (ids.length === 0) fail(`no running node to compare ${g} on`);
  const logs = await Promise.all(ids.map((id) => cluster.log(id, g)));
  const last = index ?? logs[0].lastIndex;
  logs.forEach((log, k) => {
    if (log.lastIndex < last || (index === undefined && log.lastIndex !== last)) {
      fail(
        `logs of ${g} differ in length: ${ids[0]} ends at ${last}, ${ids[k]} at ${log.lastIndex}`,
      );
    }
  });
  const from = Math.max(1, ...logs.map((l) => l.firstIndex));
  const at = (k: number, i: number) => logs[k].entries.find(([x]) => x === i);
  for (let i = from; i <= last; i++) {
    const want = at(0, i);
    for (let k = 1; k < logs.length; k++) {
      const e = at(k, i);
      if (want === undefined || e === undefined) continue;
      if (e[1] !== want[1] || canonicalJson(e[3]) !== canonicalJson(want[3])) {
        fail(
          `logs of ${g} differ at ${i}: ${ids[0]} has term ${want[1]}, ${ids[k]} has term ${e[1]}`,
        );
      }
    }
  }
  return `logs of ${g} are identical up to ${last} on ${ids.join(', ')}`;
}
