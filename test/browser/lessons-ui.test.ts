// Lessons in the production build, served by `vite preview` as a static folder: a share link
// opens a lesson at a step, Back then Next shows identical states, a challenge is checked live,
// bad links show an error without breaking the page, and after the first load the build runs a
// lesson with the network off (its service worker answers from the cache); and every one of the
// twelve lessons runs to its end in the page with each of its checks passing; a lesson plays on
// the live cluster (real Workers) with its narration following the cluster clock.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, executablePath, root } from './harness.ts';

let outDir = '';
let server: PreviewServer;
let browser: Browser;
let baseUrl = '';

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'raft-playground-build-'));
  // `vite build` in its own process, as `npm run build` runs it (inside vitest, NODE_ENV is
  // 'test', which is not the production build a user serves).
  const { NODE_ENV: _ignored, ...env } = process.env;
  execFileSync(
    process.execPath,
    [
      `${root}/node_modules/vite/bin/vite.js`,
      'build',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: root, env: { ...env, NODE_ENV: 'production' }, stdio: 'ignore' },
  );
  server = await preview({
    root,
    configFile: `${root}/vite.config.ts`,
    logLevel: 'warn',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('preview did not report its port');
  // A subfolder-free URL; the build uses relative paths, so any folder would do.
  baseUrl = `http://127.0.0.1:${address.port}/`;
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

async function open(context: BrowserContext, hash: string): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto(`${baseUrl}?autostart=0${hash}`);
  return page;
}

/** The step counter once the lesson's run is ready ("3 / 8"). */
async function stepText(page: Page): Promise<string> {
  await page.waitForSelector('#lesson-back:not([disabled]), #lesson-next:not([disabled])', {
    timeout: 120_000,
  });
  return (await page.textContent('#lesson-step'))!.trim();
}

async function stepIs(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('#lesson-step')?.textContent === want,
    text,
  );
}

/** Wait until the views show cluster time `t` (the slide's, once the store sought it). */
async function waitShown(page: Page, t: string): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('#sim-state')?.textContent?.includes(`t = ${want} s`),
    t,
  );
}

/** The Text tab: every node's role, term and commit per group, read from the view store. */
async function textView(page: Page): Promise<string> {
  await page.getByRole('tab', { name: 'Text' }).click();
  const text = (await page.textContent('#text-view'))!;
  // The tab list keeps the arrow keys while it has the focus; the lesson needs them back.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  return text;
}

// A lesson runs to its end in the page before its first step shows: on this shared two-core
// machine that can take a minute.
describe('lessons in the production build', { timeout: 180_000 }, () => {
  it('a link opens a lesson at its step; Back then Next shows identical states', async () => {
    const context = await browser.newContext();
    const page = await open(context, '#lesson=4&step=3');
    expect(await stepText(page)).toBe('3 / 8');
    expect(await page.textContent('#lesson-text')).toMatch(/n4 still believes it leads/);
    // Step 3 points at the logs: the page highlights them.
    expect(await page.getAttribute('.app', 'data-lesson-view')).toBe('logs');
    await waitShown(page, '4.2');
    const at3 = await textView(page);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('PageUp');
    await stepIs(page, '1 / 8');
    // Step 1 is the cluster before the partition and the election: a different state.
    await waitShown(page, '0.0');
    expect(await textView(page)).not.toBe(at3);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('PageDown');
    await stepIs(page, '3 / 8');
    await waitShown(page, '4.2');
    expect(await textView(page)).toBe(at3);
    await context.close();
  });

  it('checks the challenge live: crashing the leader in lesson 1 solves it', async () => {
    const context = await browser.newContext();
    const page = await open(context, '#lesson=1&step=8');
    expect(await stepText(page)).toBe('8 / 8');
    await page.click('#challenge-start');
    await page.waitForSelector('#challenge-status');
    expect(await page.getAttribute('#challenge-status', 'data-done')).toBe('false');
    await page.evaluate(() =>
      (window as unknown as { playground: { crash(n: string): Promise<string> } }).playground.crash(
        '@leader:nacos_config',
      ),
    );
    await page.waitForSelector('#challenge-status[data-done="true"]', { timeout: 60_000 });
    expect(await page.textContent('#challenge-status')).toMatch(/^Solved: n\d leads term \d+/);
    await context.close();
  });

  it('a bad link shows a clear error and leaves the page working', async () => {
    const context = await browser.newContext();
    for (const [hash, message] of [
      ['#lesson=99', /there is no lesson 99/],
      ['#lesson=x', /link: lesson: expected a lesson number/],
      ['#scenario=AAAA', /link: scenario: /],
    ] as const) {
      const page = await open(context, hash);
      await page.waitForSelector('#lesson-error', { timeout: 30_000 });
      expect(await page.textContent('#lesson-error')).toMatch(message);
      // The page still works: the lesson list loads and the top bar is there.
      await page.waitForSelector('#lesson-select option[value="1"]', { state: 'attached' });
      expect(await page.isVisible('.topbar')).toBe(true);
      await page.close();
    }
    await context.close();
  });

  it('runs a lesson with the network off after the first load', async () => {
    const context = await browser.newContext();
    const page = await open(context, '');
    // The service worker installs and takes control of the page.
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
      timeout: 30_000,
    });
    await context.setOffline(true);
    await page.goto(`${baseUrl}?autostart=0#lesson=2&step=2`);
    // A full load from the cache, not only a change of the hash.
    await page.reload();
    expect(await stepText(page)).toBe('2 / 7');
    expect(await page.textContent('#lesson-text')).toMatch(/appends the write to its own log/);
    await page.keyboard.press(' ');
    await page.waitForFunction(
      () => document.querySelector('#lesson-step')?.textContent === '3 / 7',
    );
    await context.close();
  });

  it('runs every lesson to its end in the page, each of its checks passing', async () => {
    const index = JSON.parse(readFileSync(join(root, 'public/lessons/index.json'), 'utf8')) as {
      number: number;
      file: string;
    }[];
    expect(index.map((l) => l.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const context = await browser.newContext();
    for (const { number, file } of index) {
      const steps = (
        JSON.parse(readFileSync(join(root, 'public/lessons', file), 'utf8')) as {
          steps: { do: string; at: number }[];
        }
      ).steps;
      const page = await open(context, `#lesson=${number}`);
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await stepText(page);
      expect(await page.inputValue('#lesson-select')).toBe(String(number));
      // The lesson's run is the simulated engine's trace: every `expect` step has its event.
      const run = await page.evaluate(() => {
        const events = window.playground.trace();
        return {
          checks: events
            .filter((e) => e.type === 'expect')
            .map((e) => ({ that: e.that, passed: e.passed, detail: e.detail })),
          lastT: events.length > 0 ? events[events.length - 1].t : -1,
        };
      });
      expect(run.checks.length, `lesson ${number}`).toBe(
        steps.filter((s) => s.do === 'expect').length,
      );
      expect(
        run.checks.filter((c) => !c.passed),
        `lesson ${number}`,
      ).toEqual([]);
      expect(run.lastT, `lesson ${number}`).toBeGreaterThanOrEqual(
        Math.max(...steps.map((s) => s.at)),
      );
      expect(problems, `lesson ${number}`).toEqual([]);
      await page.close();
    }
    await context.close();
  });

  it('plays a lesson on the live cluster, the narration following its clock', async () => {
    const context = await browser.newContext();
    const page = await open(context, '#lesson=2');
    expect(await stepText(page)).toBe('1 / 7');
    await page.click('#lesson-live');
    await page.waitForSelector('#lesson-live-note');
    // Back and Next belong to the exact simulated run; the live one moves the slides itself.
    expect(await page.isDisabled('#lesson-next')).toBe(true);
    await page.waitForFunction(() => window.playground.engine === 'live');
    await page.waitForFunction(
      () => document.querySelector('#lesson-step')?.textContent?.startsWith('3 /') === true,
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForSelector('#lesson-live-result', { timeout: 90_000 });
    expect(await page.getAttribute('#lesson-live-result', 'data-ok')).toBe('true');
    expect(await page.textContent('#lesson-live-result')).toMatch(
      /Every one of the lesson's 5 checks passed/,
    );
    // The run was real: nodes are Workers with their own databases, and its trace says so.
    const live = await page.evaluate(async () => ({
      engine: window.playground.engine,
      expects: window.playground.trace().filter((e) => e.type === 'expect').length,
      nodes: Object.keys((await window.playground.status()).nodes).length,
    }));
    expect(live).toEqual({ engine: 'live', expects: 5, nodes: 5 });
    await page.click('#lesson-exact');
    expect(await stepText(page)).toBe('1 / 7');
    expect(await page.evaluate(() => window.playground.engine)).toBe('simulated');
    await context.close();
  });
});
