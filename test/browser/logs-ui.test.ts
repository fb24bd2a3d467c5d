// The logs, state machines, metadata and groups strip as a person uses them: a write sent
// through a follower shows up in every node's log, committed and applied, in the apply stream of
// every node and in the state machines' contents; clicking its entry selects its request, which
// highlights it everywhere; an entry the leader could not replicate says why it is not
// committed; the strip switches the group every view shows. Lesson timings, bounded polls.
import { describe, expect, it } from 'vitest';
import { agreedLeader, playgroundSuite, waitFor } from './harness.ts';

const { cluster } = playgroundSuite(3);

const G = 'nacos_config';

describe('the logs and state machines views', () => {
  it('show a write through a follower in every log, committed, applied and in every state machine', async () => {
    // Textbook routing: the follower forwards to the Raft leader at once. (Under Nacos's route
    // table the first write may come before the follower's first refresh; requests-ui shows it.)
    const p = await cluster({ fidelity: 'textbook' });
    const leader = await agreedLeader(p);
    const nodes = ['n1', 'n2', 'n3'];
    const follower = nodes.find((n) => n !== leader)!;
    const reply = await p.page.evaluate(
      ([node, group]) =>
        window.playground.write(node, group, {
          type: 'publish',
          dataId: 'ui-test.yaml',
          content: 'hello',
        }),
      [follower, G],
    );
    expect(reply).toMatchObject({ ok: true });
    // Every node's row holds the entry, committed and applied (the cell's title says so).
    const cells = `.log-cell[title*='"publish ui-test.yaml"'][title*='committed, applied']`;
    await waitFor(
      p.page,
      'the entry committed and applied in every log',
      (sel) =>
        new Set([...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-node')))
          .size === 3,
      cells,
    );
    // Clicking the follower's copy explains it and selects the write's request.
    await p.page.click(`.log-row[data-node="${follower}"] ${cells}`);
    expect(await p.page.textContent('#log-why')).toMatch(/publish ui-test\.yaml\) is committed/);
    await waitFor(
      p.page,
      'the request highlighted in every log',
      () => document.querySelectorAll('.log-cell.highlighted').length === 3,
      null,
    );
    // The State tab: the apply stream shows it applied ok on every node, highlighted as the
    // selected request's apply; the contents hold the item on every node.
    await p.page.getByRole('tab', { name: 'State' }).click();
    const row = p.page.locator('.apply-table tbody tr', { hasText: 'publish ui-test.yaml' });
    await row.waitFor({ timeout: 30_000 });
    await waitFor(
      p.page,
      'an ok mark for every node in the apply stream',
      () => {
        const tr = [...document.querySelectorAll('.apply-table tbody tr')].find((r) =>
          r.textContent?.includes('publish ui-test.yaml'),
        );
        return tr !== undefined && tr.querySelectorAll('td.mark.ok').length === 3;
      },
      null,
    );
    expect(await row.getAttribute('class')).toMatch(/highlighted/);
    const item = p.page.locator('.contents-table tbody tr', { hasText: 'ui-test.yaml' });
    await item.waitFor({ timeout: 30_000 });
    await waitFor(
      p.page,
      'every state machine to agree',
      () => document.querySelector('.sm-agree')?.textContent === 'all nodes agree',
      null,
    );
    expect(await item.getAttribute('class')).not.toMatch(/differs/);
    expect(await item.locator('.value').textContent()).toMatch(/^md5 [0-9a-f]{32} · "hello"$/);
    // The Metadata tab: every node publishes the leader and term.
    await p.page.getByRole('tab', { name: 'Metadata' }).click();
    const meta = p.page.locator(`.meta-table[data-group="${G}"] tbody tr`);
    expect(await meta.count()).toBe(3);
    for (const n of nodes) {
      await expect
        .poll(() => p.page.textContent(`.meta-table[data-group="${G}"] tr[data-node="${n}"]`), {
          timeout: 30_000,
        })
        .toContain(leader);
    }
    expect(p.problems).toEqual([]);
  }, 180_000);

  it('says why an entry a cut-off leader holds is not committed, and shows it replaced', async () => {
    const p = await cluster();
    const leader = await agreedLeader(p);
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
    await p.page.evaluate(
      ([l, a, b]) => window.playground.partition([l], [a, b]),
      [leader, ...others],
    );
    // The old leader takes a write it can never commit (the reply fails or times out later).
    void p.page.evaluate(
      (l) =>
        window.playground
          .write(l, 'nacos_config', { type: 'publish', dataId: 'lost.yaml', content: 'x' })
          .catch(() => null),
      leader,
    );
    const stuck = `.log-row[data-node="${leader}"] .log-cell.uncommitted[title*='"publish lost.yaml"']`;
    await p.page.locator(stuck).first().waitFor({ timeout: 30_000 });
    const index = Number(await p.page.locator(stuck).first().getAttribute('data-index'));
    await p.page.locator(stuck).first().click();
    // Before the majority elects a leader the old one counts its replicas; after, the new
    // leader's log decides (its entry there, or none yet, replaces this one).
    await expect
      .poll(() => p.page.textContent('#log-why'), { timeout: 10_000 })
      .toMatch(
        new RegExp(
          `^index ${index} \\(term \\d+, publish lost\\.yaml\\) (not committed: replicated on 1 of 3, needs 2 \\(§5\\.3\\)|conflicts with leader n\\d's entry of term \\d+ there: it will be replaced \\(§5\\.3\\)|not committed: leader n\\d \\(term \\d+\\) has no entry at ${index})`,
        ),
      );
    // The majority elects a leader of its own (healing before that would let the old leader
    // commit its entry); after healing, the old leader's entry is replaced.
    await waitFor(
      p.page,
      'a leader in the majority',
      async (ids) => {
        const s = await window.playground.status();
        return ids.some((n) => s.nodes[n]?.groups?.nacos_config?.role === 'leader');
      },
      others,
      60_000,
    );
    await p.page.evaluate(() => window.playground.heal());
    await waitFor(
      p.page,
      `index ${index} on ${leader} to be replaced by a committed entry`,
      ([node, i]) => {
        const cell = document.querySelector(
          `.log-row[data-node="${node}"] .log-cell[data-index="${i}"]`,
        );
        return (
          cell !== null &&
          cell.classList.contains('committed') &&
          !cell.getAttribute('title')!.includes('lost.yaml')
        );
      },
      [leader, index] as const,
      60_000,
    );
    expect(p.problems).toEqual([]);
  }, 180_000);

  it('follows the log tail while writes stream in', async () => {
    const p = await cluster();
    const leader = await agreedLeader(p);
    // 1,000 writes over about 2 s: the view catches up with the tail every 200 ms meanwhile, and
    // its own catch-up scrolls must not count as the person scrolling away.
    await p.page.evaluate(
      ([node, group]) =>
        new Promise<void>((resolve) => {
          let k = 0;
          const timer = setInterval(() => {
            for (let i = 0; i < 50 && k < 1000; i++, k++) {
              void window.playground.write(node, group, {
                type: 'publish',
                dataId: `tail-${k % 8}`,
                content: `v${k}`,
              });
            }
            if (k >= 1000) {
              clearInterval(timer);
              resolve();
            }
          }, 100);
        }),
      [leader, G],
    );
    await waitFor(
      p.page,
      "the logs' last index (over 1,000) drawn on screen",
      () => {
        const last = Number(
          /–(\d+)/.exec(document.querySelector('.logs-span')?.textContent ?? '')?.[1],
        );
        const box = document.querySelector('.log-scroll')!.getBoundingClientRect();
        const shown = [...document.querySelectorAll<HTMLElement>('.log-cell')].filter((c) => {
          const r = c.getBoundingClientRect();
          return r.left >= box.left && r.right <= box.right + 1;
        });
        const max = Math.max(...shown.map((c) => Number(c.dataset.index)));
        return last > 1000 && max === last;
      },
      null,
    );
  });

  it('switches the group every view shows from the groups strip', async () => {
    const p = await cluster({ groups: [G, 'naming_service_metadata'] });
    await agreedLeader(p, G);
    await agreedLeader(p, 'naming_service_metadata');
    const chip = (g: string) => p.page.locator(`.group-chip[data-group="${g}"]`);
    expect(await chip(G).getAttribute('aria-checked')).toBe('true');
    await expect.poll(() => chip('naming_service_metadata').textContent()).toMatch(/n\d/);
    await chip('naming_service_metadata').click();
    expect(await chip('naming_service_metadata').getAttribute('aria-checked')).toBe('true');
    expect(await p.page.textContent('.logs-title')).toContain('service meta');
    // Arrow keys move the selection back; `g` cycles it from anywhere.
    await p.page.keyboard.press('ArrowLeft');
    expect(await chip(G).getAttribute('aria-checked')).toBe('true');
    expect(await p.page.textContent('.logs-title')).toContain('config');
    await p.page.locator('body').click({ position: { x: 5, y: 700 } });
    await p.page.keyboard.press('g');
    expect(await chip('naming_service_metadata').getAttribute('aria-checked')).toBe('true');
    expect(p.problems).toEqual([]);
  }, 180_000);
});
