// The port transport over Node's MessageChannel: delays in cluster time, fate decided at
// delivery, hold mode, and malformed frames dropped with a trace event.
import { afterEach, describe, expect, it } from 'vitest';
import {
  cutLink,
  healNetwork,
  initialNetworkPolicy,
  partitionNetwork,
  setHold,
  type NetworkPolicy,
} from '../net/policy.ts';
import type { WireMessage } from '../node/types.ts';
import { SeededRng } from '../raft/rand.ts';
import type { TraceBody } from '../trace/events.ts';
import { RateClock } from './clock.ts';
import { checkFrame, PortTransport, type TransportHost } from './portTransport.ts';

class Host implements TransportHost {
  readonly clusterClock = new RateClock(0, 1);
  readonly traceMessages = true;
  readonly delivered: WireMessage[] = [];
  readonly traced: TraceBody[] = [];
  constructor(readonly self: string) {}
  deliver(msg: WireMessage): void {
    this.delivered.push(msg);
  }
  knowsGroup(group: string): boolean {
    return group === 'nacos_config';
  }
  trace(body: TraceBody): void {
    this.traced.push(body);
  }
  drops(): string[] {
    return this.traced.flatMap((b) => (b.type === 'drop' ? [b.reason] : []));
  }
}

const vote = (from: string, to: string, group = 'nacos_config'): WireMessage => ({
  type: 'RequestVote',
  group,
  from,
  to,
  term: 2,
  preVote: false,
  lastLogIndex: 0,
  lastLogTerm: 0,
});

let transports: PortTransport[] = [];
afterEach(() => {
  for (const t of transports) t.close();
  transports = [];
});

function pair(policy: NetworkPolicy) {
  const a = new Host('n1');
  const b = new Host('n2');
  const ta = new PortTransport(a, new SeededRng(1), 1000, policy);
  const tb = new PortTransport(b, new SeededRng(2), 2000, policy);
  const ch = new MessageChannel();
  ta.connect('n2', ch.port1);
  tb.connect('n1', ch.port2);
  transports.push(ta, tb);
  return { a, b, ta, tb };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('PortTransport', () => {
  it('delivers with no delay, tracing send and recv under one msgId', async () => {
    const { a, b, ta } = pair(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }));
    ta.send(vote('n1', 'n2'));
    await until(() => b.delivered.length === 1, 'delivery');
    const send = a.traced.find((t) => t.type === 'send');
    const recv = b.traced.find((t) => t.type === 'recv');
    expect(send).toMatchObject({ msgId: 1001, from: 'n1', to: 'n2', msgType: 'RequestVote' });
    expect(recv).toMatchObject({ msgId: 1001 });
  });

  it('decides at delivery: a message in flight when a partition starts is lost', async () => {
    const policy = initialNetworkPolicy({ delayMsMin: 80, delayMsMax: 80 });
    const { b, ta, tb } = pair(policy);
    ta.send(vote('n1', 'n2'));
    await sleep(20);
    tb.setPolicy(partitionNetwork(policy, [['n1'], ['n2']]));
    await until(() => b.drops().length === 1, 'the drop');
    expect(b.drops()).toEqual(['partition']);
    expect(b.delivered).toEqual([]);
    // And one sent during a partition that heals before it arrives gets through.
    ta.setPolicy(partitionNetwork(policy, [['n1'], ['n2']]));
    ta.send(vote('n1', 'n2'));
    await sleep(20);
    tb.setPolicy(healNetwork(policy));
    await until(() => b.delivered.length === 1, 'the delivery');
  });

  it('waits while frozen (paused) and delivers on resume', async () => {
    const { b, ta, tb } = pair(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }));
    tb.setFrozen(true);
    ta.send(vote('n1', 'n2'));
    await sleep(50);
    expect(b.delivered).toEqual([]);
    tb.setFrozen(false);
    await until(() => b.delivered.length === 1, 'delivery after resume');
  });

  it('holds messages until released, and drops one discarded', async () => {
    const policy = setHold(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }), true);
    const { b, ta, tb } = pair(policy);
    ta.send(vote('n1', 'n2'));
    ta.send(vote('n1', 'n2'));
    await until(() => tb.heldMessages().length === 2, 'two held');
    const [first, second] = tb.heldMessages();
    expect(tb.release(first.msgId, false)).toBe(true);
    expect(b.delivered).toHaveLength(1);
    expect(tb.release(second.msgId, true)).toBe(true);
    expect(b.drops()).toEqual(['discarded']);
    expect(tb.release(12345, false)).toBe(false);
  });

  it('lets every held message go when hold mode ends', async () => {
    const policy = setHold(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }), true);
    const { b, ta, tb } = pair(policy);
    ta.send(vote('n1', 'n2'));
    await until(() => tb.heldMessages().length === 1, 'held');
    tb.setPolicy(setHold(policy, false));
    expect(b.delivered).toHaveLength(1);
  });

  it('drops what a cut direction carries, and messages to a peer with no link', async () => {
    const policy = cutLink(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }), 'n1', 'n2');
    const { a, b, ta, tb } = pair(policy);
    ta.send(vote('n1', 'n2'));
    tb.send(vote('n2', 'n1'));
    await until(() => b.drops().length === 1 && a.delivered.length === 1, 'drop and delivery');
    expect(b.drops()).toEqual(['cut']);
    ta.send(vote('n1', 'n9'));
    expect(a.drops()).toEqual(['unreachable']);
  });

  it('drops malformed frames and unknown groups with a trace event, never delivering them', async () => {
    const { b, ta } = pair(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }));
    ta.injectFrame('n2', 'junk');
    ta.injectFrame('n2', { k: 'raft', id: 5, d: 0, m: { ...vote('n1', 'n2'), preVote: 'no' } });
    ta.injectFrame('n2', { k: 'raft', id: 6, d: 0, m: vote('n1', 'n2', 'no_such_group') });
    await until(() => b.drops().length === 3, 'three drops');
    expect(b.drops()).toEqual([
      'malformed: not a frame',
      'malformed: RequestVote.preVote is missing or malformed',
      'unknown group',
    ]);
    expect(b.delivered).toEqual([]);
  });
});

describe('PortTransport batches the frames of a turn', () => {
  const numbered = (i: number): WireMessage => {
    const m = vote('n1', 'n2');
    return m.type === 'RequestVote' ? { ...m, lastLogIndex: i } : m;
  };
  const indexes = (h: Host) =>
    h.delivered.map((m) => (m.type === 'RequestVote' ? m.lastLogIndex : -1));

  it('posts what one turn sends to a peer as one post, delivered in send order', async () => {
    const policy = initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 });
    const a = new Host('n1');
    const b = new Host('n2');
    const ta = new PortTransport(a, new SeededRng(1), 1000, policy);
    const tb = new PortTransport(b, new SeededRng(2), 2000, policy);
    const ch = new MessageChannel();
    let posts = 0;
    const post = ch.port1.postMessage.bind(ch.port1);
    ch.port1.postMessage = (data: unknown) => {
      posts++;
      post(data);
    };
    ta.connect('n2', ch.port1);
    tb.connect('n1', ch.port2);
    transports.push(ta, tb);
    for (let i = 0; i < 5; i++) ta.send(numbered(i));
    await until(() => b.delivered.length === 5, 'five deliveries');
    expect(posts).toBe(1);
    expect(indexes(b)).toEqual([0, 1, 2, 3, 4]);
    // Each is still its own message in the trace, sent and received under its own msgId.
    const sent = a.traced.flatMap((e) => (e.type === 'send' ? [e.msgId] : []));
    const recv = b.traced.flatMap((e) => (e.type === 'recv' ? [e.msgId] : []));
    expect(recv).toEqual(sent);
    expect(new Set(sent).size).toBe(5);
  });

  it('loses nothing when the host flushes in the middle of a turn (its trace buffer filled)', async () => {
    const policy = initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0, duplicateRatio: 1 });
    const { a, b, ta } = pair(policy);
    // Every traced send flushes at once, as a worker whose trace buffer is full does.
    a.trace = (body) => {
      a.traced.push(body);
      ta.flushSends();
    };
    for (let i = 0; i < 3; i++) ta.send(numbered(i));
    // Three messages, each duplicated: six copies.
    await until(() => b.delivered.length === 6, 'six deliveries');
    expect(indexes(b)).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('drops a malformed frame of a batch alone, and a batch that is not one', async () => {
    const { b, ta } = pair(initialNetworkPolicy({ delayMsMin: 0, delayMsMax: 0 }));
    const good = { k: 'raft', id: 7, d: 0, m: vote('n1', 'n2') };
    ta.injectFrame('n2', { k: 'raft-frames', f: ['junk', good, { k: 'raft-frames', f: [good] }] });
    ta.injectFrame('n2', { k: 'raft-frames', f: 3 });
    await until(() => b.drops().length === 3, 'three drops');
    expect(b.drops()).toEqual([
      'malformed: not a frame',
      'malformed: not a frame',
      'malformed: a batch without frames',
    ]);
    expect(b.delivered).toHaveLength(1);
  });
});

describe('checkFrame', () => {
  const ok = { k: 'raft', id: 1, d: 0, m: vote('n1', 'n2') };
  it('accepts a well-formed frame from the port peer to this node', () => {
    expect(checkFrame(ok, 'n1', 'n2')).toBeNull();
  });
  it('names what is wrong', () => {
    expect(checkFrame({ ...ok, d: -1 }, 'n1', 'n2')).toBe('bad delay');
    expect(checkFrame(ok, 'n3', 'n2')).toBe('from "n1" on the link from n3');
    expect(checkFrame(ok, 'n1', 'n4')).toBe('to "n2" delivered to n4');
    expect(checkFrame({ ...ok, m: { ...ok.m, type: 'Hello' } }, 'n1', 'n2')).toBe(
      'unknown message type "Hello"',
    );
    expect(checkFrame({ ...ok, m: { ...ok.m, term: -2 } }, 'n1', 'n2')).toBe('bad term');
    const ae = {
      type: 'AppendEntries',
      group: 'g',
      from: 'n1',
      to: 'n2',
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [{ index: 1, term: 1, type: 'bogus' }],
      leaderCommit: 0,
      round: 1,
    };
    expect(checkFrame({ ...ok, m: ae }, 'n1', 'n2')).toBe(
      'AppendEntries.entries is missing or malformed',
    );
    const gap = {
      ...ae,
      prevLogIndex: 3,
      prevLogTerm: 1,
      entries: [{ index: 5, term: 1, type: 'normal' }],
    };
    expect(checkFrame({ ...ok, m: gap }, 'n1', 'n2')).toBe(
      'AppendEntries.entries[0] has index 5, expected 4',
    );
    const future = { ...ae, entries: [{ index: 1, term: 7, type: 'normal' }] };
    expect(checkFrame({ ...ok, m: future }, 'n1', 'n2')).toBe(
      'AppendEntries.entries[0] has term 7 out of order',
    );
    const good = { ...ae, entries: [{ index: 1, term: 1, type: 'noop' }] };
    expect(checkFrame({ ...ok, m: good }, 'n1', 'n2')).toBeNull();
  });
});
