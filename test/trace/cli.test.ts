// The trace CLI: exit codes (0 done, 1 a check failed, 2 bad arguments or a bad file), clear
// one-line errors and never a stack trace, conversions written where asked, and files that are
// malformed, truncated, huge or endless-lined refused quickly (property tests over cuts and
// corruptions of a real trace: the reader never throws and always names a line).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseArgs, UsageError } from '../../src/trace/cli.ts';
import { readTraceText } from '../../src/trace/convert/read.ts';
import { exportTrace } from '../../src/trace/jsonl.ts';
import { lostWrite } from './doctor.ts';
import { goldenText, goldenTrace } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
const good = join(dir, 'good.jsonl');
const doctored = join(dir, 'doctored.jsonl');

beforeAll(() => {
  writeFileSync(good, goldenText('forward-crash.trace.jsonl'));
  const trace = goldenTrace('forward-crash.trace.jsonl');
  writeFileSync(doctored, exportTrace(trace.header, lostWrite(trace.events).events));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('trace cli', () => {
  it('check: 0 on a real run, 1 on a doctored one, with a summary of every check', async () => {
    const ok = await run('check', good);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/pass {2}election-safety/);
    expect(ok.out).toMatch(/all checks passed/);
    const bad = await run('check', doctored);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/FAIL {2}acknowledged-writes/);
    expect(bad.out).toMatch(/checks FAILED: acknowledged-writes/);
  });

  it('summary: nodes, leaders per group, faults, requests and latency', async () => {
    const r = await run('summary', good);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^nodes: /m);
    expect(r.out).toMatch(/nacos_config: highest term \d+, \d+ leaders? elected \(t\d+ n\d/);
    expect(r.out).toMatch(/faults: .*crash ×1/);
    expect(r.out).toMatch(/requests: \d+ invoked, \d+ ok, \d+ failed, \d+ unknown/);
    expect(r.out).toMatch(/latency of ok requests .*p50 \d+, p90 \d+, p99 \d+, max \d+/);
  });

  it('convert: writes each format to --out, or to standard output', async () => {
    for (const to of ['perfetto', 'shiviz', 'edn', 'history-json', 'mermaid']) {
      const out = join(dir, `out.${to}`);
      const r = await run('convert', good, '--to', to, '--out', out);
      expect(r.code, r.err).toBe(0);
      expect(readFileSync(out, 'utf8').length).toBeGreaterThan(100);
    }
    const stdout = await run(
      'convert',
      good,
      '--to',
      'mermaid',
      '--from-ms',
      '2500',
      '--to-ms',
      '3100',
    );
    expect(stdout.code).toBe(0);
    expect(stdout.out.startsWith('sequenceDiagram\n')).toBe(true);
  });

  it.each([
    [[], /give a command/],
    [['frobnicate', 'x'], /unknown command "frobnicate"/],
    [['check'], /check needs a trace FILE/],
    [['check', 'a', 'b'], /one trace file at a time/],
    [['check', 'a', '--to', 'edn'], /check takes no option --to/],
    [['convert', 'a'], /convert needs --to FORMAT/],
    [['convert', 'a', '--to', 'svg'], /unknown format "svg"; one of perfetto, shiviz/],
    [['convert', 'a', '--to', 'edn', '--from-ms', 'soon'], /--from-ms: expected a number/],
    [['convert', 'a', '--to', 'edn', '--from-ms', '9', '--to-ms', '3'], /--to-ms 3 is before/],
    [['convert', 'a', '--to', 'edn', '--out', '/nonexistent-dir/x.edn'], /does not exist/],
    [['convert', 'a', '--to'], /--to needs a value/],
    [['convert', 'a', '--to', 'edn', '--verbose'], /unknown option "--verbose"/],
  ])('exit 2 on bad arguments %j', async (argv, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/usage:/);
    noStack(r.err);
  });

  it('parseArgs names what is wrong in a UsageError', () => {
    expect(() => parseArgs(['convert', 'f', '--to', 'x'])).toThrow(UsageError);
    expect(parseArgs(['check', 'f'])).toEqual({ command: 'check', file: 'f' });
  });

  it('exit 2 on files that are missing, directories, or not traces', async () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.jsonl'), /cannot read .*missing\.jsonl: no such file/],
      [dir, /is a directory/],
      ['/dev/null', /not a regular file/],
    ];
    const write = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    cases.push([write('empty.jsonl', ''), /line 1: empty file/]);
    cases.push([write('text.jsonl', 'hello\nworld\n'), /line 1: invalid JSON/]);
    cases.push([
      write('v9.jsonl', '{"format":"raft-playground-trace","version":9}\n'),
      /unsupported version 9/,
    ]);
    const lines = goldenText('forward-crash.trace.jsonl').split('\n');
    cases.push([
      write('truncated.jsonl', lines.slice(0, 40).join('\n') + '\n' + lines[40].slice(0, 25)),
      /line 41: invalid JSON/,
    ]);
    const badField = lines[5].replace(/"node":"[^"]*"/, '"node":7');
    expect(badField).not.toBe(lines[5]);
    cases.push([
      write('field.jsonl', [...lines.slice(0, 5), badField].join('\n')),
      /line 6: event\.node/,
    ]);
    for (const [file, message] of cases) {
      for (const command of [['check'], ['summary'], ['convert', '--to', 'perfetto']]) {
        const r = await run(command[0], file, ...command.slice(1));
        expect(r.code, `${command[0]} ${file}`).toBe(2);
        expect(r.err, `${command[0]} ${file}`).toMatch(message);
        expect(r.out).toBe('');
        noStack(r.err);
      }
    }
  });

  it('stops early on a huge bad file, and refuses a line too long to be a trace line', async () => {
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, 'not json at all\n'.repeat(500_000));
    const r = await run('check', huge);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /stopped after 20 errors at line 20; the rest of the file was not checked/,
    );
    const long = join(dir, 'long.jsonl');
    const header = goldenText('forward-crash.trace.jsonl').split('\n')[0];
    writeFileSync(long, `${header}\n{"seq":0,"x":"${'a'.repeat(5_000_000)}"}\n`);
    const l = await run('summary', long);
    expect(l.code).toBe(2);
    expect(l.err).toMatch(/line 2: line of more than \d+ characters, longer than any trace line/);
  });

  it('runs as npm run trace: exit codes, and no stack trace for a bad file', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"format":"raft-playground-trace"\n');
    const cwd = join(import.meta.dirname, '..', '..');
    const badRun = spawnSync('npm', ['run', '-s', 'trace', '--', 'check', bad], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(badRun.status).toBe(2);
    expect(badRun.stderr).toMatch(/is not a valid trace:\n {2}line 1: invalid JSON/);
    noStack(badRun.stderr);
    const failing = spawnSync('npm', ['run', '-s', 'trace', '--', 'check', doctored], {
      cwd,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(failing.status).toBe(1);
  });
});

describe('reading malformed traces (property)', () => {
  // The first 300 lines: each run reads the whole text, so a short one keeps 100s of runs quick.
  const text = goldenText('partition-heal.trace.jsonl').split('\n').slice(0, 300).join('\n') + '\n';

  it('a trace cut anywhere reads whole or names the cut line, never throws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length }), (cut) => {
        const part = text.slice(0, cut);
        const r = readTraceText(part);
        if (r.ok) {
          // Only a cut at a line's end (or inside the last line's "\n") reads as a trace.
          expect(part === '' || part.endsWith('\n') || text[cut] === '\n').toBe(true);
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(e).toMatch(/^line \d+: |^stopped after/);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('any corruption of a byte range is an error naming a line, or still a valid trace', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: text.length - 1 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        (at, junk) => {
          const r = readTraceText(text.slice(0, at) + junk + text.slice(at + junk.length));
          if (!r.ok) {
            expect(r.errors.length).toBeGreaterThan(0);
            expect(r.errors.length).toBeLessThanOrEqual(21);
            for (const e of r.errors) expect(e).toMatch(/^line \d+: |^stopped after/);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
