// Every lesson in public/lessons runs to its end in the simulator with its expectations passing,
// and its challenge is solvable: the scripted solution reaches the goal, doing nothing does not.
// A new lesson file is picked up without touching this test.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRunResult } from '../../src/sim/runner.ts';
import { parseLessonText, type Lesson } from '../../src/lessons/format.ts';
import { runLesson } from './harness.ts';

const DIR = join(import.meta.dirname, '..', '..', 'public', 'lessons');
const files = readdirSync(DIR)
  .filter((f) => /^\d\d-.*\.json$/.test(f))
  .sort();

function load(file: string): Lesson {
  const parsed = parseLessonText(readFileSync(join(DIR, file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file} is invalid:\n${parsed.errors.join('\n')}`);
  return parsed.lesson;
}

describe('lesson files', () => {
  it('are lessons 1 to 12, numbered as their file names', () => {
    expect(files).toHaveLength(12);
    files.forEach((f, i) => {
      expect(load(f).meta.number, f).toBe(i + 1);
      expect(f.startsWith(String(i + 1).padStart(2, '0'))).toBe(true);
    });
  });

  it('are listed in index.json with their numbers and titles (the page reads it)', () => {
    const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as unknown;
    expect(index).toEqual(
      files.map((file) => {
        const { number, title } = load(file).meta;
        return { number, title, file };
      }),
    );
  });

  it.each(files)('%s narrates, points at views and checks something', (file) => {
    const { scenario } = load(file);
    const narrates = scenario.steps.filter((s) => s.do === 'narrate');
    expect(narrates.length).toBeGreaterThanOrEqual(3);
    expect(narrates.every((s) => s.do === 'narrate' && s.view !== undefined)).toBe(true);
    expect(scenario.steps.some((s) => s.do === 'expect')).toBe(true);
  });

  it.each(files)(
    '%s: runs to its end, solution reaches the goal, doing nothing does not',
    (file) => {
      const lesson = load(file);
      const rerun = `re-run: npx vitest run test/lessons/lessons.test.ts -t ${file}`;
      for (const solve of [false, true]) {
        const run = runLesson(lesson, solve);
        const report = `${formatRunResult(run.result)}\n${rerun}`;
        expect(run.result.violation, report).toBeNull();
        expect(run.result.failedExpects, report).toEqual([]);
        expect(run.result.stepErrors, report).toEqual([]);
        expect(run.result.expects.length).toBeGreaterThan(0);
        expect(run.status.done, `${file} solve=${solve}: ${run.status.detail}`).toBe(solve);
      }
    },
  );
});
