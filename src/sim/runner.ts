// Runs a validated Scenario on the simulator: builds the cluster n1..nN (seeding `initial`
// durable state), schedules every step at its time, resolves `@leader:` / `@follower:` references
// when the step fires, evaluates expectations, and sums the run up.
// Ordering kept: steps fire in file order among steps of the same instant, before any event that
// the run schedules later for that instant; a step that cannot run (no leader to resolve, an
// action the cluster refuses now) is recorded as a step error, never skipped silently.
// Membership: expectations that compare nodes ('applied-equal', 'log-equal', 'term') look at the
// running members of the group (its leader's configuration: voters and learners), so a removed
// node, which keeps running without receiving entries, and a node still joining are left out;
// 'committed' without a node counts a majority of the leader's voters.
import {
  canonicalJson,
  initialDurableState,
  linkPolicy,
  scenarioTiming,
} from '../scenario/setup.ts';
import type { ConfState, Entry, GroupId, NodeId, Role } from '../raft/types.ts';
import type { LogArchiveOptions } from '../raft/log.ts';
import type { DurableState } from '../node/types.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../trace/events.ts';
import type { TraceEngine, TraceHeader } from '../trace/events.ts';
import { APP_VERSION, plainNetwork, raftProfile } from '../trace/header.ts';
import { timedSnapshotIntervalMs, toTicks } from '../node/node.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import { nodeIds } from '../scenario/format.ts';
import type { ExpectStep, NodeRef, Scenario, Step } from '../scenario/format.ts';
import {
  executeStep,
  resolveRef as resolveSharedRef,
  UnresolvedRef,
  type ClientSummary,
  type ExpectOutcome,
  type ScenarioActions,
  type StepError,
} from '../scenario/engine.ts';
import {
  evaluateExpect as evaluateShared,
  ExpectFailed,
  type EntryView,
  type ExpectView,
} from '../scenario/expect.ts';
import { SimActionError, Simulator } from './cluster.ts';
import type { ClientHandle, SimViolation } from './cluster.ts';
import type { TraceSink } from './network.ts';
import { DEFAULT_LINK_POLICY } from './network.ts';
import { describeConf } from './invariants.ts';
import { describeOutcome, describeRequest } from '../trace/clientHistory.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { checkHistory } from '../trace/linearizability.ts';
import { defaultModels } from '../trace/models.ts';
import { LEASE_MAX_CLOCK_DRIFT } from '../raft/lease.ts';
import { outcomeType } from '../trace/clientHistory.ts';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Where the full trace goes; runScenario records into a new TraceRecorder when omitted. */
  trace?: TraceSink | null;
  recentEvents?: number;
  checkInvariants?: boolean;
  /** Every node snapshots each group after this many applied entries (default: never). */
  snapshotIntervalEntries?: number;
  /** Every node snapshots each group this often, in node-local ms (default: never). */
  snapshotIntervalMs?: number;
  /** AppendEntries carry at most this many entries (default: the node's). */
  maxEntriesPerMsg?: number;
  /** How the nodes' logs archive old applied entries (default: the core's). */
  logArchive?: LogArchiveOptions;
  /** Overrides the scenario's fidelity (nacos or textbook), e.g. to show a difference. */
  fidelity?: 'nacos' | 'textbook';
}

export type { ClientSummary, ExpectOutcome, StepError };

export interface GroupSummary {
  role: Role;
  term: number;
  commit: number;
  applied: number;
  lastIndex: number;
}

export interface NodeSummary {
  up: boolean;
  paused: boolean;
  /** Removed from the configuration (it keeps running without voting). */
  removed: boolean;
  /** Live status per group, or for a crashed node what its disk holds (role 'follower'). */
  groups: Record<GroupId, GroupSummary>;
}

export interface RunResult {
  name: string;
  seed: number;
  durationMs: number;
  /** Where the run stopped: durationMs, or earlier on a violation. */
  endMs: number;
  violation: SimViolation | null;
  expects: ExpectOutcome[];
  failedExpects: ExpectOutcome[];
  stepErrors: StepError[];
  /** Per group, every term that had a leader, in term order. */
  leadersByTerm: Record<GroupId, { term: number; leader: NodeId }[]>;
  /** Per group, the configuration as its leader sees it at the end (null without a leader). */
  members: Record<GroupId, ConfState | null>;
  nodes: Record<NodeId, NodeSummary>;
  clients: ClientSummary;
  /**
   * The client history of the run (its read and write steps) is not linearizable, with the
   * failing operations; null when it is, or before the run was checked (checkRun).
   */
  history: string | null;
  /** A non-linearizable history that is a stale lease read under out-of-bound skew (expected). */
  expectedStaleRead: string | null;
  /** Acknowledged writes missing from the committed log, or definitely failed writes in it. */
  durability: string | null;
  /** No violation, failed expectation, step error, history or durability problem. */
  ok: boolean;
}

/** What a run keeps while it goes: the client handles and the outcomes of its steps. */
export interface RunContext {
  scenario: Scenario;
  sim: Simulator;
  handles: ClientHandle[];
  expects: ExpectOutcome[];
  stepErrors: StepError[];
}

/** The simulator a scenario describes, not yet started. */
export function buildSimulator(scenario: Scenario, opts: RunOptions = {}): Simulator {
  const c = scenario.cluster;
  const initial: Record<NodeId, DurableState> = {};
  for (const [id, init] of Object.entries(scenario.initial ?? {})) {
    initial[id] = initialDurableState(c.groups, init);
  }
  const sim = new Simulator({
    seed: opts.seed ?? scenario.seed,
    nodes: nodeIds(c.nodes),
    groups: c.groups,
    timing: scenarioTiming(scenario),
    network: linkPolicy(c.network ?? {}),
    initial,
    trace: opts.trace ?? null,
    recentEvents: opts.recentEvents,
    checkInvariants: opts.checkInvariants,
    readOnly: c.raft?.readOnly,
    fidelity: opts.fidelity ?? c.raft?.fidelity ?? 'nacos',
    snapshotIntervalEntries: opts.snapshotIntervalEntries,
    snapshotIntervalMs: opts.snapshotIntervalMs,
    maxEntriesPerMsg: opts.maxEntriesPerMsg,
    logArchive: opts.logArchive,
  });
  return sim;
}

/** The trace file header for a run of `scenario` (`engine` cli, or simulated in the page). */
export function traceHeader(
  scenario: Scenario,
  seed: number,
  engine: TraceEngine = 'cli',
): TraceHeader {
  const c = scenario.cluster;
  const timing = scenarioTiming(scenario);
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    engine,
    appVersion: APP_VERSION,
    seed,
    scenario: scenario.name,
    cluster: {
      nodes: nodeIds(c.nodes),
      groups: [...c.groups],
      raft: raftProfile(
        timing,
        toTicks(timing),
        c.raft?.readOnly ?? 'safe',
        c.raft?.fidelity ?? 'nacos',
        timedSnapshotIntervalMs(undefined, c.raft?.fidelity ?? 'nacos', timing.profile),
      ),
      network: plainNetwork({ ...DEFAULT_LINK_POLICY, ...linkPolicy(c.network ?? {}) }),
    },
    initial: scenario.initial ?? null,
  };
}

/** Build, start and schedule a scenario's steps; the caller runs the simulator. */
export function prepareRun(scenario: Scenario, opts: RunOptions = {}): RunContext {
  const sim = buildSimulator(scenario, opts);
  const ctx: RunContext = { scenario, sim, handles: [], expects: [], stepErrors: [] };
  sim.start();
  scenario.steps.forEach((step, i) => sim.at(step.at, () => runStep(ctx, step, i)));
  return ctx;
}

export interface ScenarioRun {
  result: RunResult;
  sim: Simulator;
  /** The recorder runScenario created when opts.trace was omitted, else null. */
  trace: TraceRecorder | null;
  header: TraceHeader;
}

/**
 * Run a scenario to its end (or to the first violation) and sum it up. The trace goes to
 * opts.trace, or into a new TraceRecorder returned as `trace` when opts.trace is omitted.
 */
export function runScenario(scenario: Scenario, opts: RunOptions = {}): ScenarioRun {
  const recorder = opts.trace === undefined ? new TraceRecorder() : null;
  const ctx = prepareRun(scenario, recorder === null ? opts : { ...opts, trace: recorder });
  const committed = watchCommittedOps(ctx.sim);
  ctx.sim.runUntil(scenario.durationMs);
  const header = traceHeader(scenario, ctx.sim.seed);
  return { result: checkRun(ctx, committed), sim: ctx.sim, trace: recorder, header };
}

// ---- history and durability of scenario runs -------------------------------------------------

/** Per group, how many times each operation (as canonical JSON) was committed. */
export type CommittedOps = Map<GroupId, Map<string, number>>;

/** Count every committed write's operation, as the checker first sees each index commit. */
export function watchCommittedOps(sim: Simulator): CommittedOps {
  const out: CommittedOps = new Map(sim.groups.map((g) => [g, new Map<string, number>()]));
  if (sim.checker === null) return out;
  const previous = sim.checker.onCommitted;
  sim.checker.onCommitted = (g, i, e) => {
    previous?.(g, i, e);
    if (e === undefined || e.type !== 'normal') return;
    const d = e.data as { kind?: unknown } | undefined;
    if (d === null || typeof d !== 'object' || d.kind !== 'write') return;
    const key = canonicalJson(entryOp(e));
    const counts = out.get(g)!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  return out;
}

/**
 * Sum the run up and check what scenario runs used to leave to random runs (issue 8, items 7
 * and 18): the client history of its read and write steps must be linearizable, and every
 * acknowledged write committed, no definitely failed one committed.
 */
export function checkRun(ctx: RunContext, committed: CommittedOps): RunResult {
  const result = summarizeRun(ctx);
  const sim = ctx.sim;
  let history: string | null = null;
  if (sim.violation === null) {
    const verdict = checkHistory(handleHistory(ctx.handles), defaultModels());
    if (verdict.ok === false) history = verdict.message;
  }
  const outside = sim.clockOutsideBound.map((c) => `${c.node} ×${c.rate} at ${c.atMs} ms`);
  const expectedStaleRead = classifyStaleRead(
    ctx.scenario.cluster.raft?.readOnly ?? 'safe',
    outside,
    history,
  );
  if (expectedStaleRead !== null) history = null;
  const durability =
    sim.violation === null && sim.checker !== null ? checkCommittedOps(ctx, committed) : null;
  return {
    ...result,
    history,
    expectedStaleRead,
    durability,
    ok: result.ok && history === null && durability === null,
  };
}

/**
 * The client history of a run's requests, in the checker's event shape: each request's invoke
 * at its send time and its outcome when it settled (timeouts, crashes and requests still
 * pending count as outcome unknown). At one instant, invocations come first, so requests that
 * met at a millisecond count as concurrent, never as ordered.
 */
export function handleHistory(handles: readonly ClientHandle[]): TraceEvent[] {
  const raw: { t: number; order: number; body: TraceBody; node: NodeId }[] = [];
  for (const h of handles) {
    const call = describeRequest(h.group, h.kind, h.payload);
    if (call === null) continue;
    const process = `s${h.id}`;
    raw.push({
      t: h.invokedMs,
      order: 0,
      node: h.node,
      body: { type: 'invoke', ...call, process },
    });
    const answered = h.outcome === 'ok' || h.outcome === 'fail' ? h.reply : null;
    const { type, result } = describeOutcome(call, answered);
    const end = h.outcome === 'pending' ? Infinity : h.settledMs;
    raw.push({ t: end, order: 1, node: h.node, body: { type, ...call, process, result } });
  }
  raw.sort((a, b) => a.t - b.t || a.order - b.order);
  return raw.map(
    (r, seq) =>
      ({
        ...r.body,
        seq,
        t: Number.isFinite(r.t) ? r.t : Number.MAX_SAFE_INTEGER,
        node: r.node,
      }) as TraceEvent,
  );
}

/** Acknowledged writes are committed; definitely failed ones are not (counted per operation). */
function checkCommittedOps(ctx: RunContext, committed: CommittedOps): string | null {
  const per = new Map<
    string,
    { g: GroupId; op: string; ok: string[]; failed: string[]; unsure: number }
  >();
  for (const h of ctx.handles) {
    if (h.kind !== 'write') continue;
    const op = canonicalJson(h.payload);
    const key = `${h.group} ${op}`;
    const rec = per.get(key) ?? { g: h.group, op, ok: [], failed: [], unsure: 0 };
    per.set(key, rec);
    const reply = h.reply;
    if (h.outcome === 'ok') rec.ok.push(h.id);
    else if (h.outcome === 'fail' && reply !== null && !reply.ok && !reply.indeterminate) {
      rec.failed.push(h.id);
    } else rec.unsure++;
  }
  const problems: string[] = [];
  for (const r of per.values()) {
    const n = committed.get(r.g)?.get(r.op) ?? 0;
    if (n < r.ok.length) {
      problems.push(
        `${r.ok.length} acknowledged write(s) ${r.ok.join(', ')} of ${r.op} to ${r.g}, but only ${n} committed`,
      );
    }
    if (r.failed.length > 0 && n > r.ok.length + r.unsure) {
      problems.push(
        `write(s) ${r.failed.join(', ')} of ${r.op} to ${r.g} failed definitely, yet ${n} committed (${r.ok.length} acknowledged, ${r.unsure} of unknown outcome)`,
      );
    }
  }
  return problems.length === 0 ? null : problems.slice(0, 5).join('; ');
}

/**
 * Item 1 of issue 8: a lease read can be stale when a clock runs outside the drift bound the
 * lease assumes (src/raft/lease.ts) — the lease's documented limit. A history that is not
 * linearizable in a run that read through the lease while some clock was outside the bound is
 * reported as that expected case; with every clock inside the bound, or with safe reads, it
 * stays a violation. (An undecided check is never an expected stale read.)
 */
export function classifyStaleRead(
  readOnly: 'safe' | 'lease',
  clockOutsideBound: string[],
  history: string | null,
): string | null {
  if (history === null || readOnly !== 'lease' || clockOutsideBound.length === 0) return null;
  if (history.startsWith('history check inconclusive')) return null;
  return (
    `stale lease read under clock skew beyond the bound (±${LEASE_MAX_CLOCK_DRIFT * 100} %: ` +
    `${clockOutsideBound.join(', ')}), expected, not a bug:\n${history}`
  );
}

// ---- steps (the shared engine in src/scenario, on this host) ---------------------------------

/**
 * Execute one step now. A reference that names nobody now, or an action the cluster refuses
 * (node down or paused, removing a node still joining), becomes a step error; any other
 * exception is a bug and propagates.
 */
export function runStep(ctx: RunContext, step: Step, i: number): void {
  try {
    if (step.do === 'expect') recordExpect(ctx, step, i);
    else executeStep(simActions(ctx), ctx.sim, ctx.sim.random, step);
  } catch (err) {
    if (!(err instanceof UnresolvedRef || err instanceof SimActionError)) throw err;
    const message = err.message;
    ctx.stepErrors.push({ step: i, at: step.at, action: step.do, message });
    ctx.sim.record(null, { type: 'fault', fault: 'step-error', step: i, message });
  }
}

/** The node a reference names now. */
export function resolveRef(sim: Simulator, ref: NodeRef): NodeId {
  return resolveSharedRef(sim, sim.random, ref);
}

/** The scenario actions on the simulator: each acts at once. */
function simActions(ctx: RunContext): ScenarioActions<void> {
  const sim = ctx.sim;
  return {
    write: (node, group, op) => void ctx.handles.push(sim.write(node, group, op)),
    read: (node, group, query) => void ctx.handles.push(sim.read(node, group, query)),
    crash: (node) => sim.crash(node),
    restart: (node) => sim.restart(node),
    pause: (node) => sim.pause(node),
    resume: (node) => sim.resume(node),
    partition: (sides) => sim.partition(sides),
    heal: () => sim.heal(),
    cut: (from, to) => sim.cut(from, to),
    link: (from, to) => sim.link(from, to),
    network: (change, from, to) => sim.setNetwork(change, from, to),
    skew: (node, rate) => sim.skew(node, rate),
    addNode: (node) => sim.addNode(node),
    removeNode: (node) => sim.removeNode(node),
    transferLeader: (group, to) => {
      const refused = sim.transferLeader(group, to);
      if (refused !== null) throw new SimActionError(refused);
    },
    snapshot: (node, group) => sim.snapshot(node, group),
    failApply: (node, group) => sim.failApply(node, group),
    corruptSnapshot: (node, group) => sim.corruptSnapshot(node, group),
    narrate: (text) => void sim.record(null, { type: 'narrate', text }),
  };
}

// ---- expectations ----------------------------------------------------------------------------

function recordExpect(ctx: RunContext, step: ExpectStep, i: number): void {
  let passed: boolean;
  let detail: string;
  try {
    detail = evaluateExpect(ctx.sim, step);
    passed = true;
  } catch (err) {
    if (!(err instanceof ExpectFailed || err instanceof UnresolvedRef)) throw err;
    detail = err.message;
    passed = false;
  }
  const outcome = { step: i, at: step.at, that: step.that, group: step.group, passed, detail };
  ctx.expects.push(outcome);
  ctx.sim.record(null, { type: 'expect', that: step.that, passed, detail });
}

/** Check one expectation now (src/scenario/expect.ts over the simulator's nodes and disks). */
export function evaluateExpect(sim: Simulator, step: ExpectStep): string {
  const node = step.node === undefined ? undefined : resolveRef(sim, step.node);
  return evaluateShared(simExpectView(sim), step, node);
}

/** The operation an entry carries (a write's op), for comparing with an expected value. */
export function entryOp(e: Entry): unknown {
  const d = e.data as { kind?: unknown; op?: unknown; query?: unknown } | undefined;
  if (d !== null && typeof d === 'object' && d.kind === 'write') return d.op;
  if (d !== null && typeof d === 'object' && d.kind === 'read') return d.query;
  return e.data;
}

function entryView(e: Entry | undefined): EntryView | undefined {
  return e === undefined ? undefined : { term: e.term, op: entryOp(e) };
}

/** What the expectations read, straight from the simulated nodes (and a down node's disk). */
function simExpectView(sim: Simulator): ExpectView {
  return {
    nodeIds: sim.nodeIds,
    memberIds: sim.memberIds,
    status: (id, g) => {
      const st = sim.status(id, g);
      if (st === null) return null;
      const { role, term, commit, applied } = st;
      return { role, term, commit, applied, voters: st.conf.voters };
    },
    isMember: (id, g) => sim.isMember(id, g),
    log: (id, g) => {
      const log = sim.node(id)!.log(g);
      return {
        firstIndex: log.firstIndex,
        lastIndex: log.lastIndex,
        entry: (i) => entryView(log.entry(i)),
      };
    },
    appliedState: (id, g) => sim.node(id)!.appliedState(g),
    durable: (id, g) => {
      const disk = sim.disk(id).durable[g];
      const base = disk.snapshot?.meta.index ?? 0;
      return {
        commit: disk.hardState.commit,
        log: {
          firstIndex: base + 1,
          lastIndex: base + disk.entries.length,
          entry: (i) => entryView(disk.entries[i - base - 1]),
        },
      };
    },
  };
}

// ---- summary ---------------------------------------------------------------------------------

/** The run's outcome as it stands now. */
export function summarizeRun(ctx: RunContext): RunResult {
  const { sim, scenario } = ctx;
  const failedExpects = ctx.expects.filter((e) => !e.passed);
  return {
    name: scenario.name,
    seed: sim.seed,
    durationMs: scenario.durationMs,
    endMs: sim.nowMs,
    violation: sim.violation,
    expects: ctx.expects,
    failedExpects,
    stepErrors: ctx.stepErrors,
    leadersByTerm: leadersByTerm(sim),
    members: Object.fromEntries(sim.groups.map((g) => [g, sim.confOf(g)])),
    nodes: nodeSummaries(sim),
    clients: clientSummary(ctx.handles),
    history: null,
    expectedStaleRead: null,
    durability: null,
    ok: sim.violation === null && failedExpects.length === 0 && ctx.stepErrors.length === 0,
  };
}

function leadersByTerm(sim: Simulator): RunResult['leadersByTerm'] {
  const out: RunResult['leadersByTerm'] = {};
  for (const g of sim.groups) {
    const seen = sim.checker?.leadersByTerm(g) ?? new Map<number, NodeId>();
    out[g] = [...seen].map(([term, leader]) => ({ term, leader })).sort((a, b) => a.term - b.term);
  }
  return out;
}

function nodeSummaries(sim: Simulator): Record<NodeId, NodeSummary> {
  const out: Record<NodeId, NodeSummary> = {};
  for (const id of sim.nodeIds) {
    const groups: Record<GroupId, GroupSummary> = {};
    for (const g of sim.groups) {
      const st = sim.status(id, g);
      if (st !== null) {
        const { role, term, commit, applied, lastIndex } = st;
        groups[g] = { role, term, commit, applied, lastIndex };
      } else {
        const d = sim.disk(id).durable[g];
        const lastIndex = (d.snapshot?.meta.index ?? 0) + d.entries.length;
        const { term, commit } = d.hardState;
        groups[g] = { role: 'follower', term, commit, applied: 0, lastIndex };
      }
    }
    out[id] = { up: sim.isUp(id), paused: sim.isPaused(id), removed: sim.isRemoved(id), groups };
  }
  return out;
}

function clientSummary(handles: ClientHandle[]): ClientSummary {
  const s: ClientSummary = { issued: handles.length, ok: 0, failed: 0, unknown: 0 };
  for (const h of handles) {
    // As the simulator records it (cluster.ts settle): only a reply the node sent counts.
    const reply = h.outcome === 'ok' || h.outcome === 'fail' ? h.reply : null;
    const type = outcomeType(h.group, h.kind, h.payload, reply);
    if (type === 'ok') s.ok++;
    else if (type === 'fail') s.failed++;
    else s.unknown++;
  }
  return s;
}

/** A readable multi-line summary of a run, as the CLI prints it. */
export function formatRunResult(r: RunResult): string {
  const lines: string[] = [];
  lines.push(`scenario ${r.name}, seed ${r.seed}, ran to ${r.endMs} ms of ${r.durationMs} ms`);
  for (const [g, leaders] of Object.entries(r.leadersByTerm)) {
    const list = leaders.map((l) => `${l.term}:${l.leader}`).join(' ') || 'none';
    lines.push(`leaders of ${g} by term: ${list}`);
  }
  for (const [id, n] of Object.entries(r.nodes)) {
    const state = (!n.up ? 'down' : n.paused ? 'paused' : 'up') + (n.removed ? ' removed' : '');
    const groups = Object.entries(n.groups)
      .map(
        ([g, s]) =>
          `${g} ${n.up ? s.role : 'disk'} term ${s.term} commit ${s.commit} last ${s.lastIndex}`,
      )
      .join('; ');
    lines.push(`  ${id} ${state.padEnd(6)} ${groups}`);
  }
  for (const [g, m] of Object.entries(r.members)) {
    lines.push(`members of ${g}: ${m === null ? 'no leader' : describeConf(m)}`);
  }
  const c = r.clients;
  lines.push(`clients: ${c.issued} requests, ${c.ok} ok, ${c.failed} failed, ${c.unknown} unknown`);
  for (const e of r.expects) {
    lines.push(
      `expect ${e.passed ? 'PASS' : 'FAIL'} steps[${e.step}] at ${e.at} ms ${e.that}: ${e.detail}`,
    );
  }
  for (const e of r.stepErrors) {
    lines.push(`step error steps[${e.step}] at ${e.at} ms (${e.action}): ${e.message}`);
  }
  if (r.violation !== null) lines.push(...formatViolation(r.violation));
  if (r.history !== null) lines.push(`NOT LINEARIZABLE: ${r.history}`);
  if (r.expectedStaleRead !== null) lines.push(`note: ${r.expectedStaleRead}`);
  if (r.durability !== null) lines.push(`DURABILITY ${r.durability}`);
  lines.push(
    r.ok
      ? 'OK'
      : `FAILED: ${r.violation ? 1 : 0} violations, ${r.failedExpects.length} failed expects, ${r.stepErrors.length} step errors` +
          `${r.history !== null ? ', history not linearizable' : ''}${r.durability !== null ? ', durability' : ''}`,
  );
  return lines.join('\n');
}

/** A violation with the events that led to it, one per line. */
export function formatViolation(v: SimViolation): string[] {
  const lines = [
    `VIOLATION ${v.invariant} (group ${v.group}, node ${v.node}) at ${v.timeMs} ms, seed ${v.seed}:`,
    `  ${v.detail}`,
  ];
  if (v.recent.length > 0) lines.push(`  the last ${v.recent.length} events:`);
  for (const e of v.recent) lines.push(`    ${JSON.stringify(e)}`);
  return lines;
}

export {
  canonicalJson,
  initialDurableState,
  initialEntryData,
  linkPolicy,
  scenarioTiming,
} from '../scenario/setup.ts';
