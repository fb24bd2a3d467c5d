// The cluster view used as a person uses it (issue 10, items 1, 2 and 8): drag a node out of
// the ring to partition it and watch the majority elect a new leader, then heal; click a link
// to cut it one way, both ways, and restore it; crash a node from its panel and restart it from
// the keyboard; step through held messages; slow the network with a slider, click a message in
// flight and drop it. Assertions read the engine (window.playground) and the page; every wait is
// a bounded poll, nothing asserts on timing. Lesson timings, the live engine unless named.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { agreedLeader, playgroundSuite, waitFor, type PlaygroundPage } from './harness.ts';

const suite = playgroundSuite(5);

/**
 * Open the page (and create a cluster), once more if the first load times out: the first
 * pages of a run wait for Vite to transform the app, which a loaded machine makes slow.
 */
async function retry<T>(open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (!(err instanceof Error) || !/Timeout/.test(err.message)) throw err;
    return open();
  }
}
const cluster = (o?: Record<string, unknown>): Promise<PlaygroundPage> =>
  retry(() => suite.cluster(o));
const page = (): Promise<PlaygroundPage> => retry(() => suite.page());

const G = 'nacos_config';

/** Per test: a loaded machine starts Vite, Chromium and five workers slowly. */
const TEST_MS = 240_000;

async function centerOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  if (box === null) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drag node `id` with the mouse to (x, y), in small steps as a hand does. */
async function dragNode(page: Page, id: string, to: { x: number; y: number }): Promise<void> {
  const from = await centerOf(page, `[data-node="${id}"] .node-disc`);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 8, from.y + 8, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

/** Draw a lasso on the empty stage: a rectangle around the given nodes, in small steps. */
async function lassoNodes(page: Page, ids: string[]): Promise<void> {
  const centres = await Promise.all(
    ids.map((id) => centerOf(page, `[data-node="${id}"] .node-disc`)),
  );
  const svg = await page.locator('svg.ring').boundingBox();
  if (svg === null) throw new Error('the ring is not on screen');
  const pad = 36;
  const x0 = Math.max(svg.x + 2, Math.min(...centres.map((c) => c.x)) - pad);
  const y0 = Math.max(svg.y + 2, Math.min(...centres.map((c) => c.y)) - pad);
  const x1 = Math.min(svg.x + svg.width - 2, Math.max(...centres.map((c) => c.x)) + pad);
  const y1 = Math.min(svg.y + svg.height - 2, Math.max(...centres.map((c) => c.y)) + pad);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y0, { steps: 8 });
  await page.mouse.move(x1, y1, { steps: 8 });
  await page.mouse.move(x0, y1, { steps: 8 });
  await page.mouse.move(x0, y0 + 4, { steps: 8 });
  await page.mouse.up();
}

async function clickNode(page: Page, id: string): Promise<void> {
  const c = await centerOf(page, `[data-node="${id}"] .node-disc`);
  await page.mouse.click(c.x, c.y);
}

/** A leader of G other than `old`, in a term after `oldTerm`, as the engine reports it. */
function newLeader(p: PlaygroundPage, old: string, oldTerm: number): Promise<string> {
  return waitFor(
    p.page,
    `a new leader other than ${old}`,
    async ([g, o, t]) => {
      const s = await window.playground.status();
      const l = Object.values(s.nodes).find(
        (n) => n.id !== o && n.groups?.[g]?.role === 'leader' && n.groups[g].term > t,
      );
      return l?.id ?? null;
    },
    [G, old, oldTerm] as const,
    60_000,
  );
}

async function termOf(p: PlaygroundPage, id: string): Promise<number> {
  return p.page.evaluate(
    async ([n, g]) => (await window.playground.status()).nodes[n].groups![g].term,
    [id, G] as const,
  );
}

describe('partitions by hand', () => {
  for (const engine of ['live', 'simulated'] as const) {
    it(
      `drags the leader away from the others, a new leader wins the majority, Heal ends it (${engine})`,
      async () => {
        const p =
          engine === 'live'
            ? await cluster()
            : await (async () => {
                const q = await page();
                await q.page.evaluate(() =>
                  window.playground.useEngine('simulated', { seed: 5, nodes: 5, timing: 'lesson' }),
                );
                return q;
              })();
        const old = await agreedLeader(p, G, 60_000);
        const oldTerm = await termOf(p, old);
        await p.page.locator(`g.node-mark[data-node="${old}"]`).waitFor();
        // Drop it in the middle of the ring: far from where it was and from every other node.
        await dragNode(p.page, old, await centerOf(p.page, 'svg.ring'));
        await waitFor(
          p.page,
          'two sides drawn',
          () => document.querySelectorAll('.side-region').length === 2,
          null,
        );
        const side = await p.page.locator('.side-region').first().getAttribute('data-side');
        expect([
          side,
          await p.page.locator('.side-region').nth(1).getAttribute('data-side'),
        ]).toContain(old);
        const next = await newLeader(p, old, oldTerm);
        expect(next).not.toBe(old);
        // The view shows the new leader crowned.
        await waitFor(
          p.page,
          `${next} crowned`,
          (n) => document.querySelector(`[data-node="${n}"] .leader-crown`) !== null,
          next,
        );
        await p.page.locator('#heal').click();
        await waitFor(
          p.page,
          'the sides to go',
          () => document.querySelectorAll('.side-region').length === 0,
          null,
        );
        await agreedLeader(p, G, 60_000);
        expect(p.problems).toEqual([]);
      },
      TEST_MS,
    );
  }

  it(
    'drops a node on another side to join it',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      await p.page.locator('g.node-mark[data-node="n1"]').waitFor();
      await dragNode(p.page, 'n1', await centerOf(p.page, 'svg.ring'));
      await waitFor(
        p.page,
        'n1 alone',
        () => document.querySelector('[data-side="n1"]') !== null,
        null,
      );
      // n2 dropped onto n1: the sides become n1, n2 | n3, n4, n5.
      await p.page.waitForTimeout(600); // the ring settles into its new layout (a CSS transition)
      await dragNode(p.page, 'n2', await centerOf(p.page, '[data-node="n1"] .node-disc'));
      await waitFor(
        p.page,
        'n1 and n2 on one side',
        () => document.querySelector('[data-side="n1,n2"]') !== null,
        null,
      );
      const sides = await p.page.evaluate(() => window.playground.cluster!.network().sides);
      expect(sides).toEqual(expect.arrayContaining([['n1', 'n2']]));
    },
    TEST_MS,
  );

  it(
    'lassoes two nodes on the empty stage to cut them off together',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      await p.page.locator('g.node-mark[data-node="n2"]').waitFor();
      await lassoNodes(p.page, ['n1', 'n2']);
      await waitFor(
        p.page,
        'n1 and n2 on a side of their own',
        () => document.querySelector('[data-side="n1,n2"]') !== null,
        null,
      );
      const sides = await p.page.evaluate(() => window.playground.cluster!.network().sides);
      expect(sides).toEqual(
        expect.arrayContaining([
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ]),
      );
      expect(p.problems).toEqual([]);
    },
    TEST_MS,
  );
});

describe('links', () => {
  it(
    'cuts one direction, then both, then restores, from the link panel',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      const link = p.page.locator('[data-link="n1|n2"]');
      await link.click({ force: true });
      await p.page.locator('[data-action="cut-ab"]').click();
      const cuts = () =>
        p.page.evaluate(() =>
          window.playground
            .cluster!.network()
            .cuts.map((c) => `${c.from}>${c.to}`)
            .sort(),
        );
      await waitFor(
        p.page,
        'n1→n2 cut',
        () => window.playground.cluster!.network().cuts.length === 1,
        null,
      );
      expect(await cuts()).toEqual(['n1>n2']);
      await waitFor(
        p.page,
        'the link drawn cut',
        () => document.querySelector('.link.cut') !== null,
        null,
      );
      await p.page.locator('[data-action="cut-both"]').click();
      await waitFor(
        p.page,
        'both cut',
        () => window.playground.cluster!.network().cuts.length === 2,
        null,
      );
      expect(await cuts()).toEqual(['n1>n2', 'n2>n1']);
      await p.page.locator('[data-action="restore"]').click();
      await waitFor(
        p.page,
        'restored',
        () =>
          window.playground.cluster!.network().cuts.length === 0 &&
          document.querySelector('.link.cut') === null,
        null,
      );
    },
    TEST_MS,
  );
});

describe('node faults', () => {
  it(
    'crashes a node from its panel and restarts it with the r key',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      await clickNode(p.page, 'n2');
      await p.page.locator('[data-action="crash"]').click();
      await waitFor(
        p.page,
        'n2 crashed, in the engine and on the ring',
        async () =>
          (await window.playground.status()).nodes.n2.state === 'crashed' &&
          document.querySelector('[data-node="n2"] .crash-cross') !== null,
        null,
      );
      await p.page.keyboard.press('r');
      await waitFor(
        p.page,
        'n2 running again and following a leader',
        async () => {
          const n = (await window.playground.status()).nodes.n2;
          return (
            n.state === 'running' &&
            n.groups?.nacos_config.leader != null &&
            document.querySelector('[data-node="n2"] .crash-cross') === null
          );
        },
        null,
        60_000,
      );
    },
    TEST_MS,
  );
});

describe('step mode', () => {
  it(
    'holds messages, releases the next, drops one, and lets all go',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      await p.page.locator('#step-mode').click();
      await waitFor(
        p.page,
        'held messages listed',
        () => document.querySelectorAll('.held-list [data-held]').length >= 2,
        null,
      );
      const first = await p.page
        .locator('.held-list [data-held]')
        .first()
        .getAttribute('data-held');
      await p.page
        .locator(`[data-held="${first}"]`)
        .getByRole('button', { name: /^Release / })
        .click();
      // Released: it arrives (a recv in the trace) and leaves the queue.
      await waitFor(
        p.page,
        'the released message to arrive',
        (id) =>
          window.playground
            .trace()
            .some((e) => e.type === 'recv' && `${e.from}:${e.msgId}` === id) &&
          document.querySelector(`[data-held="${id}"]`) === null,
        first,
      );
      // The n key releases the next one in the queue: one of those listed arrives.
      const listed = await p.page
        .locator('.held-list [data-held]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-held')));
      await p.page.keyboard.press('n');
      await waitFor(
        p.page,
        'the next held message to arrive',
        (ids) =>
          window.playground
            .trace()
            .some((e) => e.type === 'recv' && ids.includes(`${e.from}:${e.msgId}`)),
        listed,
      );
      // The list drops the released message on its next frame: take the first one still held
      // (reading the list at once could pick the message that was just released).
      const second = await waitFor(
        p.page,
        'a message still held after the release',
        () => {
          const arrived = new Set(
            window.playground
              .trace()
              .filter((e) => e.type === 'recv')
              .map((e) => `${(e as { from: string }).from}:${(e as { msgId: number }).msgId}`),
          );
          const ids = [...document.querySelectorAll('.held-list [data-held]')].map((e) =>
            e.getAttribute('data-held'),
          );
          return ids.find((id) => id !== null && !arrived.has(id)) ?? null;
        },
        null,
      );
      await p.page
        .locator(`[data-held="${second}"]`)
        .getByRole('button', { name: /^Drop / })
        .click();
      const lost = await waitFor(
        p.page,
        'the dropped message lost',
        (id) =>
          window.playground
            .trace()
            .find((e) => e.type === 'drop' && `${e.from}:${e.msgId}` === id) ?? null,
        second,
      );
      expect(lost).toMatchObject({ reason: 'discarded' });
      await p.page.locator('#step-mode').click();
      await waitFor(
        p.page,
        'the queue closed and the cluster moving',
        () => document.querySelector('.held-queue') === null,
        null,
      );
      await agreedLeader(p, G, 60_000);
    },
    TEST_MS,
  );
});

describe('messages', () => {
  it(
    'slows every link with the delay slider, then drops a message in flight from its panel',
    async () => {
      const p = await cluster();
      await agreedLeader(p, G, 60_000);
      const slider = p.page.locator('#net-delay');
      await slider.focus();
      await p.page.keyboard.press('End');
      await waitFor(
        p.page,
        'the delay set on every link',
        () => window.playground.cluster!.network().link.delayMsMax === 2000,
        null,
      );
      // Heartbeats now take seconds: click the youngest in flight and drop it. On a loaded
      // machine it may arrive before the click lands (the engine then refuses): try another.
      let dropped: unknown = null;
      const tips: string[] = [];
      for (let attempt = 0; attempt < 10 && dropped === null; attempt++) {
        // The messages are drawn on a canvas; it carries the marks as drawn (FlightLayer):
        // click where the youngest single message is, as a person would.
        const target = await waitFor(
          p.page,
          'a message in flight',
          () => {
            const canvas = document.querySelector('canvas.flights') as
              | (HTMLCanvasElement & {
                  flightLayer?: {
                    placed: {
                      mark: { type: string; progress: number; message?: { id: string } };
                      x: number;
                      y: number;
                    }[];
                  };
                })
              | null;
            const ones = (canvas?.flightLayer?.placed ?? []).filter(
              (f) => f.mark.type === 'one' && f.mark.progress < 0.5,
            );
            if (canvas === null || ones.length === 0) return null;
            const f = ones.reduce((a, b) => (b.mark.progress < a.mark.progress ? b : a));
            const rect = canvas.getBoundingClientRect();
            return { id: f.mark.message!.id, x: rect.left + f.x, y: rect.top + f.y };
          },
          null,
        );
        const id = target.id;
        // Pointing at it says what it is; then the click selects it.
        await p.page.mouse.move(target.x, target.y);
        const tip = await p.page
          .locator('.flight-tip')
          .textContent({ timeout: 1_000 })
          .catch(() => null);
        if (tip !== null) tips.push(tip);
        await p.page.mouse.click(target.x, target.y);
        // It may land before the click does: then something else is selected and the next
        // attempt picks another.
        const clicked = await waitFor(
          p.page,
          'the message selected',
          (m) => document.querySelector(`[data-message="${m}"]`) !== null,
          id,
          2_000,
        )
          .then(() => true)
          .catch(() => false);
        if (!clicked) continue;
        await p.page
          .locator('[data-action="drop-message"]')
          .click({ timeout: 5_000 })
          .catch(() => undefined);
        dropped = await waitFor(
          p.page,
          'the message dropped by hand',
          (m) =>
            window.playground
              .trace()
              .find((e) => e.type === 'drop' && `${e.from}:${e.msgId}` === m) ?? null,
          id,
          5_000,
        ).catch(() => null);
      }
      expect(dropped).toMatchObject({ reason: 'dropped by hand' });
      // A message's tooltip names its type, its direction and its term.
      expect(tips.length).toBeGreaterThan(0);
      expect(tips[0]).toMatch(/^\w+( \(pre-vote\))? n\d→n\d, term \d+/);
    },
    TEST_MS,
  );
});
