// Lease reads in the simulator (thesis §6.4.1; issue 8, item 1). A leader that answers reads
// from its lease must count the lease from the SEND time of the heartbeat a majority
// acknowledged (SOFAJRaft's Replicator.lastRpcSendTimestamp), not from when the acks arrived:
// with a slow return path, acks keep arriving long after the followers last heard from the
// leader, and by then they may have elected someone else who committed newer values.
import { describe, expect, it } from 'vitest';
import { LEASE_MAX_CLOCK_DRIFT, isClockRateWithinLeaseBound } from '../../src/raft/lease.ts';
import type { ClientHandle, Simulator } from '../../src/sim/cluster.ts';
import { G, othersThan, publish, startCluster, waitFor, writeAndWait } from './simHelpers.ts';

const get = (dataId: string) => ({ type: 'get', dataId, group: 'DEFAULT_GROUP' });

/** The content a read returned, or null when it failed, timed out or found nothing. */
function contentOf(h: ClientHandle): string | null {
  const reply = h.reply as { ok: boolean; value?: { data?: { content?: string } } } | null;
  if (h.outcome !== 'ok' || !reply?.ok) return null;
  return reply.value?.data?.content ?? null;
}

function readAndWait(sim: Simulator, node: string, key: string): ClientHandle {
  const h = sim.read(node, G, get(key));
  waitFor(sim, `the read at ${node} to settle`, () => h.outcome !== 'pending', 20_000);
  return h;
}

describe('lease reads', () => {
  // The reproduction from issue 8: 3 nodes, lease reads, one follower's acks take 4 s to reach
  // the leader (the other follower keeps the leader in contact with a majority). The leader is
  // then cut off from both followers (its messages to them are dropped; the slow follower's old
  // acks are still on the wire). The followers elect a new leader, which commits v2. The old
  // leader must not answer a read with v1 at any point after that.
  for (const seed of [1, 2, 3]) {
    it(`a leader cut off from its followers never serves a stale lease read (seed ${seed})`, () => {
      const { sim, leader: old } = startCluster(3, seed, { readOnly: 'lease' });
      const followers = othersThan(sim, old);
      expect(writeAndWait(sim, old, publish('v1', 'lease')).outcome).toBe('ok');
      // Lease reads at the leader work while the network is healthy.
      expect(contentOf(readAndWait(sim, old, 'lease'))).toBe('v1');
      sim.setNetwork({ delayMsMin: 4000, delayMsMax: 4000 }, followers[0], old);
      sim.runFor(5000);
      expect(sim.status(old, G)?.role, `seed ${seed}: ${old} still leads`).toBe('leader');
      for (const f of followers) sim.cut(old, f);
      sim.cut(followers[1], old);
      // The followers stop hearing from the old leader and elect one of their own.
      waitFor(sim, 'a new leader among the followers', () =>
        followers.some((f) => sim.status(f, G)?.role === 'leader'),
      );
      const fresh = followers.find((f) => sim.status(f, G)?.role === 'leader')!;
      const w = writeAndWait(sim, fresh, publish('v2', 'lease'));
      expect(w.outcome, `seed ${seed}: v2 at ${fresh}: ${JSON.stringify(w.reply)}`).toBe('ok');
      // From now on v2 is committed: every read that returns must return v2. Reads at the old
      // leader (until it learns the new term) either fail, time out, or return v2.
      const stale: string[] = [];
      for (let i = 0; i < 12; i++) {
        const h = sim.read(old, G, get('lease'));
        waitFor(sim, `read ${i} at ${old}`, () => h.outcome !== 'pending', 20_000);
        const c = contentOf(h);
        if (c !== null && c !== 'v2') stale.push(`read ${i} at ${h.invokedMs} ms returned ${c}`);
        if (sim.nowMs > w.settledMs + 8000) break;
      }
      expect(stale, `seed ${seed}: stale lease reads at ${old}`).toEqual([]);
    });
  }
});

/**
 * The old leader's clock runs at `leaderRate`, the followers' at `followerRate`. The leader is
 * partitioned away from both followers, who elect a new leader
 * as soon as their clocks let them and it commits v2; meanwhile a client reads at the old
 * leader every 25 ms. Returns the reads invoked after v2 was acknowledged that returned v1,
 * and how many reads the old leader answered from its lease after the cut.
 */
function readsAcrossFailover(
  seed: number,
  leaderRate: number,
  followerRate: number,
): { stale: string[]; servedAfterCut: number; sim: Simulator } {
  const { sim, leader: old } = startCluster(3, seed, {
    readOnly: 'lease',
    network: { delayMsMin: 1, delayMsMax: 3 },
  });
  const followers = othersThan(sim, old);
  expect(writeAndWait(sim, old, publish('v1', 'skew')).outcome).toBe('ok');
  sim.skew(old, leaderRate);
  for (const f of followers) sim.skew(f, followerRate);
  sim.runFor(2000);
  expect(sim.status(old, G)?.role).toBe('leader');
  sim.partition([[old], followers]);
  const cutAt = sim.nowMs;
  const reads: ClientHandle[] = [];
  let acked: ClientHandle | null = null;
  let writing: ClientHandle | null = null;
  const until = cutAt + 6000;
  while (sim.nowMs < until) {
    reads.push(sim.read(old, G, get('skew')));
    sim.runFor(25);
    const fresh = followers.find((f) => sim.status(f, G)?.role === 'leader');
    if (fresh && writing === null) writing = sim.write(fresh, G, publish('v2', 'skew'));
    if (writing && writing.outcome === 'ok') acked = writing;
  }
  // Not waitFor: outside the drift bound the simulator may rightly flag the stale read itself.
  sim.runUntilTrue(() => reads.every((h) => h.outcome !== 'pending'), sim.nowMs + 20_000);
  expect(reads.every((h) => h.outcome !== 'pending')).toBe(true);
  expect(acked, `seed ${seed}: v2 acknowledged`).not.toBeNull();
  const stale = reads
    .filter((h) => h.invokedMs > acked!.settledMs && contentOf(h) === 'v1')
    .map(
      (h) => `read at ${h.invokedMs} ms returned v1 (v2 acknowledged at ${acked!.settledMs} ms)`,
    );
  const servedAfterCut = reads.filter((h) => contentOf(h) !== null).length;
  return { stale, servedAfterCut, sim };
}

describe('lease reads under clock skew', () => {
  const rho = LEASE_MAX_CLOCK_DRIFT;
  for (const seed of [11, 12, 13, 14]) {
    it(`inside the drift bound (leader slow, followers fast) no read is stale (seed ${seed})`, () => {
      expect(isClockRateWithinLeaseBound(1 - rho) && isClockRateWithinLeaseBound(1 + rho)).toBe(
        true,
      );
      const { stale, servedAfterCut, sim } = readsAcrossFailover(seed, 1 - rho, 1 + rho);
      expect(sim.violation).toBeNull();
      // The lease did serve reads after the cut: the test exercises it.
      expect(servedAfterCut).toBeGreaterThan(0);
      expect(stale, `seed ${seed}`).toEqual([]);
    });
  }

  it('outside the bound a lease read can be stale: the documented limit of leases', () => {
    // A leader clock at half speed and followers at double speed: the lease outlives the
    // followers' patience. This is the lesson the simulator marks, not a bug of the core.
    expect(isClockRateWithinLeaseBound(0.5)).toBe(false);
    const found = [11, 12, 13, 14].some(
      (seed) => readsAcrossFailover(seed, 0.5, 2).stale.length > 0,
    );
    expect(found).toBe(true);
  });
});
