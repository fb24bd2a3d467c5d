// Browser tests: a real Vite dev server and Debian's Chromium driven by playwright-core.
// They run in Node (the test file starts the browser itself), one file at a time, since each
// launches its own Chromium and this machine has two cores. Never a downloaded browser.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
