// Smoke test of the app as a visitor first sees it: served by Vite's dev server, opened in
// Debian's Chromium (CHROME_PATH overrides the path) with its default cluster starting, and
// checked that React rendered the page and that nothing failed on the way: no uncaught page
// error, no console error, no failed request, no HTTP error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, watchProblems, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('the page', () => {
  it('renders its title and header with no errors', async () => {
    const page = await h.context.newPage();
    const problems = watchProblems(page);
    await page.goto(h.baseUrl, { waitUntil: 'load', timeout: 120_000 });
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
