// The scenario recorder and editor in Chromium, as a person uses them: on the simulated engine,
// Record, crash a follower from its panel and send a write from the Requests tab, Stop; the
// dialog holds a scenario with those two steps. A typo is shown at its line, fixing it
// validates, Download saves the same file, Upload shows a bad file's error at its line and takes
// a good one, and Run in simulator replays it: the follower crashes again at its recorded
// cluster time. On the live engine a recording runs live again, on a new cluster of Workers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Download, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/format.ts';
import {
  CHROMIUM_ARGS,
  agreedLeader,
  executablePath,
  openPlayground,
  root,
  waitFor,
  type Harness,
} from './harness.ts';

let h: Harness | undefined;
let server: ViteDevServer | undefined;
let profile = '';
const G = 'nacos_config';

beforeAll(async () => {
  server = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    cacheDir: join(tmpdir(), 'vite-recorder-test'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report its port');
  profile = mkdtempSync(join(tmpdir(), 'raft-playground-recorder-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 720 },
    acceptDownloads: true,
  });
  context.setDefaultNavigationTimeout(180_000);
  context.setDefaultTimeout(60_000);
  h = { baseUrl: `http://127.0.0.1:${address.port}`, context, close: async () => undefined };
}, 200_000);

afterAll(async () => {
  await h?.context.close();
  await server?.close();
  if (profile !== '') rmSync(profile, { recursive: true, force: true });
});

/** Screenshots for a person to look at, when RECORDER_SHOTS names a folder. */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.RECORDER_SHOTS;
  if (dir !== undefined && dir !== '') await page.screenshot({ path: join(dir, `${name}.png`) });
}

async function clickNode(page: Page, id: string): Promise<void> {
  const box = await page.locator(`[data-node="${id}"] .node-disc`).boundingBox();
  if (box === null) throw new Error(`node ${id} is not on screen`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** The 1-based line of the first line of `text` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('the scenario recorder and editor', () => {
  it(
    'records a crash and a write, shows an error at its line, and runs the fix in the simulator',
    { timeout: 300_000 },
    async () => {
      if (!h) throw new Error('the harness did not start');
      const p = await openPlayground(h);
      const { page } = p;
      await page.evaluate(() =>
        window.playground.useEngine('simulated', { seed: 5, nodes: 3, timing: 'lesson', speed: 4 }),
      );
      const leader = await agreedLeader(p, G, 60_000);
      const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!;

      // Record.
      await page.locator('#scenario-open').click();
      await page.locator('#scenario-dialog').waitFor({ state: 'visible' });
      await shot(page, 'dialog-empty');
      await page.locator('#scenario-record').click();
      await page.locator('#scenario-recording').waitFor({ state: 'visible' });
      expect(await page.locator('#scenario-dialog').isVisible()).toBe(false);

      // Crash the follower from its panel.
      await clickNode(page, follower);
      await page.locator('[data-action="crash"]').click();
      await waitFor(
        page,
        `${follower} crashed`,
        async (n) => (await window.playground.status()).nodes[n].state === 'crashed',
        follower,
      );
      // Send a write to the leader from the Requests tab.
      await page.getByRole('tab', { name: 'Requests' }).click();
      await page.getByLabel('operation', { exact: true }).selectOption('publish');
      await page.getByLabel('to', { exact: true }).selectOption(leader);
      await page.getByLabel('dataId', { exact: true }).fill('recorded.yaml');
      await page.getByLabel('content', { exact: true }).fill('hello');
      await page.getByRole('button', { name: /^Send write/ }).click();
      await waitFor(
        page,
        'the write to settle ok',
        () => document.querySelector('.req-row[data-outcome="ok"]') !== null,
        null,
      );
      await shot(page, 'recording');

      // Stop: the dialog opens with the recording.
      await page.locator('#scenario-stop').click();
      await page.locator('#scenario-status', { hasText: 'Recorded 2 steps' }).waitFor();
      const text = await page.locator('#scenario-text').inputValue();
      const parsed = parseScenarioText(text);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const steps = parsed.scenario.steps;
      expect(steps.map((s) => s.do)).toEqual(['crash', 'write']);
      expect(steps[0]).toMatchObject({ do: 'crash', node: follower });
      expect(steps[1]).toMatchObject({
        do: 'write',
        node: leader,
        group: G,
        op: { type: 'publish', dataId: 'recorded.yaml', content: 'hello' },
      });
      expect(parsed.scenario.seed).toBe(5);
      const crashAt = steps[0].at;
      expect(crashAt).toBeGreaterThan(0);

      // An error is shown at its line; fixing it validates.
      const bad = text.replace(`"node": "${follower}"`, '"node": "n7"');
      expect(bad).not.toBe(text);
      await page.locator('#scenario-text').fill(bad);
      await page.locator('#scenario-validate').click();
      const line = lineOf(bad, '"n7"');
      const problem = page.locator('#scenario-problems li').first();
      await problem.waitFor();
      expect(await problem.textContent()).toContain(`line ${line}`);
      expect(await problem.textContent()).toContain('unknown node "n7"');
      expect(await page.locator(`.scenario-gutter .bad[data-line="${line}"]`).count()).toBe(1);
      await shot(page, 'dialog-error');
      // A JSON syntax error names its line too.
      const broken = text.replace('"durationMs":', '"durationMs"');
      await page.locator('#scenario-text').fill(broken);
      await page.locator('#scenario-validate').click();
      expect(await page.locator('#scenario-problems li').first().textContent()).toContain(
        `line ${lineOf(broken, '"durationMs"')}`,
      );
      await page.locator('#scenario-text').fill(text);
      await page.locator('#scenario-validate').click();
      await page.locator('#scenario-status', { hasText: 'Valid: 2 steps' }).waitFor();
      expect(await page.locator('#scenario-problems').count()).toBe(0);

      // Download saves the file as it is.
      const [dl]: [Download, void] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('#scenario-download').click(),
      ]);
      expect(dl.suggestedFilename()).toMatch(/\.scenario\.json$/);
      expect(readFileSync(await dl.path(), 'utf8')).toBe(text);

      // Upload: a bad file shows its error at the line; the good file is taken as it is.
      const badFile = join(profile, 'bad.scenario.json');
      writeFileSync(badFile, bad);
      await page.setInputFiles('#scenario-file', badFile);
      await page.locator('#scenario-problems li', { hasText: `line ${line}` }).waitFor();
      expect(await page.locator('#scenario-text').inputValue()).toBe(bad);
      const goodFile = join(profile, 'good.scenario.json');
      writeFileSync(goodFile, text);
      await page.setInputFiles('#scenario-file', goodFile);
      await page.locator('#scenario-status', { hasText: 'valid, ready to run' }).waitFor();
      expect(await page.locator('#scenario-text').inputValue()).toBe(text);

      // Run it in the simulator: the follower crashes again, at the recorded cluster time.
      await page.locator('#scenario-run-sim').click();
      await waitFor(
        page,
        'the recording to run in the simulator',
        () =>
          window.playground.engine === 'simulated' &&
          window.playground.activeEngine?.header().scenario === 'recording',
        null,
        60_000,
      );
      // The replay starts at 1×; the top bar's speed control runs it faster.
      await page.locator('#run-speed').selectOption('5');
      const crashes = await waitFor(
        page,
        `${follower} to crash in the replay`,
        (n) => {
          const c = window.playground
            .trace()
            .filter((e) => e.type === 'fault' && e.fault === 'crash' && e.node === n)
            .map((e) => e.t);
          if (c.length === 0) throw new Error('no crash yet');
          return c;
        },
        follower,
        60_000,
      );
      expect(crashes).toEqual([crashAt]);
      await page.locator('#run-pause').click();
      await shot(page, 'replayed');
      expect(p.problems).toEqual([]);
    },
  );

  it(
    'records on the live engine and runs the recording live again (best effort)',
    { timeout: 300_000 },
    async () => {
      if (!h) throw new Error('the harness did not start');
      const p = await openPlayground(h);
      const { page } = p;
      await page.evaluate(() =>
        window.playground.createCluster({ nodes: 3, timing: 'lesson', fidelity: 'textbook' }),
      );
      const leader = await agreedLeader(p, G, 60_000);
      const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!;
      const firstId = await page.evaluate(() => window.playground.cluster!.clusterId);

      await page.locator('#scenario-open').click();
      await page.locator('#scenario-record').click();
      await page.locator('#scenario-recording').waitFor({ state: 'visible' });
      await clickNode(page, follower);
      await page.locator('[data-action="crash"]').click();
      await waitFor(
        page,
        `${follower} crashed`,
        async (n) => (await window.playground.status()).nodes[n].state === 'crashed',
        follower,
      );
      await page.locator('#scenario-stop').click();
      await page.locator('#scenario-status', { hasText: 'Recorded 1 step' }).waitFor();
      // The dialog says a live recording runs again with best-effort timing.
      expect(await page.locator('#scenario-status').textContent()).toMatch(/best effort/);
      const parsed = parseScenarioText(await page.locator('#scenario-text').inputValue());
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.scenario.steps).toEqual([
        expect.objectContaining({ do: 'crash', node: follower }),
      ]);
      const crashAt = parsed.scenario.steps[0].at;

      // Run live: a new cluster of Workers, on which the follower crashes again near that time.
      await page.locator('#scenario-run-live').click();
      await waitFor(
        page,
        'a new live cluster',
        (id) =>
          window.playground.engine === 'live' &&
          window.playground.cluster !== null &&
          window.playground.cluster.clusterId !== id,
        firstId,
        60_000,
      );
      const crashes = await waitFor(
        page,
        `${follower} to crash in the live run`,
        (n) => {
          const c = window.playground
            .trace()
            .filter((e) => e.type === 'fault' && e.fault === 'crash' && e.node === n)
            .map((e) => e.t);
          return c.length > 0 ? c : null;
        },
        follower,
        60_000,
      );
      expect(crashes).toHaveLength(1);
      // Best effort: the step is taken when the cluster clock has reached its time.
      expect(crashes[0]).toBeGreaterThanOrEqual(crashAt);
      expect(crashes[0]).toBeLessThan(crashAt + 2_000);
      await page
        .locator('.notice', { hasText: 'finished on the live engine' })
        .waitFor({ timeout: 60_000 });
      expect(p.problems).toEqual([]);
    },
  );
});
