// The simulator CLI end to end: exit codes, validation errors one per line, the random-mode
// summary line, and the trace file.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../src/sim/cli.ts';
import { LIMITS } from '../../src/scenario/limits.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));

interface SimRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI; a run that outlives `timeoutMs` is killed and has code null (a hang fails fast). */
function simWithin(timeoutMs: number, ...args: string[]): SimRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sim(...args: string[]): SimRun {
  return simWithin(60_000, ...args);
}

/** An input error: exit 2 with a message and no stack trace, and nothing run. */
function expectRefused(r: SimRun, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
}

function scenarioFile(name: string, scenario: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

const base = {
  name: 'cli',
  cluster: { nodes: 3, raft: { profile: 'lesson' } },
  durationMs: 8000,
};

describe('sim CLI', () => {
  it('prints one validation error per line and exits 2', () => {
    const file = scenarioFile('bad.json', {
      ...base,
      steps: [
        { at: 10, do: 'crash', node: 'n9' },
        { at: 20, do: 'explode' },
      ],
    });
    const r = sim('--scenario', file);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^steps\[0\]\.node: unknown node "n9"/);
    expect(lines[1]).toMatch(/^steps\[1\]\.do: unknown action "explode"/);
  });

  it('runs a scenario, writes its trace, and exits 1 on a failed expect', () => {
    const trace = join(dir, 'out.jsonl');
    const file = scenarioFile('expect.json', {
      ...base,
      steps: [
        { at: 6000, do: 'expect', that: 'single-leader', group: 'nacos_config' },
        { at: 6000, do: 'expect', that: 'no-leader', group: 'nacos_config' },
      ],
    });
    const r = sim('--scenario', file, '--seed', '3', '--trace', trace);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('scenario cli, seed 3');
    expect(r.stdout).toMatch(/leaders of nacos_config by term: \d+:n\d/);
    expect(r.stdout).toContain('expect PASS steps[0]');
    expect(r.stdout).toContain('expect FAIL steps[1]');
    const first = JSON.parse(readFileSync(trace, 'utf8').split('\n')[0]);
    expect(first).toMatchObject({ format: 'raft-playground-trace', version: 2, seed: 3 });
  });

  it('runs random seeds and ends with the summary line', () => {
    const r = sim('--random', '--seeds', '1-2', '--nodes', '3');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      '2 seeds: 2 ok, 0 undecided, 0 violations, 0 liveness failures',
    );
  });

  it('rejects bad arguments with exit 2', () => {
    expect(sim('--random', '--seeds', '5-1').code).toBe(2);
    expect(sim('--what').code).toBe(2);
  });

  it('refuses numbers that would make a scenario run endless, before running it', () => {
    // Each of these used to livelock the simulator or run without end: a clock at 1e300 times
    // speed or a 1e-9 ms tick never lets virtual time advance; 1e15 ms never finishes.
    const file = scenarioFile('endless.json', {
      ...base,
      cluster: { nodes: 3, raft: { tickMs: 1e-9 } },
      steps: [{ at: 10, do: 'skew', node: 'n1', rate: 1e300 }],
      durationMs: 1e15,
    });
    const r = simWithin(30_000, '--scenario', file);
    expectRefused(r, /^cluster\.raft\.tickMs: expected number 1\.\.1000, got 1e-9/m);
    expect(r.stderr).toMatch(/^steps\[0\]\.rate: expected number 0\.01\.\.100, got 1e\+300/m);
    expect(r.stderr).toMatch(
      /^durationMs: expected number > 0 and <= 3600000, got 1000000000000000/m,
    );
  });

  it('refuses a seed range that would never end, without running', () => {
    // 99999999999999999999 is 1e20 as a number: `seed++` never moved and the run never ended.
    expectRefused(
      simWithin(30_000, '--random', '--seeds', '99999999999999999999'),
      /^--seeds: 100000000000000000000 is above 0\.\.4294967295: the seeded generator keeps 32 bits/m,
    );
  });

  it('checks every flag against its bound and its mode', () => {
    const refused = (argv: string[]): string => {
      try {
        parseArgs(argv);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    // 2^32 used to run as seed 0 while the summary printed 4294967296.
    expect(refused(['--random', '--seed', '4294967296'])).toMatch(/^--seed: 4294967296 is above/);
    expect(refused(['--scenario', 'f.json', '--seed', '4294967296'])).toMatch(/^--seed: /);
    expect(refused(['--random', '--seeds', '1-4294967296'])).toMatch(
      /^--seeds: 4294967296 is above/,
    );
    expect(refused(['--random', '--seeds', '0-4294967295'])).toBe(
      `--seeds: the number of seeds: 4294967296 is above 1..100000: ${LIMITS.seedsPerRun.why}`,
    );
    expect(refused(['--random', '--nodes', '10'])).toMatch(/^--nodes: 10 is above 1\.\.9/);
    expect(refused(['--random', '--nodes', '0'])).toBe('--nodes: 0 is below 1..9');
    expect(refused(['--random', '--seeds', '1-2', '--seed', '3'])).toMatch(/not both/);
    expect(refused(['--scenario', 'f.json', '--nodes', '3'])).toBe(
      '--nodes applies to --random runs only',
    );
    expect(refused(['--scenario', 'f.json', '--seeds', '1'])).toMatch(/applies to --random/);
    expect(refused(['--random', '--trace', dir])).toMatch(/^--trace .*: is a directory$/);
    const inFile = join(scenarioFile('plain.json', {}), 'out.jsonl');
    expect(refused(['--random', '--trace', inFile])).toMatch(
      /plain\.json\/out\.jsonl: a part of the path .* is not a directory$/,
    );
    expect(parseArgs(['--random', '--seeds', '0-99999', '--nodes', '9'])).toMatchObject({
      seeds: [0, 99_999],
      nodes: 9,
    });
    expect(parseArgs(['--random', '--seed', '4294967295']).seed).toBe(4_294_967_295);
  });

  it('checks that the trace can be written before running', () => {
    const file = scenarioFile('passing.json', { ...base, steps: [] });
    const missing = join(dir, 'no-such-dir', 'out.jsonl');
    expectRefused(
      simWithin(30_000, '--scenario', file, '--trace', missing),
      /^--trace .*out\.jsonl: directory .*no-such-dir does not exist$/m,
    );
  });

  it('counts ok, failed and unknown outcomes as the trace records them', () => {
    // n? leads alone behind a partition: its two writes time out after 10 s (outcome unknown,
    // `info` in the trace), while writes and reads elsewhere fail at once for want of a leader.
    const trace = join(dir, 'outcomes.jsonl');
    const publish = (dataId: string) => ({ type: 'publish', dataId, content: '1' });
    const leader = '@leader:nacos_config';
    const file = scenarioFile('outcomes.json', {
      ...base,
      steps: [
        { at: 3000, do: 'partition', sides: [[leader]] },
        { at: 3100, do: 'write', node: leader, group: 'nacos_config', op: publish('a') },
        { at: 3100, do: 'write', node: leader, group: 'nacos_config', op: publish('b') },
        { at: 4000, do: 'write', node: 'n1', group: 'nacos_config', op: publish('c') },
        {
          at: 4000,
          do: 'read',
          node: 'n2',
          group: 'nacos_config',
          query: { type: 'get', dataId: 'c' },
        },
        { at: 19_000, do: 'heal' },
        { at: 21_000, do: 'write', node: leader, group: 'nacos_config', op: publish('d') },
      ],
      durationMs: 24_000,
    });
    const r = sim('--scenario', file, '--trace', trace);
    expect(r.stderr).toBe('');
    const counts = { ok: 0, fail: 0, info: 0 };
    for (const line of readFileSync(trace, 'utf8').trim().split('\n').slice(1)) {
      const e = JSON.parse(line) as { type: string };
      if (e.type === 'ok' || e.type === 'fail' || e.type === 'info') counts[e.type]++;
    }
    expect(counts.info).toBeGreaterThan(0);
    expect(r.stdout).toContain(
      `clients: 5 requests, ${counts.ok} ok, ${counts.fail} failed, ${counts.info} unknown`,
    );
  });
});
