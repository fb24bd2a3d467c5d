// The mutation suite's patches still apply: every anchor occurs exactly once in today's source,
// so `npm run mutation` plants what it claims to. Running the mutants belongs in `npm run fuzz`;
// this check is cheap and keeps the anchors from rotting as the code changes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTATIONS, MutationAnchorError, applyPatches } from './mutations.ts';
import type { Mutation } from './mutations.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const read = (file: string): string => readFileSync(join(SRC, file), 'utf8');

describe('mutation suite', () => {
  it('names each planted bug once and plants at least the bugs issue 8 lists', () => {
    const names = MUTATIONS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [
      'prevote-raises-term',
      'no-figure8-rule',
      'commit-prev-term',
      'no-vote-lease',
      'ack-before-disk',
      'votes-not-persisted',
      'truncate-acknowledged',
      'readindex-no-heartbeat',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s applies to today’s source', (_n, m) => {
    const patched = applyPatches(m, read);
    for (const [file, text] of patched) expect(text).not.toBe(read(file));
  });

  it('refuses an anchor that is missing or not unique, naming the mutation and file', () => {
    const missing: Mutation = {
      name: 'm',
      description: '',
      seeds: 1,
      patches: [{ file: 'raft/raft.ts', anchor: 'no such text anywhere', replacement: '' }],
    };
    expect(() => applyPatches(missing, read)).toThrow(MutationAnchorError);
    expect(() => applyPatches(missing, read)).toThrow(
      /mutation "m", patch 1 of 1 \(src\/raft\/raft.ts\): anchor not found/,
    );
    const twice: Mutation = {
      ...missing,
      patches: [{ file: 'raft/raft.ts', anchor: 'this.', replacement: '' }],
    };
    expect(() => applyPatches(twice, read)).toThrow(/more than once/);
  });
});
