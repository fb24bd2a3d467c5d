import { describe, expect, it } from 'vitest';
import { challengeScenario, parseLesson, parseLessonText } from './format.ts';

function lesson(overrides: Record<string, unknown> = {}, challenge: Record<string, unknown> = {}) {
  return {
    name: 'l',
    seed: 1,
    cluster: { nodes: 3, raft: { profile: 'lesson' } },
    steps: [
      { at: 0, do: 'narrate', view: 'cluster', text: 'hello' },
      { at: 3000, do: 'expect', that: 'single-leader', group: 'nacos_config' },
    ],
    durationMs: 3000,
    lesson: {
      number: 1,
      title: 'T',
      challenge: {
        text: 'do it',
        goal: { type: 'new-leader', group: 'nacos_config' },
        solution: [{ at: 0, do: 'crash', node: '@leader:nacos_config' }],
        withinMs: 5000,
        ...challenge,
      },
    },
    ...overrides,
  };
}

describe('parseLesson', () => {
  it('accepts a lesson and keeps the solution relative to the lesson end', () => {
    const r = parseLesson(lesson());
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.lesson.meta.challenge.solution).toEqual([
      { at: 0, do: 'crash', node: '@leader:nacos_config' },
    ]);
    const solved = challengeScenario(r.lesson, true);
    expect(solved.durationMs).toBe(8000);
    expect(solved.steps.at(-1)).toEqual({ at: 3000, do: 'crash', node: '@leader:nacos_config' });
    expect(challengeScenario(r.lesson, false).steps).toHaveLength(2);
  });

  it('names the bad field of the lesson part', () => {
    const r = parseLesson(lesson({}, { goal: { type: 'win', group: 'nacos_config' } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(/^lesson\.challenge\.goal\.type: /m);
  });

  it('names a solution step by its own path, not the combined scenario', () => {
    const r = parseLesson(lesson({}, { solution: [{ at: 0, do: 'crash', node: 'n9' }] }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toContain('lesson.challenge.solution[0].node: unknown node "n9"');
  });

  it('rejects a goal naming a node the cluster does not have', () => {
    const r = parseLesson(
      lesson({}, { goal: { type: 'recovered', group: 'nacos_config', node: 'n7' } }),
    );
    expect(r).toEqual({ ok: false, errors: ['lesson.challenge.goal.node: unknown node "n7"'] });
  });

  it('validates the scenario part exactly as a scenario file (a bad view, unknown fields)', () => {
    const r = parseLesson(
      lesson({
        steps: [{ at: 0, do: 'narrate', view: 'stage', text: 'x' }],
        extra: 1,
      }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join('\n')).toMatch(/steps\[0\]\.view: unknown view "stage"/);
      expect(r.errors.join('\n')).toMatch(/extra/);
    }
  });

  it('requires the lesson part, and reports bad JSON without throwing', () => {
    const { lesson: _l, ...scenario } = lesson();
    expect(parseLesson(scenario)).toEqual({
      ok: false,
      errors: ['lesson: missing, expected the lesson object'],
    });
    const bad = parseLessonText('{ "name": ');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatch(/^lesson: invalid JSON/);
    expect(parseLesson([1, 2]).ok).toBe(false);
  });
});
