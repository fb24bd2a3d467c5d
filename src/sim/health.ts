// When each node and each link was last unhealthy, for the disruption check (a healthy,
// connected leader is never deposed). The simulator reports every change of a node's state
// (crash, restart, pause, resume, clock rate) and of the network (partition, cut, loss, delay),
// and the tracker keeps, per node and per direction, the time the last unhealthy spell ended
// (Infinity while one lasts). A node or link is then "healthy for the last H ms" when that time
// is at most now − H.
//
// Healthy means: a node is up, not paused, and its clock runs within the lease bound; a
// direction from → to is neither partitioned nor cut, loses nothing, and delays no message by
// more than `cleanDelayMsMax`. Duplication is allowed: a copy arrives within the same delay
// range, so it delivers nothing older than the window.
import type { NodeId } from '../raft/types.ts';
import type { LinkPolicy } from './network.ts';

export interface LinkState {
  blocked: boolean;
  policy: LinkPolicy;
}

export class HealthTracker {
  /** Per node: when its last unhealthy spell ended (Infinity while it lasts). */
  private readonly nodeBadUntil = new Map<NodeId, number>();
  /** Per direction "from to": when its last unhealthy spell ended (Infinity while it lasts). */
  private readonly linkBadUntil = new Map<string, number>();

  constructor(readonly cleanDelayMsMax: number) {}

  /** A node's state changed at `nowMs`; `healthy` says whether it is healthy now. */
  node(id: NodeId, healthy: boolean, nowMs: number): void {
    const was = this.nodeBadUntil.get(id);
    if (!healthy) this.nodeBadUntil.set(id, Infinity);
    else if (was === undefined || was === Infinity) this.nodeBadUntil.set(id, nowMs);
  }

  /** The network changed at `nowMs`: re-read every direction among `ids`. */
  network(ids: readonly NodeId[], state: (from: NodeId, to: NodeId) => LinkState, nowMs: number) {
    for (const from of ids) {
      for (const to of ids) {
        if (from === to) continue;
        const s = state(from, to);
        const healthy =
          !s.blocked && s.policy.dropRatio === 0 && s.policy.delayMsMax <= this.cleanDelayMsMax;
        const key = `${from} ${to}`;
        const was = this.linkBadUntil.get(key);
        if (!healthy) this.linkBadUntil.set(key, Infinity);
        else if (was === Infinity) this.linkBadUntil.set(key, nowMs);
      }
    }
  }

  /** Has the node been healthy since `sinceMs` (inclusive)? Unknown nodes count as unhealthy. */
  nodeHealthySince(id: NodeId, sinceMs: number): boolean {
    const until = this.nodeBadUntil.get(id);
    return until !== undefined && until <= sinceMs;
  }

  /** Have both directions between a and b been healthy since `sinceMs`? */
  linkHealthySince(a: NodeId, b: NodeId, sinceMs: number): boolean {
    return (
      (this.linkBadUntil.get(`${a} ${b}`) ?? -Infinity) <= sinceMs &&
      (this.linkBadUntil.get(`${b} ${a}`) ?? -Infinity) <= sinceMs
    );
  }
}
