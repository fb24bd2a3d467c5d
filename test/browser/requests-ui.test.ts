// The Requests, Charts and Events tabs used as a person uses them: the client panel sends a
// write to a follower, and the request list shows it forwarded to the leader, proposed,
// committed, applied on every node and ok; the load generator starts and stops, its requests
// fill the list, the charts draw them, and the Events tab's checker calls the history
// linearizable. Generous bounded waits; nothing asserts on timing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  agreedLeader,
  openPlayground,
  startHarness,
  waitFor,
  type Harness,
  type PlaygroundPage,
} from './harness.ts';

let h: Harness | undefined;
let open: PlaygroundPage[] = [];

beforeAll(async () => {
  h = await startHarness();
  // The first load waits for Vite to transform the app: minutes on a loaded machine.
  h.context.setDefaultNavigationTimeout(180_000);
  h.context.setDefaultTimeout(60_000);
}, 200_000);

afterAll(async () => {
  await h?.close();
});

afterEach(async () => {
  for (const p of open) await p.page.close().catch(() => undefined);
  open = [];
});

/** The app with a three-node, lesson-timed live cluster. */
async function cluster(): Promise<PlaygroundPage> {
  if (!h) throw new Error('the harness did not start');
  const p = await openPlayground(h);
  open.push(p);
  await p.page.evaluate(() => window.playground.createCluster({ timing: 'lesson', nodes: 3 }));
  return p;
}

describe('the Requests tab', () => {
  it('keeps three request rows and a config publish form of three lines at 9 nodes, 1280×720', async () => {
    if (!h) throw new Error('the harness did not start');
    const p = await openPlayground(h);
    open.push(p);
    const { page } = p;
    await page.setViewportSize({ width: 1280, height: 720 });
    // The simulated engine: nine nodes without nine workers.
    await page.evaluate(() =>
      window.playground.useEngine('simulated', { nodes: 9, seed: 3, timing: 'lesson' }),
    );
    await page.waitForSelector('.log-row[data-node="n9"]');
    await page.getByRole('tab', { name: 'Requests' }).click();
    await page.getByLabel('operation', { exact: true }).selectOption('publish');
    const sizes = await page.evaluate(() => {
      const rows = new Set(
        [...document.querySelectorAll('.client-panel .client-field, .client-panel button')].map(
          (e) => Math.round(e.getBoundingClientRect().top / 8),
        ),
      );
      return {
        list: document.querySelector('.req-list')!.getBoundingClientRect().height,
        rowTops: rows.size,
      };
    });
    // Three 26 px rows of the list stay visible; the form takes no more than its three lines
    // (group, operation, target; the five fields; the load generator).
    expect(sizes.list).toBeGreaterThanOrEqual(78);
    expect(sizes.rowTops).toBeLessThanOrEqual(3);
  });

  it(
    'sends a write to a follower and follows it to an apply on every node',
    { timeout: 300_000 },
    async () => {
      const p = await cluster();
      const { page } = p;
      const leader = await agreedLeader(p);
      const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!;

      // The Requests tab is the first one, already open.
      await page.getByRole('tab', { name: 'Requests' }).click();
      await page.getByLabel('operation', { exact: true }).selectOption('publish');
      await page.getByLabel('to', { exact: true }).selectOption(follower);
      await page.getByLabel('dataId', { exact: true }).fill('ui-test.yaml');
      await page.getByLabel('content', { exact: true }).fill('hello');
      // Under Nacos's routing a follower forwards to the leader in its route table, which is
      // first filled one election timeout after boot: until then the write fails with "The Raft
      // Group [nacos_config] did not find the Leader node", as Nacos answers. Send again, as a
      // person would, until the follower knows its leader.
      for (let attempt = 1; ; attempt++) {
        await page.getByRole('button', { name: /^Send write/ }).click();
        const settled = await waitFor(
          page,
          'the request to settle',
          (n) => {
            const rows = document.querySelectorAll('.req-row');
            const outcomes = [...rows].map((r) => r.getAttribute('data-outcome'));
            return outcomes.length >= n && outcomes.every((o) => o !== 'pending')
              ? outcomes.some((o) => o === 'ok')
                ? 'ok'
                : 'failed'
              : null;
          },
          attempt,
        );
        if (settled === 'ok') break;
        expect(attempt).toBeLessThan(10);
        await page.waitForTimeout(1000);
      }
      const row = page.locator('.req-row[data-outcome="ok"]', { hasText: 'publish ui-test.yaml' });
      await row.waitFor({ timeout: 30_000 });
      await row.click();
      expect(await row.getAttribute('aria-selected')).toBe('true');

      // Every node applies the entry: followers may do so after the client has its answer.
      await waitFor(
        page,
        'the write applied on all three nodes',
        () => document.querySelectorAll('#request-detail [data-applied]').length === 3,
        null,
      );
      const detail = page.locator('#request-detail');
      const step = (name: string) => detail.locator(`[data-step="${name}"]`);
      expect(await step('forward').textContent()).toContain(`${follower} → ${leader}`);
      expect(await step('forward').getAttribute('class')).toContain('req-tl-done');
      expect(await step('propose').textContent()).toMatch(/#\d+ term \d+/);
      expect(await step('propose').getAttribute('class')).toContain('req-tl-done');
      expect(await step('commit').getAttribute('class')).toContain('req-tl-done');
      expect(await step('apply').textContent()).toContain('3/3 nodes');
      expect(await step('reply').textContent()).toContain('ok');
      const applied = await detail
        .locator('[data-applied]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-applied')).sort());
      expect(applied).toEqual(['n1', 'n2', 'n3']);
      expect(await row.getAttribute('data-outcome')).toBe('ok');
      // The selection is the store's, for the other views to highlight.
      expect(p.problems).toEqual([]);
    },
  );

  it(
    'starts and stops the load generator, and the charts and checks follow',
    { timeout: 300_000 },
    async () => {
      const p = await cluster();
      const { page } = p;
      await agreedLeader(p);
      await page.getByLabel('load', { exact: true }).selectOption('20');
      await page.getByRole('button', { name: 'Start load' }).click();
      await waitFor(
        page,
        'the load generator to report an achieved rate and ten ok requests',
        () => {
          const stats = document.querySelector('#load-stats')?.textContent ?? '';
          // The list is virtualized: count from its header, not the rows on screen.
          const counts = document.querySelector('.req-counts')?.textContent ?? '';
          const ok = Number(/(\d+) ok/.exec(counts)?.[1] ?? 0);
          return /\/s achieved/.test(stats) && ok >= 10 ? stats : null;
        },
        null,
        45_000,
      );
      await page.getByRole('button', { name: 'Stop load' }).click();
      const sentAfterStop = async (): Promise<string> =>
        (await page.locator('#load-stats').textContent()) ?? '';
      await waitFor(
        page,
        'the load generator to stop',
        () => /^stopped/.test(document.querySelector('#load-stats')?.textContent ?? ''),
        null,
      );
      const first = await sentAfterStop();
      await page.waitForTimeout(1500);
      // Nothing more is sent once stopped (the count of sent requests stays put).
      expect((await sentAfterStop()).match(/(\d+) sent/)?.[1]).toBe(first.match(/(\d+) sent/)?.[1]);
      expect(await page.getByRole('button', { name: 'Start load' }).isVisible()).toBe(true);

      // The commits chart draws a line through the seconds of load.
      await page.getByRole('tab', { name: 'Charts' }).click();
      await waitFor(
        page,
        'a commits line',
        () =>
          (
            document
              .querySelector('[data-testid="chart-commits"] .chart-line path')
              ?.getAttribute('d') ?? ''
          ).includes('L'),
        null,
      );

      // The Events tab checks the client history off the page's thread.
      await page.getByRole('tab', { name: 'Events' }).click();
      const verdict = await waitFor(
        page,
        'a linearizability verdict',
        () => {
          const v = document.querySelector('#lin-verdict')?.getAttribute('data-verdict');
          return v ? v : null;
        },
        null,
        45_000,
      );
      expect(verdict).toBe('linearizable');
      expect(await page.locator('.event-row').count()).toBeGreaterThan(0);
      expect(p.problems).toEqual([]);
    },
  );
});
