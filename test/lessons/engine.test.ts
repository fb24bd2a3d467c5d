// A lesson on the simulated engine's host (what the page runs in its worker) gives the same
// trace, event for event, as the simulator's scenario runner the lesson tests use; and moving
// through a lesson's steps with the view store (Back, then Next) gives identical states.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimHost } from '../../src/engine/simHost.ts';
import { parseSimulatedOptions } from '../../src/engine/options.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { createViewStore, immediateScheduler } from '../../src/state/store.ts';
import { statusText } from '../../src/state/statusText.ts';
import { parseLessonText } from '../../src/lessons/format.ts';
import { lessonSlides } from '../../src/lessons/slides.ts';

const DIR = join(import.meta.dirname, '..', '..', 'public', 'lessons');

function lesson(file: string) {
  const r = parseLessonText(readFileSync(join(DIR, file), 'utf8'));
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.lesson;
}

describe('lessons on the simulated engine', () => {
  it('the engine host runs a lesson exactly as the scenario runner does', () => {
    const l = lesson('05-figure8.json');
    const host = new SimHost(parseSimulatedOptions({ scenario: l.scenario, speed: 'max' }));
    host.advanceTo(l.scenario.durationMs);
    const fromEngine = host.drain();
    const fromRunner = runScenario(l.scenario).trace!.events();
    const upTo = fromRunner.filter((e) => e.t <= l.scenario.durationMs);
    expect(fromEngine.length).toBeGreaterThan(100);
    expect(fromEngine).toEqual(upTo);
    expect(host.header().initial).toEqual(l.scenario.initial);
  });

  it('refuses an invalid scenario, naming the field, and other options beside it', () => {
    expect(() =>
      parseSimulatedOptions({ scenario: { name: 'x', cluster: { nodes: 0 }, steps: [] } }),
    ).toThrow(/scenario: cluster\.nodes: /);
    const l = lesson('01-elections.json');
    expect(() => parseSimulatedOptions({ scenario: l.scenario, nodes: 3 })).toThrow(
      /nodes: not allowed with scenario/,
    );
  });

  it('Back then Next gives identical states (the store rebuilds them from checkpoints)', () => {
    const l = lesson('04-partitions.json');
    const host = new SimHost(parseSimulatedOptions({ scenario: l.scenario, speed: 'max' }));
    host.advanceTo(l.scenario.durationMs);
    const store = createViewStore({
      groups: l.scenario.cluster.groups,
      scheduler: immediateScheduler,
      every: 64,
    });
    store.getState().ingest(host.drain());
    const slides = lessonSlides(l.scenario);
    expect(slides.length).toBeGreaterThan(3);
    const at = (i: number) => {
      store.getState().seekTime(slides[i].at);
      const v = store.getState().view;
      return { seq: v.seq, t: v.t, text: statusText(v, l.scenario.cluster.groups), v };
    };
    const forward = slides.map((_, i) => at(i));
    // Different steps show different states, so equality below means something.
    expect(new Set(forward.map((s) => s.text)).size).toBeGreaterThan(2);
    for (let i = slides.length - 1; i > 0; i--) {
      at(i - 1); // Back
      const next = at(i); // Next
      expect(next.seq).toBe(forward[i].seq);
      expect(next.text).toBe(forward[i].text);
      expect(next.v.nodes).toEqual(forward[i].v.nodes);
      expect(next.v.network).toEqual(forward[i].v.network);
    }
  });
});
