// The simulator CLI end to end: exit codes, validation errors one per line, the random-mode
// summary line, and the trace file.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));

function sim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
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
    expect(first).toMatchObject({ format: 'raft-playground-trace', version: 1, seed: 3 });
  });

  it('runs random seeds and ends with the summary line', () => {
    const r = sim('--random', '--seeds', '1-2', '--nodes', '3');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 seeds, 0 violations, 0 liveness failures');
  });

  it('rejects bad arguments with exit 2', () => {
    expect(sim('--random', '--seeds', '5-1').code).toBe(2);
    expect(sim('--what').code).toBe(2);
  });
});
