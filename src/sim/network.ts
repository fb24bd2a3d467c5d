// The simulated network: per-link delay ranges, loss, duplication, partitions and one-way cuts.
// Ordering it keeps: every message gets a msgId at send; its delay (and so reordering) and
// whether it is duplicated are drawn at send time, but its fate (partition, cut, loss) is decided
// by the policy in force when it arrives, so a partition that starts while a message is in
// flight loses it. All randomness comes from the injected seeded generator, drawn in a fixed
// order that does not depend on whether tracing is on.
import type { NodeId } from '../raft/types.ts';
import type { SeededRng } from '../raft/rand.ts';
import type { WireMessage } from '../node/types.ts';
import type { MessageSummary, TraceBody, TraceEvent } from '../trace/events.ts';
import type { Timed } from './eventQueue.ts';
import type { LinkPolicy } from '../node/networkPolicy.ts';

/** One direction of one link's behaviour: the same shape the browser's transport applies. */
export type { LinkPolicy };

export const DEFAULT_LINK_POLICY: LinkPolicy = {
  delayMsMin: 1,
  delayMsMax: 10,
  dropRatio: 0,
  duplicateRatio: 0,
};

/** A message on the wire, due at timeMs. A duplicate shares its original's msgId. */
export interface DeliveryEvent extends Timed {
  kind: 'deliver';
  msg: WireMessage;
  msgId: number;
  sentMs: number;
}

export type DropReason = 'partition' | 'cut' | 'loss';

/** Where trace events go; `enabled` false lets hot paths skip building them. */
export interface TraceSink {
  readonly enabled: boolean;
  /** Returns the stamped event when the sink stamps one (TraceRecorder does). */
  record(node: NodeId | null, t: number, body: TraceBody): TraceEvent | null | void;
}

/** Where deliveries are scheduled (the simulator's event queue). */
export interface DeliveryScheduler {
  push(event: DeliveryEvent): void;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export interface NetworkOptions {
  rng: SeededRng;
  scheduler: DeliveryScheduler;
  policy?: Partial<LinkPolicy>;
  trace?: TraceSink | null;
}

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly rng: SeededRng;
  private readonly scheduler: DeliveryScheduler;
  private readonly trace: TraceSink | null;
  private global: LinkPolicy;
  /** Per-direction overrides on top of the global policy, by from then to. */
  private readonly overrides = new Map<NodeId, Map<NodeId, Partial<LinkPolicy>>>();
  /** Effective policy per direction, rebuilt lazily after any settings change. */
  private readonly effective = new Map<NodeId, Map<NodeId, LinkPolicy>>();
  /** Side index per node while a partition is in force; unnamed nodes share side -1. */
  private sides: Map<NodeId, number> | null = null;
  private readonly cuts = new Map<NodeId, Set<NodeId>>();
  private nextMsgId = 1;

  constructor(opts: NetworkOptions) {
    this.rng = opts.rng;
    this.scheduler = opts.scheduler;
    this.trace = opts.trace ?? null;
    this.global = checkPolicy({ ...DEFAULT_LINK_POLICY, ...opts.policy });
  }

  /** Change settings on every link, or on the one direction from → to when both are given. */
  setPolicy(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    if (from === undefined || to === undefined) {
      this.global = checkPolicy({ ...this.global, ...definedOnly(change) });
    } else {
      const byTo = this.overrides.get(from) ?? new Map<NodeId, Partial<LinkPolicy>>();
      byTo.set(to, { ...byTo.get(to), ...definedOnly(change) });
      this.overrides.set(from, byTo);
    }
    this.effective.clear();
  }

  /** The policy in force on from → to. */
  policy(from: NodeId, to: NodeId): LinkPolicy {
    if (this.overrides.size === 0) return this.global;
    let byTo = this.effective.get(from);
    if (byTo === undefined) {
      byTo = new Map();
      this.effective.set(from, byTo);
    }
    let p = byTo.get(to);
    if (p === undefined) {
      p = checkPolicy({ ...this.global, ...this.overrides.get(from)?.get(to) });
      byTo.set(to, p);
    }
    return p;
  }

  /** Nodes on different sides cannot reach each other; nodes on no side form one more side. */
  partition(sides: NodeId[][]): void {
    const sideOf = new Map<NodeId, number>();
    sides.forEach((side, i) => side.forEach((id) => sideOf.set(id, i)));
    this.sides = sideOf;
  }

  /** End the partition and every cut; delay, loss and duplication settings stay. */
  heal(): void {
    this.sides = null;
    this.cuts.clear();
  }

  /** Lose every message from → to (one direction). */
  cut(from: NodeId, to: NodeId): void {
    const set = this.cuts.get(from) ?? new Set<NodeId>();
    set.add(to);
    this.cuts.set(from, set);
  }

  /** Restore the direction from → to. */
  link(from: NodeId, to: NodeId): void {
    this.cuts.get(from)?.delete(to);
  }

  /** True while from → to is blocked by the partition or a cut (loss aside). */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockReason(from, to) !== null;
  }

  get partitioned(): boolean {
    return this.sides !== null;
  }

  /** Put `msg` on the wire at nowMs; returns its msgId. */
  transmit(msg: WireMessage, nowMs: number): number {
    const msgId = this.nextMsgId++;
    const p = this.policy(msg.from, msg.to);
    this.stats.sent++;
    this.schedule(msg, msgId, nowMs, p);
    if (this.rng.chance(p.duplicateRatio)) {
      this.stats.duplicated++;
      this.schedule(msg, msgId, nowMs, p);
    }
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(msg.from, nowMs, messageEvent('send', msg, msgId));
    }
    return msgId;
  }

  /**
   * Decide the fate of a delivery that is due now, by the policy in force now. Returns null when
   * the message reaches its destination's host, else the reason it was lost (recorded as 'drop').
   */
  arrive(ev: DeliveryEvent, nowMs: number): DropReason | null {
    const { from, to } = ev.msg;
    const reason = this.blockReason(from, to) ?? this.lossReason(from, to);
    if (reason === null) {
      this.stats.delivered++;
      return null;
    }
    this.recordDrop(ev, nowMs, reason);
    return reason;
  }

  /** Record a drop decided by the host (e.g. the destination is down). */
  recordDrop(ev: DeliveryEvent, nowMs: number, reason: string): void {
    this.stats.dropped++;
    if (this.trace !== null && this.trace.enabled) {
      const m = ev.msg;
      this.trace.record(m.to, nowMs, {
        type: 'drop',
        group: m.group,
        reason,
        msgId: ev.msgId,
        from: m.from,
        to: m.to,
        msgType: m.type,
        term: m.term,
        entries: entryRange(m),
      });
    }
  }

  /** Record that the destination node took the message in. */
  recordRecv(ev: DeliveryEvent, nowMs: number): void {
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(ev.msg.to, nowMs, messageEvent('recv', ev.msg, ev.msgId));
    }
  }

  private schedule(msg: WireMessage, msgId: number, nowMs: number, p: LinkPolicy): void {
    const delayMs =
      p.delayMsMax > p.delayMsMin ? this.rng.range(p.delayMsMin, p.delayMsMax) : p.delayMsMin;
    this.scheduler.push({
      kind: 'deliver',
      timeMs: nowMs + delayMs,
      seq: 0,
      msg,
      msgId,
      sentMs: nowMs,
    });
  }

  private blockReason(from: NodeId, to: NodeId): DropReason | null {
    if (this.sides !== null && (this.sides.get(from) ?? -1) !== (this.sides.get(to) ?? -1)) {
      return 'partition';
    }
    if (this.cuts.size > 0 && this.cuts.get(from)?.has(to) === true) return 'cut';
    return null;
  }

  private lossReason(from: NodeId, to: NodeId): DropReason | null {
    return this.rng.chance(this.policy(from, to).dropRatio) ? 'loss' : null;
  }
}

/** A message as the trace shows it. */
export function summarize(msg: WireMessage, msgId: number): MessageSummary {
  const { from, to, type: msgType, term } = msg;
  return { msgId, from, to, msgType, term, entries: entryRange(msg) };
}

/** A send or recv trace event, built in one object (the hot path when tracing). */
function messageEvent(type: 'send' | 'recv', m: WireMessage, msgId: number): TraceBody {
  const { group, from, to, term } = m;
  return { type, group, msgId, from, to, msgType: m.type, term, entries: entryRange(m) };
}

/** [first, last] index of the entries an AppendEntries carries, or null. */
function entryRange(msg: WireMessage): [number, number] | null {
  if (msg.type !== 'AppendEntries' || msg.entries.length === 0) return null;
  return [msg.entries[0].index, msg.entries[msg.entries.length - 1].index];
}

function checkPolicy(p: LinkPolicy): LinkPolicy {
  if (!(p.delayMsMin >= 0 && p.delayMsMax >= p.delayMsMin)) {
    throw new Error(`network: bad delay range [${p.delayMsMin}, ${p.delayMsMax}]`);
  }
  if (!(p.dropRatio >= 0 && p.dropRatio <= 1)) throw new Error(`network: bad drop ${p.dropRatio}`);
  if (!(p.duplicateRatio >= 0 && p.duplicateRatio <= 1)) {
    throw new Error(`network: bad duplicate ${p.duplicateRatio}`);
  }
  return p;
}

function definedOnly(change: Partial<LinkPolicy>): Partial<LinkPolicy> {
  const out: Partial<LinkPolicy> = {};
  for (const key of Object.keys(change) as (keyof LinkPolicy)[]) {
    if (change[key] !== undefined) out[key] = change[key];
  }
  return out;
}
