// What a lesson changes around the views: the Lessons button in the top bar, presentation mode
// (`p`: large type, secondary panels hidden, a pointer highlight), the highlight of the view a
// slide points at, and opening share links (#lesson=N&step=M, #scenario=…) on load and when the
// hash changes. A link is validated exactly like an uploaded file; a bad one opens the panel
// with the error and a notice, and leaves the page as it was.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import type { PageHost } from '../../engine/types.ts';
import { decodeLink } from '../../lessons/link.ts';
import { notify } from '../notices.ts';
import { useShortcut } from '../shortcuts.ts';
import { useLessonView } from './LessonPanel.tsx';
import {
  fetchIndex,
  fetchLesson,
  lessonStore,
  loadLessonText,
  startLesson,
} from './lessonStore.ts';

/** The app root's class and the highlighted view, for App's grid. */
export function useLessonFrame(): { className: string; view: string } {
  const open = useStore(lessonStore, (s) => s.open);
  const presenting = useStore(lessonStore, (s) => s.presenting);
  const view = useLessonView();
  // While the lesson panel is open, `p` is presentation mode (over the node's pause).
  useShortcut(
    'p',
    'Presentation mode on/off',
    'Lesson',
    () => lessonStore.setState((s) => ({ presenting: !s.presenting })),
    open,
    1,
  );
  const classes = [open ? 'lesson-open' : '', presenting ? 'presenting' : ''];
  return { className: classes.filter(Boolean).join(' '), view };
}

/** A soft disc that follows the mouse in presentation mode, for the audience to follow. */
export function PointerHighlight() {
  const presenting = useStore(lessonStore, (s) => s.presenting);
  const [at, setAt] = useState<{ x: number; y: number } | null>(null);
  useEffect(() => {
    if (!presenting) return;
    const move = (ev: PointerEvent): void => setAt({ x: ev.clientX, y: ev.clientY });
    window.addEventListener('pointermove', move);
    return () => window.removeEventListener('pointermove', move);
  }, [presenting]);
  if (!presenting || at === null) return null;
  return (
    <div
      className="pointer-highlight"
      aria-hidden="true"
      style={{ transform: `translate(${at.x - 28}px, ${at.y - 28}px)` }}
    />
  );
}

/** The top bar's button that opens and closes the lesson panel. */
export function LessonsButton() {
  const open = useStore(lessonStore, (s) => s.open);
  return (
    <button
      id="lessons-toggle"
      type="button"
      aria-pressed={open}
      onClick={() => lessonStore.setState((s) => ({ open: !s.open }))}
    >
      Lessons
    </button>
  );
}

function useHash(): string {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener('hashchange', cb);
      return () => window.removeEventListener('hashchange', cb);
    },
    () => location.hash,
  );
}

function fail(message: string): void {
  notify(message, 'error');
  lessonStore.setState({ open: true, error: message });
}

/** Open the lesson or file a link names, once the page host is there. */
export function useLessonLink(host: PageHost | null): void {
  const hash = useHash();
  useEffect(() => {
    if (host === null) return;
    const target = decodeLink(hash);
    if (target.kind === 'none') return;
    if (target.kind === 'error') {
      fail(target.message);
      return;
    }
    if (target.kind === 'file') {
      const r = loadLessonText(target.text, { kind: 'text', text: target.text });
      if (!r.ok) fail(`link: the file it carries is invalid:\n${r.errors.join('\n')}`);
      else void startLesson(host, r.lesson);
      return;
    }
    const current = lessonStore.getState().lesson;
    if (current?.source.kind === 'builtin' && current.source.number === target.lesson) {
      lessonStore.setState({ slide: target.step - 1, open: true });
      return;
    }
    void fetchIndex()
      .then(async (index) => {
        lessonStore.setState({ index });
        const entry = index.find((e) => e.number === target.lesson);
        if (entry === undefined) {
          fail(`link: there is no lesson ${target.lesson} (lessons 1 to ${index.length})`);
          return;
        }
        const r = await fetchLesson(entry);
        if (!r.ok) fail(r.errors.join('\n'));
        else await startLesson(host, r.lesson, target.step - 1);
      })
      .catch((err: unknown) => fail(`link: ${String(err)}`));
  }, [host, hash]);
}
