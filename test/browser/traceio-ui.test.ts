// Trace files from the page, as a person uses them, in Chromium: a simulated run with writes
// and a crash is exported with the top bar's button, imported into a fresh page with the file
// picker, and the views show the same; the "Export as… / Check" dialog converts the trace
// (Perfetto, Mermaid of a window, a scenario file that parses) and runs the checks; a bad file
// is refused with its line named and leaves the page as it was; a live run with a crash and a
// partition is exported, checked and converted as the CLI does it, and replayed and scrubbed.
// The dev server uses a private cache directory, so parallel runs elsewhere do not clash.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Download, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/format.ts';
import { checkTrace, formatCheckReport } from '../../src/trace/check.ts';
import { CONVERT_FORMATS, CONVERTERS } from '../../src/trace/convert/index.ts';
import { readTraceText } from '../../src/trace/convert/read.ts';
import { SHIVIZ_REGEX } from '../../src/trace/convert/shiviz.ts';
import { readEdn } from '../trace/edn.ts';
import {
  CHROMIUM_ARGS,
  executablePath,
  openPlayground,
  root,
  waitFor,
  agreedLeader,
  type Harness,
  type PlaygroundPage,
} from './harness.ts';

let h: Harness | undefined;
let server: ViteDevServer | undefined;
let profile = '';
let open: PlaygroundPage[] = [];
const G = 'nacos_config';

beforeAll(async () => {
  server = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    cacheDir: join(tmpdir(), 'vite-traceio-test'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report its port');
  profile = mkdtempSync(join(tmpdir(), 'raft-playground-traceio-'));
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

afterEach(async () => {
  for (const p of open) await p.page.close().catch(() => undefined);
  open = [];
});

async function page(): Promise<PlaygroundPage> {
  if (!h) throw new Error('the harness did not start');
  const p = await openPlayground(h);
  open.push(p);
  return p;
}

/** A simulated run with a leader, three acknowledged writes and a crashed follower, paused. */
async function simulatedRun(): Promise<PlaygroundPage> {
  const p = await page();
  await p.page.evaluate(() =>
    window.playground.useEngine('simulated', { seed: 21, nodes: 3, timing: 'lesson' }),
  );
  const leader = await waitFor(
    p.page,
    'a leader',
    async (g) => (await window.playground.status()).leaders[g],
    G,
    60_000,
  );
  await p.page.evaluate(
    async ({ g, leader }) => {
      const pg = window.playground;
      for (const [k, v] of [
        ['a', '1'],
        ['b', '2'],
        ['a', '3'],
      ]) {
        await pg.write(leader, g, { type: 'publish', dataId: k, content: v });
      }
      const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!;
      await pg.crash(follower);
      await pg.write(leader, g, { type: 'publish', dataId: 'c', content: '4' });
      await pg.pause();
    },
    { g: G, leader },
  );
  // Let the store fold what the engine sent before the pause.
  await p.page.waitForTimeout(500);
  return p;
}

/** Click a control that downloads a file; return the file's text. */
async function download(
  pg: Page,
  click: () => Promise<void>,
): Promise<{ name: string; text: string }> {
  const [dl]: [Download, void] = await Promise.all([pg.waitForEvent('download'), click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** What the views show: the text view, the logs panel and the footer. */
async function views(pg: Page): Promise<{ text: string; logs: string; footer: string }> {
  await pg.getByRole('tab', { name: 'Text' }).click();
  return {
    text: (await pg.locator('#text-view').textContent()) ?? '',
    logs: (await pg.locator('section.logs-panel').textContent()) ?? '',
    footer: (await pg.locator('#trace-count').first().textContent()) ?? '',
  };
}

describe('trace files from the page', () => {
  it(
    'exports a run and imports it into a fresh page, which shows the same',
    { timeout: 300_000 },
    async () => {
      const a = await simulatedRun();
      const before = await views(a.page);
      const file = await download(a.page, () => a.page.locator('#trace-export').click());
      expect(file.name).toMatch(/\.jsonl$/);
      const lines = file.text.trimEnd().split('\n');
      expect(JSON.parse(lines[0])).toMatchObject({
        format: 'raft-playground-trace',
        engine: 'simulated',
      });
      const path = join(profile, 'run.jsonl');
      writeFileSync(path, file.text);

      const b = await page();
      await b.page.setInputFiles('#trace-file', path);
      await waitFor(b.page, 'the replay engine', () => window.playground.engine === 'replay', null);
      // Show the whole trace: pause the replay and move its cursor to the end.
      await b.page.evaluate(async () => {
        await window.playground.pause();
        await window.playground.seek({ t: 1e12 });
      });
      await waitFor(
        b.page,
        'every event folded',
        (want) => document.querySelector('#trace-count')?.textContent === want,
        before.footer,
        60_000,
      );
      const after = await views(b.page);
      expect(after.text).toBe(before.text);
      expect(after.logs).toBe(before.logs);
      expect(before.text).toContain('leader');
      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
    },
  );

  it(
    'converts, saves a scenario and checks the trace from the dialog',
    { timeout: 300_000 },
    async () => {
      const p = await simulatedRun();
      const pg = p.page;
      await pg.locator('#trace-more').click();
      const dialog = pg.locator('#trace-dialog');
      await dialog.waitFor({ state: 'visible' });

      const perfetto = await download(pg, () => pg.locator('#trace-convert').click());
      expect(perfetto.name).toMatch(/perfetto\.json$/);
      const chrome = JSON.parse(perfetto.text) as { traceEvents: unknown[] };
      expect(chrome.traceEvents.length).toBeGreaterThan(10);

      await dialog.getByLabel('Mermaid sequence diagram of a time window').check();
      await pg.locator('#mermaid-from').fill('0');
      await pg.locator('#mermaid-to').fill('3');
      const mermaid = await download(pg, () => pg.locator('#trace-convert').click());
      expect(mermaid.text.split('\n')[0]).toBe('sequenceDiagram');

      await dialog.getByLabel('Scenario file that reproduces the run').check();
      await dialog.getByText('A simulated run keeps its seed').waitFor({ state: 'visible' });
      const scenario = await download(pg, () => pg.locator('#trace-convert').click());
      const parsed = parseScenarioText(scenario.text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) {
        expect(parsed.scenario.seed).toBe(21);
        expect(parsed.scenario.steps.map((s) => s.do)).toEqual([
          'write',
          'write',
          'write',
          'crash',
          'write',
        ]);
      }
      await pg
        .locator('#trace-dialog-status', { hasText: 'replays the run exactly' })
        .waitFor({ state: 'visible' });

      await pg.locator('#trace-check').click();
      const results = pg.locator('#trace-check-results li.pass');
      await waitFor(
        pg,
        'seven passing checks',
        () => document.querySelectorAll('#trace-check-results li.pass').length === 7,
        null,
        60_000,
      );
      expect(await results.count()).toBe(7);
      expect(await pg.locator('#trace-dialog-status').textContent()).toBe('Every check passed.');

      // The same from the console, with its arguments checked before anything runs.
      const fromConsole = await pg.evaluate(async () => {
        const pg = window.playground;
        const refused = async (f: () => Promise<unknown>) =>
          f().then(
            () => 'accepted',
            (e: unknown) => (e instanceof Error ? e.message : String(e)),
          );
        return {
          badFormat: await refused(() => pg.convertTrace('pdf')),
          badWindow: await refused(() => pg.convertTrace('mermaid', { fromMs: 5, toMs: 1 })),
          edn: (await pg.convertTrace('edn')).split('\n').find((l) => l.startsWith('{')) ?? '',
          summary: await pg.traceSummary(),
          blob: (await pg.exportTraceFile()).size === pg.exportTrace().length,
        };
      });
      expect(fromConsole.badFormat).toMatch(/perfetto, shiviz, edn, history-json, mermaid/);
      expect(fromConsole.badWindow).toMatch(/toMs 1 is before fromMs 5/);
      expect(fromConsole.edn).toMatch(/^\{:index 0, :process \d+, :type :invoke/);
      expect(fromConsole.summary).toContain('n1');
      expect(fromConsole.blob).toBe(true);
      expect(p.problems).toEqual([]);
    },
  );

  it(
    'refuses a bad file by line and field, and leaves the page as it was',
    { timeout: 300_000 },
    async () => {
      const p = await simulatedRun();
      const file = await download(p.page, () => p.page.locator('#trace-export').click());
      const lines = file.text.trimEnd().split('\n');
      const e = JSON.parse(lines[3]) as Record<string, unknown>;
      lines[3] = JSON.stringify({ ...e, t: 'later' });
      const path = join(profile, 'bad.jsonl');
      writeFileSync(path, lines.join('\n') + '\n');
      await p.page.setInputFiles('#trace-file', path);
      await p.page
        .locator('.notice-error', { hasText: /was not imported: line 4: event\.t/ })
        .waitFor({ state: 'visible', timeout: 30_000 });
      expect(await p.page.evaluate(() => window.playground.engine)).toBe('simulated');
    },
  );

  it(
    'a live run with a crash and a partition: exported, every check passes, every converter ' +
      'gives its format, and a fresh page replays and scrubs it',
    { timeout: 300_000 },
    async () => {
      const a = await page();
      await a.page.evaluate(() => window.playground.createCluster({ nodes: 3, timing: 'lesson' }));
      const leader = await agreedLeader(a, G, 60_000);
      const [f1, f2] = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
      const acks = await a.page.evaluate(
        async ({ g, leader, f1, f2 }) => {
          const pg = window.playground;
          const oks: boolean[] = [];
          const put = async (n: string, k: string, v: string) =>
            oks.push((await pg.write(n, g, { type: 'publish', dataId: k, content: v })).ok);
          await put(leader, 'a', '1');
          await pg.crash(f1);
          await put(leader, 'b', '2');
          await pg.restart(f1);
          // The leader alone on one side: it cannot commit; the other two elect a new leader.
          pg.partition([leader], [f1, f2]);
          await new Promise((r) => setTimeout(r, 3_000));
          pg.heal();
          await new Promise((r) => setTimeout(r, 2_000));
          const s = await pg.status();
          const l = s.leaders[g];
          if (l !== null) await put(l, 'c', '3');
          await pg.pause();
          return oks;
        },
        { g: G, leader, f1, f2 },
      );
      expect(acks.filter(Boolean).length).toBeGreaterThanOrEqual(2);
      await a.page.waitForTimeout(500);
      const before = await views(a.page);
      const file = await download(a.page, () => a.page.locator('#trace-export').click());

      // The file as `npm run trace -- check / convert` read it.
      const read = readTraceText(file.text);
      if (!read.ok) throw new Error(read.errors.join('\n'));
      const { trace } = read;
      expect(trace.header.engine).toBe('live');
      const kinds = new Set(trace.events.map((e) => (e.type === 'fault' ? e.fault : e.type)));
      for (const k of ['crash', 'restart', 'partition', 'heal', 'role', 'commit', 'apply']) {
        expect(
          [...kinds].some((x) => x.includes(k)),
          k,
        ).toBe(true);
      }
      const report = checkTrace(trace.header, trace.events);
      expect(report.ok, formatCheckReport(report)).toBe(true);
      expect(report.stats.acknowledgedWrites).toBeGreaterThanOrEqual(2);
      const out = Object.fromEntries(
        CONVERT_FORMATS.map((f) => [f, CONVERTERS[f].convert(trace)]),
      ) as Record<(typeof CONVERT_FORMATS)[number], string>;
      const chrome = JSON.parse(out.perfetto) as {
        traceEvents: { ph: string; id?: unknown; pid: number }[];
      };
      const flows = (ph: string) =>
        chrome.traceEvents.filter((e) => e.ph === ph).map((e) => String(e.id));
      expect(flows('s').length).toBeGreaterThan(10);
      expect(new Set(flows('s'))).toEqual(new Set(flows('f')));
      const shiviz = out.shiviz.split('\n');
      expect(shiviz[0]).toBe(SHIVIZ_REGEX);
      const re = new RegExp(SHIVIZ_REGEX, 'm');
      const body = shiviz.slice(2).join('\n').trimEnd();
      const records = body.split(/\n(?=[^\n]*\n\S+ \{)/);
      expect(records.length).toBeGreaterThan(20);
      expect(records.filter((r) => !re.test(r))).toEqual([]);
      const edn = readEdn(out.edn);
      expect(edn.length).toBeGreaterThanOrEqual(4);
      const history = JSON.parse(out['history-json']) as { type: string }[];
      expect(history.filter((o) => o.type === 'ok').length).toBe(report.stats.acknowledgedWrites);
      expect(out.mermaid.split('\n')[0]).toBe('sequenceDiagram');

      // A fresh page opens it in the replay engine; scrubbing back and to the end.
      const path = join(profile, 'live.jsonl');
      writeFileSync(path, file.text);
      const b = await page();
      await b.page.setInputFiles('#trace-file', path);
      await waitFor(b.page, 'the replay engine', () => window.playground.engine === 'replay', null);
      await b.page.evaluate(() => window.playground.pause());
      const footer = () =>
        b.page.evaluate(() => document.querySelector('#trace-count')?.textContent ?? '');
      await b.page.evaluate(() => window.playground.seek({ t: 1e12 }));
      await waitFor(
        b.page,
        'every event folded',
        (want) => document.querySelector('#trace-count')?.textContent === want,
        before.footer,
        60_000,
      );
      expect((await views(b.page)).logs).toBe(before.logs);
      const mid = trace.events[Math.floor(trace.events.length / 2)].seq;
      await b.page.evaluate((seq) => window.playground.seek(seq), mid);
      await waitFor(
        b.page,
        'the views to move back',
        (want) => document.querySelector('#trace-count')?.textContent !== want,
        before.footer,
        30_000,
      );
      expect(await footer()).not.toBe(before.footer);
      expect(a.problems).toEqual([]);
      expect(b.problems).toEqual([]);
    },
  );
});
