// The simulated network: delays, per-link order, loss, duplication, partitions, cuts and hold,
// with a message's fate decided when it arrives (the model of src/net/policy.ts).
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/raft/rand.ts';
import type { RequestVote } from '../../src/raft/types.ts';
import { LESSON_TIMING } from '../../src/node/node.ts';
import { Simulator } from '../../src/sim/cluster.ts';
import { EventQueue } from '../../src/sim/eventQueue.ts';
import { SimNetwork } from '../../src/sim/network.ts';
import type { DeliveryEvent, LinkPolicy } from '../../src/sim/network.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';

function vote(from: string, to: string): RequestVote {
  return {
    type: 'RequestVote',
    group: 'g',
    from,
    to,
    term: 1,
    preVote: false,
    lastLogIndex: 0,
    lastLogTerm: 0,
  };
}

function setup(policy: Partial<LinkPolicy> = {}, seed = 1) {
  const queue = new EventQueue<DeliveryEvent>();
  const trace = new TraceRecorder();
  const net = new SimNetwork({ rng: new SeededRng(seed), scheduler: queue, policy, trace });
  /** Deliver everything due; returns the msgIds that arrived, in order. */
  type Got = { id: number; original: number; at: number; from: string; to: string };
  const deliverAll = (): Got[] => {
    const out: Got[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      if (net.arrive(e, e.timeMs) === null) {
        const original = e.copyOf ?? e.msgId;
        out.push({ id: e.msgId, original, at: e.timeMs, from: e.msg.from, to: e.msg.to });
      }
    }
    return out;
  };
  return { queue, net, trace, deliverAll };
}

describe('SimNetwork', () => {
  it('delivers each link in send order by default, like TCP, within the delays (seed 1)', () => {
    const { net, deliverAll } = setup({ delayMsMin: 10, delayMsMax: 50 });
    const ids = Array.from({ length: 200 }, () => net.transmit(vote('n1', 'n2'), 0));
    const back = Array.from({ length: 50 }, () => net.transmit(vote('n2', 'n1'), 0));
    const got = deliverAll();
    expect(got.filter((g) => g.from === 'n1').map((g) => g.id)).toEqual(ids);
    expect(got.filter((g) => g.from === 'n2').map((g) => g.id)).toEqual(back);
    for (const g of got) expect(g.at >= 10 && g.at <= 50).toBe(true);
  });

  it('lets messages overtake each other when the network reorders (seed 1)', () => {
    const { net, deliverAll } = setup({ delayMsMin: 10, delayMsMax: 50, reorder: true });
    const ids = Array.from({ length: 200 }, () => net.transmit(vote('n1', 'n2'), 0));
    const got = deliverAll();
    expect(got.map((g) => g.id).sort((a, b) => a - b)).toEqual(ids);
    expect(got.map((g) => g.id)).not.toEqual(ids);
    for (const g of got) expect(g.at >= 10 && g.at <= 50).toBe(true);
  });

  it('reorders only the directions that say so', () => {
    const { net, deliverAll } = setup({ delayMsMin: 10, delayMsMax: 50 });
    net.setPolicy({ reorder: true }, 'n1', 'n2');
    const a = Array.from({ length: 100 }, () => net.transmit(vote('n1', 'n2'), 0));
    const b = Array.from({ length: 100 }, () => net.transmit(vote('n1', 'n3'), 0));
    const got = deliverAll();
    expect(got.filter((g) => g.to === 'n2').map((g) => g.id)).not.toEqual(a);
    expect(got.filter((g) => g.to === 'n3').map((g) => g.id)).toEqual(b);
  });

  it('holds messages in hold mode until released or discarded, then delivers the rest', () => {
    const { net, queue, trace } = setup({ delayMsMin: 5, delayMsMax: 5 });
    net.setHold(true);
    const ids = [1, 2, 3].map(() => net.transmit(vote('n1', 'n2'), 0));
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      expect(net.arrive(e, e.timeMs)).toBe('held');
    }
    expect(net.heldMessages().map((h) => h.msgId)).toEqual(ids);
    expect(net.heldMessages()[0]).toMatchObject({ from: 'n1', to: 'n2', heldAtMs: 5 });
    const second = net.takeHeld(ids[1])!;
    expect(net.arrive(second, 9, true)).toBeNull();
    const first = net.takeHeld(ids[0])!;
    net.recordDrop(first, 9, 'discarded');
    expect(net.takeHeld(ids[0])).toBeNull();
    const rest = net.setHold(false);
    expect(rest.map((e) => e.msgId)).toEqual([ids[2]]);
    expect(net.heldMessages()).toEqual([]);
    expect(trace.events().filter((e) => e.type === 'drop')).toMatchObject([
      { reason: 'discarded', msgId: ids[0], sentAt: 0 },
    ]);
  });

  it('drops a held message the partition blocks when it is released', () => {
    const { net, queue } = setup({ delayMsMin: 5, delayMsMax: 5 });
    net.setHold(true);
    net.transmit(vote('n1', 'n2'), 0);
    const e = queue.pop()!;
    expect(net.arrive(e, 5)).toBe('held');
    net.partition([['n1'], ['n2']]);
    expect(net.arrive(net.takeHeld(e.msgId)!, 6, true)).toBe('partition');
  });

  it('loses in-flight messages when a partition starts before they arrive', () => {
    const { net, queue, trace } = setup({ delayMsMin: 10, delayMsMax: 10 });
    net.transmit(vote('n1', 'n2'), 0);
    net.transmit(vote('n1', 'n3'), 0);
    net.partition([['n1', 'n3'], ['n2']]);
    const fates = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) fates.push(net.arrive(e, e.timeMs));
    expect(fates).toEqual(['partition', null]);
    const drops = trace.events().filter((e) => e.type === 'drop');
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ reason: 'partition', from: 'n1', to: 'n2', msgId: 1 });
  });

  it('delivers messages sent during a partition if it heals before they arrive', () => {
    const { net, deliverAll } = setup({ delayMsMin: 10, delayMsMax: 10 });
    net.partition([['n1'], ['n2']]);
    net.transmit(vote('n1', 'n2'), 0);
    net.heal();
    expect(deliverAll()).toHaveLength(1);
  });

  it('puts nodes named on no side together on one more side', () => {
    const { net } = setup();
    net.partition([['n1', 'n2']]);
    expect(net.isBlocked('n3', 'n4')).toBe(false);
    expect(net.isBlocked('n1', 'n3')).toBe(true);
    expect(net.isBlocked('n2', 'n1')).toBe(false);
  });

  it('cuts one direction only, and link restores it', () => {
    const { net, deliverAll } = setup();
    net.cut('n1', 'n2');
    net.transmit(vote('n1', 'n2'), 0);
    net.transmit(vote('n2', 'n1'), 0);
    expect(deliverAll().map((g) => `${g.from}>${g.to}`)).toEqual(['n2>n1']);
    net.link('n1', 'n2');
    net.transmit(vote('n1', 'n2'), 0);
    expect(deliverAll()).toHaveLength(1);
  });

  it('heal ends cuts too', () => {
    const { net } = setup();
    net.cut('n1', 'n2');
    net.heal();
    expect(net.isBlocked('n1', 'n2')).toBe(false);
  });

  it('duplicates a share of messages, each copy with its own msgId naming the original (seed 7)', () => {
    const seed = 7;
    const { net, deliverAll } = setup({ duplicateRatio: 0.5 }, seed);
    for (let i = 0; i < 400; i++) net.transmit(vote('n1', 'n2'), 0);
    const got = deliverAll();
    expect(net.stats.duplicated).toBeGreaterThan(120);
    expect(net.stats.duplicated).toBeLessThan(280);
    expect(got).toHaveLength(400 + net.stats.duplicated);
    expect(new Set(got.map((g) => g.id)).size).toBe(got.length);
    const counts = new Map<number, number>();
    for (const g of got) counts.set(g.original, (counts.get(g.original) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(2);
    expect(counts.size).toBe(400);
  });

  it('drops a share of messages as loss; per-link settings override global ones (seed 3)', () => {
    const { net, deliverAll } = setup({ dropRatio: 0 }, 3);
    net.setPolicy({ dropRatio: 1 }, 'n1', 'n2');
    for (let i = 0; i < 50; i++) net.transmit(vote('n1', 'n2'), 0);
    for (let i = 0; i < 50; i++) net.transmit(vote('n2', 'n1'), 0);
    const got = deliverAll();
    expect(got.every((g) => g.from === 'n2')).toBe(true);
    expect(got).toHaveLength(50);
    net.setPolicy({ dropRatio: 0.5 });
    for (let i = 0; i < 400; i++) net.transmit(vote('n2', 'n3'), 0);
    const half = deliverAll().length;
    expect(half).toBeGreaterThan(140);
    expect(half).toBeLessThan(260);
  });

  it('records send and recv with the message summary', () => {
    const { net, queue, trace } = setup({ delayMsMin: 3, delayMsMax: 3 });
    net.transmit(
      {
        type: 'AppendEntries',
        group: 'g',
        from: 'n1',
        to: 'n2',
        term: 2,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [
          { index: 1, term: 2, type: 'noop' },
          { index: 2, term: 2, type: 'normal' },
        ],
        leaderCommit: 0,
        round: 1,
      },
      0,
    );
    const e = queue.pop()!;
    expect(net.arrive(e, e.timeMs)).toBeNull();
    net.recordRecv(e, e.timeMs);
    const [send, recv] = trace.events();
    expect(send).toMatchObject({
      type: 'send',
      t: 0,
      node: 'n1',
      msgType: 'AppendEntries',
      entries: [1, 2],
      term: 2,
      prevIndex: 0,
      deliverAt: 3,
    });
    expect(recv).toMatchObject({
      type: 'recv',
      t: 3,
      node: 'n2',
      sentAt: 0,
      msgId: send.type === 'send' ? send.msgId : -1,
    });
  });

  it('rejects a bad policy', () => {
    const { net } = setup();
    expect(() => net.setPolicy({ delayMsMin: 10, delayMsMax: 5 })).toThrow(/max < min/);
    expect(() => net.setPolicy({ dropRatio: 2 })).toThrow(/drop/);
  });
});

describe('the simulator on the shared network model', () => {
  const G = 'nacos_config';
  const publish = (content: string) => ({
    type: 'publish',
    dataId: 'k',
    group: 'DEFAULT_GROUP',
    content,
  });

  function started(network: Partial<LinkPolicy>, seed = 11) {
    const trace = new TraceRecorder();
    const sim = new Simulator({
      seed,
      nodes: ['n1', 'n2', 'n3'],
      groups: [G],
      timing: LESSON_TIMING,
      network,
      trace,
    });
    sim.start();
    expect(sim.runUntilTrue(() => sim.leaderOf(G) !== null, 20_000)).toBe(true);
    sim.runFor(500);
    return { sim, trace, leader: sim.leaderOf(G)! };
  }

  it('holds messages until released one by one, or until hold mode ends', () => {
    const { sim, trace, leader } = started({ delayMsMin: 1, delayMsMax: 10 });
    sim.setHold(true);
    const h = sim.write(leader, G, publish('v1'));
    sim.runFor(100);
    expect(h.outcome).toBe('pending');
    const held = sim.heldMessages();
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((m) => m.heldAtMs <= sim.nowMs)).toBe(true);
    // Release the leader's AppendEntries to one follower by hand; discard one to the other:
    // one follower is enough for a majority of three.
    const appends = held.filter((m) => m.from === leader && m.msgType === 'AppendEntries');
    const [f1, f2] = sim.nodeIds.filter((id) => id !== leader);
    const toF1 = appends.filter((m) => m.to === f1);
    const toF2 = appends.filter((m) => m.to === f2);
    expect(toF1.length).toBeGreaterThan(0);
    expect(toF2.length).toBeGreaterThan(0);
    for (const m of toF1) expect(sim.release(m.msgId)).toBe(true);
    expect(sim.release(toF1[0].msgId)).toBe(false);
    expect(sim.discard(toF2[0].msgId)).toBe(true);
    expect(sim.heldMessages().some((m) => m.msgId === toF2[0].msgId)).toBe(false);
    sim.setHold(false);
    sim.runFor(1_000);
    expect(h.outcome).toBe('ok');
    const faults = trace.events().filter((e) => e.type === 'fault');
    expect(faults.map((e) => (e.type === 'fault' ? e.fault : ''))).toEqual(
      expect.arrayContaining(['hold', 'release', 'discard']),
    );
    const dropped = trace.events().find((e) => e.type === 'drop' && e.msgId === toF2[0].msgId);
    expect(dropped).toMatchObject({ reason: 'discarded' });
    expect(sim.violation).toBeNull();
  });

  /** AppendEntries rejections a follower sends while 40 writes replicate over slow links. */
  function rejections(network: Partial<LinkPolicy>): number {
    const { sim, trace, leader } = started({ delayMsMin: 1, delayMsMax: 80, ...network }, 5);
    const handles = Array.from({ length: 40 }, (_, i) => {
      sim.runFor(7);
      return sim.write(leader, G, publish(`v${i}`));
    });
    sim.runFor(3_000);
    expect(handles.every((h) => h.outcome === 'ok')).toBe(true);
    expect(sim.violation).toBeNull();
    return trace
      .events()
      .filter((e) => e.type === 'send' && e.msgType === 'AppendEntriesResponse' && e.ok === false)
      .length;
  }

  it('FIFO links: no AppendEntries overtakes an earlier one, so followers never reject', () => {
    expect(rejections({})).toBe(0);
    // The same run with reordering: later AppendEntries arrive first and are refused.
    expect(rejections({ reorder: true })).toBeGreaterThan(0);
  });

  it('same seed, same trace, with hold, reorder and duplication', () => {
    const run = () => {
      const { sim, trace, leader } = started(
        { delayMsMin: 1, delayMsMax: 40, reorder: true, duplicateRatio: 0.1 },
        3,
      );
      sim.write(leader, G, publish('a'));
      sim.setHold(true);
      sim.write(leader, G, publish('b'));
      sim.runFor(50);
      for (const m of sim.heldMessages().slice(0, 2)) sim.release(m.msgId);
      sim.setHold(false);
      sim.runFor(1_000);
      return JSON.stringify(trace.events());
    };
    expect(run()).toBe(run());
  });
});
