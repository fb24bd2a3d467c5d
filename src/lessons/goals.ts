// A lesson's challenge goal and its check. A goal is data (validated by goalSchema); the check
// reads only the state model (src/state) and the trace events folded into it, so the page checks
// a goal the same way on the simulated engine, the live one, or a replay.
// Invariant: a ChallengeTracker compares against the baseline (the state at the lesson's end),
// so nothing that was already true when the challenge began counts; once reached, a goal stays
// reached (the tracker latches).
import { z } from 'zod';
import type { TraceEvent } from '../trace/events.ts';
import type { GroupId, GroupView, NodeId, ViewState } from '../state/model.ts';
import { plGet } from '../state/plist.ts';
import { expecting, objectError } from '../trace/schema.ts';

/**
 * What a challenge asks for (all concern one group):
 * - 'new-leader': a node other than the lesson's last leader leads, in a higher term.
 * - 'old-leader-rejoined': the lesson's last leader went down, another node took over in a
 *   higher term, and the old leader is back as a follower that applied all the new leader
 *   committed.
 * - 'write-ok-while-down': a write completed ok while at least `count` nodes were crashed.
 * - 'write-ok-while-isolated': a write completed ok while every node of `nodes` was cut off
 *   from every other node (by a partition, cuts in both directions, or a crash).
 * - 'entry-replaced': `node`'s log no longer holds entry `index` of term `term` (another term
 *   stands at that index: a leader repaired the log).
 * - 'request-fails': a client request failed with an error containing `contains`.
 * - 'read-through-log': a read whose ReadIndex failed went through the log instead.
 * - 'voters': the group's leader runs a configuration of exactly `count` voters, not joint.
 * - 'snapshot-installed': `node` installed a snapshot the leader sent (InstallSnapshot).
 * - 'recovered': `node`, in ERROR at the lesson's end, is out of ERROR and applied all that
 *   was committed at the lesson's end.
 * - 'stepped-down': the lesson's last leader, `node`, stopped leading without crashing.
 */
export type Goal =
  | { type: 'new-leader'; group: GroupId }
  | { type: 'old-leader-rejoined'; group: GroupId }
  | { type: 'write-ok-while-down'; group: GroupId; count: number }
  | { type: 'write-ok-while-isolated'; group: GroupId; nodes: NodeId[] }
  | { type: 'entry-replaced'; group: GroupId; node: NodeId; index: number; term: number }
  | { type: 'request-fails'; group: GroupId; contains: string }
  | { type: 'read-through-log'; group: GroupId }
  | { type: 'voters'; group: GroupId; count: number }
  | { type: 'snapshot-installed'; group: GroupId; node: NodeId }
  | { type: 'recovered'; group: GroupId; node: NodeId }
  | { type: 'stepped-down'; group: GroupId; node: NodeId };

const group = z
  .string({ error: expecting('a group name') })
  .min(1, { error: expecting('a group name') });
const nodeId = z
  .string({ error: expecting('a node id like "n3"') })
  .regex(/^n[1-9][0-9]*$/, { error: expecting('a node id like "n3"') });
const count = z
  .number({ error: expecting('an integer 1..9') })
  .int({ error: expecting('an integer 1..9') })
  .min(1, { error: expecting('an integer 1..9') })
  .max(9, { error: expecting('an integer 1..9') });
const positive = z
  .number({ error: expecting('an integer >= 1') })
  .int({ error: expecting('an integer >= 1') })
  .min(1, { error: expecting('an integer >= 1') });

function goal<const T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject(
    { type: z.literal(type), group, ...shape },
    { error: objectError('object') },
  );
}

export const goalSchema = z.discriminatedUnion('type', [
  goal('new-leader', {}),
  goal('old-leader-rejoined', {}),
  goal('write-ok-while-down', { count }),
  goal('write-ok-while-isolated', {
    nodes: z.array(nodeId, { error: expecting('an array of node ids') }).min(1),
  }),
  goal('entry-replaced', { node: nodeId, index: positive, term: positive }),
  goal('request-fails', { contains: z.string().min(1) }),
  goal('read-through-log', {}),
  goal('voters', { count }),
  goal('snapshot-installed', { node: nodeId }),
  goal('recovered', { node: nodeId }),
  goal('stepped-down', { node: nodeId }),
]) as unknown as z.ZodType<Goal>;

export interface ChallengeStatus {
  done: boolean;
  /** What the page shows: what is still missing, or what reached the goal. */
  detail: string;
}

/** The running leader of `group` with the highest term, or null. */
export function leaderOf(s: ViewState, g: GroupId): NodeId | null {
  let best: NodeId | null = null;
  let term = -1;
  for (const n of Object.values(s.nodes)) {
    const gv = n.groups[g];
    if (n.status === 'up' && gv?.role === 'leader' && gv.term > term) {
      best = n.id;
      term = gv.term;
    }
  }
  return best;
}

function groupOf(s: ViewState, node: NodeId, g: GroupId): GroupView | undefined {
  return s.nodes[node]?.groups[g];
}

function maxTerm(s: ViewState, g: GroupId): number {
  let t = 0;
  for (const n of Object.values(s.nodes)) t = Math.max(t, n.groups[g]?.term ?? 0);
  return t;
}

/** The term of entry `index` in a log view, or null when the log does not hold it. */
export function termAt(gv: GroupView, index: number): number | null {
  const log = gv.log;
  if (index === log.snapshotIndex) return log.snapshotTerm;
  if (index < log.snapshotIndex) return null;
  return plGet(log.entries, index - log.snapshotIndex - 1)?.term ?? null;
}

/** Whether no message can pass between `a` and `b` in either direction now. */
export function cutOff(s: ViewState, a: NodeId, b: NodeId): boolean {
  if (s.nodes[a]?.status !== 'up' || s.nodes[b]?.status !== 'up') return true;
  const p = s.network.partition;
  if (p !== null) {
    const side = (n: NodeId): number => {
      const i = p.findIndex((side) => side.includes(n));
      return i === -1 ? p.length : i;
    };
    if (side(a) !== side(b)) return true;
  }
  return s.network.cuts.includes(`${a}>${b}`) && s.network.cuts.includes(`${b}>${a}`);
}

type OkEvent = Extract<TraceEvent, { type: 'ok' }>;

function isWriteOk(e: TraceEvent, g: GroupId): e is OkEvent {
  return e.type === 'ok' && e.group === g && e.op !== 'get';
}

/**
 * Checks one goal against the states that follow the baseline. Feed it every batch of events
 * with the state right after the batch (observe); the page does so once per folded frame, the
 * tests once per event.
 */
export class ChallengeTracker {
  private reached: ChallengeStatus | null = null;
  private readonly baseLeader: NodeId | null;
  private readonly baseTerm: number;
  private readonly baseCommit: number;
  private readonly baseIncarnation: number;
  private sawDown = false;

  constructor(
    readonly goal: Goal,
    readonly baseline: ViewState,
  ) {
    const g = goal.group;
    this.baseLeader = leaderOf(baseline, g);
    this.baseTerm = maxTerm(baseline, g);
    let commit = 0;
    for (const n of Object.values(baseline.nodes)) {
      commit = Math.max(commit, n.groups[g]?.log.commit ?? 0);
    }
    this.baseCommit = commit;
    const watched = 'node' in goal ? goal.node : this.baseLeader;
    this.baseIncarnation = watched === null ? 0 : (baseline.nodes[watched]?.incarnation ?? 0);
  }

  get status(): ChallengeStatus {
    return this.reached ?? { done: false, detail: this.waiting() };
  }

  /** Look at the events after the baseline and the state after them; returns the status. */
  observe(events: readonly TraceEvent[], state: ViewState): ChallengeStatus {
    if (this.reached !== null) return this.reached;
    for (const e of events) {
      if (e.seq <= this.baseline.seq) continue;
      const hit = this.checkEvent(e, state);
      if (hit !== null) return (this.reached = { done: true, detail: hit });
    }
    const hit = this.checkState(state);
    if (hit !== null) return (this.reached = { done: true, detail: hit });
    return { done: false, detail: this.waiting() };
  }

  private checkEvent(e: TraceEvent, s: ViewState): string | null {
    const goal = this.goal;
    const g = goal.group;
    if (e.type === 'node-crash' && e.node === this.baseLeader) this.sawDown = true;
    switch (goal.type) {
      case 'write-ok-while-down': {
        if (!isWriteOk(e, g)) return null;
        const down = Object.values(s.nodes).filter((n) => n.status !== 'up').length;
        return down >= goal.count
          ? `a write (${e.key}) completed while ${down} nodes were down`
          : null;
      }
      case 'write-ok-while-isolated': {
        if (!isWriteOk(e, g)) return null;
        const others = Object.keys(s.nodes).filter((n) => !goal.nodes.includes(n));
        const isolated = goal.nodes.every((a) => others.every((b) => cutOff(s, a, b)));
        return isolated
          ? `a write (${e.key}) completed while ${goal.nodes.join(' and ')} were cut off`
          : null;
      }
      case 'request-fails': {
        const text =
          e.type === 'fail' || e.type === 'info'
            ? JSON.stringify(e.result)
            : e.type === 'reply' && !e.ok
              ? (e.error ?? '')
              : '';
        if (!('group' in e) || e.group !== g || !text.includes(goal.contains)) return null;
        return `a client saw "${goal.contains}"`;
      }
      case 'read-through-log':
        return e.type === 'read-index' && e.group === g && e.fallback !== undefined
          ? `a read went through the log on ${e.node ?? '?'}: ${e.fallback}`
          : null;
      case 'snapshot-installed':
        return e.type === 'snapshot' &&
          e.stage === 'install' &&
          e.group === g &&
          e.node === goal.node
          ? `${goal.node} installed a snapshot up to index ${e.index}`
          : null;
      case 'stepped-down':
        if (e.type === 'node-crash' && e.node === goal.node) this.sawDown = true;
        return null;
      default:
        return null;
    }
  }

  private checkState(s: ViewState): string | null {
    const goal = this.goal;
    const g = goal.group;
    switch (goal.type) {
      case 'new-leader': {
        const l = leaderOf(s, g);
        if (l === null || l === this.baseLeader) return null;
        const term = groupOf(s, l, g)!.term;
        return term > this.baseTerm ? `${l} leads term ${term}` : null;
      }
      case 'old-leader-rejoined': {
        const old = this.baseLeader;
        if (old === null || !this.sawDown) return null;
        const l = leaderOf(s, g);
        const mine = groupOf(s, old, g);
        if (l === null || l === old || mine === undefined) return null;
        const lv = groupOf(s, l, g)!;
        if (s.nodes[old]?.status !== 'up' || mine.role !== 'follower') return null;
        if (lv.term <= this.baseTerm || mine.log.applied < lv.log.commit) return null;
        return `${old} is back as a follower of ${l} (term ${lv.term}), applied up to ${mine.log.applied}`;
      }
      case 'entry-replaced': {
        const gv = groupOf(s, goal.node, g);
        if (gv === undefined) return null;
        const t = termAt(gv, goal.index);
        return t !== null && t !== goal.term
          ? `${goal.node}'s index ${goal.index} now holds an entry of term ${t}`
          : null;
      }
      case 'voters': {
        const l = leaderOf(s, g);
        const conf = l === null ? null : groupOf(s, l, g)!.conf;
        if (conf === null || conf.outgoing.length > 0) return null;
        return conf.voters.length === goal.count
          ? `${l} leads ${goal.count} voters: ${conf.voters.join(', ')}`
          : null;
      }
      case 'recovered': {
        const n = s.nodes[goal.node];
        const gv = n?.groups[g];
        if (n?.status !== 'up' || gv === undefined || gv.error !== null) return null;
        return gv.log.applied >= this.baseCommit
          ? `${goal.node} is out of ERROR and applied up to ${gv.log.applied}`
          : null;
      }
      case 'stepped-down': {
        const n = s.nodes[goal.node];
        const gv = n?.groups[g];
        if (this.sawDown || n?.status !== 'up' || gv === undefined) return null;
        if (n.incarnation !== this.baseIncarnation) return null;
        return gv.role !== 'leader' ? `${goal.node} stepped down to ${gv.role} on its own` : null;
      }
      default:
        return null;
    }
  }

  private waiting(): string {
    const goal = this.goal;
    switch (goal.type) {
      case 'new-leader':
        return `waiting for a new leader (now ${this.baseLeader ?? 'none'}, term ${this.baseTerm})`;
      case 'old-leader-rejoined':
        return `waiting for ${this.baseLeader ?? 'the old leader'} to go down and come back as a follower`;
      case 'write-ok-while-down':
        return `waiting for a write to complete while ${goal.count} nodes are down`;
      case 'write-ok-while-isolated':
        return `waiting for a write to complete while ${goal.nodes.join(' and ')} are cut off`;
      case 'entry-replaced':
        return `waiting for ${goal.node}'s entry ${goal.index} (term ${goal.term}) to be replaced`;
      case 'request-fails':
        return `waiting for a client to see "${goal.contains}"`;
      case 'read-through-log':
        return 'waiting for a read to go through the log';
      case 'voters':
        return `waiting for a configuration of ${goal.count} voters`;
      case 'snapshot-installed':
        return `waiting for ${goal.node} to install a snapshot`;
      case 'recovered':
        return `waiting for ${goal.node} to leave ERROR and catch up`;
      case 'stepped-down':
        return `waiting for ${goal.node} to step down without crashing`;
    }
  }
}
