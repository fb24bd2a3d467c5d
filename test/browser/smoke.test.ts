// Smoke test of the browser harness: serve the app with Vite's dev server, open it in Debian's
// Chromium (CHROME_PATH overrides the path), and check that React rendered the page and that
// nothing failed on the way: no uncaught page error, no console error, no failed request.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const executablePath = process.env.CHROME_PATH || '/usr/bin/chromium';

let server: ViteDevServer;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: run "apt-get install -y chromium" or set CHROME_PATH`,
    );
  }
  // Port 0 lets the OS pick a free port; no file watching, since nothing changes during a test.
  server = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: true, hmr: false, watch: null },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report its port');
  baseUrl = `http://127.0.0.1:${address.port}`;

  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the page', () => {
  it('renders its title and header with no errors', async () => {
    const page = await browser.newPage();
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

    await page.goto(baseUrl, { waitUntil: 'load' });
    // React renders after load; if it never does, report what went wrong rather than a timeout.
    const heading = page.getByRole('heading', { level: 1, name: 'Raft Playground' });
    await heading.waitFor({ timeout: 15_000 }).catch((error: Error) => {
      throw new Error(`the header never rendered: ${[error.message, ...problems].join('\n')}`);
    });

    expect(await page.title()).toBe('Raft Playground');
    expect(await page.locator('#sim-state').count()).toBe(1);
    // The favicon is requested lazily; fetch it explicitly so a broken link fails here.
    const favicon = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="icon"]')?.href;
      return href ? (await fetch(href)).status : null;
    });
    expect(favicon).toBe(200);
    expect(problems).toEqual([]);
    await page.close();
  });
});
