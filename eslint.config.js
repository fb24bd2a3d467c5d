// ESLint flat config. The pure layers (raft, cp, node, sim, trace, state) may not touch the
// world: no browser or Node globals, no timers, no Date, no Math.random. Time enters as ticks
// and randomness from an injected seeded generator (docs/ARCHITECTURE.md). CLI and benchmark
// entry points, and the view store's frame scheduling, are exempt.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const forbiddenInPure = [
  'window',
  'self',
  'document',
  'globalThis',
  'navigator',
  'location',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'requestAnimationFrame',
  'performance',
  'crypto',
  'indexedDB',
  'Worker',
  'MessageChannel',
  'MessagePort',
  'BroadcastChannel',
  'postMessage',
  'fetch',
  'process',
  'Date',
].map((name) => ({ name, message: `${name} is not allowed in the pure core; inject it.` }));

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'coverage', 'public'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: [
      'src/raft/**',
      'src/cp/**',
      'src/node/**',
      'src/sim/**',
      'src/trace/**',
      'src/state/**',
      'src/net/**',
      'src/scenario/**',
      'src/lessons/**',
    ],
    // The view store meets the page (animation frames) and React; the model it folds is pure.
    ignores: [
      'src/sim/cli.ts',
      'src/trace/cli.ts',
      '**/*.test.ts',
      'src/state/store.ts',
      'src/state/hooks.ts',
    ],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-globals': ['error', ...forbiddenInPure],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the injected seeded generator.' },
        { object: 'Date', property: 'now', message: 'Time enters as ticks.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: 'Time enters as ticks.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'child_process'],
              message: 'Pure code does no I/O.',
            },
          ],
        },
      ],
    },
  },
);
