// The lesson panel beside the views: pick a lesson, read its narration, step Back and Next
// (space, arrows, PageUp/PageDown: what presenter remotes send), see the lesson's outline, and
// at the end take the "now you try" challenge, checked live on the state model. It also opens
// lesson or scenario files and share links, and copies a link to the current step.
// Invariant: a slide shows the view store's state at the slide's cluster time, rebuilt from
// checkpoints (the store's seekTime), so Back and Next show identical states every time.
import { useEffect, useRef, useState, useSyncExternalStore, type ChangeEvent } from 'react';
import { useStore } from 'zustand';
import { ChallengeTracker } from '../../lessons/goals.ts';
import { encodeFileLink, encodeLessonLink } from '../../lessons/link.ts';
import type { TraceEvent } from '../../trace/events.ts';
import { plGet } from '../../state/plist.ts';
import type { ViewState } from '../../state/model.ts';
import { useEngine, useHost, useViewStore } from '../context.ts';
import { notify } from '../notices.ts';
import { useShortcut } from '../shortcuts.ts';
import {
  closeLessons,
  fetchIndex,
  fetchLesson,
  goToSlide,
  lessonStore,
  loadLessonText,
  playLessonLive,
  slideAt,
  slideCount,
  slideTime,
  startLesson,
  type LessonEntry,
} from './lessonStore.ts';
import './lessons.css';

/** The raw events folded into `view` after `afterSeq`, oldest first (from its recent events). */
function eventsAfter(view: ViewState, afterSeq: number): TraceEvent[] {
  const list = view.checks.events;
  const out: TraceEvent[] = [];
  for (let i = list.length - 1; i >= 0; i--) {
    const e = plGet(list, i)!;
    if (e.seq <= afterSeq) break;
    out.push(e);
  }
  return out.reverse();
}

/** Show the slide's state: fold what has arrived, then seek the view store to the slide's time. */
function useSlideView(): void {
  const store = useViewStore();
  const engine = useEngine();
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const slide = useStore(lessonStore, (s) => s.slide);
  const phase = useStore(lessonStore, (s) => s.phase);
  useEffect(() => {
    if (lesson === null || phase === 'starting' || phase === 'live') return;
    const onChallenge = phase === 'challenge' && slide === slideCount(lesson) - 1;
    if (onChallenge) {
      // The challenge runs at real speed from where the lesson ended.
      store.getState().seek(null);
      void engine
        ?.command({ type: 'speed', speed: 1 })
        .then(() => engine.command({ type: 'resume' }));
      return;
    }
    if (phase === 'challenge') void engine?.command({ type: 'pause' });
    const t = slideTime(lesson, slide);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const show = (tries: number): void => {
      store.getState().flush();
      // The worker's last batches may still be on their way to the page.
      if (store.getState().timeline.current.t < t && tries > 0) {
        timer = setTimeout(() => show(tries - 1), 50);
        return;
      }
      store.getState().seekTime(t);
    };
    show(100);
    return () => {
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, engine, lesson, slide, phase]);
}

/** Check the challenge on every new state while it runs. */
function useChallengeCheck(): void {
  const store = useViewStore();
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const phase = useStore(lessonStore, (s) => s.phase);
  useEffect(() => {
    const goal = lesson?.meta?.challenge.goal;
    if (lesson === null || goal === undefined || phase !== 'challenge') return;
    const baseline = store.getState().timeline.stateAtTime(lesson.scenario.durationMs - 1);
    const tracker = new ChallengeTracker(goal, baseline);
    let seen = baseline.seq;
    const check = (view: ViewState): void => {
      if (view.seq <= seen) return;
      const status = tracker.observe(eventsAfter(view, seen), view);
      seen = view.seq;
      const was = lessonStore.getState().status;
      if (was?.done !== status.done || was.detail !== status.detail) {
        lessonStore.setState({ status });
        if (status.done) notify(`Challenge solved: ${status.detail}`);
      }
    };
    lessonStore.setState({ status: tracker.status });
    check(store.getState().timeline.current);
    return store.subscribe((s) => {
      if (s.cursor === null) check(s.view);
    });
  }, [store, lesson, phase]);
}

/** On a live run, the narration follows the cluster's clock: the last slide begun. */
function useLiveNarration(): void {
  const store = useViewStore();
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const running = useStore(lessonStore, (s) => s.phase === 'live' && s.live?.state === 'running');
  useEffect(() => {
    if (lesson === null || !running) return;
    const follow = (t: number): void => {
      const slide = slideAt(lesson, t);
      if (lessonStore.getState().slide !== slide) lessonStore.setState({ slide });
    };
    follow(store.getState().head.t);
    return store.subscribe((s) => follow(s.head.t));
  }, [store, lesson, running]);
}

/** The end of a live run: the lesson's checks as they came out on real Workers. */
function LiveResult() {
  const live = useStore(lessonStore, (s) => s.live);
  if (live === null || live.state === 'running') return null;
  if (live.state === 'failed') {
    return (
      <p id="lesson-live-result" className="lesson-error" role="alert" data-ok="false">
        The live run stopped: {live.error}
      </p>
    );
  }
  const failed = live.checks.filter((c) => !c.passed);
  const ok = failed.length === 0 && live.stepErrors.length === 0;
  return (
    <div id="lesson-live-result" className="lesson-live-result" data-ok={ok} role="status">
      <h3>On the live cluster</h3>
      <p className="lesson-text">
        {ok
          ? `Every one of the lesson's ${live.checks.length} checks passed on real Workers and IndexedDB.`
          : `${live.checks.length - failed.length} of ${live.checks.length} checks passed. Real ` +
            'Workers keep their own time, so a step can land a little earlier or later than in ' +
            'the simulator and the story can turn out otherwise:'}
      </p>
      {!ok && (
        <ul className="lesson-live-failures">
          {failed.map((c, i) => (
            <li key={i}>
              {c.that}: {c.detail}
            </li>
          ))}
          {live.stepErrors.map((e, i) => (
            <li key={`s${i}`}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function LessonPicker({ index }: { index: LessonEntry[] | null }) {
  const host = useHost();
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const current = lesson?.source.kind === 'builtin' ? String(lesson.source.number) : '';
  const file = useRef<HTMLInputElement>(null);
  const open = (n: string): void => {
    const entry = index?.find((e) => String(e.number) === n);
    if (entry === undefined || host === null) return;
    void fetchLesson(entry).then((r) => {
      if (!r.ok) lessonStore.setState({ error: r.errors.join('\n') });
      else void startLesson(host, r.lesson);
    });
  };
  const onFile = (ev: ChangeEvent<HTMLInputElement>): void => {
    const f = ev.target.files?.[0];
    ev.target.value = '';
    if (f === undefined || host === null) return;
    void f.text().then((text) => {
      const r = loadLessonText(text, { kind: 'text', text });
      if (!r.ok) {
        notify(`${f.name} is not a valid lesson or scenario: ${r.errors[0]}`, 'error');
        lessonStore.setState({ error: `${f.name}:\n${r.errors.join('\n')}` });
      } else void startLesson(host, r.lesson);
    });
  };
  return (
    <div className="lesson-picker">
      <label htmlFor="lesson-select">Lesson</label>
      <select id="lesson-select" value={current} onChange={(e) => open(e.target.value)}>
        <option value="" disabled>
          {index === null ? 'loading…' : 'choose a lesson'}
        </option>
        {(index ?? []).map((e) => (
          <option key={e.number} value={String(e.number)}>
            {e.number}. {e.title}
          </option>
        ))}
      </select>
      <button id="lesson-open-file" type="button" onClick={() => file.current?.click()}>
        Open file…
      </button>
      <input
        ref={file}
        id="lesson-file"
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        aria-label="Open a lesson or scenario file (.json)"
        onChange={onFile}
      />
    </div>
  );
}

function copyLink(): void {
  const { lesson, slide } = lessonStore.getState();
  if (lesson === null) return;
  const hash =
    lesson.source.kind === 'builtin'
      ? encodeLessonLink(lesson.source.number, slide + 1)
      : encodeFileLink(lesson.source.text);
  const url = `${location.origin}${location.pathname}#${hash}`;
  history.replaceState(null, '', `#${hash}`);
  navigator.clipboard
    ?.writeText(url)
    .then(() => notify('Link copied.'))
    .catch(() => notify(`Link: ${url}`));
}

function Challenge() {
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const phase = useStore(lessonStore, (s) => s.phase);
  const status = useStore(lessonStore, (s) => s.status);
  const hint = useStore(lessonStore, (s) => s.showHint);
  if (lesson === null) return null;
  const c = lesson.meta?.challenge;
  if (c === undefined) {
    return <p className="lesson-text">The end of this scenario: the cluster is yours.</p>;
  }
  return (
    <div className="lesson-challenge">
      <h3>Now you try</h3>
      <p className="lesson-text">{c.text}</p>
      {phase === 'ready' && (
        <button
          id="challenge-start"
          type="button"
          className="primary"
          onClick={() => lessonStore.setState({ phase: 'challenge' })}
        >
          Start the challenge
        </button>
      )}
      {phase === 'challenge' && status !== null && (
        <p
          id="challenge-status"
          className={status.done ? 'challenge-done' : 'muted'}
          role="status"
          data-done={status.done}
        >
          {status.done ? `Solved: ${status.detail}` : status.detail}
        </p>
      )}
      {c.hint !== undefined &&
        (hint ? (
          <p className="muted">Hint: {c.hint}</p>
        ) : (
          <button type="button" onClick={() => lessonStore.setState({ showHint: true })}>
            Show a hint
          </button>
        ))}
    </div>
  );
}

function Outline() {
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const slide = useStore(lessonStore, (s) => s.slide);
  if (lesson === null) return null;
  return (
    <ol className="lesson-outline" aria-label="Lesson outline">
      {lesson.slides.map((s, i) => (
        <li key={i} aria-current={i === slide ? 'step' : undefined}>
          <button type="button" onClick={() => goToSlide(i)}>
            <span className="muted">{(s.at / 1000).toFixed(1)} s</span> {firstWords(s.text)}
          </button>
        </li>
      ))}
      <li aria-current={slide === lesson.slides.length ? 'step' : undefined}>
        <button type="button" onClick={() => goToSlide(lesson.slides.length)}>
          {lesson.meta ? 'Now you try' : 'The end'}
        </button>
      </li>
    </ol>
  );
}

function firstWords(text: string): string {
  return text.length <= 56 ? text : `${text.slice(0, 54).replace(/\s+\S*$/, '')}…`;
}

/** The panel; nothing when no lesson panel is open. */
export function LessonPanel() {
  const host = useHost();
  const open = useStore(lessonStore, (s) => s.open);
  const index = useStore(lessonStore, (s) => s.index);
  const lesson = useStore(lessonStore, (s) => s.lesson);
  const slide = useStore(lessonStore, (s) => s.slide);
  const phase = useStore(lessonStore, (s) => s.phase);
  const error = useStore(lessonStore, (s) => s.error);
  const [outline, setOutline] = useState(false);
  useSlideView();
  useChallengeCheck();
  useLiveNarration();
  const live = useStore(lessonStore, (s) => s.live);
  useEffect(() => {
    if (!open || index !== null) return;
    fetchIndex()
      .then((list) => lessonStore.setState({ index: list }))
      .catch((err: unknown) => lessonStore.setState({ error: String(err) }));
  }, [open, index]);
  const active = open && lesson !== null && phase !== 'starting' && phase !== 'live';
  const next = (): void => goToSlide(slide + 1);
  const back = (): void => goToSlide(slide - 1);
  useShortcut(' ', 'Next lesson step', 'Lesson', next, active, 1);
  useShortcut('ArrowRight', 'Next lesson step', 'Lesson', next, active, 1);
  useShortcut('PageDown', 'Next lesson step', 'Lesson', next, active, 1);
  useShortcut('ArrowLeft', 'Previous lesson step', 'Lesson', back, active, 1);
  useShortcut('PageUp', 'Previous lesson step', 'Lesson', back, active, 1);
  if (!open) return null;
  const count = lesson === null ? 0 : slideCount(lesson);
  const current = lesson !== null && slide < lesson.slides.length ? lesson.slides[slide] : null;
  return (
    <aside className="lesson-panel" aria-label="Lesson" id="lesson-panel">
      <div className="lesson-head">
        <h2 className="lesson-title">
          {lesson === null
            ? 'Lessons'
            : lesson.meta
              ? `${lesson.meta.number}. ${lesson.meta.title}`
              : lesson.scenario.name}
        </h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close the lesson panel"
          onClick={closeLessons}
        >
          ×
        </button>
      </div>
      {host !== null && <LessonPicker index={index} />}
      {error !== null && (
        <pre id="lesson-error" className="lesson-error" role="alert">
          {error}
        </pre>
      )}
      {lesson !== null && (
        <>
          <div className="lesson-body" aria-live="polite">
            {phase === 'live' && (
              <p className="muted lesson-live-note" id="lesson-live-note">
                {live?.state === 'running'
                  ? 'Playing on the live cluster (real Workers, IndexedDB): the narration follows ' +
                    'its clock and timing is best effort. Back and Next are exact in the simulator.'
                  : 'Played on the live cluster. Back and Next are exact in the simulator.'}
              </p>
            )}
            {phase === 'starting' ? (
              <p className="muted" id="lesson-loading">
                Running the lesson in the simulator…
              </p>
            ) : phase === 'live' && current === null ? (
              <LiveResult />
            ) : current !== null ? (
              <p className="lesson-text" id="lesson-text" data-view={current.view ?? ''}>
                {current.text}
              </p>
            ) : (
              <Challenge />
            )}
          </div>
          <div className="lesson-nav">
            <button id="lesson-back" type="button" onClick={back} disabled={!active || slide === 0}>
              ← Back
            </button>
            <span id="lesson-step" className="lesson-count">
              {slide + 1} / {count}
            </span>
            <button
              id="lesson-next"
              type="button"
              className="primary"
              onClick={next}
              disabled={!active || slide >= count - 1}
            >
              Next →
            </button>
          </div>
          <div className="lesson-tools">
            <button type="button" onClick={() => setOutline((o) => !o)} aria-expanded={outline}>
              Outline
            </button>
            <button id="lesson-link" type="button" onClick={copyLink}>
              Copy link
            </button>
            {host?.runScenario !== undefined &&
              (phase === 'live' ? (
                <button
                  id="lesson-exact"
                  type="button"
                  onClick={() => void startLesson(host, lesson)}
                  disabled={live?.state === 'running'}
                  title="Run the lesson in the simulator again, where Back and Next are exact"
                >
                  Back to the simulator
                </button>
              ) : (
                <button
                  id="lesson-live"
                  type="button"
                  onClick={() => void playLessonLive(host)}
                  disabled={phase === 'starting'}
                  title="Play this lesson on real Workers and IndexedDB (best-effort timing)"
                >
                  Play on live cluster
                </button>
              ))}
            <button
              id="lesson-present"
              type="button"
              onClick={() => lessonStore.setState((s) => ({ presenting: !s.presenting }))}
              title="Presentation mode (p)"
            >
              Present
            </button>
          </div>
          {outline && <Outline />}
        </>
      )}
    </aside>
  );
}

/** The view the current slide points at, for the page's highlight ('' when none). */
export function useLessonView(): string {
  return useSyncExternalStore(lessonStore.subscribe, () => {
    const { open, lesson, slide, phase } = lessonStore.getState();
    if (!open || lesson === null || phase === 'starting') return '';
    return lesson.slides[slide]?.view ?? '';
  });
}
