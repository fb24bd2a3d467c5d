// Random fault schedules, in the manner of TigerBeetle's VOPR: one seed decides the whole run.
// A safety phase plays typed faults (each with a weight and a duration range, some aimed at
// the current leader) and random client writes, with the invariants checked after every event.
// A liveness phase then heals everything (network, crashed, paused and skewed nodes) and
// requires, within a bound, a leader of every group and the acknowledgement of every write
// issued after healing.
// Finally every acknowledged write must be in the committed log, and no write reported as a
// definite failure may be there.
// Determinism: the plan (profile, faults, writes) is drawn from SeededRng(seed) alone and the
// simulator is seeded with the same seed, so a seed reproduces its run exactly.
import type { GroupId, NodeId } from '../raft/types.ts';
import { SeededRng } from '../raft/rand.ts';
import { nodeIds } from './scenario.ts';
import type { Scenario } from './scenario.ts';
import type { ClientHandle, SimViolation, Simulator } from './cluster.ts';
import { entryOp, prepareRun, summarizeRun } from './runner.ts';
import type { ClientSummary, RunContext } from './runner.ts';
import type { TraceSink } from './network.ts';

export type FaultKind =
  'partition' | 'crash' | 'pause' | 'cut' | 'loss' | 'duplicate' | 'delay' | 'skew';

/** How often a kind of fault is drawn (relative weight) and how long it lasts. */
export interface FaultSpec {
  weight: number;
  durationMs: [number, number];
}

export const DEFAULT_FAULTS: Record<FaultKind, FaultSpec> = {
  partition: { weight: 3, durationMs: [2_000, 15_000] },
  crash: { weight: 3, durationMs: [1_000, 20_000] },
  pause: { weight: 2, durationMs: [1_000, 12_000] },
  cut: { weight: 2, durationMs: [2_000, 15_000] },
  loss: { weight: 2, durationMs: [2_000, 10_000] },
  duplicate: { weight: 1, durationMs: [2_000, 10_000] },
  delay: { weight: 1, durationMs: [2_000, 10_000] },
  skew: { weight: 1, durationMs: [5_000, 20_000] },
};

/**
 * One fault: what, when, for how long. A node fault with `leaderOf` strikes whoever leads that
 * group when it starts (falling back to `node` when nobody does) and ends on that same node.
 */
export type Fault = { atMs: number; durationMs: number } & (
  | { kind: 'partition'; sides: NodeId[][]; isolateLeaderOf: GroupId | null }
  | { kind: 'crash' | 'pause'; node: NodeId; leaderOf: GroupId | null }
  | { kind: 'cut'; from: NodeId; to: NodeId }
  | { kind: 'loss'; drop: number }
  | { kind: 'duplicate'; duplicate: number }
  | { kind: 'delay'; delayMs: [number, number] }
  | { kind: 'skew'; node: NodeId; leaderOf: GroupId | null; rate: number }
);

/** A client write of the safety phase; `node` null means "the leader of the group now". */
export interface PlannedWrite {
  atMs: number;
  group: GroupId;
  node: NodeId | null;
  op: Record<string, unknown>;
}

/** Everything a seed decides before the run starts. */
export interface RandomPlan {
  seed: number;
  profile: 'nacos' | 'lesson';
  faults: Fault[];
  writes: PlannedWrite[];
}

export interface RandomOptions {
  nodes: number;
  groups: GroupId[];
  /** Timing profiles to draw from per seed (Nacos's 5 s election timeout, or the lesson one). */
  profiles: ('nacos' | 'lesson')[];
  /** Length of the safety phase (faults and writes). */
  faultPhaseMs: number;
  meanFaultGapMs: number;
  meanWriteGapMs: number;
  /** Share of node faults aimed at the current leader. */
  leaderFaultShare: number;
  /** Share of writes sent to the current leader (the rest go to a random node). */
  leaderWriteShare: number;
  /** The network between faults. */
  baseDelayMs: [number, number];
  faults: Record<FaultKind, FaultSpec>;
  /** After healing: a leader within this bound, then each new write acknowledged within it. */
  livenessBoundMs: number;
  livenessWritesPerGroup: number;
}

export const DEFAULT_RANDOM_OPTIONS: RandomOptions = {
  nodes: 5,
  groups: ['nacos_config'],
  profiles: ['nacos', 'lesson'],
  faultPhaseMs: 60_000,
  meanFaultGapMs: 3_000,
  meanWriteGapMs: 250,
  leaderFaultShare: 0.4,
  leaderWriteShare: 0.7,
  baseDelayMs: [1, 20],
  faults: DEFAULT_FAULTS,
  livenessBoundMs: 30_000,
  livenessWritesPerGroup: 5,
};

export interface RandomResult {
  seed: number;
  profile: 'nacos' | 'lesson';
  /** Safety: the first invariant violated, with the events before it. */
  violation: SimViolation | null;
  /** Liveness: what did not happen in time after healing, or null. */
  liveness: string | null;
  /** Acknowledged writes missing from the committed log, or failed writes found in it. */
  durability: string | null;
  faults: number;
  /** Terms that had a leader, over all groups. */
  leaderTerms: number;
  clients: ClientSummary;
  /** Simulated time the run took. */
  endMs: number;
  ok: boolean;
}

/** The command that re-runs one seed. */
export function reproduceCommand(seed: number, nodes: number): string {
  const n = nodes === DEFAULT_RANDOM_OPTIONS.nodes ? '' : ` --nodes ${nodes}`;
  return `npm run sim -- --random --seeds ${seed}-${seed}${n}`;
}

// ---- plan ------------------------------------------------------------------------------------

/** Everything seed `seed` decides: timing profile, faults and writes. */
export function randomPlan(seed: number, options: Partial<RandomOptions> = {}): RandomPlan {
  const opts = { ...DEFAULT_RANDOM_OPTIONS, ...options };
  const rng = new SeededRng(seed);
  const profile = rng.pick(opts.profiles);
  const faults = randomFaults(rng.fork(), opts);
  const writes = randomWrites(rng.fork(), seed, opts);
  return { seed, profile, faults, writes };
}

/** Draw the fault schedule of the safety phase. */
export function randomFaults(rng: SeededRng, opts: RandomOptions): Fault[] {
  const ids = nodeIds(opts.nodes);
  const kinds = Object.keys(opts.faults) as FaultKind[];
  const faults: Fault[] = [];
  const mean = opts.meanFaultGapMs;
  for (let t = gap(rng, mean); t < opts.faultPhaseMs; t += gap(rng, mean)) {
    const kind = pickWeighted(rng, kinds, (k) => opts.faults[k].weight);
    const [lo, hi] = opts.faults[kind].durationMs;
    const durationMs = rng.range(lo, hi);
    faults.push({ atMs: t, durationMs, ...drawFault(rng, kind, ids, opts) } as Fault);
  }
  return faults;
}

function drawFault(
  rng: SeededRng,
  kind: FaultKind,
  ids: NodeId[],
  opts: RandomOptions,
): Record<string, unknown> {
  const leaderOf = rng.chance(opts.leaderFaultShare) ? rng.pick(opts.groups) : null;
  switch (kind) {
    case 'partition':
      return { kind, sides: randomSides(rng, ids), isolateLeaderOf: leaderOf };
    case 'crash':
    case 'pause':
      return { kind, node: rng.pick(ids), leaderOf };
    case 'cut': {
      const from = rng.pick(ids);
      const others = ids.filter((id) => id !== from);
      return { kind, from, to: others.length > 0 ? rng.pick(others) : from };
    }
    case 'loss':
      return { kind, drop: rng.range(5, 50) / 100 };
    case 'duplicate':
      return { kind, duplicate: rng.range(5, 30) / 100 };
    case 'delay': {
      const min = rng.range(20, 200);
      return { kind, delayMs: [min, min + rng.range(50, 800)] };
    }
    case 'skew':
      return { kind, node: rng.pick(ids), leaderOf, rate: rng.range(50, 200) / 100 };
  }
}

/** Shuffle the nodes and split them into two sides (sometimes three), each non-empty. */
function randomSides(rng: SeededRng, ids: NodeId[]): NodeId[][] {
  const shuffled = [...ids];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  if (ids.length < 2) return [shuffled];
  const parts = ids.length >= 3 && rng.chance(0.25) ? 3 : 2;
  const cuts = new Set<number>();
  while (cuts.size < parts - 1) cuts.add(1 + rng.int(ids.length - 1));
  const bounds = [0, ...[...cuts].sort((a, b) => a - b), ids.length];
  return bounds.slice(1).map((end, k) => shuffled.slice(bounds[k], end));
}

/** Random client writes through the safety phase, each with a content unique in the run. */
function randomWrites(rng: SeededRng, seed: number, opts: RandomOptions): PlannedWrite[] {
  const ids = nodeIds(opts.nodes);
  const writes: PlannedWrite[] = [];
  let k = 0;
  const mean = opts.meanWriteGapMs;
  for (let t = gap(rng, mean); t < opts.faultPhaseMs; t += gap(rng, mean)) {
    const group = rng.pick(opts.groups);
    const node = rng.chance(opts.leaderWriteShare) ? null : rng.pick(ids);
    writes.push({ atMs: t, group, node, op: writeOp(rng.int(8), `s${seed}-w${k++}`) });
  }
  return writes;
}

function writeOp(key: number, content: string): Record<string, unknown> {
  return { type: 'publish', dataId: `key-${key}`, group: 'DEFAULT_GROUP', content };
}

// ---- run -------------------------------------------------------------------------------------

/** The cluster a plan runs on, as a scenario without steps (faults are scheduled directly). */
export function planScenario(plan: RandomPlan, opts: RandomOptions): Scenario {
  return {
    name: `random-${plan.seed}`,
    description: `${plan.faults.length} random faults, ${plan.writes.length} writes`,
    seed: plan.seed,
    cluster: {
      nodes: opts.nodes,
      groups: opts.groups,
      raft: { profile: plan.profile },
      network: { delayMs: opts.baseDelayMs, drop: 0, duplicate: 0 },
    },
    steps: [],
    durationMs: opts.faultPhaseMs,
  };
}

export type RandomRunOptions = Partial<RandomOptions> & {
  trace?: TraceSink | null;
  recentEvents?: number;
};

/** Run seed `seed`: safety phase, then liveness, then the durability check. */
export function runRandom(seed: number, options: RandomRunOptions = {}): RandomResult {
  const opts = { ...DEFAULT_RANDOM_OPTIONS, ...options };
  const plan = randomPlan(seed, opts);
  const scenario = planScenario(plan, opts);
  const ctx = prepareRun(scenario, {
    trace: options.trace ?? null,
    recentEvents: options.recentEvents,
  });
  const sim = ctx.sim;
  for (const f of plan.faults) scheduleFault(sim, f, opts);
  for (const w of plan.writes) sim.at(w.atMs, () => issueWrite(ctx, w));
  sim.runUntil(opts.faultPhaseMs);
  let liveness: string | null = null;
  let durability: string | null = null;
  if (sim.violation === null) liveness = checkLiveness(ctx, opts);
  if (sim.violation === null && liveness === null) durability = checkDurability(ctx);
  const summary = summarizeRun(ctx);
  return {
    seed,
    profile: plan.profile,
    violation: sim.violation,
    liveness,
    durability,
    faults: plan.faults.length,
    leaderTerms: Object.values(summary.leadersByTerm).reduce((n, l) => n + l.length, 0),
    clients: summary.clients,
    endMs: sim.nowMs,
    ok: sim.violation === null && liveness === null && durability === null,
  };
}

function issueWrite(ctx: RunContext, w: PlannedWrite): void {
  const sim = ctx.sim;
  const node = w.node ?? sim.leaderOf(w.group) ?? sim.random.pick(sim.nodeIds);
  ctx.handles.push(sim.write(node, w.group, w.op));
}

/** Start the fault at its time and undo it after its duration (at most until the phase ends). */
function scheduleFault(sim: Simulator, f: Fault, opts: RandomOptions): void {
  const endMs = Math.min(f.atMs + f.durationMs, opts.faultPhaseMs);
  sim.at(f.atMs, () => {
    const undo = startFault(sim, f, opts);
    sim.at(endMs, undo);
  });
}

/** Inflict the fault now; returns what undoes it. */
function startFault(sim: Simulator, f: Fault, opts: RandomOptions): () => void {
  switch (f.kind) {
    case 'partition': {
      const leader = f.isolateLeaderOf === null ? null : sim.leaderOf(f.isolateLeaderOf);
      const sides =
        leader === null ? f.sides : [[leader], sim.nodeIds.filter((id) => id !== leader)];
      sim.partition(sides);
      return () => sim.heal();
    }
    case 'crash': {
      const node = target(sim, f.node, f.leaderOf);
      sim.crash(node);
      return () => sim.restart(node);
    }
    case 'pause': {
      const node = target(sim, f.node, f.leaderOf);
      sim.pause(node);
      return () => sim.resume(node);
    }
    case 'cut':
      sim.cut(f.from, f.to);
      return () => sim.link(f.from, f.to);
    case 'loss':
      sim.setNetwork({ dropRatio: f.drop });
      return () => sim.setNetwork({ dropRatio: 0 });
    case 'duplicate':
      sim.setNetwork({ duplicateRatio: f.duplicate });
      return () => sim.setNetwork({ duplicateRatio: 0 });
    case 'delay': {
      sim.setNetwork({ delayMsMin: f.delayMs[0], delayMsMax: f.delayMs[1] });
      const [delayMsMin, delayMsMax] = opts.baseDelayMs;
      return () => sim.setNetwork({ delayMsMin, delayMsMax });
    }
    case 'skew': {
      const node = target(sim, f.node, f.leaderOf);
      sim.skew(node, f.rate);
      return () => sim.skew(node, 1);
    }
  }
}

function target(sim: Simulator, node: NodeId, leaderOf: GroupId | null): NodeId {
  return (leaderOf === null ? null : sim.leaderOf(leaderOf)) ?? node;
}

/** Undo every fault now. */
function healEverything(sim: Simulator, opts: RandomOptions): void {
  sim.heal();
  const [delayMsMin, delayMsMax] = opts.baseDelayMs;
  sim.setNetwork({ delayMsMin, delayMsMax, dropRatio: 0, duplicateRatio: 0 });
  for (const id of sim.nodeIds) {
    if (!sim.isUp(id)) sim.restart(id);
    else if (sim.isPaused(id)) sim.resume(id);
    if (sim.clockRate(id) !== 1) sim.skew(id, 1);
  }
}

/**
 * After healing: every group elects a leader within the bound, and every write issued then is
 * acknowledged within the bound (a write refused because leadership moved is retried at the
 * new leader, as a Nacos client retries another server).
 */
function checkLiveness(ctx: RunContext, opts: RandomOptions): string | null {
  const sim = ctx.sim;
  healEverything(sim, opts);
  const healedMs = sim.nowMs;
  const bound = opts.livenessBoundMs;
  const hasLeaders = (): boolean => sim.groups.every((g) => sim.leaderOf(g) !== null);
  if (!sim.runUntilTrue(hasLeaders, healedMs + bound)) {
    if (sim.violation !== null) return null;
    const missing = sim.groups.filter((g) => sim.leaderOf(g) === null);
    return `no leader of ${missing.join(', ')} within ${bound} ms after healing`;
  }
  const issuedMs = sim.nowMs;
  const deadlineMs = issuedMs + bound;
  const writes: LivenessWrite[] = [];
  for (const g of sim.groups) {
    for (let k = 0; k < opts.livenessWritesPerGroup; k++) {
      const w = new LivenessWrite(ctx, g, k, deadlineMs);
      writes.push(w);
      w.send();
    }
  }
  const allDone = (): boolean => writes.every((w) => w.acked);
  if (sim.runUntilTrue(allDone, deadlineMs) || sim.violation !== null) return null;
  const late = writes.filter((w) => !w.acked);
  return (
    `${late.length} of ${writes.length} writes issued ${issuedMs - healedMs} ms after ` +
    `healing were not acknowledged within ${bound} ms: ` +
    late.map((w) => w.describe()).join('; ')
  );
}

/**
 * A write of the liveness phase, retried at the current leader until acknowledged. Each attempt
 * carries its own content, so the durability check can tell attempts apart.
 */
class LivenessWrite {
  acked = false;
  attempts = 0;
  last: ClientHandle | null = null;

  constructor(
    private readonly ctx: RunContext,
    private readonly group: GroupId,
    private readonly k: number,
    private readonly deadlineMs: number,
  ) {}

  send(): void {
    const sim = this.ctx.sim;
    if (this.acked || sim.nowMs >= this.deadlineMs) return;
    const target = sim.leaderOf(this.group) ?? sim.nodeIds[this.attempts % sim.nodeIds.length];
    this.attempts++;
    const content = `s${sim.seed}-live-${this.group}-${this.k}-a${this.attempts}`;
    const h = sim.write(target, this.group, writeOp(this.k, content));
    this.ctx.handles.push(h);
    this.last = h;
    h.onSettle = () => {
      if (h.outcome === 'ok') this.acked = true;
      else sim.at(sim.nowMs + 100, () => this.send());
    };
  }

  describe(): string {
    const h = this.last;
    const how = h === null ? 'never sent' : `${h.outcome} ${JSON.stringify(h.reply)}`;
    return `write ${this.group}#${this.k} after ${this.attempts} attempts (last: ${how})`;
  }
}

/**
 * Acknowledged writes are in the leader's committed log, and writes that failed definitely
 * are not (content strings are unique per run).
 */
function checkDurability(ctx: RunContext): string | null {
  const sim = ctx.sim;
  const problems: string[] = [];
  for (const g of sim.groups) {
    const leader = sim.leaderOf(g);
    if (leader === null) return `no leader of ${g} to check durability against`;
    const node = sim.node(leader)!;
    const log = node.log(g);
    const commit = node.status(g).commit;
    const committed = new Set<string>();
    for (let i = log.firstIndex; i <= commit; i++) {
      const e = log.entry(i);
      const op = e === undefined ? undefined : (entryOp(e) as { content?: unknown } | undefined);
      if (e?.type === 'normal' && typeof op?.content === 'string') committed.add(op.content);
    }
    const compacted = log.firstIndex > 1;
    for (const h of ctx.handles) {
      if (h.group !== g || h.kind !== 'write') continue;
      const content = String((h.payload as { content?: unknown }).content);
      const isIn = committed.has(content);
      if (h.outcome === 'ok' && !isIn && !compacted) {
        problems.push(
          `acknowledged write ${h.id} (${content}) at ${h.node} is not in the committed log of ${g}`,
        );
      }
      const reply = h.reply;
      if (h.outcome === 'fail' && reply !== null && !reply.ok && !reply.indeterminate && isIn) {
        problems.push(
          `write ${h.id} (${content}) at ${h.node} failed ("${reply.error}") but is committed in ${g}`,
        );
      }
    }
  }
  return problems.length === 0 ? null : problems.slice(0, 5).join('; ');
}

// ---- helpers ---------------------------------------------------------------------------------

/** A gap with mean `meanMs`: uniform in [1, 2·mean] (integer ms). */
function gap(rng: SeededRng, meanMs: number): number {
  return rng.range(1, Math.max(1, 2 * meanMs));
}

function pickWeighted<T>(rng: SeededRng, items: T[], weight: (t: T) => number): T {
  const total = items.reduce((s, t) => s + Math.max(0, weight(t)), 0);
  let x = rng.float() * total;
  for (const t of items) {
    x -= Math.max(0, weight(t));
    if (x < 0) return t;
  }
  return items[items.length - 1];
}
