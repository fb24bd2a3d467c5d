// A lesson as the page steps through it: one slide per narrate step, at the cluster time the
// step fires, with the view it points at. The page shows the state model at that time (the view
// store rebuilds it from its checkpoints), so going Back and then Next shows identical states.
// Invariant: slides are in time order (steps are), and the last slide is the challenge, at the
// lesson's end.
import type { LessonView, Scenario } from '../scenario/format.ts';

export interface Slide {
  /** Cluster time (ms) whose state the slide shows. */
  at: number;
  text: string;
  view: LessonView | null;
  /** The step's index in the file, or null for the challenge slide. */
  step: number | null;
}

/** The narrate steps of a scenario, as slides. */
export function lessonSlides(scenario: Scenario): Slide[] {
  const out: Slide[] = [];
  scenario.steps.forEach((s, i) => {
    if (s.do === 'narrate') out.push({ at: s.at, text: s.text, view: s.view ?? null, step: i });
  });
  return out;
}
