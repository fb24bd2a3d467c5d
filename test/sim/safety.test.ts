// Safety of whole clusters through crashes, restarts and duplicated messages (issue 8): each
// test builds the dangerous situation on purpose with faults, then checks what a client or a
// restarted node sees.
import { describe, expect, it } from 'vitest';
import { G, publish, startCluster, waitFor, writeAcked } from './simHelpers.ts';

describe('an InstallSnapshot that does not match the log, then a restart', () => {
  it('does not bring the stale entries back from the disk', () => {
    const { sim, leader: old } = startCluster(5, 11);
    writeAcked(sim, publish('v0'));
    const [f, ...others] = sim.followersOf(G);
    const rest = others.filter((id) => id !== old);
    // The old leader reaches only f: two of five, so the entries it appends now reach f's disk
    // and can never commit.
    for (const id of rest) {
      sim.cut(old, id);
      sim.cut(id, old);
    }
    const base = sim.status(f, G)!.lastIndex;
    for (let i = 0; i < 30; i++) sim.write(old, G, publish(`stale${i}`, `s${i}`));
    waitFor(sim, 'the stale entries on f', () => sim.status(f, G)!.lastIndex >= base + 30);
    // The old leader dies, f is cut off; the other three elect a leader and commit a few writes,
    // then snapshot behind them, so f can only catch up by an InstallSnapshot that does not match.
    sim.crash(old);
    sim.partition([[f], rest]);
    waitFor(sim, 'a new leader', () => {
      const l = sim.leaderOf(G);
      return l !== null && rest.includes(l);
    });
    for (let i = 0; i < 3; i++) writeAcked(sim, publish(`new${i}`));
    const leader = sim.leaderOf(G)!;
    sim.runFor(300);
    sim.snapshot(leader, G);
    const snapIndex = sim.status(leader, G)!.firstIndex - 1;
    expect(snapIndex).toBeGreaterThan(base);
    expect(snapIndex).toBeLessThan(base + 30);
    sim.heal();
    sim.crash(old); // Still down; heal() only restored links.
    waitFor(sim, 'f to install the snapshot', () => {
      const snap = sim.disk(f).durable[G].snapshot;
      return snap !== null && snap.meta.index === snapIndex;
    });
    // f restarts right after the install, before the leader appends anything after it.
    sim.crash(f);
    const stored = sim.disk(f).durable[G];
    expect(stored.entries.filter((e) => e.term < stored.snapshot!.meta.term)).toEqual([]);
    sim.restart(f);
    const st = sim.status(f, G)!;
    const log = sim.node(f)!.log(G);
    for (let i = log.firstIndex; i <= log.lastIndex; i++) {
      // Terms never decrease along a log; the snapshot's term bounds what follows it.
      expect(log.term(i)!, `term of entry ${i} after the snapshot`).toBeGreaterThanOrEqual(
        log.term(log.firstIndex - 1)!,
      );
    }
    expect(st.lastIndex).toBeLessThanOrEqual(sim.status(leader, G)!.lastIndex);
    writeAcked(sim, publish('after'));
    waitFor(
      sim,
      'f to catch up',
      () => sim.status(f, G)!.applied === sim.status(leader, G)!.applied,
    );
    expect(sim.node(f)!.appliedState(G)).toEqual(sim.node(leader)!.appliedState(G));
    expect(sim.violation).toBeNull();
  });
});

const get = (dataId = 'app.yaml') => ({ type: 'get', dataId, group: 'DEFAULT_GROUP' });
const FAST = { delayMsMin: 5, delayMsMax: 20 };

describe('a ReadIndex answer from before a restart', () => {
  it('is not taken for a read of the restarted node', () => {
    const { sim, leader } = startCluster(3, 21);
    writeAcked(sim, publish('v1'));
    const n1 = sim.followersOf(G)[0];
    waitFor(
      sim,
      'n1 to apply v1',
      () => sim.status(n1, G)!.applied === sim.status(leader, G)!.applied,
    );
    // The leader's answer to n1's read travels slowly (1.2 s). The link may reorder: n1's
    // restart opens a new connection, so what the leader sends to its new life does not queue
    // behind the answer still in flight to the old one.
    sim.setNetwork({ delayMsMin: 1200, delayMsMax: 1200, reorder: true }, leader, n1);
    const lost = sim.read(n1, G, get());
    sim.runFor(100);
    sim.setNetwork(FAST, leader, n1);
    // n1 crashes with the read in flight and comes back at once.
    sim.crash(n1);
    expect(lost.outcome).toBe('lost');
    sim.restart(n1);
    waitFor(sim, 'n1 to follow the leader', () => sim.status(n1, G)!.leader === leader, 1000);
    // Then v2 is acknowledged; n1 hears of it only in 1.5 s (its link from the leader is slow).
    sim.setNetwork({ delayMsMin: 1500, delayMsMax: 1500 }, leader, n1);
    writeAcked(sim, publish('v2'));
    // A new read at n1 starts after the acknowledgement: it must see v2, whatever the late
    // answer to the lost read (sent before v2) says.
    const read = sim.read(n1, G, get());
    waitFor(sim, 'the read to settle', () => read.outcome !== 'pending', 6000);
    expect(read.outcome).toBe('ok');
    expect(read.reply).toMatchObject({ ok: true, value: { data: { found: true, content: 'v2' } } });
    expect(sim.violation).toBeNull();
  });
});

describe('a duplicated Forward while leadership changes', () => {
  /**
   * f's write is forwarded, duplicated, and one copy is proposed; the leader restarts before it
   * can commit, and the other copy finds a follower. Returns the client's handle and whether
   * the write is in the state machine afterwards.
   */
  function duplicatedForward(seed: number): { reply: unknown; committed: boolean } {
    const { sim, leader } = startCluster(3, seed);
    const [f, n3] = sim.followersOf(G);
    // Every Forward from f to the leader is duplicated, the copies far apart.
    sim.setNetwork({ duplicateRatio: 1, delayMsMin: 5, delayMsMax: 1500 }, f, leader);
    const before = sim.status(leader, G)!.lastIndex;
    const h = sim.write(f, G, publish('dup', 'dup.yaml'));
    waitFor(sim, 'the first copy to be proposed', () => sim.status(leader, G)!.lastIndex > before);
    const index = before + 1;
    // No acknowledgement reaches the leader, so it cannot commit; the entry reaches n3.
    sim.cut(f, leader);
    sim.cut(n3, leader);
    waitFor(sim, 'the entry on n3', () => sim.status(n3, G)!.lastIndex >= index, 2000);
    // The leader restarts (a follower now, its memory of seen Forwards gone); a second copy
    // still on its way finds a node that is not leader.
    sim.crash(leader);
    sim.restart(leader);
    sim.link(f, leader);
    sim.link(n3, leader);
    waitFor(sim, 'the write to settle', () => h.outcome !== 'pending', 15_000);
    sim.setNetwork({ duplicateRatio: 0, delayMsMin: 5, delayMsMax: 20 }, f, leader);
    waitFor(sim, 'a leader', () => sim.leaderOf(G) !== null);
    const read = sim.read(sim.leaderOf(G)!, G, get('dup.yaml'));
    waitFor(sim, 'the read', () => read.outcome !== 'pending');
    expect(sim.violation).toBeNull();
    const committed =
      read.reply !== null &&
      read.reply.ok &&
      (read.reply.value as { data?: { content?: unknown } }).data?.content === 'dup';
    return { reply: h.reply, committed };
  }

  it('is not reported as a definite failure when one copy was proposed', () => {
    // Seeds differ in when the second copy arrives; look for runs where it found the restarted
    // node (the reply is its refusal) and the proposed copy committed.
    let seen = 0;
    for (let seed = 1; seed <= 12 && seen < 2; seed++) {
      const { reply, committed } = duplicatedForward(seed);
      const refused =
        reply !== null &&
        (reply as { ok: boolean }).ok === false &&
        (reply as { error: string }).error === 'Could not find leader : ' + G;
      if (!refused || !committed) continue;
      seen++;
      // The write committed: the client must have been told the outcome is unknown (`info` in
      // the history), not that the write certainly failed.
      expect(reply, `seed ${seed}`).toMatchObject({ ok: false, indeterminate: true });
    }
    expect(seen, 'runs where the second copy was refused and the first committed').toBeGreaterThan(
      0,
    );
  });
});
