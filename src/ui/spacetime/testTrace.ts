// A synthetic but schema-valid trace of any length, for the space-time diagram's tests and its
// measurement on 100,000 events: a leader replicating to its followers (AppendEntries out,
// responses back, some lost), commits, client requests with outcomes, and a crash and restart
// now and then. Deterministic: the same arguments give the same events.
import type { TraceEvent, TraceHeader } from '../../trace/events.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../../trace/events.ts';

export const TEST_GROUP = 'nacos_config';

export function syntheticHeader(nodes: number): TraceHeader {
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    engine: 'simulated',
    appVersion: 'test',
    seed: 1,
    scenario: null,
    cluster: {
      nodes: Array.from({ length: nodes }, (_, i) => `n${i + 1}`),
      groups: [TEST_GROUP],
      raft: null,
      network: null,
    },
    initial: null,
  };
}

/** About `count` events (exactly `count` or a few more to finish a round) on `nodes` nodes. */
export function syntheticTrace(count: number, nodes = 5): TraceEvent[] {
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const out: TraceEvent[] = [];
  let seq = 0;
  let t = 0;
  const msgIds = new Map<string, number>();
  const push = (node: string | null, body: Record<string, unknown>): void => {
    out.push({ seq: seq++, t, node, ...body } as unknown as TraceEvent);
  };
  const nextId = (n: string): number => {
    const v = (msgIds.get(n) ?? 0) + 1;
    msgIds.set(n, v);
    return v;
  };
  const g = TEST_GROUP;
  for (const n of ids) push(n, { type: 'node-start', members: ids });
  push('n1', { type: 'role', group: g, from: 'follower', to: 'candidate', term: 1, leader: null });
  push('n1', { type: 'role', group: g, from: 'candidate', to: 'leader', term: 1, leader: 'n1' });
  let index = 0;
  let round = 0;
  while (out.length < count) {
    round++;
    t += 50;
    const write = round % 4 === 0;
    if (write) {
      index++;
      push('n2', {
        type: 'request',
        group: g,
        requestId: `c${index}`,
        kind: 'write',
        label: `publish k${index}`,
      });
    }
    const sends: { from: string; to: string; id: number; sentAt: number }[] = [];
    for (const to of ids.slice(1)) {
      const id = nextId('n1');
      push('n1', {
        type: 'send',
        group: g,
        msgId: id,
        from: 'n1',
        to,
        msgType: 'AppendEntries',
        term: 1,
        entries: write ? [index, index] : null,
        prevIndex: write ? index - 1 : index,
        prevTerm: 1,
        commit: index,
        ...(write ? {} : { hb: true }),
        deliverAt: t + 20,
      });
      sends.push({ from: 'n1', to, id, sentAt: t });
    }
    t += 20;
    for (const s of sends.slice()) {
      const lost = (round * 7 + s.id) % 41 === 0;
      if (lost) {
        push(s.to, {
          type: 'drop',
          group: g,
          msgId: s.id,
          from: 'n1',
          to: s.to,
          msgType: 'AppendEntries',
          term: 1,
          entries: null,
          reason: 'loss',
          sentAt: s.sentAt,
        });
        continue;
      }
      push(s.to, {
        type: 'recv',
        group: g,
        msgId: s.id,
        from: 'n1',
        to: s.to,
        msgType: 'AppendEntries',
        term: 1,
        entries: write ? [index, index] : null,
        sentAt: s.sentAt,
      });
      const rid = nextId(s.to);
      push(s.to, {
        type: 'send',
        group: g,
        msgId: rid,
        from: s.to,
        to: 'n1',
        msgType: 'AppendEntriesResponse',
        term: 1,
        entries: null,
        ok: true,
        index,
        deliverAt: t + 20,
      });
      sends.push({ from: s.to, to: 'n1', id: rid, sentAt: t });
    }
    t += 20;
    for (const s of sends.filter((x) => x.to === 'n1')) {
      const from = s.from;
      push('n1', {
        type: 'recv',
        group: g,
        msgId: s.id,
        from,
        to: 'n1',
        msgType: 'AppendEntriesResponse',
        term: 1,
        entries: null,
        sentAt: s.sentAt,
      });
    }
    if (write) {
      for (const n of ids) push(n, { type: 'commit', group: g, index });
      push('n2', {
        type: 'ok',
        group: g,
        process: `c${index}`,
        op: 'put',
        key: `k${index}/DEFAULT_GROUP/`,
        value: 'v',
        requestId: `c${index}`,
        result: null,
      });
    }
    if (round % 500 === 250) push(ids[nodes - 1], { type: 'fault', fault: 'crash' });
    if (round % 500 === 300) push(ids[nodes - 1], { type: 'fault', fault: 'restart' });
  }
  return out;
}
