// Where SOFAJRaft 1.3 (under Nacos 2.2) and the textbook (etcd's raft) differ, one test per
// difference, each run under both fidelities: it asserts SOFAJRaft's behaviour under 'nacos' and
// the textbook's under 'textbook', so it fails if either side behaves as the other.
// docs/NACOS-DIFFERENCES.md ("Raft core") lists the differences with their upstream source.
import { describe, expect, it } from 'vitest';
import {
  JRAFT_LEADER_STEPPED_DOWN,
  JRAFT_TRANSFER_CONF_BUSY,
  JRAFT_TRANSFER_NOT_LEADER,
  Raft,
  TRANSFERRING,
  checkQuorumTicks,
  jraftNotActive,
} from './raft.ts';
import { SeededRng } from './rand.ts';
import { TestNetwork, newRaft, testConfig } from './testNetwork.ts';
import type {
  AppendEntries,
  ConfChange,
  Entry,
  Fidelity,
  Message,
  NodeId,
  RaftConfig,
  Ready,
} from './types.ts';

const ids3 = ['a', 'b', 'c'];
const both: Fidelity[] = ['textbook', 'nacos'];

/** A generator that always draws 0: every randomized timeout is exactly electionTicks. */
const noJitter = { int: (): number => 0 };

function follower(id: NodeId, cfg: Partial<RaftConfig>): Raft {
  return new Raft(testConfig(id, cfg), noJitter, {
    hardState: { term: 1, votedFor: null, commit: 0 },
    entries: [],
    snapshot: null,
    conf: { voters: ids3, outgoing: [], learners: [] },
  });
}

function heartbeat(to: NodeId): AppendEntries {
  return {
    type: 'AppendEntries',
    group: 'g',
    from: 'a',
    to,
    term: 1,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    leaderCommit: 0,
    round: 1,
    heartbeat: true,
  };
}

function drain(r: Raft): Ready[] {
  const out: Ready[] = [];
  while (r.hasReady()) {
    out.push(r.ready());
    r.advance();
  }
  return out;
}

/** Elect `id` on a fresh network and let everything settle. */
function elected(fidelity: Fidelity, cfg: Partial<RaftConfig> = {}): TestNetwork {
  const net = TestNetwork.of(ids3, { fidelity, ...cfg });
  net.campaign('a');
  expect(net.get('a').role).toBe('leader');
  return net;
}

describe('item 2: the election timer (NodeImpl#handleElectionTimeout)', () => {
  it.each(both)(
    'a dead leader is noticed T after its last message, or up to 2T + jitter (%s)',
    (fidelity) => {
      const T = 10;
      const b = follower('b', { fidelity, electionTicks: T, electionJitterTicks: 5 });
      // The leader's heartbeats arrive before each of 12 ticks, then stop (the leader died).
      for (let t = 1; t <= 12; t++) {
        b.step(heartbeat('b'));
        b.tick();
        drain(b);
        expect(b.role).toBe('follower');
      }
      // Ticks since the last heartbeat, counting the one right after it.
      let ticks = 1;
      while (b.role === 'follower') {
        b.tick();
        ticks++;
        expect(ticks).toBeLessThan(4 * T);
      }
      expect(b.role).toBe('pre-candidate');
      if (fidelity === 'textbook') {
        // etcd restarts the timer on every heartbeat: exactly one timeout after the last one.
        expect(ticks).toBe(T);
      } else {
        // JRaft's timer repeats every T regardless (it fires at ticks 10, 20, 30): at 20 the
        // leader was heard 9 ticks ago (valid), so only the firing at 30 pre-votes, 19 ticks
        // after the last heartbeat: inside [T, 2T + jitter), past the textbook's [T, T + jitter).
        expect(ticks).toBe(2 * T - 1);
      }
    },
  );

  it.each(both)('heartbeats do not restart the timer under nacos (%s)', (fidelity) => {
    const b = follower('b', { fidelity, electionTicks: 10, electionJitterTicks: 5 });
    for (let t = 1; t <= 5; t++) {
      b.step(heartbeat('b'));
      b.tick();
    }
    expect(b.electionElapsed).toBe(fidelity === 'nacos' ? 5 : 1);
    expect(b.sinceLeaderTicks).toBe(fidelity === 'nacos' ? 1 : 0);
  });

  it('a follower that hears from its leader refuses pre-votes, under nacos by lastLeaderTimestamp', () => {
    const b = follower('b', { fidelity: 'nacos', electionTicks: 10, electionJitterTicks: 5 });
    for (let t = 1; t <= 9; t++) b.tick();
    b.step(heartbeat('b'));
    for (let t = 1; t <= 5; t++) b.tick(); // the timer fires at 10; the leader is valid
    drain(b);
    b.step({
      type: 'RequestVote',
      group: 'g',
      from: 'c',
      to: 'b',
      term: 2,
      preVote: true,
      lastLogIndex: 9,
      lastLogTerm: 1,
    });
    const [rd] = drain(b);
    expect(rd.messages).toMatchObject([
      { type: 'RequestVoteResponse', granted: false, reject: 'in-lease' },
    ]);
  });
});

describe('item 2: check-quorum (NodeImpl#checkDeadNodes0)', () => {
  it('the horizon is 90 % of the election timeout (leaderLeaseTimeRatio)', () => {
    expect(checkQuorumTicks(20)).toBe(18);
    expect(checkQuorumTicks(10)).toBe(9);
  });

  it.each(both)(
    'a leader cut off steps down once the last answered send is older than the horizon (%s)',
    (fidelity) => {
      const E = 20;
      const net = elected(fidelity, { electionTicks: E });
      const a = net.get('a');
      net.tickAll(1); // leader tick 1: a heartbeat round, answered by both
      net.isolate('a');
      let ticks = 1;
      while (a.role === 'leader') {
        a.tick();
        ticks++;
        expect(ticks).toBeLessThan(5 * E);
      }
      // Checks run every E/2 = 10 leader ticks. At tick 20 the last answered message was sent
      // 19 ticks ago: more than 18 (90 %), less than 20 (the textbook's election timeout).
      expect(ticks).toBe(fidelity === 'nacos' ? 20 : 30);
    },
  );
});

describe("item 3: the leader's first entry (ConfigurationCtx#flush)", () => {
  it.each(both)(
    'is a configuration entry restating the configuration under nacos, a no-op otherwise (%s)',
    (fidelity) => {
      const net = elected(fidelity);
      const a = net.get('a');
      const first = a.log.entry(1)!;
      if (fidelity === 'nacos') {
        expect(first.type).toBe('conf');
        expect(first.data as ConfChange).toEqual({
          phase: 'leader',
          conf: { voters: ids3, outgoing: [], learners: [] },
        });
      } else {
        expect(first.type).toBe('noop');
      }
      // Every node applies it (a configuration entry reaches apply like any committed entry);
      // the followers learn its commit with the next heartbeat.
      net.tickAll(1);
      for (const id of ids3) expect(net.applied.get(id)!.map((e) => e.type)).toEqual([first.type]);
    },
  );

  it.each(both)('the trace sees the entry appended and committed (%s)', (fidelity) => {
    const net = elected(fidelity);
    const conf = net.coreEvents
      .get('a')!
      .filter((e) => e.type === 'conf-change' || e.type === 'commit' || e.type === 'role');
    const conf3 = { voters: ids3, outgoing: [], learners: [] };
    expect(conf).toEqual(
      fidelity === 'nacos'
        ? [
            { type: 'role', from: 'follower', to: 'pre-candidate', term: 0, leader: null },
            { type: 'role', from: 'pre-candidate', to: 'candidate', term: 1, leader: null },
            { type: 'role', from: 'candidate', to: 'leader', term: 1, leader: 'a' },
            { type: 'conf-change', phase: 'leader', conf: conf3, index: 1 },
            { type: 'commit', index: 1 },
            { type: 'conf-change', phase: 'done', conf: conf3, index: 1 },
          ]
        : [
            { type: 'role', from: 'follower', to: 'pre-candidate', term: 0, leader: null },
            { type: 'role', from: 'pre-candidate', to: 'candidate', term: 1, leader: null },
            { type: 'role', from: 'candidate', to: 'leader', term: 1, leader: 'a' },
            { type: 'commit', index: 1 },
          ],
    );
  });

  it.each(both)(
    'Ready.leaderStart comes with the Ready that hands that entry out committed (%s)',
    (fidelity) => {
      const net = TestNetwork.of(ids3, { fidelity });
      const a = net.get('a');
      net.cutLink('a', 'c');
      a.campaign(false);
      // Deliver only votes: the leader's first entry is appended but nobody acknowledges it.
      net.filter = (m) => m.type === 'AppendEntries';
      net.send();
      expect(a.role).toBe('leader');
      expect(net.leaderStarts.get('a')).toBeUndefined();
      net.filter = null;
      net.tickAll(1);
      expect(net.leaderStarts.get('a')).toEqual([{ term: 1, index: 1, cause: 'first-entry' }]);
      // Followers never start as leaders.
      expect(net.leaderStarts.get('b')).toBeUndefined();
    },
  );

  it.each(both)('a leader deposed before its first entry commits never starts (%s)', (fidelity) => {
    const net = TestNetwork.of(ids3, { fidelity });
    const a = net.get('a');
    a.campaign(false);
    net.filter = (m) => m.type === 'AppendEntries';
    net.send();
    expect(a.role).toBe('leader');
    net.isolate('a');
    net.filter = null;
    net.get('b').campaign(false);
    net.send();
    net.heal();
    net.tickAll(1);
    expect(a.role).toBe('follower');
    expect(net.leaderStarts.get('a')).toBeUndefined();
    expect(net.leaderStarts.get('b')).toEqual([{ term: 2, index: 1, cause: 'first-entry' }]);
  });

  it.each(both)(
    'a joint configuration is restated joint, then left for C(new) (%s)',
    (fidelity) => {
      const joint = { voters: ['a', 'b', 'c'], outgoing: ['a', 'b'], learners: [] };
      const rafts = ids3.map(
        (id) =>
          new Raft(testConfig(id, { fidelity }), noJitter, {
            hardState: { term: 1, votedFor: null, commit: 1 },
            entries: [{ index: 1, term: 1, type: 'conf', data: { phase: 'joint', conf: joint } }],
            snapshot: null,
            conf: { voters: ['a', 'b'], outgoing: [], learners: [] },
          }),
      );
      const net = new TestNetwork(rafts);
      net.campaign('a');
      const a = net.get('a');
      const phases = a.log.entries.map((e) =>
        e.type === 'conf' ? (e.data as ConfChange).phase : e.type,
      );
      expect(phases).toEqual(
        fidelity === 'nacos' ? ['joint', 'leader', 'stable'] : ['joint', 'noop', 'stable'],
      );
      if (fidelity === 'nacos') expect((a.log.entry(2)!.data as ConfChange).conf).toEqual(joint);
      expect(a.conf).toEqual({ voters: ['a', 'b', 'c'], outgoing: [], learners: [] });
    },
  );
});

describe('item 6: leadership transfer (NodeImpl#transferLeadershipTo, STATE_TRANSFERRING)', () => {
  /** Elect a, then start a transfer to c whose TimeoutNow never arrives. */
  function transferring(fidelity: Fidelity): TestNetwork {
    const net = elected(fidelity);
    net.filter = (m) => m.type === 'TimeoutNow';
    expect(net.get('a').transferLeadershipTo('c')).toEqual({ ok: true });
    net.send();
    return net;
  }

  it.each(both)('the leader is transferring and refuses proposals (%s)', (fidelity) => {
    const a = transferring(fidelity).get('a');
    expect(a.transferring).toBe(true);
    expect(a.propose('x')).toEqual({ ok: false, error: TRANSFERRING });
    expect(TRANSFERRING).toBe('Is transferring leadership.');
  });

  it.each(both)(
    'a read at the transferring leader is refused under nacos, served otherwise (%s)',
    (fidelity) => {
      const net = transferring(fidelity);
      net.get('a').readIndex('local');
      net.get('b').readIndex('remote');
      net.send();
      const a = net.readStates.get('a') ?? [];
      const b = net.readStates.get('b') ?? [];
      if (fidelity === 'nacos') {
        // NodeImpl#handleReadIndexRequest: STATE_TRANSFERRING → EBUSY "Is transferring leadership."
        expect(a).toEqual([{ ctx: 'local', index: -1, error: TRANSFERRING }]);
        expect(b).toEqual([{ ctx: 'remote', index: -1, error: TRANSFERRING }]);
      } else {
        expect(a).toEqual([{ ctx: 'local', index: 1 }]);
        expect(b).toEqual([{ ctx: 'remote', index: 1 }]);
      }
    },
  );

  it.each(both)(
    'a second transfer is refused under nacos, retargeted otherwise (%s)',
    (fidelity) => {
      const a = transferring(fidelity).get('a');
      const res = a.transferLeadershipTo('b');
      if (fidelity === 'nacos') {
        expect(res).toEqual({ ok: false, error: JRAFT_TRANSFER_NOT_LEADER });
        expect(a.leadTransferee).toBe('c');
      } else {
        expect(res).toEqual({ ok: true });
        expect(a.leadTransferee).toBe('b');
      }
    },
  );

  it.each(both)(
    'a transfer during a configuration change is refused under nacos (%s)',
    (fidelity) => {
      const net = elected(fidelity);
      const a = net.get('a');
      net.filter = (m) => m.type === 'AppendEntries' && m.to === 'c';
      // Adding d: it catches up, which never finishes here (d does not exist).
      expect(a.changePeers({ voters: [...ids3, 'd'], learners: [] }).ok).toBe(true);
      const res = a.transferLeadershipTo('b');
      if (fidelity === 'nacos') {
        expect(res).toEqual({ ok: false, error: JRAFT_TRANSFER_CONF_BUSY });
        expect(a.transferring).toBe(false);
      } else {
        expect(res).toEqual({ ok: true });
        expect(a.transferring).toBe(true);
      }
    },
  );

  it('under nacos a new leader refuses a transfer until its first entry commits', () => {
    const net = TestNetwork.of(ids3, { fidelity: 'nacos' });
    const a = net.get('a');
    a.campaign(false);
    net.filter = (m) => m.type === 'AppendEntries';
    net.send();
    expect(a.transferLeadershipTo('b')).toEqual({ ok: false, error: JRAFT_TRANSFER_CONF_BUSY });
    net.filter = null;
    net.tickAll(1);
    expect(a.transferLeadershipTo('b')).toEqual({ ok: true });
  });

  it.each(both)('an abandoned transfer starts the leader again under nacos (%s)', (fidelity) => {
    const net = transferring(fidelity);
    const a = net.get('a');
    const before = net.leaderStarts.get('a')!.length;
    for (let t = 0; t < a.cfg.electionTicks; t++) {
      a.tick();
      net.send();
    }
    expect(a.transferring).toBe(false);
    expect(a.role).toBe('leader');
    const after = net.leaderStarts.get('a')!.slice(before);
    expect(after).toEqual(
      fidelity === 'nacos'
        ? [{ term: 1, index: a.log.committed, cause: 'transfer-abandoned' }]
        : [],
    );
  });
});

describe('item 7: a leader that steps down fails its pending proposals (BallotBox#clearPendingTasks)', () => {
  it.each(both)('with "Leader stepped down" under nacos, not at all otherwise (%s)', (fidelity) => {
    const net = elected(fidelity);
    const a = net.get('a');
    net.isolate('a');
    const x = a.propose('x');
    const y = a.propose('y');
    expect(x.ok && y.ok).toBe(true);
    net.send();
    // A newer leader's message deposes a.
    a.step({ ...heartbeat('a'), from: 'b', term: 5 });
    net.send();
    expect(a.role).toBe('follower');
    const dropped = net.dropped.get('a') ?? [];
    if (fidelity === 'nacos') {
      expect(JRAFT_LEADER_STEPPED_DOWN).toBe('Leader stepped down');
      expect(dropped).toEqual([
        { index: 2, term: 1, reason: 'Leader stepped down' },
        { index: 3, term: 1, reason: 'Leader stepped down' },
      ]);
    } else {
      expect(dropped).toEqual([]);
    }
  });

  it('entries already handed out to apply are not dropped', () => {
    const net = elected('nacos');
    const a = net.get('a');
    net.propose('a', 'committed');
    expect(net.applied.get('a')!.length).toBe(2);
    net.isolate('a');
    a.propose('pending');
    a.step({ ...heartbeat('a'), from: 'b', term: 5 });
    net.send();
    expect(net.dropped.get('a')).toEqual([{ index: 3, term: 1, reason: 'Leader stepped down' }]);
  });
});

describe('item 5: Raft messages to a node in ERROR (NodeImpl#handle*Request, !state.isActive())', () => {
  const notActive = 'Node <g/b> is not in active state, state STATE_ERROR.';

  function erroredFollower(fidelity: Fidelity): Raft {
    const r = follower('b', { fidelity });
    drain(r);
    r.setError('boom');
    drain(r);
    return r;
  }

  function answers(r: Raft, ...ms: Message[]): Message[] {
    for (const m of ms) r.step(m);
    return drain(r).flatMap((rd) => rd.messages);
  }

  const vote = (preVote: boolean): Message => ({
    type: 'RequestVote',
    group: 'g',
    from: 'c',
    to: 'b',
    term: 2,
    preVote,
    lastLogIndex: 5,
    lastLogTerm: 1,
  });
  const install: Message = {
    type: 'InstallSnapshot',
    group: 'g',
    from: 'a',
    to: 'b',
    term: 1,
    meta: { index: 3, term: 1, conf: { voters: ids3, outgoing: [], learners: [] } },
    chunk: 0,
    chunks: 1,
    data: null,
    round: 4,
  };

  it('the text is NodeId#toString in the format of NodeImpl', () => {
    expect(jraftNotActive('g', 'b')).toBe(notActive);
  });

  for (const fidelity of both) {
    it(`${fidelity}: votes, pre-votes, appends and snapshots are ${fidelity === 'nacos' ? 'answered with EINVAL' : 'dropped'}`, () => {
      const r = erroredFollower(fidelity);
      const out = answers(r, vote(true), vote(false), heartbeat('b'), install);
      if (fidelity === 'textbook') {
        expect(out).toEqual([]);
        return;
      }
      expect(out.map((m) => m.type)).toEqual([
        'RequestVoteResponse',
        'RequestVoteResponse',
        'AppendEntriesResponse',
        'InstallSnapshotResponse',
      ]);
      for (const m of out) {
        expect(m).toMatchObject({ from: 'b', error: notActive });
        expect(m).not.toMatchObject({ granted: true });
        expect(m).not.toMatchObject({ success: true });
      }
      expect(out[0]).toMatchObject({ to: 'c', preVote: true, reject: 'error' });
      expect(out[2]).toMatchObject({ to: 'a', heartbeat: true, round: 1 });
      expect(out[3]).toMatchObject({ to: 'a', index: 3, round: 4 });
      // The node itself stays where it was: no term taken from the vote, no vote given.
      expect(r.term).toBe(1);
    });
  }

  it('the sender takes nothing from an error response, not even a higher term', () => {
    const net = elected('nacos');
    const a = net.get('a');
    const term = a.term;
    a.step({
      type: 'AppendEntriesResponse',
      group: 'g',
      from: 'b',
      to: 'a',
      term: term + 5,
      success: false,
      index: 0,
      hintIndex: 0,
      hintTerm: 0,
      round: 1,
      error: notActive,
    });
    expect(a.role).toBe('leader');
    expect(a.term).toBe(term);
  });
});

describe('random schedules under both fidelities', () => {
  /**
   * Random ticks, partitions, message loss, proposals, reads and transfers on five nodes.
   * After every step: at most one leader per term (§5.2), and every two nodes applied the same
   * entry at every index both applied (state-machine safety, §5.4.3). At the end, healed, the
   * cluster elects a leader that commits a new proposal (liveness).
   */
  function run(fidelity: Fidelity, seed: number): void {
    const ids5 = ['a', 'b', 'c', 'd', 'e'];
    const rng = new SeededRng(seed);
    const rafts = ids5.map((id, i) =>
      newRaft(id, ids5, { seed: seed * 31 + i, cfg: { fidelity } }),
    );
    const net = new TestNetwork(rafts);
    const leaders = new Map<number, NodeId>();
    const where = `fidelity ${fidelity}, seed ${seed}`;
    let loss = 0;
    net.filter = () => loss > 0 && rng.chance(loss);
    // The entries checked so far: every node's applied list agrees with `agreed` on its prefix.
    const agreed: Entry[] = [];
    const checkedUpTo = new Map<NodeId, number>(ids5.map((id) => [id, 0]));
    const check = (): void => {
      for (const r of net.nodes.values()) {
        if (r.role !== 'leader') continue;
        const other = leaders.get(r.term);
        if (other !== undefined && other !== r.id) {
          throw new Error(`two leaders in term ${r.term}: ${other} and ${r.id} (${where})`);
        }
        leaders.set(r.term, r.id);
      }
      for (const id of ids5) {
        const applied = net.applied.get(id)!;
        for (let k = checkedUpTo.get(id)!; k < applied.length; k++) {
          const e = applied[k];
          if (k >= agreed.length) agreed.push(e);
          const want = agreed[k];
          if (e.index !== want.index || e.term !== want.term || e.data !== want.data) {
            throw new Error(
              `${id} applied ${e.index}/${e.term} where another applied ${want.index}/${want.term} (${where})`,
            );
          }
        }
        checkedUpTo.set(id, applied.length);
      }
    };
    for (let step = 0; step < 400; step++) {
      const x = rng.float();
      const leader = [...net.nodes.values()].find((r) => r.role === 'leader');
      if (x < 0.03) net.isolate(rng.pick(ids5));
      else if (x < 0.06) net.heal();
      else if (x < 0.08) loss = rng.pick([0, 0.1, 0.3]);
      else if (x < 0.18 && leader) leader.propose(`v${step}`);
      else if (x < 0.2 && leader) leader.transferLeadershipTo(rng.pick(ids5));
      else if (x < 0.22) net.get(rng.pick(ids5)).readIndex(`r${step}`);
      net.tickAll(1);
      check();
    }
    net.heal();
    loss = 0;
    for (let t = 0; t < 100; t++) {
      net.tickAll(1);
      check();
    }
    const leader = [...net.nodes.values()].find((r) => r.role === 'leader');
    expect(leader, `no leader after healing (${where})`).toBeDefined();
    // A transfer still under way refuses proposals: let it finish or lapse first.
    for (let t = 0; t < 20 && leader!.transferring; t++) net.tickAll(1);
    const res = leader!.propose('final');
    expect(res.ok, `the leader refused a proposal after healing (${where})`).toBe(true);
    net.tickAll(2);
    for (const id of ids5) {
      expect(
        net.applied.get(id)!.some((e) => e.data === 'final'),
        `${id} (${where})`,
      ).toBe(true);
    }
  }

  it.each(both)(
    'keep one leader per term, agree on what they apply, and recover (%s)',
    (fidelity) => {
      for (let seed = 1; seed <= 12; seed++) run(fidelity, seed);
    },
  );
});

describe('a commit reaches followers with the next entries or heartbeat (Replicator#sendEntries)', () => {
  it.each(both)('%s', (fidelity) => {
    const net = elected(fidelity);
    const before = net.delivered.length;
    net.propose('a', 'x');
    const sent = net.delivered.slice(before);
    const appends = sent.filter((m): m is AppendEntries => m.type === 'AppendEntries');
    const empty = appends.filter((m) => m.entries.length === 0 && m.heartbeat !== true);
    const last = net.get('a').log.lastIndex();
    expect(net.get('a').log.committed).toBe(last);
    if (fidelity === 'textbook') {
      // etcd's raft announces the commit at once: one empty AppendEntries per follower.
      expect(empty).toHaveLength(2);
      expect(net.get('b').log.committed).toBe(last);
    } else {
      // SOFAJRaft sends only entries; the followers learn the commit with the next heartbeat.
      expect(empty).toHaveLength(0);
      expect(net.get('b').log.committed).toBeLessThan(last);
      for (let i = 0; i < 20 && net.get('b').log.committed < last; i++) net.tickAll(1);
      expect(net.get('b').log.committed).toBe(last);
      expect(net.get('c').log.committed).toBe(last);
    }
  });
});
