// The Space-time tab as a person uses it, in Chromium: a 100,000-event trace imported into the
// replay engine draws in a few milliseconds per frame while zooming and panning (the figures
// are printed), and a click on an arrow selects that message (the cluster view shows its
// details, the time cursor moves to its send) while a click on a request selects the request
// (the cluster view draws its path).
// The dev server uses a private cache directory, so parallel runs elsewhere do not clash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportTrace } from '../../src/trace/jsonl.ts';
import { frameGeometry, type Frame } from '../../src/ui/spacetime/draw.ts';
import { LIGHT_PALETTE } from '../../src/ui/theme.ts';
import {
  buildSpacetime,
  hitTest,
  visibleArrows,
  visibleMarks,
} from '../../src/ui/spacetime/layout.ts';
import { syntheticHeader, syntheticTrace, TEST_GROUP } from '../../src/ui/spacetime/testTrace.ts';
import {
  CHROMIUM_ARGS,
  executablePath,
  openPlayground,
  root,
  waitFor,
  type Harness,
  type PlaygroundPage,
} from './harness.ts';

let h: Harness | undefined;
let server: ViteDevServer | undefined;
let profile = '';
let open: PlaygroundPage[] = [];

beforeAll(async () => {
  server = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    cacheDir: join(tmpdir(), 'vite-spacetime-test'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report its port');
  profile = mkdtempSync(join(tmpdir(), 'raft-playground-spacetime-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 720 },
  });
  context.setDefaultNavigationTimeout(180_000);
  context.setDefaultTimeout(60_000);
  h = {
    baseUrl: `http://127.0.0.1:${address.port}`,
    context,
    close: async () => undefined,
  };
}, 200_000);

afterAll(async () => {
  await h?.context.close();
  await server?.close();
  if (profile !== '') rmSync(profile, { recursive: true, force: true });
});

afterEach(async () => {
  for (const p of open) await p.page.close().catch(() => undefined);
  open = [];
});

/** A page replaying `events` (imported as a file's text), with every event shown. */
async function replaying(count: number): Promise<PlaygroundPage> {
  if (!h) throw new Error('the harness did not start');
  const p = await openPlayground(h);
  open.push(p);
  const events = syntheticTrace(count);
  const text = exportTrace(syntheticHeader(5), events);
  const r = await p.page.evaluate(async (t) => {
    const out = await window.playground.importTrace(t);
    if (out.ok) await window.playground.pause();
    return out;
  }, text);
  expect(r.errors).toEqual([]);
  const last = events[events.length - 1].seq;
  await p.page.evaluate((seq) => window.playground.seek({ seq }), last);
  await p.page.getByRole('tab', { name: 'Space-time' }).click();
  await waitFor(
    p.page,
    `the diagram to hold ${events.length} events`,
    (n) => document.querySelector<HTMLCanvasElement>('#spacetime-canvas')?.dataset.events === n,
    String(events.length),
    120_000,
  );
  return p;
}

/** The draw time of the next frame after `act`, as the canvas reports it. */
async function frameMs(p: PlaygroundPage, act: () => Promise<void>): Promise<number> {
  const before = await p.page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('#spacetime-canvas')!;
    c.dataset.drawMs = '';
    return true;
  });
  expect(before).toBe(true);
  await act();
  const ms = await waitFor(
    p.page,
    'a frame',
    () => document.querySelector<HTMLCanvasElement>('#spacetime-canvas')!.dataset.drawMs || null,
    null,
    10_000,
    20,
  );
  return Number(ms);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('the Space-time tab', () => {
  it(
    'draws a 100,000-event trace in a few milliseconds a frame while zooming',
    { timeout: 300_000 },
    async () => {
      const p = await replaying(100_000);
      const canvas = p.page.locator('#spacetime-canvas');
      const box = (await canvas.boundingBox())!;
      // The whole trace in view (fit), a few frames.
      const whole: number[] = [];
      for (let i = 0; i < 5; i++) {
        whole.push(await frameMs(p, () => p.page.locator('#spacetime-fit').click()));
      }
      const inWindowWhole = Number(await canvas.getAttribute('data-arrows-in-window'));
      // Zoomed in step by step with the wheel, as a person does.
      const zoomed: number[] = [];
      for (let i = 0; i < 12; i++) {
        zoomed.push(
          await frameMs(p, async () => {
            await p.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
            await p.page.mouse.wheel(0, -300);
          }),
        );
      }
      const inWindowZoomed = Number(await canvas.getAttribute('data-arrows-in-window'));
      // Panned by dragging.
      const panned: number[] = [];
      for (let i = 0; i < 5; i++) {
        panned.push(
          await frameMs(p, async () => {
            await p.page.mouse.down();
            await p.page.mouse.move(box.x + box.width / 2 - 40, box.y + box.height / 2, {
              steps: 2,
            });
            await p.page.mouse.up();
            await p.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          }),
        );
      }
      console.log(
        `space-time in Chromium, 100,000 events: whole trace (${inWindowWhole} messages in view) ` +
          `median ${median(whole).toFixed(1)} ms a frame; zooming (last window ${inWindowZoomed} ` +
          `messages) median ${median(zoomed).toFixed(1)} ms; panning median ${median(panned).toFixed(1)} ms`,
      );
      expect(inWindowZoomed).toBeLessThan(inWindowWhole);
      // Bounds loose enough for a busy two-core machine; the figures above are the measure.
      expect(median(zoomed)).toBeLessThan(100);
      expect(median(whole)).toBeLessThan(500);
      expect(p.problems).toEqual([]);
    },
  );

  it('selects the message under a click, and a request', { timeout: 300_000 }, async () => {
    const p = await replaying(400);
    const canvas = p.page.locator('#spacetime-canvas');
    const box = (await canvas.boundingBox())!;
    // The same geometry the page computes for an unzoomed frame of this trace.
    const data = buildSpacetime(syntheticTrace(400), syntheticHeader(5).cluster.nodes);
    const frame: Frame = {
      width: Math.floor(box.width),
      height: Math.floor(box.height),
      from: data.t0,
      to: data.t0 + Math.max(1000, data.t1 - data.t0),
      group: TEST_GROUP,
      now: data.t1,
      cursorT: null,
      selectedMessage: null,
      selectedRequest: null,
      palette: LIGHT_PALETTE,
    };
    const g = frameGeometry(data, frame);
    const w = { from: frame.from, to: frame.to, group: TEST_GROUP };
    const arrows = visibleArrows(data, w, data.t1);
    const marks = visibleMarks(data, w);
    // An arrow's midpoint where the hit test finds that very arrow.
    const target = arrows
      .filter((a) => a.endT !== null && a.dropped === null && !a.reply)
      .map((a) => ({
        a,
        x: (g.xOf(a.sendT) + g.xOf(a.endT!)) / 2,
        y: (g.yOf(a.from) + g.yOf(a.to)) / 2,
      }))
      .find(({ a, x, y }) => {
        const hit = hitTest(x, y, arrows, marks, g, data.t1);
        return hit.type === 'arrow' && hit.arrow.id === a.id;
      });
    expect(target).toBeDefined();
    await canvas.click({ position: { x: target!.x, y: target!.y } });
    await p.page
      .locator(`.message-details[aria-label="Message ${target!.a.id}"]`)
      .waitFor({ state: 'visible', timeout: 20_000 });
    // The cursor moved to the send: the view is in the past, and says so.
    await p.page.locator('#spacetime-live').waitFor({ state: 'visible' });

    // Back to the latest state, where every settled request is in the model.
    await p.page.locator('#spacetime-live').click();
    const request = marks.find((m) => m.kind === 'request' && m.requestId !== null)!;
    await canvas.click({ position: { x: g.xOf(request.t), y: g.yOf(request.node!) } });
    await p.page
      .locator(`g.request-path[data-request="${request.requestId}"]`)
      .waitFor({ state: 'attached', timeout: 20_000 });
    expect(p.problems).toEqual([]);
  });
});
