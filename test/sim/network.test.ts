// The simulated network: delays, loss, duplication, partitions and cuts, with a message's fate
// decided when it arrives.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/raft/rand.ts';
import type { RequestVote } from '../../src/raft/types.ts';
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
  const deliverAll = (): { id: number; at: number; from: string; to: string }[] => {
    const out: { id: number; at: number; from: string; to: string }[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      if (net.arrive(e, e.timeMs) === null) {
        out.push({ id: e.msgId, at: e.timeMs, from: e.msg.from, to: e.msg.to });
      }
    }
    return out;
  };
  return { queue, net, trace, deliverAll };
}

describe('SimNetwork', () => {
  it('delivers within the delay range, reordering through random delays (seed 1)', () => {
    const { net, deliverAll } = setup({ delayMsMin: 10, delayMsMax: 50 });
    const ids = Array.from({ length: 200 }, () => net.transmit(vote('n1', 'n2'), 0));
    const got = deliverAll();
    expect(got.map((g) => g.id).sort((a, b) => a - b)).toEqual(ids);
    for (const g of got) expect(g.at >= 10 && g.at <= 50).toBe(true);
    expect(got.map((g) => g.id)).not.toEqual(ids);
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

  it('duplicates a share of messages under one msgId (seed 7)', () => {
    const seed = 7;
    const { net, deliverAll } = setup({ duplicateRatio: 0.5 }, seed);
    for (let i = 0; i < 400; i++) net.transmit(vote('n1', 'n2'), 0);
    const got = deliverAll();
    expect(net.stats.duplicated).toBeGreaterThan(120);
    expect(net.stats.duplicated).toBeLessThan(280);
    expect(got).toHaveLength(400 + net.stats.duplicated);
    const counts = new Map<number, number>();
    for (const g of got) counts.set(g.id, (counts.get(g.id) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(2);
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
    });
    expect(recv).toMatchObject({
      type: 'recv',
      t: 3,
      node: 'n2',
      msgId: send.type === 'send' ? send.msgId : -1,
    });
  });

  it('rejects a bad policy', () => {
    const { net } = setup();
    expect(() => net.setPolicy({ delayMsMin: 10, delayMsMax: 5 })).toThrow(/delay range/);
    expect(() => net.setPolicy({ dropRatio: 2 })).toThrow(/drop/);
  });
});
