// The lesson the page is showing: which lesson, which slide, whether its run is ready, the
// challenge's status and presentation mode. A vanilla zustand store outside React, because it
// outlives the view store (a lesson replaces the engine, and with it the view store).
// Invariant: Back and Next show a lesson run on the simulated engine from its own scenario and
// seed, so every slide's state is the one the lesson tests check; slides show the view store's
// state at the slide's time (rebuilt from checkpoints), never a state reached by replaying
// clicks. A lesson played on the live engine (phase 'live') is a separate run of the same
// scenario on real Workers: its narration follows the cluster clock and its slides are not exact.
import { createStore } from 'zustand/vanilla';
import type { PageHost } from '../../engine/types.ts';
import { parseLesson, type Lesson, type LessonMeta } from '../../lessons/format.ts';
import type { ChallengeStatus } from '../../lessons/goals.ts';
import { lessonSlides, type Slide } from '../../lessons/slides.ts';
import { parseScenario, type Scenario } from '../../scenario/format.ts';

/** One line of public/lessons/index.json. */
export interface LessonEntry {
  number: number;
  title: string;
  file: string;
}

/** A lesson as the page holds it; a plain scenario file is a lesson without a challenge. */
export interface OpenLesson {
  meta: LessonMeta | null;
  scenario: Scenario;
  slides: Slide[];
  /** Where it came from: a built-in lesson (its number), or a file or link (its text). */
  source: { kind: 'builtin'; number: number } | { kind: 'text'; text: string };
}

/**
 * starting: the simulator runs the lesson to its end; ready: slides show exact states; challenge:
 * the user plays from the end; live: the lesson's scenario plays on the live engine (real
 * Workers and IndexedDB) and the narration follows the cluster's clock.
 */
export type LessonPhase = 'starting' | 'ready' | 'challenge' | 'live';

/** A lesson played on the live engine: best-effort timing, so its checks may come out otherwise. */
export interface LiveLessonRun {
  state: 'running' | 'done' | 'failed';
  /** The lesson's checks as the live run evaluated them (at its end). */
  checks: { that: string; passed: boolean; detail: string }[];
  stepErrors: string[];
  /** Why the run could not start or finish (state 'failed'). */
  error: string | null;
}

export interface LessonState {
  open: boolean;
  index: LessonEntry[] | null;
  lesson: OpenLesson | null;
  /** 0-based slide; slides.length is the challenge (or the end, without one). */
  slide: number;
  phase: LessonPhase;
  status: ChallengeStatus | null;
  error: string | null;
  presenting: boolean;
  showHint: boolean;
  live: LiveLessonRun | null;
}

export const lessonStore = createStore<LessonState>()(() => ({
  open: false,
  index: null,
  lesson: null,
  slide: 0,
  phase: 'starting',
  status: null,
  error: null,
  presenting: false,
  showHint: false,
  live: null,
}));

export type LoadResult = { ok: true; lesson: OpenLesson } | { ok: false; errors: string[] };

/**
 * Validate a lesson or scenario file's text, exactly as an upload or a link's content is: a
 * file with a `lesson` part must be a valid lesson, one without is checked as a scenario.
 */
export function loadLessonText(text: string, source: OpenLesson['source']): LoadResult {
  let input: unknown;
  try {
    input = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { ok: false, errors: [`invalid JSON (${(e as Error).message})`] };
  }
  const hasLesson = typeof input === 'object' && input !== null && 'lesson' in input;
  if (hasLesson) {
    const r = parseLesson(input);
    if (!r.ok) return r;
    return { ok: true, lesson: fromLesson(r.lesson, source) };
  }
  const r = parseScenario(input);
  if (!r.ok) return r;
  return {
    ok: true,
    lesson: { meta: null, scenario: r.scenario, slides: lessonSlides(r.scenario), source },
  };
}

function fromLesson(l: Lesson, source: OpenLesson['source']): OpenLesson {
  return { meta: l.meta, scenario: l.scenario, slides: lessonSlides(l.scenario), source };
}

/** Slides plus the closing one (the challenge, or "the end"). */
export function slideCount(l: OpenLesson): number {
  return l.slides.length + 1;
}

/** The cluster time a slide shows (the closing slide: the lesson's end). */
export function slideTime(l: OpenLesson, slide: number): number {
  return slide < l.slides.length ? l.slides[slide].at : l.scenario.durationMs;
}

/** Where the lesson files are served from (Vite's base, so a build works from any folder). */
export function lessonsBase(): string {
  return `${import.meta.env.BASE_URL}lessons/`;
}

export async function fetchIndex(): Promise<LessonEntry[]> {
  const res = await fetch(`${lessonsBase()}index.json`);
  if (!res.ok) throw new Error(`lessons/index.json: HTTP ${res.status}`);
  return (await res.json()) as LessonEntry[];
}

export async function fetchLesson(entry: LessonEntry): Promise<LoadResult> {
  const res = await fetch(`${lessonsBase()}${entry.file}`);
  if (!res.ok) return { ok: false, errors: [`${entry.file}: HTTP ${res.status}`] };
  return loadLessonText(await res.text(), { kind: 'builtin', number: entry.number });
}

/** The longest a lesson's run may take to reach its end at full speed before we give up. */
const RUN_TIMEOUT_MS = 60_000;

let runToken = 0;

/**
 * Start `lesson` on a new simulated engine at full speed, let it run to the lesson's end, and
 * pause there; then show slide `slide`. Rejections become the panel's error.
 */
export async function startLesson(host: PageHost, lesson: OpenLesson, slide = 0): Promise<void> {
  const token = ++runToken;
  const last = slideCount(lesson) - 1;
  lessonStore.setState({
    open: true,
    lesson,
    slide: Math.max(0, Math.min(slide, last)),
    phase: 'starting',
    status: null,
    error: null,
    showHint: false,
    live: null,
  });
  try {
    // The simulator stops by itself at the lesson's end: a page that polled and then paused
    // would overshoot by as much as it lags (far, under a development build of React).
    await host.useEngine('simulated', {
      scenario: lesson.scenario,
      speed: 'max',
      pauseAtMs: lesson.scenario.durationMs,
    });
    const engine = host.activeEngine;
    if (engine === null || engine.kind !== 'simulated') throw new Error('no simulated engine');
    const started = performance.now();
    for (;;) {
      if (token !== runToken) return;
      const st = await engine.status();
      if (st.nowMs >= lesson.scenario.durationMs) break;
      if (performance.now() - started > RUN_TIMEOUT_MS) {
        throw new Error(`the lesson did not reach its end within ${RUN_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // Already paused by the simulator at the end; pausing again is harmless.
    const paused = await engine.command({ type: 'pause' });
    if (!paused.ok) throw new Error(paused.error);
    if (token === runToken) lessonStore.setState({ phase: 'ready' });
  } catch (err) {
    if (token !== runToken) return;
    lessonStore.setState({ error: err instanceof Error ? err.message : String(err) });
  }
}

/** Move to another slide (clamped); leaving the challenge keeps the run as it is. */
export function goToSlide(slide: number): void {
  const { lesson, phase } = lessonStore.getState();
  if (lesson === null || phase === 'live') return;
  const last = slideCount(lesson) - 1;
  lessonStore.setState({ slide: Math.max(0, Math.min(slide, last)) });
}

export function closeLessons(): void {
  runToken++;
  lessonStore.setState({ open: false, lesson: null, phase: 'starting', status: null, live: null });
}

/** The slide whose narration covers cluster time `t` on a live run (the last one begun). */
export function slideAt(l: OpenLesson, t: number): number {
  let i = 0;
  while (i + 1 < l.slides.length && l.slides[i + 1].at <= t) i++;
  return i;
}

/**
 * Play the open lesson's scenario on the live engine (a new cluster of real Workers with
 * IndexedDB, replacing the current one). The narration follows the cluster's clock; at the end
 * the lesson's checks are shown as the live run evaluated them. Timing is best effort, so a
 * check can come out otherwise than in the simulator: that is shown, not hidden.
 */
export async function playLessonLive(host: PageHost): Promise<void> {
  const { lesson } = lessonStore.getState();
  if (lesson === null) return;
  if (host.runScenario === undefined) {
    lessonStore.setState({ error: 'This page cannot run lessons on the live engine.' });
    return;
  }
  const token = ++runToken;
  lessonStore.setState({
    phase: 'live',
    slide: 0,
    status: null,
    error: null,
    live: { state: 'running', checks: [], stepErrors: [], error: null },
  });
  try {
    const r = await host.runScenario(lesson.scenario);
    if (token !== runToken) return;
    lessonStore.setState({
      slide: lesson.slides.length,
      live: {
        state: 'done',
        checks: r.expects.map((e) => ({ that: e.that, passed: e.passed, detail: e.detail })),
        stepErrors: r.stepErrors.map(
          (e) => `${(e.at / 1000).toFixed(1)} s ${e.action}: ${e.message}`,
        ),
        error: null,
      },
    });
  } catch (err) {
    if (token !== runToken) return;
    lessonStore.setState({
      live: {
        state: 'failed',
        checks: [],
        stepErrors: [],
        error: err instanceof Error ? err.message : String(err),
      },
    });
  }
}
