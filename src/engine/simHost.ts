// The simulated engine's host: one Simulator (src/sim), its trace, and the engine commands
// applied to it at a virtual time. It runs wherever it is created: inside workers/sim.worker.ts
// for the page (paced by simWorkerApi.ts), or directly in a Node test.
// Invariants: the host never reads a clock; time moves only through advanceTo(). A command runs
// at the virtual time the host has reached (every event due by then already processed), and is
// logged with that time and its node references resolved, so applying the same log to a host
// built from the same options — advanceTo(atMs), then the command — gives the same trace, event
// for event, however the first run was paced. References (@leader/@follower) are resolved with
// the host's own generator, never the simulator's, so resolving one changes nothing in the run.
// Only this module and the sim worker import the simulator: the page's bundle never does.
// Forking (forkHost): a new host from the same options replays the log's commands up to a
// virtual time, each at its logged time, and stands there; its trace up to that time is the
// original's, event for event, byte for byte (simHost.test.ts), so a new action there starts a
// branch that shares the original's past exactly.
import { DEFAULT_LINK_POLICY } from '../net/policy.ts';
import { LESSON_TIMING, NACOS_TIMING, timedSnapshotIntervalMs, toTicks } from '../node/node.ts';
import type { ClientReply, TimingConfig } from '../node/types.ts';
import type { LinkPolicy } from '../net/policy.ts';
import { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import { Simulator, type ClientHandle, type SimViolation } from '../sim/cluster.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../trace/events.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import { APP_VERSION, plainNetwork, raftProfile } from '../trace/header.ts';
import { TraceRecorder } from '../trace/recorder.ts';
import type { Scenario } from '../scenario/format.ts';
import { buildSimulator, runStep, traceHeader, type RunContext } from '../sim/runner.ts';
import {
  errorText,
  refuse,
  type EngineCommand,
  type EngineResult,
  type EngineStatus,
  type EngineGroupStatus,
} from './types.ts';

/** The simulated engine's options, after validation (see options.ts). */
export interface SimEngineOptions {
  seed: number;
  nodes: number;
  groups: GroupId[];
  timing: 'nacos' | 'lesson';
  network: Partial<LinkPolicy>;
  readOnly: 'safe' | 'lease';
  /** Nacos's behaviour (absent: nacos) or the textbook's where they differ. */
  fidelity?: 'nacos' | 'textbook';
  snapshotIntervalEntries: number;
  /** Virtual ms per wall ms, or 'max'. Pacing only: it never changes the trace. */
  speed: number | 'max';
  /**
   * The pacer pauses by itself when virtual time reaches this, exactly there, whatever the
   * speed (a lesson runs at full speed to its end: a page that polled and then paused would
   * overshoot by as much as it lags behind). Pacing only: it never changes the trace.
   */
  pauseAtMs?: number;
  /**
   * A validated scenario to run (a lesson, an edited or recorded file): the cluster, initial
   * state and steps come from it, scheduled as the CLI's runner schedules them (same seed, same
   * trace), and seed/nodes/groups/timing/network/readOnly above are taken from it.
   */
  scenario?: Scenario;
}

/** A command as it ran: at which virtual time, with references resolved to node ids. */
export interface LoggedCommand {
  atMs: number;
  cmd: EngineCommand;
}

/** The most events the host keeps for an export (the page keeps its own copy). */
export const SIM_TRACE_LIMIT = 300_000;

const REF_RE = /^@(leader|follower):(.+)$/;

/** Commands the host runs itself; the rest (speed, pause/resume of the clock, reset) are pacing. */
const HOST_COMMANDS = new Set<EngineCommand['type']>([
  'crash',
  'restart',
  'pause',
  'resume',
  'skew',
  'partition',
  'heal',
  'cut',
  'link',
  'network',
  'hold',
  'release',
  'discard',
  'write',
  'read',
  'add-node',
  'remove-node',
  'transfer-leader',
  'snapshot',
  'fail-apply',
  'drop-message',
  'duplicate-message',
]);

export function isHostCommand(cmd: EngineCommand): boolean {
  if ((cmd.type === 'pause' || cmd.type === 'resume') && cmd.node === undefined) return false;
  return HOST_COMMANDS.has(cmd.type);
}

function timingOf(t: SimEngineOptions['timing']): TimingConfig {
  return { ...(t === 'lesson' ? LESSON_TIMING : NACOS_TIMING) };
}

export class SimHost {
  readonly sim: Simulator;
  readonly options: SimEngineOptions;
  private readonly recorder: TraceRecorder;
  private readonly headerValue: TraceHeader;
  private readonly refRng: SeededRng;
  private fresh: TraceEvent[] = [];
  private readonly log: LoggedCommand[] = [];
  private readonly waiting = new Set<(r: EngineResult) => void>();
  private disposed = false;

  constructor(options: SimEngineOptions) {
    this.options = options;
    this.refRng = new SeededRng((options.seed ^ 0x5eed_f00d) >>> 0);
    if (options.scenario !== undefined) {
      const scenario = options.scenario;
      this.recorder = new TraceRecorder({
        limit: SIM_TRACE_LIMIT,
        listener: (e) => this.fresh.push(e),
      });
      this.sim = buildSimulator(scenario, {
        trace: this.recorder,
        ...(options.snapshotIntervalEntries > 0
          ? { snapshotIntervalEntries: options.snapshotIntervalEntries }
          : {}),
      });
      this.headerValue = traceHeader(scenario, scenario.seed, 'simulated');
      this.sim.start();
      // The steps run exactly as src/sim/runner.ts prepareRun schedules them.
      const ctx: RunContext = { scenario, sim: this.sim, handles: [], expects: [], stepErrors: [] };
      scenario.steps.forEach((step, i) => this.sim.at(step.at, () => runStep(ctx, step, i)));
      return;
    }
    const timing = timingOf(options.timing);
    const nodes = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
    this.recorder = new TraceRecorder({
      limit: SIM_TRACE_LIMIT,
      listener: (e) => this.fresh.push(e),
    });
    this.sim = new Simulator({
      seed: options.seed,
      nodes,
      groups: [...options.groups],
      timing,
      network: options.network,
      trace: this.recorder,
      readOnly: options.readOnly,
      fidelity: options.fidelity ?? 'nacos',
      ...(options.snapshotIntervalEntries > 0
        ? { snapshotIntervalEntries: options.snapshotIntervalEntries }
        : {}),
    });
    this.headerValue = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      engine: 'simulated',
      appVersion: APP_VERSION,
      seed: options.seed,
      scenario: null,
      cluster: {
        nodes,
        groups: [...options.groups],
        raft: raftProfile(
          timing,
          toTicks(timing),
          options.readOnly,
          options.fidelity ?? 'nacos',
          timedSnapshotIntervalMs(undefined, options.fidelity ?? 'nacos', timing.profile),
        ),
        network: plainNetwork({ ...DEFAULT_LINK_POLICY, ...options.network }),
      },
      initial: null,
    };
    this.sim.start();
  }

  header(): TraceHeader {
    return this.headerValue;
  }

  get nowMs(): number {
    return this.sim.nowMs;
  }

  /** Has an invariant check stopped the run? Time no longer moves then. */
  get stopped(): boolean {
    return this.sim.violation !== null;
  }

  /** Run every event due up to tMs (a whole number of ms), then stand at tMs. */
  advanceTo(tMs: number): void {
    if (this.disposed) return;
    this.sim.runUntil(tMs);
  }

  /** The events recorded since the last call, in seq order. */
  drain(): TraceEvent[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  /** Every event the host still holds (the most recent SIM_TRACE_LIMIT). */
  events(): readonly TraceEvent[] {
    return this.recorder.events();
  }

  exportTrace(): string {
    return this.recorder.toJsonl(this.headerValue);
  }

  /** How many commands have run (a refused one does not count). */
  get commandCount(): number {
    return this.log.length;
  }

  /** The commands run so far, with their virtual times and resolved nodes. */
  commandLog(): LoggedCommand[] {
    return this.log.map((l) => ({ atMs: l.atMs, cmd: structuredCloneJson(l.cmd) }));
  }

  /**
   * Run a command now (at nowMs). Writes and reads resolve when their client settles, which
   * takes virtual time: the caller keeps advancing the host meanwhile.
   */
  apply(cmd: EngineCommand): Promise<EngineResult> {
    if (this.disposed) return Promise.resolve(refuse('simulated', cmd.type, 'the run was reset'));
    if (!isHostCommand(cmd)) {
      return Promise.resolve(refuse('simulated', cmd.type, 'not a command of the simulator'));
    }
    if (this.stopped) {
      return Promise.resolve(
        refuse(
          'simulated',
          cmd.type,
          `the run stopped at ${this.sim.violation!.timeMs} ms on a violation of ` +
            `${violationText(this.sim.violation!)}; reset to start again`,
        ),
      );
    }
    try {
      const resolved = this.resolve(cmd);
      return this.run(resolved);
    } catch (err) {
      return Promise.resolve(refuse('simulated', cmd.type, errorText(err)));
    }
  }

  /**
   * Settle every waiting client's command with an unknown outcome (the page stops waiting), the
   * host left as it is: a branch set aside by a fork keeps its run and can be taken up again.
   */
  detachClients(why: string): void {
    for (const settle of [...this.waiting]) {
      settle({ ok: true, value: { ok: false, error: why, indeterminate: true } });
    }
    this.waiting.clear();
  }

  /** Settle every waiting client as lost and refuse all further commands. */
  dispose(): void {
    this.disposed = true;
    for (const settle of this.waiting) {
      settle({ ok: true, value: { ok: false, error: 'the run was reset', indeterminate: true } });
    }
    this.waiting.clear();
  }

  status(extra: { speed: number | 'max'; paused: boolean }): EngineStatus {
    const sim = this.sim;
    const nodes: EngineStatus['nodes'] = {};
    for (const id of sim.nodeIds) {
      const up = sim.isUp(id);
      let groups: Record<GroupId, EngineGroupStatus> | null = null;
      if (up) {
        groups = {};
        for (const g of sim.groups) {
          const s = sim.status(id, g)!;
          groups[g] = {
            role: s.role,
            term: s.term,
            leader: s.leader,
            commit: s.commit,
            applied: s.applied,
            lastIndex: s.lastIndex,
            voters: [...s.conf.voters],
            error: s.errMsg,
          };
        }
      }
      nodes[id] = {
        id,
        state: !up ? 'crashed' : sim.isRemoved(id) ? 'removed' : 'running',
        paused: sim.isPaused(id),
        skew: sim.clockRate(id),
        groups,
      };
    }
    const leaders: Record<GroupId, NodeId | null> = {};
    for (const g of sim.groups) leaders[g] = sim.leaderOf(g);
    const v = sim.violation;
    return {
      engine: 'simulated',
      nowMs: sim.nowMs,
      speed: extra.speed,
      paused: extra.paused,
      nodes,
      leaders,
      seed: sim.seed,
      violation: v === null ? null : `${violationText(v)} at ${v.timeMs} ms`,
    };
  }

  // ---- internals -------------------------------------------------------------------------------

  private node(ref: string, what = 'node'): NodeId {
    const m = REF_RE.exec(ref);
    if (m === null) {
      if (!this.sim.nodeIds.includes(ref)) {
        throw new Error(`${what}: unknown node "${ref}" (nodes: ${this.sim.nodeIds.join(', ')})`);
      }
      return ref;
    }
    const group = m[2];
    if (!this.sim.groups.includes(group)) throw new Error(`${what}: unknown group "${group}"`);
    if (m[1] === 'leader') {
      const leader = this.sim.leaderOf(group);
      if (leader === null) throw new Error(`${what}: ${ref}: no running node leads ${group}`);
      return leader;
    }
    const followers = this.sim.followersOf(group).sort();
    if (followers.length === 0) throw new Error(`${what}: ${ref}: no running follower in ${group}`);
    return this.refRng.pick(followers);
  }

  private group(g: GroupId): GroupId {
    if (!this.sim.groups.includes(g)) {
      throw new Error(`unknown group "${g}" (groups: ${this.sim.groups.join(', ')})`);
    }
    return g;
  }

  /** The command with its references resolved and its arguments checked against the run. */
  private resolve(cmd: EngineCommand): EngineCommand {
    switch (cmd.type) {
      case 'crash':
      case 'restart':
      case 'remove-node':
        return { ...cmd, node: this.node(cmd.node) };
      case 'pause':
      case 'resume':
        return { ...cmd, node: this.node(cmd.node!) };
      case 'skew':
        if (!(cmd.rate > 0 && cmd.rate <= 100))
          throw new Error(`rate must be in (0, 100], got ${cmd.rate}`);
        return { ...cmd, node: this.node(cmd.node) };
      case 'partition':
        for (const side of cmd.sides) for (const id of side) this.node(id);
        return { type: 'partition', sides: cmd.sides.map((s) => [...s]) };
      case 'heal':
      case 'hold':
        return cmd;
      case 'release':
      case 'discard': {
        // The oldest held message unless one is named; logged by id, so a replay takes the same.
        const held = this.sim.heldMessages();
        const msgId = cmd.msgId ?? held[0]?.msgId;
        if (msgId === undefined) throw new Error('no message is held');
        if (!held.some((m) => m.msgId === msgId)) throw new Error(`message ${msgId} is not held`);
        return { type: cmd.type, msgId };
      }
      case 'cut':
      case 'link':
        return { ...cmd, from: this.node(cmd.from, 'from'), to: this.node(cmd.to, 'to') };
      case 'network':
        if (cmd.from !== undefined) this.node(cmd.from, 'from');
        if (cmd.to !== undefined) this.node(cmd.to, 'to');
        return { ...cmd, change: { ...cmd.change } };
      case 'write':
      case 'read':
        return { ...cmd, group: this.group(cmd.group), node: this.node(cmd.node) };
      case 'add-node': {
        const id = cmd.node ?? this.nextNodeId();
        if (this.sim.nodeIds.includes(id)) throw new Error(`node ${id} already exists`);
        return { type: 'add-node', node: id };
      }
      case 'transfer-leader':
        return { ...cmd, group: this.group(cmd.group), to: this.node(cmd.to, 'to') };
      case 'drop-message':
      case 'duplicate-message':
        return { ...cmd, from: this.node(cmd.from, 'from'), to: this.node(cmd.to, 'to') };
      case 'snapshot':
      case 'fail-apply':
        return { ...cmd, group: this.group(cmd.group), node: this.node(cmd.node) };
      default:
        throw new Error('not a command of the simulator');
    }
  }

  private nextNodeId(): NodeId {
    let max = 0;
    for (const id of this.sim.nodeIds) max = Math.max(max, Number(id.slice(1)));
    return `n${max + 1}`;
  }

  private run(cmd: EngineCommand): Promise<EngineResult> {
    const sim = this.sim;
    // Logged once it ran: a refused command changed nothing, so a replay must not run it.
    const done = (value?: unknown): Promise<EngineResult> => {
      this.log.push({ atMs: sim.nowMs, cmd });
      return Promise.resolve({ ok: true, value });
    };
    switch (cmd.type) {
      case 'crash':
        if (!sim.isUp(cmd.node)) throw new Error(`${cmd.node} is already down`);
        sim.crash(cmd.node);
        return done(cmd.node);
      case 'restart':
        if (sim.isUp(cmd.node)) throw new Error(`${cmd.node} is running; crash it first`);
        sim.restart(cmd.node);
        return done(cmd.node);
      case 'pause':
        if (!sim.isUp(cmd.node!)) throw new Error(`${cmd.node} is down`);
        sim.pause(cmd.node!);
        return done(cmd.node);
      case 'resume':
        sim.resume(cmd.node!);
        return done(cmd.node);
      case 'skew':
        sim.skew(cmd.node, cmd.rate);
        return done(cmd.node);
      case 'partition':
        sim.partition(cmd.sides);
        return done();
      case 'heal':
        sim.heal();
        return done();
      case 'cut':
        sim.cut(cmd.from, cmd.to);
        return done();
      case 'link':
        sim.link(cmd.from, cmd.to);
        return done();
      case 'network':
        sim.setNetwork(cmd.change, cmd.from, cmd.to);
        return done();
      case 'hold':
        sim.setHold(cmd.on);
        return done(cmd.on);
      case 'release': {
        const m = sim.heldMessages().find((h) => h.msgId === cmd.msgId)!;
        sim.release(cmd.msgId!);
        return done(m);
      }
      case 'discard': {
        const m = sim.heldMessages().find((h) => h.msgId === cmd.msgId)!;
        sim.discard(cmd.msgId);
        return done(m);
      }
      case 'add-node':
        sim.addNode(cmd.node!);
        return done(cmd.node);
      case 'remove-node':
        sim.removeNode(cmd.node);
        return done(cmd.node);
      case 'transfer-leader': {
        const refused = sim.transferLeader(cmd.group, cmd.to);
        if (refused === null) return done(cmd.to);
        // The leader ran it and said no (traced): logged, so a fork replays the same trace.
        this.log.push({ atMs: sim.nowMs, cmd });
        return Promise.resolve(refuse('simulated', cmd.type, refused));
      }
      case 'snapshot':
        sim.snapshot(cmd.node, cmd.group);
        return done(cmd.node);
      case 'fail-apply':
        sim.failApply(cmd.node, cmd.group);
        return done(cmd.node);
      case 'drop-message':
        if (!sim.dropMessage(cmd.msgId)) throw new Error(`message ${cmd.msgId} is not in flight`);
        return done(cmd.msgId);
      case 'duplicate-message': {
        const id = sim.duplicateMessage(cmd.msgId);
        if (id === null) throw new Error(`message ${cmd.msgId} is not in flight`);
        return done(id);
      }
      case 'write':
        this.log.push({ atMs: sim.nowMs, cmd });
        return this.client(sim.write(cmd.node, cmd.group, cmd.op));
      case 'read':
        this.log.push({ atMs: sim.nowMs, cmd });
        return this.client(sim.read(cmd.node, cmd.group, cmd.query));
      default:
        throw new Error('not a command of the simulator');
    }
  }

  /** Resolve when the client's request settles, with the reply a console caller would get. */
  private client(handle: ClientHandle): Promise<EngineResult> {
    return new Promise((resolve) => {
      const settle = (r: EngineResult): void => {
        this.waiting.delete(settle);
        resolve(r);
      };
      this.waiting.add(settle);
      handle.onSettle = (h) => {
        let reply: ClientReply;
        if (h.reply !== null) reply = h.reply;
        else if (h.outcome === 'timeout') {
          reply = { ok: false, error: 'the client timed out', indeterminate: true };
        } else reply = { ok: false, error: `${h.node} crashed`, indeterminate: true };
        settle({ ok: true, value: reply });
      };
    });
  }
}

/**
 * A new host built from `options` that has run every command of `log` logged at or before
 * `atMs` (each at its own time, in log order) and stands at `atMs`. Throws, naming the command,
 * if the replay refuses one the original ran: that would be a break of determinism, never a
 * branch to show.
 */
export function forkHost(
  options: SimEngineOptions,
  log: readonly LoggedCommand[],
  atMs: number,
): SimHost {
  if (!(Number.isFinite(atMs) && atMs >= 0)) {
    throw new RangeError(`fork: atMs must be a time ≥ 0 in cluster ms, got ${String(atMs)}`);
  }
  const host = new SimHost(options);
  for (const { atMs: at, cmd } of log) {
    if (at > atMs) break;
    // Commands logged at one virtual time ran back to back (the pacer only ever moves the clock
    // forward), so nothing due at that time runs between them here either.
    if (at > host.nowMs) host.advanceTo(at);
    const before = host.commandCount;
    // A refusal is logged nowhere (counted below); a replayed client's answer goes to no one.
    void host.apply(cmd);
    if (host.commandCount === before) {
      host.dispose();
      throw new Error(
        `fork: replaying ${cmd.type} at ${at} ms was refused; the run cannot be reproduced`,
      );
    }
  }
  host.advanceTo(atMs);
  return host;
}

function violationText(v: SimViolation): string {
  return `${v.invariant} (${v.group} on ${v.node}: ${v.detail})`;
}

/** A deep copy of plain JSON data (commands are plain data by construction). */
function structuredCloneJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
