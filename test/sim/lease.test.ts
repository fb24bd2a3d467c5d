// Lease reads in the simulator (thesis §6.4.1; issue 8, item 1). A leader that answers reads
// from its lease must count the lease from the SEND time of the heartbeat a majority
// acknowledged (SOFAJRaft's Replicator.lastRpcSendTimestamp), not from when the acks arrived:
// with a slow return path, acks keep arriving long after the followers last heard from the
// leader, and by then they may have elected someone else who committed newer values.
import { describe, expect, it } from 'vitest';
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
