// A lesson file (public/lessons/*.json): a scenario file (src/scenario/format.ts) with one more
// top-level field, `lesson`: its number, title and the "now you try" challenge at its end.
// Invariant: parseLesson either returns a lesson whose scenario passed parseScenario unchanged
// and whose challenge (goal and scripted solution) was checked against that scenario's cluster,
// or every error it found, each naming the path of the bad field. Unknown fields are errors.
import { z } from 'zod';
import { parseScenario, type Scenario, type Step } from '../scenario/format.ts';
import {
  expecting,
  formatPath,
  issuesToErrors,
  objectError,
  userFileParseOptions,
} from '../trace/schema.ts';
import { goalSchema, type Goal } from './goals.ts';

/** The "now you try" part of a lesson. */
export interface Challenge {
  /** What to do, in a sentence or two, shown when the lesson's steps are over. */
  text: string;
  /** What the page checks, on the state model, after the lesson's end. */
  goal: Goal;
  /** A hint shown on request. */
  hint?: string;
  /**
   * A scripted solution: scenario steps whose `at` counts from the lesson's end. The lesson
   * tests run it and require the goal reached within `withinMs`.
   */
  solution: Step[];
  /** How long after the lesson's end the solution may take (cluster ms). */
  withinMs: number;
}

export interface LessonMeta {
  number: number;
  title: string;
  challenge: Challenge;
}

export interface Lesson {
  meta: LessonMeta;
  scenario: Scenario;
}

export type LessonResult = { ok: true; lesson: Lesson } | { ok: false; errors: string[] };

const nonEmpty = z
  .string({ error: expecting('a non-empty string') })
  .min(1, { error: expecting('a non-empty string') });

const lessonMetaSchema = z.strictObject(
  {
    number: z
      .number({ error: expecting('an integer 1..99') })
      .int({ error: expecting('an integer 1..99') })
      .min(1, { error: expecting('an integer 1..99') })
      .max(99, { error: expecting('an integer 1..99') }),
    title: nonEmpty,
    challenge: z.strictObject(
      {
        text: nonEmpty,
        goal: goalSchema,
        hint: nonEmpty.optional(),
        // Each step is checked by parseScenario, inside the scenario it extends.
        solution: z
          .array(z.unknown(), { error: expecting('an array of steps') })
          .min(1, { error: expecting('at least one step') }),
        withinMs: z
          .number({ error: expecting('a number of ms 1..600000') })
          .min(1, { error: expecting('a number of ms 1..600000') })
          .max(600_000, { error: expecting('a number of ms 1..600000') }),
      },
      { error: objectError('object') },
    ),
  },
  { error: objectError('object') },
);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The lesson's scenario extended by the challenge: the solution's steps shifted to after the
 * lesson's end (when `solve`), and the run lengthened by `withinMs`. Doing nothing is the same
 * run without the solution's steps, so the two differ only in what the person did.
 */
export function challengeScenario(lesson: Lesson, solve: boolean): Scenario {
  const s = lesson.scenario;
  const c = lesson.meta.challenge;
  const shifted = solve ? c.solution.map((st) => ({ ...st, at: st.at + s.durationMs })) : [];
  return {
    ...s,
    steps: [...s.steps, ...shifted],
    durationMs: s.durationMs + c.withinMs,
  };
}

/**
 * Validate a lesson given as parsed JSON (a file, or a link's decoded content). Never throws.
 * The scenario part gets exactly parseScenario's checks; the solution's steps are validated as
 * steps of the scenario they extend (so their nodes and groups must exist).
 */
export function parseLesson(input: unknown): LessonResult {
  if (!isObj(input)) {
    return { ok: false, errors: ['lesson: expected a lesson object (a scenario with "lesson")'] };
  }
  const { lesson: meta, ...scenarioPart } = input;
  const errors: string[] = [];
  const parsedMeta =
    meta === undefined
      ? null
      : lessonMetaSchema.safeParse(meta, userFileParseOptions({ type: 'goal' }));
  if (meta === undefined) errors.push('lesson: missing, expected the lesson object');
  else if (parsedMeta !== null && !parsedMeta.success) {
    for (const e of issuesToErrors(parsedMeta.error.issues)) {
      errors.push(`${formatPath(['lesson', ...e.path])}: ${e.message}`);
    }
  }
  const scenario = parseScenario(scenarioPart);
  if (!scenario.ok) errors.push(...scenario.errors);
  if (errors.length > 0 || parsedMeta === null || !parsedMeta.success || !scenario.ok) {
    return { ok: false, errors };
  }
  const m = parsedMeta.data;
  // The solution, validated inside the scenario it extends; errors name its own path.
  const base = scenario.scenario;
  const rawSteps = (scenarioPart.steps as unknown[]) ?? [];
  const combined = {
    ...scenarioPart,
    steps: [
      ...rawSteps,
      ...m.challenge.solution.map((st) =>
        isObj(st) && typeof st.at === 'number' ? { ...st, at: st.at + base.durationMs } : st,
      ),
    ],
    durationMs: base.durationMs + m.challenge.withinMs,
  };
  const withSolution = parseScenario(combined);
  if (!withSolution.ok) {
    const prefix = 'steps[';
    const n = rawSteps.length;
    const renamed = withSolution.errors.map((e) => {
      if (!e.startsWith(prefix)) return e;
      const close = e.indexOf(']');
      const i = Number(e.slice(prefix.length, close));
      if (!Number.isInteger(i) || i < n) return e;
      const rest = e.slice(close + 1);
      return `lesson.challenge.solution[${i - n}]${rest}`;
    });
    return { ok: false, errors: renamed };
  }
  const solution = withSolution.scenario.steps
    .slice(rawSteps.length)
    .map((st) => ({ ...st, at: st.at - base.durationMs }));
  const goalErrors = checkGoalNodes(m.challenge.goal, base);
  if (goalErrors.length > 0) return { ok: false, errors: goalErrors };
  const challenge: Challenge = {
    text: m.challenge.text,
    goal: m.challenge.goal,
    solution,
    withinMs: m.challenge.withinMs,
    ...(m.challenge.hint !== undefined ? { hint: m.challenge.hint } : {}),
  };
  return {
    ok: true,
    lesson: { meta: { number: m.number, title: m.title, challenge }, scenario: base },
  };
}

/** Parse a lesson file's text (a leading BOM is ignored). Never throws. */
export function parseLessonText(text: string): LessonResult {
  let input: unknown;
  try {
    input = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { ok: false, errors: [`lesson: invalid JSON (${(e as Error).message})`] };
  }
  return parseLesson(input);
}

/** The nodes and group a goal names must exist in the lesson's cluster (or be added by it). */
function checkGoalNodes(goal: Goal, s: Scenario): string[] {
  const errors: string[] = [];
  const known = new Set<string>(Array.from({ length: s.cluster.nodes }, (_, i) => `n${i + 1}`));
  for (const st of s.steps) if (st.do === 'add-node') known.add(st.node);
  if (!s.cluster.groups.includes(goal.group)) {
    errors.push(
      `lesson.challenge.goal.group: unknown group "${goal.group}" (expected one of ${s.cluster.groups.join(', ')})`,
    );
  }
  const nodes: [string, string][] = [];
  if ('node' in goal) nodes.push(['node', goal.node]);
  if ('nodes' in goal) goal.nodes.forEach((n, i) => nodes.push([`nodes[${i}]`, n]));
  for (const [path, n] of nodes) {
    if (!known.has(n)) errors.push(`lesson.challenge.goal.${path}: unknown node "${n}"`);
  }
  return errors;
}
