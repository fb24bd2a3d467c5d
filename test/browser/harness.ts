// The browser test harness: Vite's dev server (with the COOP/COEP headers of vite.config.ts)
// and Debian's Chromium (CHROME_PATH overrides) in a persistent profile, so IndexedDB lives on
// disk as it does for a user. Pages open with ?autostart=0 and create the cluster they need.
// waitFor polls the page with generous, bounded waits: nothing here asserts on timing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, createServer, preview, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Workers of a hidden page must not be throttled while a test waits on them.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

export interface Harness {
  baseUrl: string;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Start the app on a free port and a headless Chromium with a fresh profile: the dev server
 * (what `npm run dev` serves: React's development build), or with `production` the app built
 * by `vite build` and served by `vite preview` (what a deployed copy serves).
 */
export async function startHarness(opts: { production?: boolean } = {}): Promise<Harness> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: run "apt-get install -y chromium" or set CHROME_PATH`,
    );
  }
  let baseUrl: string;
  let stopServer: () => Promise<void>;
  if (opts.production === true) {
    const outDir = mkdtempSync(join(tmpdir(), 'raft-playground-build-'));
    await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    const server = await preview({
      root,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error('vite preview did not report its address');
    baseUrl = url.replace(/\/$/, '');
    stopServer = async () => {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    };
  } else {
    const server: ViteDevServer = await createServer({
      root,
      configFile: `${root}/vite.config.ts`,
      logLevel: 'warn',
      clearScreen: false,
      // Several checkouts sharing one node_modules (git worktrees) must not share Vite's cache.
      ...(process.env.VITE_CACHE_DIR !== undefined ? { cacheDir: process.env.VITE_CACHE_DIR } : {}),
      server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('Vite did not report its port');
    baseUrl = `http://127.0.0.1:${address.port}`;
    stopServer = () => server.close();
  }
  const profile = mkdtempSync(join(tmpdir(), 'raft-playground-test-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    baseUrl,
    context,
    async close() {
      await context.close();
      await stopServer();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PlaygroundPage {
  page: Page;
  /** Page errors, console errors and failed requests seen so far. */
  problems: string[];
}

/** Collect what went wrong on a page: page errors, console errors, failed requests, HTTP ≥ 400. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

/** Open the app without a default cluster, ready for window.playground commands. */
export async function openPlayground(h: Harness): Promise<PlaygroundPage> {
  const page = await h.context.newPage();
  const problems = watchProblems(page);
  // The first page of a run waits for Vite to transform the app (every module is loaded before
  // 'load'): on a loaded machine that alone can take longer than Playwright's default 30 s.
  await page.goto(`${h.baseUrl}/?autostart=0`, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForFunction(() => typeof window.playground === 'object', null, {
    timeout: 60_000,
  });
  return { page, problems };
}

/**
 * Evaluate `fn(arg)` in the page every `intervalMs` until it returns a truthy value, and return
 * that value; after `timeoutMs`, fail saying what was awaited and what was seen last.
 */
export async function waitFor<T, A>(
  page: Page,
  what: string,
  fn: (arg: A) => T | Promise<T>,
  arg: A,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const evaluate = page.evaluate.bind(page) as (f: typeof fn, a: A) => Promise<T>;
      const v = await evaluate(fn, arg);
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The setup every browser suite shares: one harness for the file, and the pages it opened
 * closed after each test. `cluster()` opens the app and creates a lesson-timed cluster.
 */
export function playgroundSuite(defaultNodes: number): {
  page(): Promise<PlaygroundPage>;
  cluster(options?: Record<string, unknown>): Promise<PlaygroundPage>;
} {
  let h: Harness | undefined;
  let open: PlaygroundPage[] = [];
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    for (const p of open) await p.page.close().catch(() => undefined);
    open = [];
  });
  const page = async (): Promise<PlaygroundPage> => {
    if (!h) throw new Error('the harness did not start');
    const p = await openPlayground(h);
    open.push(p);
    return p;
  };
  return {
    page,
    async cluster(options = {}) {
      const p = await page();
      await p.page.evaluate((o) => window.playground.createCluster({ timing: 'lesson', ...o }), {
        nodes: defaultNodes,
        ...options,
      });
      return p;
    },
  };
}

/** Wait until every running node agrees on one leader of `group` in one term; returns it. */
export function agreedLeader(
  p: PlaygroundPage,
  group = 'nacos_config',
  timeoutMs = 30_000,
): Promise<string> {
  return waitFor(
    p.page,
    `one agreed leader of ${group}`,
    async (g) => {
      const s = await window.playground.status();
      const up = Object.values(s.nodes).filter((n) => n.state === 'running' && n.groups);
      const leaders = up.filter((n) => n.groups![g].role === 'leader');
      if (leaders.length !== 1) throw new Error(`leaders: ${leaders.map((n) => n.id).join(',')}`);
      const id = leaders[0].id;
      const term = leaders[0].groups![g].term;
      const agree = up.every((n) => n.groups![g].leader === id && n.groups![g].term === term);
      if (!agree) throw new Error(`not every node follows ${id} in term ${term} yet`);
      return id;
    },
    group,
    timeoutMs,
  );
}

/** Nacos's answers while a node's route table does not point at the live leader yet. */
const ROUTING_ERROR = /did not find the Leader node|Could not find leader/;

/**
 * Write through `node`, sending again while Nacos's routing refuses it: a follower's route
 * table is refreshed only about once an election timeout, so right after an election or a
 * membership change it may know no leader, or the old one. Any other failure is returned as
 * it came; after `timeoutMs` the last routing failure is returned.
 */
export async function writeWhenRouted(
  p: PlaygroundPage,
  node: string,
  op: Record<string, unknown>,
  group = 'nacos_config',
  timeoutMs = 30_000,
): Promise<{ ok: boolean; error?: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await p.page.evaluate(([n, g, o]) => window.playground.write(n, g, o), [
      node,
      group,
      op,
    ] as const);
    if (r.ok || !ROUTING_ERROR.test(String(r.error)) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 300));
  }
}
