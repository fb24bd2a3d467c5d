import { describe, expect, it } from 'vitest';
import { SeededRng } from '../raft/rand.ts';
import {
  blockReason,
  clearLinkOverride,
  cutLink,
  decideDelivery,
  healNetwork,
  initialNetworkPolicy,
  LinkClock,
  linkPolicyOf,
  NetworkPolicyError,
  partitionNetwork,
  planSend,
  planSendOn,
  restoreLink,
  setHold,
  setLinkPolicy,
} from './policy.ts';

const rng = (seed = 1): SeededRng => new SeededRng(seed);

describe('network policy settings', () => {
  it('starts open with the given settings over the defaults', () => {
    const p = initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 });
    expect(p.link).toEqual({ delayMsMin: 0, delayMsMax: 0, dropRatio: 0, duplicateRatio: 0 });
    expect(blockReason(p, 'n1', 'n2')).toBeNull();
    expect(decideDelivery(p, 'n1', 'n2', rng())).toEqual({ fate: 'deliver' });
  });

  it('changes every link, or one direction with an override that survives base changes', () => {
    let p = initialNetworkPolicy();
    p = setLinkPolicy(p, { dropRatio: 0.5 }, 'n1', 'n2');
    p = setLinkPolicy(p, { delayMsMin: 5, delayMsMax: 7 });
    expect(linkPolicyOf(p, 'n1', 'n2')).toEqual({
      delayMsMin: 5,
      delayMsMax: 7,
      dropRatio: 0.5,
      duplicateRatio: 0,
    });
    expect(linkPolicyOf(p, 'n2', 'n1').dropRatio).toBe(0);
    p = setLinkPolicy(p, { duplicateRatio: 1 }, 'n1', 'n2');
    expect(p.overrides).toHaveLength(1);
    expect(linkPolicyOf(p, 'n1', 'n2')).toMatchObject({ dropRatio: 0.5, duplicateRatio: 1 });
    expect(linkPolicyOf(clearLinkOverride(p, 'n1', 'n2'), 'n1', 'n2').dropRatio).toBe(0);
  });

  it('rejects bad settings with a message naming the link', () => {
    const p = initialNetworkPolicy();
    expect(() => setLinkPolicy(p, { dropRatio: 2 })).toThrow(/dropRatio must be in \[0, 1\]/);
    expect(() => setLinkPolicy(p, { delayMsMin: 50, delayMsMax: 10 }, 'n1', 'n2')).toThrow(
      /n1 → n2.*max < min/,
    );
    expect(() => setLinkPolicy(p, {}, 'n1')).toThrow(NetworkPolicyError);
    expect(() =>
      partitionNetwork(p, [
        ['n1', 'n2'],
        ['n2', 'n3'],
      ]),
    ).toThrow(/n2 is on side 1 and side 2/);
    expect(() => cutLink(p, 'n1', 'n1')).toThrow(/not a link/);
  });

  it('is plain data that survives a JSON round trip', () => {
    let p = initialNetworkPolicy();
    p = partitionNetwork(p, [['n1'], ['n2', 'n3']]);
    p = cutLink(p, 'n4', 'n5');
    p = setLinkPolicy(p, { dropRatio: 0.1 }, 'n1', 'n2');
    p = setHold(p, true);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('partitions and cuts', () => {
  const p = partitionNetwork(initialNetworkPolicy(), [['n1', 'n2'], ['n3']]);

  it('blocks across sides, and unnamed nodes form one more side together', () => {
    expect(blockReason(p, 'n1', 'n2')).toBeNull();
    expect(blockReason(p, 'n1', 'n3')).toBe('partition');
    expect(blockReason(p, 'n3', 'n1')).toBe('partition');
    expect(blockReason(p, 'n4', 'n5')).toBeNull();
    expect(blockReason(p, 'n4', 'n3')).toBe('partition');
    expect(decideDelivery(p, 'n2', 'n3', rng())).toEqual({ fate: 'drop', reason: 'partition' });
  });

  it('cuts one direction only, and link restores it', () => {
    const c = cutLink(initialNetworkPolicy(), 'n1', 'n2');
    expect(blockReason(c, 'n1', 'n2')).toBe('cut');
    expect(blockReason(c, 'n2', 'n1')).toBeNull();
    expect(cutLink(c, 'n1', 'n2')).toBe(c);
    expect(blockReason(restoreLink(c, 'n1', 'n2'), 'n1', 'n2')).toBeNull();
  });

  it('heal ends partitions and cuts but keeps delay, loss and hold', () => {
    let q = cutLink(p, 'n1', 'n2');
    q = setLinkPolicy(q, { dropRatio: 0.25 });
    q = setHold(q, true);
    const h = healNetwork(q);
    expect(h.sides).toBeNull();
    expect(h.cuts).toEqual([]);
    expect(h.link.dropRatio).toBe(0.25);
    expect(h.hold).toBe(true);
  });

  it('decides at delivery: a message sent before a partition is lost when it arrives', () => {
    const open = initialNetworkPolicy();
    const r = rng(7);
    const delays = planSend(open, 'n1', 'n3', r);
    expect(delays).toHaveLength(1);
    // The partition starts while the message is in flight.
    const later = partitionNetwork(open, [['n1'], ['n3']]);
    expect(decideDelivery(later, 'n1', 'n3', r)).toEqual({ fate: 'drop', reason: 'partition' });
    // And one sent during a partition gets through when it heals before arrival.
    expect(decideDelivery(healNetwork(later), 'n1', 'n3', r)).toEqual({ fate: 'deliver' });
  });
});

describe('random decisions', () => {
  it('draws delays in the range and duplicates at the given ratio', () => {
    const p = initialNetworkPolicy({ delayMsMin: 20, delayMsMax: 60, duplicateRatio: 0.3 });
    const r = rng(3);
    let copies = 0;
    const n = 10_000;
    const delays = new Set<number>();
    for (let i = 0; i < n; i++) {
      const d = planSend(p, 'n1', 'n2', r);
      copies += d.length;
      for (const x of d) delays.add(x);
    }
    expect(Math.min(...delays)).toBe(20);
    expect(Math.max(...delays)).toBe(60);
    expect([...delays].every(Number.isInteger)).toBe(true);
    expect((copies - n) / n).toBeGreaterThan(0.27);
    expect((copies - n) / n).toBeLessThan(0.33);
  });

  it('loses messages at the drop ratio, per direction', () => {
    const p = setLinkPolicy(initialNetworkPolicy(), { dropRatio: 0.2 }, 'n1', 'n2');
    const r = rng(4);
    let lost = 0;
    let lostBack = 0;
    for (let i = 0; i < 10_000; i++) {
      if (decideDelivery(p, 'n1', 'n2', r).fate === 'drop') lost++;
      if (decideDelivery(p, 'n2', 'n1', r).fate !== 'deliver') lostBack++;
    }
    expect(lostBack).toBe(0);
    expect(lost / 10_000).toBeGreaterThan(0.18);
    expect(lost / 10_000).toBeLessThan(0.22);
  });

  it('draws nothing when there is nothing to decide, so runs replay exactly', () => {
    const p = initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 });
    const r = rng(5);
    const before = { ...r.state };
    planSend(p, 'n1', 'n2', r);
    decideDelivery(p, 'n1', 'n2', r);
    decideDelivery(partitionNetwork(p, [['n1']]), 'n1', 'n2', r);
    expect(r.state).toEqual(before);
  });

  it('replays the same decisions from the same seed', () => {
    const p = initialNetworkPolicy({ delayMsMin: 1, delayMsMax: 100, dropRatio: 0.3 });
    const run = (seed: number): string[] => {
      const r = rng(seed);
      const out: string[] = [];
      for (let i = 0; i < 50; i++) {
        out.push(planSend(p, 'n1', 'n2', r).join('+'), decideDelivery(p, 'n1', 'n2', r).fate);
      }
      return out;
    };
    expect(run(9)).toEqual(run(9));
    expect(run(9)).not.toEqual(run(10));
  });
});

describe('hold mode', () => {
  it('holds messages that would be delivered until released by hand', () => {
    const p = setHold(initialNetworkPolicy(), true);
    expect(decideDelivery(p, 'n1', 'n2', rng())).toEqual({ fate: 'hold' });
    expect(decideDelivery(p, 'n1', 'n2', rng(), true)).toEqual({ fate: 'deliver' });
  });

  it('still drops a held message released across a partition', () => {
    const p = partitionNetwork(setHold(initialNetworkPolicy(), true), [['n1'], ['n2']]);
    expect(decideDelivery(p, 'n1', 'n2', rng(), true)).toEqual({
      fate: 'drop',
      reason: 'partition',
    });
  });
});

describe('per-link order (LinkClock)', () => {
  it('keeps a FIFO link in send order: a later message is never due before an earlier one', () => {
    const clock = new LinkClock();
    const r = rng(7);
    const link = setLinkPolicy(initialNetworkPolicy(), { delayMsMin: 1, delayMsMax: 50 }).link;
    let last = 0;
    let raised = 0;
    for (let t = 0; t < 500; t += 2) {
      const [d] = planSendOn(link, r);
      const due = clock.due('n1', 'n2', t, d, false);
      expect(due).toBeGreaterThanOrEqual(Math.max(t + d, last));
      if (due > t + d) raised++;
      last = due;
    }
    // The random delays would have reordered many of these messages; FIFO held them back.
    expect(raised).toBeGreaterThan(50);
  });

  it('orders each direction on its own', () => {
    const clock = new LinkClock();
    expect(clock.due('n1', 'n2', 0, 40, false)).toBe(40);
    expect(clock.due('n1', 'n3', 1, 5, false)).toBe(6);
    expect(clock.due('n2', 'n1', 1, 5, false)).toBe(6);
    expect(clock.due('n1', 'n2', 1, 5, false)).toBe(40);
  });

  it('lets messages overtake each other on a reorder link', () => {
    const clock = new LinkClock();
    expect(clock.due('n1', 'n2', 0, 40, true)).toBe(40);
    expect(clock.due('n1', 'n2', 1, 5, true)).toBe(6);
  });

  it('reorder is a link setting like the others, per direction, and checked', () => {
    let p = setLinkPolicy(initialNetworkPolicy(), { reorder: true }, 'n1', 'n2');
    expect(linkPolicyOf(p, 'n1', 'n2').reorder).toBe(true);
    expect(linkPolicyOf(p, 'n2', 'n1').reorder).toBeUndefined();
    p = setLinkPolicy(p, { reorder: true });
    expect(p.link.reorder).toBe(true);
    expect(() => setLinkPolicy(p, { reorder: 1 as unknown as boolean })).toThrow(/reorder/);
  });
});
