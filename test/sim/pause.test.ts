// A paused process (SIGSTOP) keeps a running monotonic clock: when it continues, the time it
// missed has passed for it too (JRaft reads Utils.monotonicMs(); the browser host holds ticks as
// inputs while paused and replays them in order). The simulator must model the same, or a
// leader paused past its lease would resume believing no time passed and serve stale reads.
import { describe, expect, it } from 'vitest';
import type { ClientHandle, Simulator } from '../../src/sim/cluster.ts';
import { DEFAULT_FAULTS, runRandom } from '../../src/sim/random.ts';
import type { RandomOptions } from '../../src/sim/random.ts';
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

describe('pause and resume', () => {
  // The leader is paused and cut off for 4 s; the others elect a new leader that commits v2;
  // the links come back and the old leader resumes. Its lease ran out while it was paused, so
  // a read there must not return v1.
  for (const seed of [5, 1, 2]) {
    it(`a leader paused past its lease serves no stale read on resume (seed ${seed})`, () => {
      const { sim, leader: old } = startCluster(3, seed, { readOnly: 'lease' });
      const others = othersThan(sim, old);
      expect(writeAndWait(sim, old, publish('v1', 'lease')).outcome).toBe('ok');
      expect(contentOf(readAndWait(sim, old, 'lease'))).toBe('v1');
      sim.pause(old);
      for (const f of others) {
        sim.cut(old, f);
        sim.cut(f, old);
      }
      waitFor(sim, 'a new leader among the others', () =>
        others.some((f) => sim.status(f, G)?.role === 'leader'),
      );
      const fresh = others.find((f) => sim.status(f, G)?.role === 'leader')!;
      expect(writeAndWait(sim, fresh, publish('v2', 'lease')).outcome).toBe('ok');
      const pausedFor = sim.nowMs;
      sim.runFor(Math.max(0, 4000 - (sim.nowMs - pausedFor)));
      sim.heal();
      sim.resume(old);
      const h = readAndWait(sim, old, 'lease');
      expect(contentOf(h), `seed ${seed}: read at ${old} after resume`).not.toBe('v1');
    });
  }

  it('the ticks a paused node missed are replayed on resume', () => {
    const { sim, leader } = startCluster(3, 7, {});
    const follower = othersThan(sim, leader)[0];
    const before = sim.stats.ticks;
    sim.pause(follower);
    sim.runFor(1000);
    const whilePaused = sim.stats.ticks - before;
    sim.resume(follower);
    // Two running nodes tick while the third is paused; its missed ticks run at resume, so the
    // total matches three nodes ticking for the whole second (within one tick each).
    const perNodePerSecond = whilePaused / 2;
    expect(sim.stats.ticks - before).toBeGreaterThanOrEqual(Math.floor(3 * perNodePerSecond) - 3);
  });
});

describe('random schedules with pauses in lease mode', () => {
  // Only pauses and partitions, lease reads, clocks at one rate: every stale read would be a
  // bug. Before pauses kept the clock running, a leader resumed after its lease ran out could
  // answer from it, and the client history check would flag it.
  const faults = Object.fromEntries(
    Object.entries(DEFAULT_FAULTS).map(([k, spec]) => [
      k,
      { ...spec, weight: k === 'pause' ? 6 : k === 'partition' || k === 'cut' ? 2 : 0 },
    ]),
  ) as RandomOptions['faults'];
  // Seeds 12 and 16 served a stale lease read after a resume before the fix.
  for (const seed of [12, 16]) {
    it(`seed ${seed}: no violation, and the history is linearizable`, () => {
      const r = runRandom(seed, {
        nodes: 3,
        profiles: ['lesson'],
        readModes: ['lease'],
        outOfBoundSkewShare: 0,
        faultPhaseMs: 15_000,
        meanFaultGapMs: 1_500,
        leaderFaultShare: 0.8,
        faults,
        recentEvents: 0,
      });
      expect(r.readOnly).toBe('lease');
      expect(r.violation, JSON.stringify(r.violation)).toBeNull();
      expect(r.history).toBeNull();
      expect(r.durability).toBeNull();
    });
  }
});
