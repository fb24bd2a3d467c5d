// The network model both hosts apply to the messages between their nodes (the simulator in
// src/sim/network.ts, the browser's workers in src/runtime/portTransport.ts): per-link delay
// ranges, loss, duplication, reordering, partitions, one-way cuts, per-direction overrides and
// a hold mode for step-by-step teaching. Pure data plus pure decisions, so every host decides
// alike from the same settings and the same seeded generator.
// Ordering it keeps: a message's delay and duplication are drawn when it is sent; its fate
// (partition, cut, hold, loss) is decided when it would be delivered, by the policy in force
// then, so a message in flight when a partition starts is lost. Each link delivers in send
// order (like the TCP connections JRaft's bolt RPC runs on) unless its policy says `reorder`:
// see LinkClock. Random draws come only from the injected generator, in a fixed order:
// send: delay, duplicate?, [duplicate's delay]; delivery: loss? (only when the link is neither
// blocked nor held).
import type { SeededRng } from '../raft/rand.ts';
import type { NodeId } from '../raft/types.ts';

/** One direction of one link. Ratios are probabilities in [0, 1]; delays are cluster ms. */
export interface LinkPolicy {
  delayMsMin: number;
  delayMsMax: number;
  dropRatio: number;
  duplicateRatio: number;
  /**
   * Let messages overtake each other on this link (each takes its own random delay). Absent or
   * false: the link is FIFO, a message is never delivered before one sent earlier on it.
   */
  reorder?: boolean;
}

/** A change to the policy of the one direction from → to, on top of the every-link policy. */
export interface LinkOverride {
  from: NodeId;
  to: NodeId;
  change: Partial<LinkPolicy>;
}

/** The whole network's settings: plain data, structured-clone and JSON safe. */
export interface NetworkPolicy {
  /** The policy of every link without an override. */
  link: LinkPolicy;
  /** At most one per direction; a direction's effective policy is `link` with `change` over it. */
  overrides: LinkOverride[];
  /** Nodes on different sides cannot reach each other; nodes on no side form one more side. */
  sides: NodeId[][] | null;
  /** Directions on which every message is lost. */
  cuts: { from: NodeId; to: NodeId }[];
  /** Messages that would be delivered wait until released one by one. */
  hold: boolean;
}

export type DropReason = 'partition' | 'cut' | 'loss';

/** What happens to a message that is due for delivery now. */
export type DeliveryFate =
  { fate: 'deliver' } | { fate: 'drop'; reason: DropReason } | { fate: 'hold' };

export const DEFAULT_LINK_POLICY: LinkPolicy = {
  delayMsMin: 1,
  delayMsMax: 10,
  dropRatio: 0,
  duplicateRatio: 0,
};

/** A setting that is out of range or self-contradictory, named in the message. */
export class NetworkPolicyError extends Error {}

/** A network with `change` over the default link policy, no partition, cut or hold. */
export function initialNetworkPolicy(change: Partial<LinkPolicy> = {}): NetworkPolicy {
  return {
    link: checkLinkPolicy({ ...DEFAULT_LINK_POLICY, ...definedOnly(change) }),
    overrides: [],
    sides: null,
    cuts: [],
    hold: false,
  };
}

/**
 * Change settings on every link, or only on the direction from → to when both are given.
 * Settings left undefined in `change` stay as they were.
 */
export function setLinkPolicy(
  p: NetworkPolicy,
  change: Partial<LinkPolicy>,
  from?: NodeId,
  to?: NodeId,
): NetworkPolicy {
  const defined = definedOnly(change);
  if (from === undefined && to === undefined) {
    const link = checkLinkPolicy({ ...p.link, ...defined });
    // Every override must still make sense over the new base.
    for (const o of p.overrides) checkLinkPolicy({ ...link, ...o.change }, `${o.from} → ${o.to}`);
    return { ...p, link };
  }
  if (from === undefined || to === undefined) {
    throw new NetworkPolicyError('network: give both from and to for one link, or neither');
  }
  const old = p.overrides.find((o) => o.from === from && o.to === to);
  const merged = { ...old?.change, ...defined };
  checkLinkPolicy({ ...p.link, ...merged }, `${from} → ${to}`);
  const overrides = p.overrides.filter((o) => o !== old);
  overrides.push({ from, to, change: merged });
  return { ...p, overrides };
}

/** Drop the per-direction override of from → to (or every override when both are omitted). */
export function clearLinkOverride(p: NetworkPolicy, from?: NodeId, to?: NodeId): NetworkPolicy {
  if (from === undefined && to === undefined) return { ...p, overrides: [] };
  return { ...p, overrides: p.overrides.filter((o) => !(o.from === from && o.to === to)) };
}

/** Split the network into sides; replaces any earlier partition. */
export function partitionNetwork(p: NetworkPolicy, sides: NodeId[][]): NetworkPolicy {
  const seen = new Map<NodeId, number>();
  sides.forEach((side, i) => {
    for (const id of side) {
      const j = seen.get(id);
      if (j !== undefined && j !== i) {
        throw new NetworkPolicyError(`partition: ${id} is on side ${j + 1} and side ${i + 1}`);
      }
      seen.set(id, i);
    }
  });
  return { ...p, sides: sides.map((s) => [...new Set(s)]) };
}

/** End the partition and every cut; delay, loss, duplication and hold stay as they are. */
export function healNetwork(p: NetworkPolicy): NetworkPolicy {
  return { ...p, sides: null, cuts: [] };
}

/** Lose every message from → to (one direction). */
export function cutLink(p: NetworkPolicy, from: NodeId, to: NodeId): NetworkPolicy {
  if (from === to) throw new NetworkPolicyError(`cut: ${from} → ${to} is not a link`);
  if (p.cuts.some((c) => c.from === from && c.to === to)) return p;
  return { ...p, cuts: [...p.cuts, { from, to }] };
}

/** Restore the direction from → to. */
export function restoreLink(p: NetworkPolicy, from: NodeId, to: NodeId): NetworkPolicy {
  return { ...p, cuts: p.cuts.filter((c) => !(c.from === from && c.to === to)) };
}

export function setHold(p: NetworkPolicy, hold: boolean): NetworkPolicy {
  return { ...p, hold };
}

/** The policy in force on the direction from → to. */
export function linkPolicyOf(p: NetworkPolicy, from: NodeId, to: NodeId): LinkPolicy {
  if (p.overrides.length === 0) return p.link;
  const o = p.overrides.find((x) => x.from === from && x.to === to);
  return o === undefined ? p.link : { ...p.link, ...o.change };
}

/** Why from → to is blocked now (loss aside), or null when it is open. */
export function blockReason(p: NetworkPolicy, from: NodeId, to: NodeId): DropReason | null {
  if (p.sides !== null && sideOf(p.sides, from) !== sideOf(p.sides, to)) return 'partition';
  if (p.cuts.length > 0 && p.cuts.some((c) => c.from === from && c.to === to)) return 'cut';
  return null;
}

/**
 * Draw the delivery delays of a message sent now on from → to: one delay, or two when the link
 * duplicates it. The copies share the message's msgId.
 */
export function planSend(p: NetworkPolicy, from: NodeId, to: NodeId, rng: SeededRng): number[] {
  return planSendOn(linkPolicyOf(p, from, to), rng);
}

/** planSend on a link policy already looked up (the simulator caches them per direction). */
export function planSendOn(link: LinkPolicy, rng: SeededRng): number[] {
  const first = drawDelay(link, rng);
  if (!rng.chance(link.duplicateRatio)) return [first];
  return [first, drawDelay(link, rng)];
}

/**
 * The fate of a message on from → to that is due for delivery now. `releasing` is set when a
 * held message is being released by hand: it is then not held again.
 */
export function decideDelivery(
  p: NetworkPolicy,
  from: NodeId,
  to: NodeId,
  rng: SeededRng,
  releasing = false,
): DeliveryFate {
  const blocked = blockReason(p, from, to);
  if (blocked !== null) return { fate: 'drop', reason: blocked };
  if (p.hold && !releasing) return { fate: 'hold' };
  if (rng.chance(linkPolicyOf(p, from, to).dropRatio)) return { fate: 'drop', reason: 'loss' };
  return { fate: 'deliver' };
}

/**
 * Per-link delivery order. On a FIFO link a message is due at max(now + delay, the last due
 * time on that link), so a later message never overtakes an earlier one (ties keep send order
 * in both hosts' queues); on a `reorder` link it is due at now + delay. One clock per place
 * that orders deliveries: the simulator's network, and each browser worker for the links into
 * it (and out of it, to plan the time it traces).
 */
export class LinkClock {
  private readonly last = new Map<NodeId, Map<NodeId, number>>();

  /** The due time of a message put on from → to at nowMs after delayMs. */
  due(from: NodeId, to: NodeId, nowMs: number, delayMs: number, reorder: boolean): number {
    const at = nowMs + delayMs;
    if (reorder) return at;
    let byTo = this.last.get(from);
    if (byTo === undefined) {
      byTo = new Map();
      this.last.set(from, byTo);
    }
    const due = Math.max(at, byTo.get(to) ?? 0);
    byTo.set(to, due);
    return due;
  }

  /** Forget every link's order (a host reset). */
  clear(): void {
    this.last.clear();
  }
}

/** Check a link policy's ranges; `where` names the link in the error. */
export function checkLinkPolicy(l: LinkPolicy, where = 'every link'): LinkPolicy {
  const finite = (x: number): boolean => typeof x === 'number' && Number.isFinite(x);
  if (!(finite(l.delayMsMin) && finite(l.delayMsMax) && l.delayMsMin >= 0)) {
    throw new NetworkPolicyError(
      `network (${where}): delay must be numbers ≥ 0, got [${l.delayMsMin}, ${l.delayMsMax}]`,
    );
  }
  if (l.delayMsMax < l.delayMsMin) {
    throw new NetworkPolicyError(
      `network (${where}): delay range [${l.delayMsMin}, ${l.delayMsMax}] has max < min`,
    );
  }
  for (const key of ['dropRatio', 'duplicateRatio'] as const) {
    const v = l[key];
    if (!(finite(v) && v >= 0 && v <= 1)) {
      throw new NetworkPolicyError(`network (${where}): ${key} must be in [0, 1], got ${v}`);
    }
  }
  if (l.reorder !== undefined && typeof l.reorder !== 'boolean') {
    throw new NetworkPolicyError(`network (${where}): reorder must be true or false`);
  }
  return l;
}

function drawDelay(l: LinkPolicy, rng: SeededRng): number {
  return l.delayMsMax > l.delayMsMin ? rng.range(l.delayMsMin, l.delayMsMax) : l.delayMsMin;
}

function sideOf(sides: NodeId[][], id: NodeId): number {
  for (let i = 0; i < sides.length; i++) if (sides[i].includes(id)) return i;
  return -1;
}

function definedOnly(change: Partial<LinkPolicy>): Partial<LinkPolicy> {
  const out: Partial<LinkPolicy> = {};
  for (const key of ['delayMsMin', 'delayMsMax', 'dropRatio', 'duplicateRatio'] as const) {
    if (change[key] !== undefined) out[key] = change[key];
  }
  if (change.reorder !== undefined) out.reorder = change.reorder;
  return out;
}
