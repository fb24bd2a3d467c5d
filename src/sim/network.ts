// The simulator's host of the network model in src/net/policy.ts: it keeps the policy (plain
// data, changed through the model's pure functions), puts messages on the event queue and holds
// messages in hold mode. Ordering it keeps: every copy of a message gets its own msgId at send
// (a duplicate names its original in copyOf); its delay and duplication are drawn at send time
// and each link delivers in send order unless its policy says reorder (LinkClock), but its fate
// (partition, cut, hold, loss) is decided by the policy in force when it arrives, so a
// partition that starts while a message is in flight loses it. All randomness comes from the
// injected seeded generator, drawn in a fixed order that does not depend on whether tracing is on.
import type { NodeId } from '../raft/types.ts';
import type { SeededRng } from '../raft/rand.ts';
import type { GroupId } from '../raft/types.ts';
import type { WireMessage } from '../node/types.ts';
import type { TraceBody, TraceEvent, TraceMsgType } from '../trace/events.ts';
import type { Timed } from './eventQueue.ts';
import {
  blockReason,
  cutLink,
  DEFAULT_LINK_POLICY,
  decideDelivery,
  healNetwork,
  initialNetworkPolicy,
  LinkClock,
  linkPolicyOf,
  partitionNetwork,
  planSendOn,
  restoreLink,
  setHold,
  setLinkPolicy,
  type DropReason,
  type LinkPolicy,
  type NetworkPolicy,
} from '../net/policy.ts';
import { messageSummary } from '../net/summary.ts';

export type { DropReason, LinkPolicy, NetworkPolicy };
export { DEFAULT_LINK_POLICY };

/** A copy of a message on the wire, due at timeMs. */
export interface DeliveryEvent extends Timed {
  kind: 'deliver';
  msg: WireMessage;
  msgId: number;
  /** On a duplicate's second copy: the first copy's msgId. */
  copyOf?: number;
  sentMs: number;
}

/** A message waiting in hold mode, as a list of held messages shows it. */
export interface SimHeldMessage {
  msgId: number;
  group: GroupId;
  from: NodeId;
  to: NodeId;
  msgType: TraceMsgType;
  term: number;
  /** Cluster time at which it was held. */
  heldAtMs: number;
}

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

/** What arrive decided: delivered to the host (null), lost (a reason), or held. */
export type ArrivalFate = DropReason | 'held' | null;

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  private readonly rng: SeededRng;
  private readonly scheduler: DeliveryScheduler;
  private readonly trace: TraceSink | null;
  private settings: NetworkPolicy;
  /** Effective link policy per direction, rebuilt lazily after any settings change. */
  private readonly effective = new Map<NodeId, Map<NodeId, LinkPolicy>>();
  private readonly order = new LinkClock();
  private held: { ev: DeliveryEvent; atMs: number }[] = [];
  /** Copies on the wire, by msgId (for drop and duplicate by hand), and the ones dropped so. */
  private readonly flying = new Map<number, DeliveryEvent>();
  private readonly cancelled = new Set<number>();
  private nextMsgId = 1;

  constructor(opts: NetworkOptions) {
    this.rng = opts.rng;
    this.scheduler = opts.scheduler;
    this.trace = opts.trace ?? null;
    this.settings = initialNetworkPolicy(opts.policy);
  }

  /** The whole network's settings (plain data, the shape the browser's workers receive). */
  get networkPolicy(): NetworkPolicy {
    return this.settings;
  }

  /** Change settings on every link, or on the one direction from → to when both are given. */
  setPolicy(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): void {
    this.update(
      from === undefined || to === undefined
        ? setLinkPolicy(this.settings, change)
        : setLinkPolicy(this.settings, change, from, to),
    );
  }

  /** The policy in force on from → to. */
  policy(from: NodeId, to: NodeId): LinkPolicy {
    if (this.settings.overrides.length === 0) return this.settings.link;
    let byTo = this.effective.get(from);
    if (byTo === undefined) {
      byTo = new Map();
      this.effective.set(from, byTo);
    }
    let p = byTo.get(to);
    if (p === undefined) {
      p = linkPolicyOf(this.settings, from, to);
      byTo.set(to, p);
    }
    return p;
  }

  /** Nodes on different sides cannot reach each other; nodes on no side form one more side. */
  partition(sides: NodeId[][]): void {
    this.update(partitionNetwork(this.settings, sides));
  }

  /** End the partition and every cut; delay, loss, duplication and hold settings stay. */
  heal(): void {
    this.update(healNetwork(this.settings));
  }

  /** Lose every message from → to (one direction). */
  cut(from: NodeId, to: NodeId): void {
    this.update(cutLink(this.settings, from, to));
  }

  /** Restore the direction from → to. */
  link(from: NodeId, to: NodeId): void {
    this.update(restoreLink(this.settings, from, to));
  }

  /** True while from → to is blocked by the partition or a cut (loss aside). */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return blockReason(this.settings, from, to) !== null;
  }

  get partitioned(): boolean {
    return this.settings.sides !== null;
  }

  get holding(): boolean {
    return this.settings.hold;
  }

  /**
   * Enter or leave hold mode: while on, every message that would be delivered waits until it
   * is released or discarded by hand. Leaving it returns the held messages, oldest first, for
   * the host to deliver now (each decided again by the policy then, never held again).
   */
  setHold(on: boolean): DeliveryEvent[] {
    this.update(setHold(this.settings, on));
    if (on) return [];
    const held = this.held;
    this.held = [];
    return held.map((h) => h.ev);
  }

  /** The messages waiting in hold mode, oldest first. */
  heldMessages(): SimHeldMessage[] {
    return this.held.map(({ ev, atMs }) => ({
      msgId: ev.msgId,
      group: ev.msg.group,
      from: ev.msg.from,
      to: ev.msg.to,
      msgType: ev.msg.type,
      term: ev.msg.term,
      heldAtMs: atMs,
    }));
  }

  /** Take the held message msgId out of the hold list (to release or discard it), or null. */
  takeHeld(msgId: number): DeliveryEvent | null {
    const i = this.held.findIndex((h) => h.ev.msgId === msgId);
    if (i < 0) return null;
    return this.held.splice(i, 1)[0].ev;
  }

  /**
   * A delivery came due: false when it was dropped by hand while in flight (its drop is
   * already recorded), so the host does nothing more with it.
   */
  land(ev: DeliveryEvent): boolean {
    this.flying.delete(ev.msgId);
    return !this.cancelled.delete(ev.msgId);
  }

  /** Lose the copy msgId in flight now (recorded as a drop); false when it is not in flight. */
  dropInFlight(msgId: number, nowMs: number): boolean {
    const ev = this.flying.get(msgId);
    if (ev === undefined) return false;
    this.flying.delete(msgId);
    this.cancelled.add(msgId);
    this.recordDrop(ev, nowMs, 'dropped by hand');
    return true;
  }

  /**
   * Put a second copy of msgId on the wire, due with the first (recorded as a send with
   * copyOf); its new msgId, or null when msgId is not in flight.
   */
  duplicateInFlight(msgId: number, nowMs: number): number | null {
    const ev = this.flying.get(msgId);
    if (ev === undefined) return null;
    const id = this.nextMsgId++;
    this.stats.duplicated++;
    const copy: DeliveryEvent = {
      kind: 'deliver',
      timeMs: Math.max(ev.timeMs, nowMs),
      seq: 0,
      msg: ev.msg,
      msgId: id,
      copyOf: msgId,
      sentMs: nowMs,
    };
    this.scheduler.push(copy);
    this.flying.set(id, copy);
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(ev.msg.from, nowMs, {
        type: 'send',
        group: ev.msg.group,
        deliverAt: copy.timeMs,
        ...messageSummary(ev.msg, id, msgId),
      });
    }
    return id;
  }

  /** Put `msg` on the wire at nowMs; returns its msgId (its first copy's when duplicated). */
  transmit(msg: WireMessage, nowMs: number): number {
    const msgId = this.nextMsgId++;
    const p = this.policy(msg.from, msg.to);
    this.stats.sent++;
    const delays = planSendOn(p, this.rng);
    this.schedule(msg, msgId, undefined, nowMs, delays[0], p);
    if (delays.length > 1) {
      this.stats.duplicated++;
      this.schedule(msg, this.nextMsgId++, msgId, nowMs, delays[1], p);
    }
    return msgId;
  }

  /**
   * Decide the fate of a delivery that is due now, by the policy in force now. Returns null when
   * the message reaches its destination's host, 'held' in hold mode, else the reason it was
   * lost (recorded as 'drop'). `releasing` is set for a message released by hand.
   */
  arrive(ev: DeliveryEvent, nowMs: number, releasing = false): ArrivalFate {
    const { from, to } = ev.msg;
    const fate = decideDelivery(this.settings, from, to, this.rng, releasing);
    if (fate.fate === 'deliver') {
      this.stats.delivered++;
      return null;
    }
    if (fate.fate === 'hold') {
      this.held.push({ ev, atMs: nowMs });
      return 'held';
    }
    this.recordDrop(ev, nowMs, fate.reason);
    return fate.reason;
  }

  /** Record a drop decided by the host (e.g. the destination is down). */
  recordDrop(ev: DeliveryEvent, nowMs: number, reason: string): void {
    this.stats.dropped++;
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(ev.msg.to, nowMs, {
        type: 'drop',
        group: ev.msg.group,
        reason,
        sentAt: ev.sentMs,
        ...messageSummary(ev.msg, ev.msgId, ev.copyOf),
      });
    }
  }

  /** Record that the destination node took the message in. */
  recordRecv(ev: DeliveryEvent, nowMs: number): void {
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(ev.msg.to, nowMs, {
        type: 'recv',
        group: ev.msg.group,
        sentAt: ev.sentMs,
        ...messageSummary(ev.msg, ev.msgId, ev.copyOf),
      });
    }
  }

  private update(next: NetworkPolicy): void {
    this.settings = next;
    this.effective.clear();
  }

  private schedule(
    msg: WireMessage,
    msgId: number,
    copyOf: number | undefined,
    nowMs: number,
    delayMs: number,
    p: LinkPolicy,
  ): void {
    const timeMs = this.order.due(msg.from, msg.to, nowMs, delayMs, p.reorder === true);
    const ev: DeliveryEvent = { kind: 'deliver', timeMs, seq: 0, msg, msgId, sentMs: nowMs };
    if (copyOf !== undefined) ev.copyOf = copyOf;
    this.scheduler.push(ev);
    this.flying.set(msgId, ev);
    if (this.trace !== null && this.trace.enabled) {
      this.trace.record(msg.from, nowMs, {
        type: 'send',
        group: msg.group,
        deliverAt: timeMs,
        ...messageSummary(msg, msgId, copyOf),
      });
    }
  }
}
