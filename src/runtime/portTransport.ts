// A node's network in the browser: one MessagePort per peer, and the network model both hosts
// share (src/net/policy.ts) applied to every message.
// Ordering it keeps: the sender draws a message's delay and duplication when it sends and posts
// it at once, one frame (with its own msgId) per copy; the receiver keeps it until it is due (in
// cluster time, so speed and pause apply) and only then decides its fate by the policy in force,
// so messages in flight when a partition starts are lost. A link delivers in send order unless
// its policy says reorder: ports are FIFO, and the receiver's LinkClock never lets a frame fall
// due before one that came earlier on the same port. Anything on a port that is not a well-formed frame carrying a well-formed
// message from that port's peer to this node is dropped with a trace event; it never reaches
// the node and never throws.
import type { SeededRng } from '../raft/rand.ts';
import type { NodeId } from '../raft/types.ts';
import type { WireMessage } from '../node/types.ts';
import {
  decideDelivery,
  LinkClock,
  linkPolicyOf,
  planSend,
  type NetworkPolicy,
} from '../net/policy.ts';
import { messageSummary } from '../net/summary.ts';
import type { TraceBody, TraceMsgType } from '../trace/events.ts';
import { wallNowMs, type RateClock } from './clock.ts';
import type { HeldMessage } from './workerApi.ts';

/**
 * What travels on a port: one message, its id and the delay the sender drew for it; or, when a
 * turn sent several to the same peer, a batch of them (FrameBatch).
 */
export interface Frame {
  k: 'raft';
  id: number;
  /** On the second copy of a duplicated message: the first copy's id. */
  c?: number;
  /** Delay in cluster ms before the receiver delivers it. */
  d: number;
  m: WireMessage;
}

/** What the transport needs from its host (the node worker). */
export interface TransportHost {
  readonly self: NodeId;
  /** The cluster clock: network delays are in cluster time. */
  readonly clusterClock: RateClock;
  /** Hand a delivered message to the node. */
  deliver(msg: WireMessage): void;
  /** Whether the node runs this group. */
  knowsGroup(group: string): boolean;
  trace(body: TraceBody): void;
  /** Record send/recv for every message; drops are always recorded. */
  readonly traceMessages: boolean;
  /** Called once a message is on the wire (a test hook may block the worker there). */
  afterSend?(): void;
}

/** The frames one turn sent to one peer, in send order: one post instead of one each. */
export interface FrameBatch {
  k: 'raft-frames';
  f: Frame[];
}

interface Pending {
  dueMs: number;
  seq: number;
  id: number;
  copyOf: number | undefined;
  msg: WireMessage;
}

export class PortTransport {
  private readonly ports = new Map<NodeId, MessagePort>();
  private policy: NetworkPolicy;
  private nextMsg = 0;
  private readonly queue = new DeliveryHeap();
  private queueSeq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private frozen = false;
  private held: (HeldMessage & { msg: WireMessage; copyOf: number | undefined })[] = [];
  /** Send order per outgoing link (for the delivery time a send plans) and incoming link. */
  private readonly sendOrder = new LinkClock();
  private readonly recvOrder = new LinkClock();
  private closed = false;
  /**
   * Frames sent this turn, per peer, posted together at its end (flushSends). A post costs the
   * sender tens of microseconds whatever it carries, and a leader under load sends thousands a
   * second: posting them one by one took a third of its thread (a worker profile).
   */
  private outbox = new Map<NodeId, Frame[]>();
  private flushQueued = false;
  readonly stats = { sent: 0, delivered: 0, dropped: 0, malformed: 0 };

  constructor(
    private readonly host: TransportHost,
    private readonly rng: SeededRng,
    private readonly msgIdBase: number,
    policy: NetworkPolicy,
  ) {
    this.policy = policy;
  }

  connect(peer: NodeId, port: MessagePort): void {
    this.disconnect(peer);
    this.ports.set(peer, port);
    port.onmessage = (ev: MessageEvent) => this.onFrame(peer, ev.data);
    port.onmessageerror = () => this.dropMalformed(peer, null, 'could not be deserialized');
  }

  disconnect(peer: NodeId): void {
    const old = this.ports.get(peer);
    if (old === undefined) return;
    old.onmessage = null;
    old.close();
    this.ports.delete(peer);
  }

  setPolicy(policy: NetworkPolicy): void {
    const wasHolding = this.policy.hold;
    this.policy = policy;
    if (wasHolding && !policy.hold) {
      // Leaving hold mode lets every held message go, oldest first, each decided now.
      const held = this.held;
      this.held = [];
      for (const h of held) this.arrive(h.msgId, h.copyOf, h.msg, true);
    }
  }

  /** Stop (or resume) deliveries: the cluster or this node is paused. */
  setFrozen(frozen: boolean): void {
    this.frozen = frozen;
    this.reschedule();
  }

  /** Put a message on the wire to msg.to. */
  send(msg: WireMessage): void {
    const first = this.msgIdBase + ++this.nextMsg;
    this.stats.sent++;
    const port = this.ports.get(msg.to);
    if (port === undefined) {
      if (this.host.traceMessages)
        this.host.trace({ type: 'send', group: msg.group, ...messageSummary(msg, first) });
      this.drop(msg, first, undefined, 'unreachable');
      return;
    }
    const reorder = linkPolicyOf(this.policy, msg.from, msg.to).reorder === true;
    const now = this.host.clusterClock.now();
    const delays = planSend(this.policy, msg.from, msg.to, this.rng);
    for (let i = 0; i < delays.length; i++) {
      const id = i === 0 ? first : this.msgIdBase + ++this.nextMsg;
      const copyOf = i === 0 ? undefined : first;
      // The delivery time this sender plans, in its cluster clock; the receiver applies the
      // same order to the frames as they come in, in its own.
      const deliverAt = this.sendOrder.due(msg.from, msg.to, now, delays[i], reorder);
      const frame: Frame = { k: 'raft', id, d: delays[i], m: msg };
      if (copyOf !== undefined) frame.c = copyOf;
      // Queued before it is traced: a trace flush posts the frames queued so far first, so a
      // send the page has seen is always on the wire.
      // (Looked up each time: a flush in between starts a new outbox.)
      let frames = this.outbox.get(msg.to);
      if (frames === undefined) this.outbox.set(msg.to, (frames = []));
      frames.push(frame);
      if (this.host.traceMessages) {
        const s = messageSummary(msg, id, copyOf);
        this.host.trace({ type: 'send', group: msg.group, deliverAt, ...s });
      }
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flushSends());
    }
  }

  /**
   * Post the frames sent so far, one post per peer (at the end of every turn, and before the
   * host posts trace events that mention them). A frame that cannot be cloned is dropped alone.
   */
  flushSends(): void {
    this.flushQueued = false;
    if (this.outbox.size === 0) return;
    const outbox = this.outbox;
    this.outbox = new Map();
    if (this.closed) return;
    for (const [peer, frames] of outbox) {
      const port = this.ports.get(peer);
      if (port === undefined) {
        for (const f of frames) this.drop(f.m, f.id, f.c, 'unreachable');
        continue;
      }
      try {
        port.postMessage(frames.length === 1 ? frames[0] : { k: 'raft-frames', f: frames });
      } catch {
        // One of them could not be cloned: post each alone, and drop only those.
        for (const f of frames) {
          try {
            port.postMessage(f);
          } catch (err) {
            const why = `unsendable: ${err instanceof Error ? err.message : String(err)}`;
            this.drop(f.m, f.id, f.c, why);
          }
        }
      }
    }
    this.host.afterSend?.();
  }

  /** Messages waiting in hold mode. */
  heldMessages(): HeldMessage[] {
    return this.held.map(({ msg: _msg, ...h }) => h);
  }

  /** Deliver (or discard) one held message; false when it is not held here. */
  release(msgId: number, discard: boolean): boolean {
    const i = this.held.findIndex((h) => h.msgId === msgId);
    if (i < 0) return false;
    const [h] = this.held.splice(i, 1);
    if (discard) this.drop(h.msg, h.msgId, h.copyOf, 'discarded');
    else this.arrive(h.msgId, h.copyOf, h.msg, true);
    return true;
  }

  /**
   * A message in flight to this node, by hand: `drop` loses it now (traced as a drop, "dropped
   * by hand"); `duplicate` queues a second copy due with the first (traced as a send with
   * copyOf). False when no message msgId waits in this node's delivery queue.
   */
  tamper(msgId: number, action: 'drop' | 'duplicate'): boolean {
    const p = this.queue.find((x) => x.id === msgId);
    if (p === undefined) return false;
    if (action === 'drop') {
      this.queue.remove(p);
      this.drop(p.msg, p.id, p.copyOf, 'dropped by hand');
      return true;
    }
    const id = this.msgIdBase + ++this.nextMsg;
    this.queue.push({ dueMs: p.dueMs, seq: this.queueSeq++, id, copyOf: p.id, msg: p.msg });
    if (this.host.traceMessages) {
      const s = messageSummary(p.msg, id, p.id);
      this.host.trace({ type: 'send', group: p.msg.group, deliverAt: p.dueMs, ...s });
    }
    return true;
  }

  /** Test hook: post anything on the port to `peer`. */
  injectFrame(peer: NodeId, data: unknown): void {
    const port = this.ports.get(peer);
    if (port === undefined) throw new Error(`${this.host.self} has no link to ${peer}`);
    port.postMessage(data);
  }

  close(): void {
    this.closed = true;
    this.outbox.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const peer of [...this.ports.keys()]) this.disconnect(peer);
  }

  /** Re-arm the delivery timer (after the clock, speed or pause changed). */
  reschedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.frozen) return;
    this.deliverDue();
    const next = this.queue.peek();
    if (next === undefined) return;
    const waitMs = this.host.clusterClock.wallMsUntil(next.dueMs);
    if (waitMs === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reschedule();
    }, waitMs);
  }

  private deliverDue(): void {
    const now = this.host.clusterClock.now();
    for (let p = this.queue.peek(); p !== undefined && p.dueMs <= now; p = this.queue.peek()) {
      this.queue.pop();
      this.arrive(p.id, p.copyOf, p.msg, false);
      if (this.closed || this.frozen) return;
    }
  }

  private onFrame(peer: NodeId, data: unknown): void {
    if (this.closed) return;
    if (isObject(data) && data.k === 'raft-frames') {
      if (!Array.isArray(data.f)) {
        this.dropMalformed(peer, data, 'a batch without frames');
        return;
      }
      for (const f of data.f as unknown[]) this.onOneFrame(peer, f);
      return;
    }
    this.onOneFrame(peer, data);
  }

  private onOneFrame(peer: NodeId, data: unknown): void {
    if (this.closed) return;
    const problem = checkFrame(data, peer, this.host.self);
    if (problem !== null) {
      this.dropMalformed(peer, data, problem);
      return;
    }
    const frame = data as Frame;
    const m = frame.m;
    if (m.type !== 'Forward' && m.type !== 'ForwardResponse' && !this.host.knowsGroup(m.group)) {
      // The CP layer answers a Forward for an unknown group itself (Nacos's "No corresponding
      // Raft Group found"); a Raft message for a group this node does not run goes nowhere.
      this.stats.dropped++;
      this.host.trace({
        type: 'drop',
        group: m.group,
        reason: 'unknown group',
        ...messageSummary(m, frame.id, frame.c),
      });
      return;
    }
    const now = this.host.clusterClock.now();
    const reorder = linkPolicyOf(this.policy, m.from, m.to).reorder === true;
    const dueMs = this.recvOrder.due(m.from, m.to, now, frame.d, reorder);
    if (dueMs <= now && !this.frozen && this.queue.size === 0) {
      this.arrive(frame.id, frame.c, frame.m, false);
      return;
    }
    this.queue.push({ dueMs, seq: this.queueSeq++, id: frame.id, copyOf: frame.c, msg: frame.m });
    if (this.queue.peek()?.seq === this.queueSeq - 1) this.reschedule();
  }

  /** The message is due: its fate is decided now, by the policy in force now. */
  private arrive(
    id: number,
    copyOf: number | undefined,
    msg: WireMessage,
    releasing: boolean,
  ): void {
    const fate = decideDelivery(this.policy, msg.from, msg.to, this.rng, releasing);
    if (fate.fate === 'drop') {
      this.drop(msg, id, copyOf, fate.reason);
      return;
    }
    if (fate.fate === 'hold') {
      const s = messageSummary(msg, id, copyOf);
      this.held.push({
        msgId: id,
        group: msg.group,
        from: s.from,
        to: s.to,
        msgType: s.msgType,
        term: s.term,
        heldAtMs: wallNowMs(),
        msg,
        copyOf,
      });
      return;
    }
    this.stats.delivered++;
    if (this.host.traceMessages)
      this.host.trace({ type: 'recv', group: msg.group, ...messageSummary(msg, id, copyOf) });
    this.host.deliver(msg);
  }

  private drop(msg: WireMessage, id: number, copyOf: number | undefined, reason: string): void {
    this.stats.dropped++;
    const s = messageSummary(msg, id, copyOf);
    this.host.trace({ type: 'drop', group: msg.group, reason, ...s });
  }

  private dropMalformed(peer: NodeId, data: unknown, problem: string): void {
    this.stats.malformed++;
    const d = (isObject(data) ? data : {}) as Partial<Frame>;
    const m = (isObject(d.m) ? d.m : {}) as Record<string, unknown>;
    const str = (v: unknown, dflt: string): string =>
      typeof v === 'string' && v !== '' ? v : dflt;
    const int = (v: unknown): number =>
      Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0;
    this.host.trace({
      type: 'drop',
      group: str(m.group, '?'),
      reason: `malformed: ${problem}`,
      msgId: int(d.id),
      from: peer,
      to: this.host.self,
      msgType: isMsgType(m.type) ? m.type : '?',
      term: int(m.term),
      entries: null,
    });
  }
}

// ───────────────────────────── frame validation ─────────────────────────────

type Check = (v: unknown) => boolean;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const nat: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const int: Check = (v) => Number.isInteger(v);
const bool: Check = (v) => typeof v === 'boolean';
const str: Check = (v) => typeof v === 'string';
const ids: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const conf: Check = (v) => isObject(v) && ids(v.voters) && ids(v.outgoing) && ids(v.learners);
const entry: Check = (v) =>
  isObject(v) &&
  nat(v.index) &&
  nat(v.term) &&
  (v.type === 'normal' || v.type === 'noop' || v.type === 'conf');
const entries: Check = (v) => Array.isArray(v) && v.every(entry);
const snapMeta: Check = (v) => isObject(v) && nat(v.index) && nat(v.term) && conf(v.conf);
const reply: Check = (v) =>
  isObject(v) && (v.ok === true || (v.ok === false && typeof v.error === 'string'));
const oneOf =
  (...xs: string[]): Check =>
  (v) =>
    typeof v === 'string' && xs.includes(v);

/** The fields each message type must carry, besides type, group, from, to and term. */
const MESSAGE_FIELDS: Record<WireMessage['type'], Record<string, Check>> = {
  RequestVote: { preVote: bool, lastLogIndex: nat, lastLogTerm: nat },
  RequestVoteResponse: { preVote: bool, granted: bool },
  AppendEntries: { prevLogIndex: nat, prevLogTerm: nat, entries, leaderCommit: nat, round: int },
  AppendEntriesResponse: { success: bool, index: nat, hintIndex: nat, hintTerm: nat, round: int },
  InstallSnapshot: { meta: snapMeta, chunk: nat, chunks: nat, round: int },
  InstallSnapshotResponse: { index: nat, chunk: nat, success: bool, round: int },
  TimeoutNow: {},
  ReadIndex: { ctx: str },
  ReadIndexResponse: { ctx: str, index: int },
  Forward: { requestId: str, kind: oneOf('write', 'read', 'member', 'route') },
  ForwardResponse: { requestId: str, reply },
};

/** Why `data` is not a frame `peer` may send to `self`, or null when it is one. */
export function checkFrame(data: unknown, peer: NodeId, self: NodeId): string | null {
  if (!isObject(data) || data.k !== 'raft') return 'not a frame';
  if (!nat(data.id)) return 'bad msgId';
  if (data.c !== undefined && !nat(data.c)) return 'bad copyOf';
  if (!(typeof data.d === 'number' && Number.isFinite(data.d) && data.d >= 0)) return 'bad delay';
  const m = data.m;
  if (!isObject(m)) return 'no message';
  if (typeof m.type !== 'string' || !Object.hasOwn(MESSAGE_FIELDS, m.type)) {
    return `unknown message type ${JSON.stringify(m.type) ?? 'undefined'}`;
  }
  if (typeof m.group !== 'string' || m.group === '') return 'bad group';
  if (m.from !== peer) return `from ${JSON.stringify(m.from)} on the link from ${peer}`;
  if (m.to !== self) return `to ${JSON.stringify(m.to)} delivered to ${self}`;
  if (!nat(m.term)) return 'bad term';
  for (const [field, check] of Object.entries(MESSAGE_FIELDS[m.type as WireMessage['type']])) {
    if (!check(m[field])) return `${m.type}.${field} is missing or malformed`;
  }
  if (m.type === 'AppendEntries') return checkAppendEntries(m);
  return null;
}

/** What every AppendEntries carries by construction (§5.3): the entries follow prevLogIndex. */
function checkAppendEntries(m: Record<string, unknown>): string | null {
  const prev = m.prevLogIndex as number;
  const term = m.term as number;
  const entries = m.entries as { index: number; term: number }[];
  if ((m.prevLogTerm as number) > term) return 'AppendEntries.prevLogTerm is above its term';
  let last = m.prevLogTerm as number;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.index !== prev + 1 + i) {
      return `AppendEntries.entries[${i}] has index ${e.index}, expected ${prev + 1 + i}`;
    }
    if (e.term < last || e.term > term) {
      return `AppendEntries.entries[${i}] has term ${e.term} out of order`;
    }
    last = e.term;
  }
  return null;
}

// ───────────────────────────── delivery queue ─────────────────────────────

/** A binary min-heap of pending deliveries by (dueMs, seq). */
class DeliveryHeap {
  private readonly a: Pending[] = [];

  get size(): number {
    return this.a.length;
  }

  peek(): Pending | undefined {
    return this.a[0];
  }

  find(pred: (p: Pending) => boolean): Pending | undefined {
    return this.a.find(pred);
  }

  /** Take `p` out (a rebuild: rare, by hand only). */
  remove(p: Pending): void {
    const rest = this.a.filter((x) => x !== p);
    this.a.length = 0;
    for (const x of rest) this.push(x);
  }

  push(p: Pending): void {
    const a = this.a;
    a.push(p);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): Pending | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(x: Pending, y: Pending): boolean {
  return x.dueMs < y.dueMs || (x.dueMs === y.dueMs && x.seq < y.seq);
}

const MSG_TYPES: readonly string[] = [
  'RequestVote',
  'RequestVoteResponse',
  'AppendEntries',
  'AppendEntriesResponse',
  'InstallSnapshot',
  'InstallSnapshotResponse',
  'TimeoutNow',
  'ReadIndex',
  'ReadIndexResponse',
  'Forward',
  'ForwardResponse',
] satisfies readonly TraceMsgType[];

/** A message type the trace can name (a malformed frame's may be anything). */
function isMsgType(v: unknown): v is TraceMsgType {
  return typeof v === 'string' && MSG_TYPES.includes(v);
}
