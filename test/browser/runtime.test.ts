// The browser runtime for real: one Web Worker per node, MessageChannels between them, IndexedDB
// on disk, in headless Chromium, driven through window.playground with the fast lesson timings.
// Every wait is a bounded poll; no assertion depends on how fast this machine is.
import { describe, expect, it } from 'vitest';
import { agreedLeader, playgroundSuite, waitFor, type PlaygroundPage } from './harness.ts';

const G = 'nacos_config';
const { cluster } = playgroundSuite(5);

const stableLeader = agreedLeader;

/** Trace invariant: at most one leader per group per term. */
async function checkElectionSafety(p: PlaygroundPage): Promise<void> {
  const dupes = await p.page.evaluate(() => {
    const seen = new Map<string, string>();
    const bad: string[] = [];
    for (const e of window.playground.trace()) {
      if (e.type !== 'role' || e.to !== 'leader') continue;
      const key = `${e.group}@${e.term}`;
      const other = seen.get(key);
      if (other !== undefined && other !== e.node) bad.push(`${key}: ${other} and ${e.node}`);
      seen.set(key, e.node!);
    }
    return bad;
  });
  expect(dupes).toEqual([]);
}

describe('a 5-node cluster of workers', () => {
  it('elects one leader per group', async () => {
    const p = await cluster({
      groups: [
        'nacos_config',
        'naming_persistent_service_v2',
        'naming_service_metadata',
        'naming_instance_metadata',
      ],
    });
    const groups = await p.page.evaluate(() => [...window.playground.cluster!.groups]);
    expect(groups).toHaveLength(4);
    for (const g of groups) await stableLeader(p, g);
    await checkElectionSafety(p);
    const header = await p.page.evaluate(() => window.playground.exportTrace().split('\n')[0]);
    expect(JSON.parse(header)).toMatchObject({ format: 'raft-playground-trace', version: 2 });
    expect(p.problems).toEqual([]);
  });

  it('forwards a write sent to a follower, commits it and applies it on every node', async () => {
    // Textbook routing: the follower forwards to the Raft leader as soon as there is one (Nacos's
    // route table is first filled one election timeout after boot; requests-ui shows that).
    const p = await cluster({ fidelity: 'textbook' });
    const leader = await stableLeader(p);
    const follower = ['n1', 'n2', 'n3', 'n4', 'n5'].find((n) => n !== leader)!;
    const reply = await p.page.evaluate(
      (f) =>
        window.playground.write(f, 'nacos_config', {
          type: 'publish',
          dataId: 'app.yaml',
          content: 'v1',
        }),
      follower,
    );
    expect(reply).toMatchObject({ ok: true, value: { success: true } });
    // The trace shows the forward from the follower to the leader (the leader's batch of
    // events may reach the main thread a little after the reply).
    await waitFor(
      p.page,
      'the forward in the trace',
      ({ f, l }) => {
        const forwards = window.playground
          .trace()
          .filter((e) => e.type === 'forward')
          .map((e) => (e.type === 'forward' ? `${e.node}:${e.stage}:${e.to}` : ''));
        if (!forwards.includes(`${f}:send:${l}`)) throw new Error(forwards.join(' '));
        if (!forwards.includes(`${l}:recv:${l}`)) throw new Error(forwards.join(' '));
        return forwards.includes(`${f}:reply:${l}`);
      },
      { f: follower, l: leader },
    );
    // Every node applies it, with the same state machine.
    await waitFor(
      p.page,
      'every node to apply app.yaml',
      async () => {
        const pg = window.playground;
        const applied = new Set(
          pg
            .trace()
            .filter(
              (e) =>
                e.type === 'apply' && (e.op as { dataId?: string } | null)?.dataId === 'app.yaml',
            )
            .map((e) => e.node),
        );
        if (applied.size !== 5) throw new Error(`applied on ${[...applied].join(',')}`);
        const states = await Promise.all(
          ['n1', 'n2', 'n3', 'n4', 'n5'].map(async (n) =>
            JSON.stringify(await pg.appliedState(n, 'nacos_config')),
          ),
        );
        return states.every((s) => s === states[0]) && states[0].includes('"content":"v1"');
      },
      null,
    );
    const read = await p.page.evaluate(
      (f) => window.playground.read(f, 'nacos_config', { type: 'get', dataId: 'app.yaml' }),
      follower,
    );
    expect(read).toMatchObject({ ok: true, value: { data: { found: true, content: 'v1' } } });
    expect(p.problems).toEqual([]);
  });

  it('elects a new leader when the leader crashes; the restarted node recovers from IndexedDB and catches up', async () => {
    const p = await cluster();
    const oldLeader = await stableLeader(p);
    for (let i = 0; i < 5; i++) {
      const r = await p.page.evaluate(
        (k) =>
          window.playground.write('@leader:nacos_config', 'nacos_config', {
            type: 'publish',
            dataId: `before-${k}`,
            content: `v${k}`,
          }),
        i,
      );
      expect(r.ok).toBe(true);
    }
    const before = await p.page.evaluate(
      (n) => window.playground.log(n, 'nacos_config'),
      oldLeader,
    );
    const beforeStatus = await p.page.evaluate(() => window.playground.status());
    const oldTerm = beforeStatus.nodes[oldLeader].groups![G].term;

    await p.page.evaluate((n) => window.playground.crash(n), oldLeader);
    const info = await p.page.evaluate((n) => window.playground.cluster!.node(n), oldLeader);
    expect(info.state).toBe('crashed');
    const newLeader = await stableLeader(p);
    expect(newLeader).not.toBe(oldLeader);
    // Writes go on without the crashed node.
    for (let i = 0; i < 3; i++) {
      const r = await p.page.evaluate(
        (k) =>
          window.playground.write('@leader:nacos_config', 'nacos_config', {
            type: 'publish',
            dataId: `after-${k}`,
            content: `w${k}`,
          }),
        i,
      );
      expect(r.ok).toBe(true);
    }

    // Restart: a new worker on the same database.
    await p.page.evaluate((n) => window.playground.restart(n), oldLeader);
    const restart = await p.page.evaluate(
      (n) => window.playground.trace().find((e) => e.type === 'node-restart' && e.node === n),
      oldLeader,
    );
    // It recovered its term and its whole log from IndexedDB.
    expect(restart).toMatchObject({ type: 'node-restart', node: oldLeader });
    expect((restart as { term: number }).term).toBeGreaterThanOrEqual(oldTerm);
    expect((restart as { lastIndex: number }).lastIndex).toBeGreaterThanOrEqual(before.lastIndex);
    // Its log, checked against the others: every entry it had before the crash is there, the
    // same as on the new leader, and it catches up with what it missed.
    await waitFor(
      p.page,
      'the restarted node to catch up with identical logs',
      async ({ node, leader, beforeLast }) => {
        const pg = window.playground;
        const [mine, theirs] = await Promise.all([
          pg.log(node, 'nacos_config'),
          pg.log(leader, 'nacos_config'),
        ]);
        if (mine.lastIndex !== theirs.lastIndex) {
          throw new Error(`${node} at ${mine.lastIndex}, leader at ${theirs.lastIndex}`);
        }
        if (mine.lastIndex <= beforeLast) throw new Error('nothing new replicated yet');
        return JSON.stringify(mine.entries) === JSON.stringify(theirs.entries);
      },
      { node: oldLeader, leader: newLeader, beforeLast: before.lastIndex },
    );
    const mine = await p.page.evaluate((n) => window.playground.log(n, 'nacos_config'), oldLeader);
    expect(mine.entries.slice(0, before.entries.length)).toEqual(before.entries);
    await checkElectionSafety(p);
    expect(p.problems).toEqual([]);
  });

  it('loses no acknowledged write across repeated crash/restart of every node while writes continue', async () => {
    const p = await cluster();
    await stableLeader(p);
    const result = await p.page.evaluate(async () => {
      const pg = window.playground;
      const acked = new Map<string, string>();
      let stop = false;
      let seq = 0;
      const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
      const client = async (c: number): Promise<void> => {
        while (!stop) {
          const k = seq++;
          const dataId = `k${k}`;
          const content = `c${c}-${k}`;
          const target = nodes[k % nodes.length];
          const r = await pg
            .write(target, 'nacos_config', { type: 'publish', dataId, content })
            .catch(() => ({ ok: false as const }));
          if (r.ok) acked.set(dataId, content);
          else await new Promise((res) => setTimeout(res, 50));
        }
      };
      const clients = [0, 1, 2, 3].map(client);
      const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
      // Two rounds: every node crashes (with writes in flight) and comes back.
      for (let round = 0; round < 2; round++) {
        for (const n of nodes) {
          await sleep(300);
          pg.crash(n);
          await sleep(600);
          await pg.restart(n);
        }
      }
      await sleep(1500);
      stop = true;
      await Promise.all(clients);
      return { acked: [...acked], issued: seq };
    });
    expect(result.acked.length).toBeGreaterThan(10);
    await stableLeader(p, G, 60_000);
    // Every acknowledged write is in the state machine of every node, once they converge.
    const missing = await waitFor(
      p.page,
      'every node to hold every acknowledged write',
      async (acked) => {
        const pg = window.playground;
        const problems: string[] = [];
        for (const n of ['n1', 'n2', 'n3', 'n4', 'n5']) {
          const items = (await pg.appliedState(n, 'nacos_config')) as {
            dataId: string;
            content: string;
          }[];
          const have = new Map(items.map((i) => [i.dataId, i.content]));
          for (const [dataId, content] of acked) {
            if (have.get(dataId) !== content) problems.push(`${n} lacks ${dataId}=${content}`);
          }
        }
        if (problems.length > 0) throw new Error(problems.slice(0, 5).join('; '));
        return 'none';
      },
      result.acked,
      60_000,
    );
    expect(missing).toBe('none');
    await checkElectionSafety(p);
    expect(p.problems).toEqual([]);
    // Its waits (a stable leader, convergence) alone may take 60 s each on a loaded machine.
  }, 180_000);

  it('a minority partition cannot commit, and everything converges after heal', async () => {
    const p = await cluster();
    const leader = await stableLeader(p);
    const others = ['n1', 'n2', 'n3', 'n4', 'n5'].filter((n) => n !== leader);
    const minority = [leader, others[0]];
    const majority = others.slice(1);
    await p.page.evaluate(([a, b]) => window.playground.partition(a, b), [
      minority,
      majority,
    ] as const);
    // The old leader steps down or at least commits nothing new.
    const commitBefore = await p.page.evaluate(
      async (n) => (await window.playground.status()).nodes[n].groups!.nacos_config.commit,
      leader,
    );
    const minorityWrite = p.page.evaluate(
      (n) =>
        window.playground.write(n, 'nacos_config', {
          type: 'publish',
          dataId: 'minority',
          content: 'lost?',
        }),
      leader,
    );
    // The majority elects its own leader and commits.
    const newLeader = await waitFor(
      p.page,
      'a leader on the majority side',
      async (side) => {
        const s = await window.playground.status();
        return side.find((n) => s.nodes[n].groups!.nacos_config.role === 'leader') ?? null;
      },
      majority,
    );
    const w = await p.page.evaluate(
      (n) =>
        window.playground.write(n, 'nacos_config', {
          type: 'publish',
          dataId: 'majority',
          content: 'yes',
        }),
      newLeader,
    );
    expect(w.ok).toBe(true);
    const minorityStatus = await p.page.evaluate(async (side) => {
      const s = await window.playground.status();
      return side.map((n) => s.nodes[n].groups!.nacos_config.commit);
    }, minority);
    // Nothing past what was committed before the partition commits on the minority side.
    for (const c of minorityStatus) expect(c).toBeLessThanOrEqual(commitBefore);
    const r = await minorityWrite;
    expect(r.ok).toBe(false);

    await p.page.evaluate(() => window.playground.heal());
    const finalLeader = await stableLeader(p);
    expect(minority).not.toContain(finalLeader);
    await waitFor(
      p.page,
      'identical logs and state machines on all nodes',
      async () => {
        const pg = window.playground;
        const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
        const logs = await Promise.all(nodes.map((n) => pg.log(n, 'nacos_config')));
        const states = await Promise.all(nodes.map((n) => pg.appliedState(n, 'nacos_config')));
        const l0 = JSON.stringify(logs[0].entries);
        const s0 = JSON.stringify(states[0]);
        if (!logs.every((l) => JSON.stringify(l.entries) === l0)) throw new Error('logs differ');
        if (!states.every((s) => JSON.stringify(s) === s0)) throw new Error('states differ');
        return s0.includes('"majority"') && !s0.includes('"minority"');
      },
      null,
    );
    await checkElectionSafety(p);
    expect(p.problems).toEqual([]);
  });

  it('merges the trace in order when a worker is stuck: every receipt after its send', async () => {
    const p = await cluster();
    const leader = await stableLeader(p);
    // The leader's thread is stuck for 300 ms right after it sends a message: the message
    // arrives and its receipt is traced by another worker, while the send waits in the stuck
    // worker's buffer. The page must not release the receipt first.
    await p.page.evaluate((n) => window.playground.debug.blockAfterNextSend(n, 300), leader);
    await new Promise((r) => setTimeout(r, 1_500));
    const misordered = await p.page.evaluate(() => {
      const seen = new Set<string>();
      const events = window.playground.trace();
      for (const e of events) {
        if (e.type === 'send') seen.add(`${e.from}:${e.msgId}`);
      }
      const out: string[] = [];
      const sent = new Set<string>();
      for (const e of events) {
        if (e.type === 'send') sent.add(`${e.from}:${e.msgId}`);
        else if (e.type === 'recv' || e.type === 'drop') {
          const k = `${e.from}:${e.msgId}`;
          if (seen.has(k) && !sent.has(k)) out.push(`${e.type} ${k} at ${e.t.toFixed(1)}`);
        }
      }
      return out;
    });
    expect(misordered).toEqual([]);
  });

  it('keeps nothing on the page for a write once it is answered', async () => {
    // Each write used to race its reply against a promise that settles only when the worker
    // dies, leaving ~240 bytes per write reachable from the leader's incarnation: 145 MB after
    // 600,000 writes, traced by every major GC of the page.
    const p = await cluster({ nodes: 3, trace: false, durability: 'relaxed' });
    const leader = await stableLeader(p);
    const cdp = await p.page.context().newCDPSession(p.page);
    const writes = (count: number) =>
      p.page.evaluate(
        async ({ leader, count }) => {
          const c = window.playground.cluster!;
          let next = 0;
          let failed = 0;
          const client = async () => {
            while (next < count) {
              const k = next++;
              const r = await c.write(leader, 'nacos_config', {
                type: 'publish',
                dataId: `k${k % 100}`,
                content: `v${k}`,
              });
              if (!r.ok) failed++;
            }
          };
          await Promise.all(Array.from({ length: 128 }, client));
          return failed;
        },
        { leader, count },
      );
    const heapAfterGc = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    expect(await writes(2_000)).toBe(0);
    const before = await heapAfterGc();
    const n = 20_000;
    expect(await writes(n)).toBe(0);
    const grown = (await heapAfterGc()) - before;
    expect(grown / n, `the page's heap grew by ${grown} bytes over ${n} writes`).toBeLessThan(60);
  });

  it('drops and logs a malformed port message without harm to the node', async () => {
    // Textbook routing, so a write through a follower works as soon as there is a leader (Nacos's
    // route table is first filled one election timeout after boot).
    const p = await cluster({ fidelity: 'textbook' });
    await stableLeader(p);
    const garbage: unknown[] = [
      'hello',
      null,
      {
        k: 'raft',
        id: 1,
        d: 0,
        m: { type: 'Bogus', group: 'nacos_config', from: 'n1', to: 'n2', term: 1 },
      },
      {
        k: 'raft',
        id: 2,
        d: 0,
        m: { type: 'AppendEntries', group: 'nacos_config', from: 'n1', to: 'n2', term: 99 },
      },
      {
        k: 'raft',
        id: 3,
        d: 0,
        m: {
          type: 'RequestVote',
          group: 'nacos_config',
          from: 'n3',
          to: 'n2',
          term: 99,
          preVote: false,
          lastLogIndex: 9,
          lastLogTerm: 9,
        },
      },
    ];
    for (const g of garbage) {
      await p.page.evaluate((data) => window.playground.debug.injectFrame('n1', 'n2', data), g);
    }
    const drops = await waitFor(
      p.page,
      'the malformed frames to be logged as drops',
      () => {
        const d = window.playground
          .trace()
          .filter((e) => e.type === 'drop' && e.reason.startsWith('malformed'))
          .map((e) => (e.type === 'drop' ? `${e.node} ${e.from}→${e.to} ${e.reason}` : ''));
        return d.length >= 5 ? d : null;
      },
      null,
    );
    expect(drops).toHaveLength(5);
    expect(drops.every((d) => d.startsWith('n2 n1→n2 malformed'))).toBe(true);
    expect(drops.join('\n')).toMatch(/unknown message type "Bogus"/);
    expect(drops.join('\n')).toMatch(/AppendEntries.prevLogIndex is missing or malformed/);
    expect(drops.join('\n')).toMatch(/from "n3" on the link from n1/);
    // n2 is fine: running, its term untouched by the forged term 99, and it still serves writes.
    const s = await p.page.evaluate(() => window.playground.status());
    expect(s.nodes.n2.state).toBe('running');
    expect(s.nodes.n2.groups!.nacos_config.term).toBeLessThan(99);
    const r = await p.page.evaluate(() =>
      window.playground.write('n2', 'nacos_config', {
        type: 'publish',
        dataId: 'ok',
        content: '1',
      }),
    );
    expect(r.ok).toBe(true);
    expect(p.problems).toEqual([]);
  });
});
