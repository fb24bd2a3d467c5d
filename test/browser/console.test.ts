// Console input and the page (issue 8, items 8–13), driven through window.playground as a user
// would from the browser console: bad options and wrongly typed arguments are refused with a
// message naming what was wrong and the running cluster keeps working (a write succeeds after
// every refusal); every export imports, even after malformed requests; large trace files are
// parsed off the page's thread and a bad one stops early; the in-memory trace is bounded and
// says what it dropped; a reload offers to resume the cluster from its databases.
// Lesson timings; every wait is a bounded poll.
import { describe, expect, it } from 'vitest';
import { agreedLeader, playgroundSuite, waitFor, type PlaygroundPage } from './harness.ts';

const { cluster, page } = playgroundSuite(3);

let writes = 0;
/** The leader each page last agreed on: a write there needs no status round first. */
const leaders = new WeakMap<PlaygroundPage, string>();

/** A write must succeed: the cluster still works. */
async function writeWorks(p: PlaygroundPage, after: string): Promise<void> {
  const dataId = `probe-${++writes}`;
  const write = (n: string) =>
    p.page.evaluate(
      ([node, d]) =>
        window.playground.write(node, 'nacos_config', {
          type: 'publish',
          dataId: d,
          content: 'ok',
        }),
      [n, dataId] as const,
    );
  const known = leaders.get(p);
  let r = known !== undefined ? await write(known) : null;
  if (r === null || !r.ok) {
    // No leader known yet, or it changed: wait for one, then write there.
    const l = await agreedLeader(p);
    leaders.set(p, l);
    r = await write(l);
  }
  expect(r, `a write after ${after}`).toMatchObject({ ok: true });
}

/** Run `fn(arg)` in the page; it must throw or reject: returns the message. */
async function refusal<A>(p: PlaygroundPage, fn: (arg: A) => unknown, arg: A): Promise<string> {
  const evaluate = p.page.evaluate.bind(p.page) as (f: typeof fn, a: A) => Promise<unknown>;
  const out = await evaluate(fn, arg).then(
    (v) => `NOT REFUSED: ${JSON.stringify(v)}`,
    (e: Error) => e.message,
  );
  return out;
}

describe('createCluster checks every option before it touches the running cluster', () => {
  it('refuses each bad option of the issue; the cluster keeps running, and reset works after', async () => {
    const p = await cluster();
    await writeWorks(p, 'start');
    const id = await p.page.evaluate(() => window.playground.cluster!.clusterId);
    const cases: [unknown, RegExp][] = [
      [{ nodes: 0 }, /createCluster: nodes: expected integer from 1 to 9, got 0/],
      [{ nodes: 50 }, /createCluster: nodes: .*got 50/],
      [{ groups: ['bogus'] }, /createCluster: groups\[0\]: unknown group "bogus"/],
      [{ timing: 'fast' }, /createCluster: timing: expected 'nacos', 'lesson'.*got "fast"/],
      [{ durability: 'x' }, /createCluster: durability: expected 'strict' or 'relaxed', got "x"/],
      [{ nodez: 3 }, /createCluster: nodez: unknown field \(did you mean "nodes"\?\)/],
      [5, /createCluster: options must be an object like .*got 5/],
    ];
    for (const [options, message] of cases) {
      const m = await refusal(p, (o) => window.playground.createCluster(o), options);
      expect(m, JSON.stringify(options)).toMatch(message);
      expect(await p.page.evaluate(() => window.playground.cluster?.clusterId)).toBe(id);
      await writeWorks(p, `createCluster(${JSON.stringify(options)})`);
    }
    // reset keeps the last good options (3 nodes, lesson timing), not a refused one.
    const after = await p.page.evaluate(() => window.playground.reset());
    expect(after.clusterId).not.toBe(id);
    expect(Object.keys(after.nodes)).toEqual(['n1', 'n2', 'n3']);
    expect(after.timing).toMatch(/^lesson/);
    await writeWorks(p, 'reset');
    expect(p.problems).toEqual([]);
  }, 120_000);

  it("refuses another tab's cluster id without stopping its own cluster", async () => {
    const other = await cluster({ nodes: 1, clusterId: 'othertab1' });
    const p = await cluster();
    await writeWorks(p, 'start');
    const id = await p.page.evaluate(() => window.playground.cluster!.clusterId);
    const m = await refusal(p, (o) => window.playground.createCluster(o), {
      clusterId: 'othertab1',
    });
    expect(m).toMatch(/clusterId: cluster othertab1 is running in another tab or window/);
    expect(await p.page.evaluate(() => window.playground.cluster?.clusterId)).toBe(id);
    await writeWorks(p, 'the refused id');
    await writeWorks(other, 'the other tab was asked for');
    expect([...p.problems, ...other.problems]).toEqual([]);
  }, 120_000);
});

describe('every command checks its arguments and coerces nothing', () => {
  it('refuses wrong types and unknown nodes; node references work where documented', async () => {
    const p = await cluster();
    await writeWorks(p, 'start');
    const bad: [string, (a: null) => unknown, RegExp][] = [
      [
        'hold("false")',
        () => window.playground.hold('false'),
        /hold: expected true or false, got "false"/,
      ],
      [
        'speed("2")',
        () => window.playground.speed('2'),
        /speed: expected a number from 0.01 to 10, got "2"/,
      ],
      [
        'link("n9","n1")',
        () => window.playground.link('n9', 'n1'),
        /link: from: unknown node "n9" \(nodes: n1, n2, n3\)/,
      ],
      ['cut("n1", 2)', () => window.playground.cut('n1', 2), /cut: to: expected a node id .*got 2/],
      ['events(123)', () => window.playground.events(123), /events: expected a function/],
      [
        'durability("x")',
        () => window.playground.durability('x'),
        /durability: expected 'strict' or 'relaxed'/,
      ],
      [
        'skew("n1","2")',
        () => window.playground.skew('n1', '2'),
        /skew: rate: expected a number above 0 to 100, got "2"/,
      ],
      ['crash(1)', () => window.playground.crash(1), /crash: node: expected a node id/],
      [
        'crash("@leader:bogus")',
        () => window.playground.crash('@leader:bogus'),
        /crash: node: unknown group "bogus"/,
      ],
      [
        'partition("n1")',
        () => window.playground.partition('n1'),
        /partition: side 1: expected a non-empty array/,
      ],
      [
        'partition dup',
        () => window.playground.partition(['n1'], ['n1', 'n2']),
        /n1 is on side 1 and side 2/,
      ],
      [
        'network drop 2',
        () => window.playground.network({ drop: 2 }),
        /network: drop: expected number from 0 to 1, got 2/,
      ],
      [
        'network from only',
        () => window.playground.network({ drop: 0 }, 'n1'),
        /give both from and to/,
      ],
      [
        'write group',
        () => window.playground.write('n1', 'bogus', { type: 'publish' }),
        /write: group: unknown group "bogus"/,
      ],
      [
        'write op',
        () => window.playground.write('n1', 'nacos_config', 'publish a'),
        /write: op: expected an object/,
      ],
      [
        'read node',
        () => window.playground.read('n7', 'nacos_config', { type: 'get', dataId: 'a' }),
        /read: node: unknown node "n7"/,
      ],
      ['release("1")', () => window.playground.release('1'), /release: msgId: expected an integer/],
      ['addNode(6)', () => window.playground.addNode(6), /addNode: expected a new node id/],
      [
        'transferLeader bogus',
        () => window.playground.transferLeader('bogus', 'n1'),
        /transferLeader: group: unknown group "bogus"/,
      ],
      [
        'destroy("no")',
        () => window.playground.destroy('no'),
        /destroy: deleteData: expected true or false/,
      ],
      [
        'importTrace(5)',
        () => window.playground.importTrace(5),
        /importTrace: expected the trace's text or a File, got 5/,
      ],
    ];
    for (const [what, fn, message] of bad) {
      expect(await refusal(p, fn, null), what).toMatch(message);
    }
    // Nothing changed: hold is off, the speed is 1, the network has no cut.
    const st = await p.page.evaluate(() => window.playground.status());
    expect(st.speed).toBe(1);
    expect(st.network.hold).toBe(false);
    expect(st.network.cuts).toEqual([]);
    await writeWorks(p, 'the refused commands');

    // tenant: 5 is refused by the node (Nacos's tenant is a string), not turned into "5".
    const l = await agreedLeader(p);
    const tenant = await p.page.evaluate(
      (n) =>
        window.playground.write(n, 'nacos_config', {
          type: 'publish',
          dataId: 't',
          tenant: 5,
          content: 'x',
        }),
      l,
    );
    expect(tenant).toMatchObject({ ok: false, error: expect.stringMatching(/tenant.*string/) });

    // A node reference works for transferLeader, as documented.
    const to = await p.page.evaluate(() =>
      window.playground.transferLeader('nacos_config', '@follower:nacos_config'),
    );
    expect(to).not.toBe(l);
    await waitFor(
      p.page,
      `leadership to move to ${to}`,
      async (n) => (await window.playground.leader('nacos_config')) === n,
      to,
    );
    await writeWorks(p, 'the transfer');
    // A transfer the leader refuses rejects with its reason. Messages held, the first transfer
    // cannot finish, and SOFAJRaft refuses a second one meanwhile ("Not a leader").
    const [first, second] = await p.page.evaluate(async () => {
      const pg = window.playground;
      await pg.hold(true);
      const target = await pg.transferLeader('nacos_config', '@follower:nacos_config');
      const r = await pg.transferLeader('nacos_config', '@follower:nacos_config').then(
        () => 'NOT REFUSED',
        (e: Error) => e.message,
      );
      await pg.hold(false);
      return [target, r];
    });
    expect(second).toMatch(/^transfer-leader: n\d refused: Not a leader$/);
    // The held TimeoutNow goes out: the first transfer completes.
    await waitFor(
      p.page,
      `leadership to move to ${first}`,
      async (n) => (await window.playground.leader('nacos_config')) === n,
      first,
    );
    leaders.delete(p);
    await writeWorks(p, 'the refused transfer');
    // events(123) used to log an error every 50 ms; nothing may have been logged.
    expect(p.problems).toEqual([]);
  }, 120_000);
});

describe('traces', () => {
  it('every export imports, after good and malformed requests and faults', async () => {
    const p = await cluster();
    const l = await agreedLeader(p);
    const follower = l === 'n1' ? 'n2' : 'n1';
    const replies = await p.page.evaluate(
      async ([leader, f]) => {
        const pg = window.playground;
        const out = [];
        out.push(
          await pg.write(leader, 'nacos_config', { type: 'publish', dataId: 'a', content: 'v1' }),
        );
        out.push(await pg.write(f, 'nacos_config', { type: 'publish', dataId: 'b' }));
        out.push(await pg.write(leader, 'nacos_config', { type: 'publish', content: 'no id' }));
        out.push(await pg.write(leader, 'nacos_config', { type: 'explode', dataId: 'a' }));
        out.push(await pg.write(leader, 'nacos_config', {}));
        out.push(
          await pg.write(f, 'nacos_config', {
            type: 'publish',
            dataId: 'c',
            content: 'v',
            tenant: 5,
          }),
        );
        out.push(await pg.read(f, 'nacos_config', { type: 'get' }));
        out.push(await pg.read(leader, 'nacos_config', { type: 'get', dataId: 'a' }));
        pg.partition([leader], [f]);
        pg.heal();
        await pg.crash(f);
        await pg.restart(f);
        out.push(await pg.write(leader, 'nacos_config', { type: 'remove', dataId: 'a' }));
        return out.map((r) => r.ok);
      },
      [l, follower] as const,
    );
    const text = await p.page.evaluate(() => window.playground.exportTrace());
    const imported = await p.page.evaluate((t) => window.playground.importTrace(t), text);
    expect(imported.errors).toEqual([]);
    expect(imported.ok).toBe(true);
    expect(replies).toEqual([true, false, false, false, false, false, false, true, true]);
    expect(imported.events).toBe(text.trim().split('\n').length - 1);
    // The malformed write's missing content is recorded as null, a value JSON keeps.
    const invoke = text
      .split('\n')
      .slice(1)
      .filter((x) => x !== '')
      .map((x) => JSON.parse(x) as Record<string, unknown>)
      .find((e) => e.type === 'invoke' && String(e.key).startsWith('b/'));
    expect(invoke).toMatchObject({ value: null });
    expect(p.problems).toEqual([]);
  }, 120_000);

  it('parses a large trace off the page thread with progress, and stops early on a bad one', async () => {
    const p = await page();
    const out = await p.page.evaluate(async () => {
      const pg = window.playground;
      const header = JSON.stringify({
        format: 'raft-playground-trace',
        version: 1,
        seed: 1,
        scenario: null,
        cluster: { nodes: ['n1'], groups: ['nacos_config'] },
      });
      const lines = [header];
      for (let i = 0; i < 150_000; i++) {
        lines.push(
          `{"seq":${i},"t":${i},"node":"n1","type":"commit","group":"nacos_config","index":${i}}`,
        );
      }
      const good = lines.join('\n') + '\n';
      // The page's thread stays free while the worker parses: a timer keeps firing.
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const progress: number[] = [];
      const ok = await pg.importTrace(good, { onProgress: (d) => progress.push(d) });
      const okTicks = ticks;
      // 60 MB of bad lines: the import stops at the 20th error.
      const bad = header + '\n' + '{"seq": oops}\n'.repeat(4_500_000);
      const badProgress: number[] = [];
      const refused = await pg.importTrace(bad, { onProgress: (d) => badProgress.push(d) });
      clearInterval(timer);
      return {
        ok,
        okTicks,
        progress: progress.length,
        goodLength: good.length,
        lastProgress: progress.at(-1),
        refused,
        badLength: bad.length,
        badRead: Math.max(0, ...badProgress),
        kept: pg.imported?.ok === true ? pg.imported.events.length : -1,
      };
    });
    expect(out.ok).toEqual({ ok: true, events: 150_000, errors: [] });
    expect(out.progress).toBeGreaterThan(2);
    expect(out.lastProgress).toBe(out.goodLength);
    expect(out.okTicks).toBeGreaterThan(0);
    expect(out.badLength).toBeGreaterThan(60_000_000);
    expect(out.refused.ok).toBe(false);
    expect(out.refused.errors).toHaveLength(21);
    expect(out.refused.errors.at(-1)).toMatch(/^stopped after 20 errors at line 21; the rest/);
    expect(out.badRead).toBeLessThan(out.badLength / 100);
    // The bad file left nothing half-loaded: the good import is still the one kept.
    expect(out.kept).toBe(150_000);
    expect(p.problems).toEqual([]);
  }, 120_000);

  it('bounds the in-memory trace and says what it dropped, in the page and the export', async () => {
    const p = await cluster({ traceLimit: 300 });
    await writeWorks(p, 'start');
    const dropped = await waitFor(
      p.page,
      'the trace bound to drop events',
      () => window.playground.cluster!.droppedEvents,
      null,
    );
    expect(dropped.firstSeq).toBe(0);
    const st = await p.page.evaluate(() => ({
      held: window.playground.trace().length,
      status: null as unknown,
    }));
    expect(st.held).toBeLessThanOrEqual(300);
    await waitFor(
      p.page,
      'the page to say which events were dropped',
      () =>
        /events with seq 0–[\d,]+ \([\d,]+ events\) were dropped/.test(
          document.querySelector('#trace-dropped')?.textContent ?? '',
        ),
      null,
    );
    const text = await p.page.evaluate(() => window.playground.exportTrace());
    const header = JSON.parse(text.split('\n')[0]) as { dropped: unknown; notes: string[] };
    expect(header.dropped).toMatchObject({ firstSeq: 0 });
    expect(header.notes[0]).toMatch(/^events with seq 0–/);
    // Checked and kept, not opened in the replay engine: the live cluster stays active.
    const imported = await p.page.evaluate(
      (t) => window.playground.importTrace(t, { open: false }),
      text,
    );
    expect(imported.errors).toEqual([]);
    expect(imported.events).toBeLessThanOrEqual(300);
    const status = await p.page.evaluate(() => window.playground.status());
    expect(status.traceDropped).not.toBeNull();
    await writeWorks(p, 'dropping events');
    expect(p.problems).toEqual([]);
  }, 120_000);
});

describe('a page reload', () => {
  it('offers to resume the cluster from its databases, and the write is still there', async () => {
    const p = await cluster();
    const l = await agreedLeader(p);
    const id = await p.page.evaluate(() => window.playground.cluster!.clusterId);
    const w = await p.page.evaluate(
      (n) =>
        window.playground.write(n, 'nacos_config', {
          type: 'publish',
          dataId: 'kept',
          content: 'before the reload',
        }),
      l,
    );
    expect(w.ok).toBe(true);
    await p.page.reload({ waitUntil: 'load' });
    // The page offers the cluster (and autostart=0 starts nothing else).
    const button = p.page.locator('#resume-cluster');
    await button.waitFor({ timeout: 60_000 });
    expect(await button.textContent()).toBe(`Resume cluster ${id} (3 nodes, from disk)`);
    // Creating a cluster with that id would overwrite its databases: refused.
    const m = await refusal(p, (o) => window.playground.createCluster(o), { clusterId: id });
    expect(m).toMatch(/has databases on disk .*resumeCluster/);
    await button.click();
    const st = await waitFor(
      p.page,
      'the resumed cluster',
      async () => {
        const c = window.playground.cluster;
        return c !== null ? await window.playground.status() : null;
      },
      null,
    );
    expect(st).toMatchObject({ clusterId: id, resumed: true });
    expect(Object.keys(st.nodes)).toEqual(['n1', 'n2', 'n3']);
    await waitFor(
      p.page,
      'the page to say the cluster was resumed',
      () => document.querySelector('#run-info')?.textContent?.includes('(resumed from disk)'),
      null,
    );
    const leader = await agreedLeader(p);
    const r = await p.page.evaluate(
      (n) => window.playground.read(n, 'nacos_config', { type: 'get', dataId: 'kept' }),
      leader,
    );
    expect(r).toMatchObject({
      ok: true,
      value: { data: { found: true, content: 'before the reload' } },
    });
    await writeWorks(p, 'the resume');
    const again = await refusal(p, () => window.playground.resumeCluster(), null);
    expect(again).toMatch(/is already running here/);
    expect(p.problems).toEqual([]);
  }, 120_000);
});
