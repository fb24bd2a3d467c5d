// Runs a lesson (and optionally its challenge's scripted solution) in the simulator, folds the
// trace into the state model as the page does, and checks the challenge's goal against it.
import { emptyState, type ViewState } from '../../src/state/model.ts';
import { reduce } from '../../src/state/reduce.ts';
import { runScenario, type RunResult } from '../../src/sim/runner.ts';
import { challengeScenario, type Lesson } from '../../src/lessons/format.ts';
import { ChallengeTracker, type ChallengeStatus } from '../../src/lessons/goals.ts';
import type { TraceEvent } from '../../src/trace/events.ts';

export interface LessonRun {
  result: RunResult;
  events: readonly TraceEvent[];
  /** The state just before the lesson's end, when the challenge begins (its baseline). */
  baseline: ViewState;
  /** The state at the end of the run. */
  final: ViewState;
  status: ChallengeStatus;
}

/** Run the lesson plus its challenge window, with or without the scripted solution. */
export function runLesson(lesson: Lesson, solve: boolean): LessonRun {
  const scenario = challengeScenario(lesson, solve);
  const run = runScenario(scenario, { recentEvents: 30 });
  const events = run.trace!.events();
  let state = emptyState(scenario.cluster.groups);
  let i = 0;
  for (; i < events.length && events[i].t < lesson.scenario.durationMs; i++) {
    state = reduce(state, events[i]);
  }
  const baseline = state;
  const tracker = new ChallengeTracker(lesson.meta.challenge.goal, baseline);
  let status = tracker.status;
  for (; i < events.length; i++) {
    state = reduce(state, events[i]);
    status = tracker.observe([events[i]], state);
  }
  return { result: run.result, events, baseline, final: state, status };
}
