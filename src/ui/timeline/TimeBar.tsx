// The time bar under the views, on every engine: a track of cluster time with marks (elections,
// faults, failed requests, invariant violations, one lane each), a cursor to drag or click, play
// and pause of the past at a chosen speed, one-event steps, jumps to the next or previous mark
// of a kind, "back to live", and on the simulated engine the branch switcher (acting in the past
// forks the run: actInPast.ts). Every view reads the store's `view`, so moving the cursor moves
// them all; the engine keeps running and its events keep folding into the head meanwhile.
// On the replay engine the track spans the whole recorded trace: the part the replay has not
// shown yet is shaded, and seeking into it moves the replay forward (its events fold as they
// come); play, when live, plays the replay itself.
// Invariants: the bar has one fixed height and fixed-width controls and readouts (tabular
// numbers), so nothing jumps as time passes or the cursor moves; every control has a label and
// a key (registered in the `?` overlay); the track is a slider for screen readers.
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent as ReactPointerEvent,
} from 'react';
import type { ReplayEngine } from '../../engine/replay.ts';
import type { Engine } from '../../engine/types.ts';
import { MARK_KINDS, MARK_LABELS, type MarkKind } from '../../state/marks.ts';
import { useEngine, useViewStore } from '../context.ts';
import { useShortcut } from '../shortcuts.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import { BranchSwitcher } from './BranchSwitcher.tsx';
import { formatTime, LANES, markPath, ticks, timeAt, trackSpan, unitOf, xOf } from './track.ts';
import { PLAY_SPEEDS, usePlayback } from './usePlayback.ts';
import './timeline.css';

/** The track's drawing: lanes of marks above, tick labels below (px). */
const LANE_H = 5;
const LANES_TOP = 3;
const TRACK_H = LANES_TOP + LANES.length * LANE_H + 2;
const SVG_H = TRACK_H + 14;

/** The width of an element, kept up to date. */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/**
 * The cursor's time and whether it is live, the head's span, for the whole bar. While live the
 * bar follows the head ten times a second (under load a batch folds every frame, and the head
 * moves less than a pixel per frame); scrubbing follows at once.
 */
function useCursor() {
  return useThrottledSel(
    (s) => ({
      cursor: s.cursor,
      t: s.view.t,
      headT: s.head.t,
      headSeq: s.head.seq,
      firstT: s.head.firstT,
      size: s.head.size,
    }),
    CURSOR_UPDATE_MS,
    [],
  );
}

const CURSOR_UPDATE_MS = 100;

/** The replay engine behind `engine`, if it is one. */
function replayOf(engine: Engine | null): ReplayEngine | null {
  return engine?.kind === 'replay' ? (engine as ReplayEngine) : null;
}

/** The cluster time the whole recorded trace spans (replay only), or null. */
function recordedSpan(replay: ReplayEngine | null): { first: number; last: number } | null {
  const all = replay?.all();
  if (all === undefined || all.length === 0) return null;
  return { first: all[0].t, last: all[all.length - 1].t };
}

/**
 * Show time `t`: the store's cursor, or on a replay past what it has shown, the replay moved
 * forward to `t` (the views follow its head).
 */
function seekTo(store: ReturnType<typeof useViewStore>, replay: ReplayEngine | null, t: number) {
  const st = store.getState();
  if (replay !== null && t > st.head.t) {
    st.seek(null);
    void replay.command({ type: 'seek', t });
    return;
  }
  st.seekTime(t);
}

function Track({ announce }: { announce: (text: string) => void }) {
  const store = useViewStore();
  const replay = replayOf(useEngine());
  const { cursor, t, headT, headSeq, firstT, size } = useCursor();
  const [box, width] = useWidth();
  const recorded = recordedSpan(replay);
  const span =
    recorded === null
      ? trackSpan(firstT, headT)
      : trackSpan(size === 0 ? recorded.first : Math.min(firstT, recorded.first), recorded.last);
  const unplayedX = recorded !== null && headT < recorded.last ? xOf(span, width, headT) : null;
  const long = unitOf(span.end);
  const live = cursor === null;
  const cursorT = live ? headT : t;
  const x = xOf(span, width, cursorT);
  // Marks change only with the head; recomputed per new batch (one pass over each list).
  const paths = useMemo(
    () =>
      LANES.map((kind, i) => ({
        kind,
        ...markPath(
          store.getState().timeline.marks(kind),
          span,
          width,
          LANES_TOP + i * LANE_H,
          LANES_TOP + (i + 1) * LANE_H - 1,
        ),
      })),
    // headSeq stands for the timeline's contents (it is mutated in place as events fold).
    [store, headSeq, size, span.start, span.end, width],
  );
  const tickList = useMemo(() => ticks(span, width), [span.start, span.end, width]);
  const dragging = useRef(false);
  const pending = useRef<number | null>(null);
  const frame = useRef(0);

  const seekX = (clientX: number): void => {
    const el = box.current;
    if (el === null) return;
    const rect = el.getBoundingClientRect();
    pending.current = timeAt(span, width, clientX - rect.left);
    if (frame.current !== 0) return;
    // One seek per frame however fast the pointer moves.
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (pending.current !== null) seekTo(store, replay, pending.current);
      pending.current = null;
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const onPointerDown = (ev: ReactPointerEvent<HTMLDivElement>): void => {
    if (ev.button !== 0) return;
    dragging.current = true;
    ev.currentTarget.setPointerCapture(ev.pointerId);
    ev.currentTarget.focus();
    seekX(ev.clientX);
  };
  const onPointerMove = (ev: ReactPointerEvent<HTMLDivElement>): void => {
    if (dragging.current) seekX(ev.clientX);
  };
  const onPointerUp = (ev: ReactPointerEvent<HTMLDivElement>): void => {
    dragging.current = false;
    if (ev.currentTarget.hasPointerCapture(ev.pointerId)) {
      ev.currentTarget.releasePointerCapture(ev.pointerId);
    }
  };
  const onKey = (ev: KeyboardEvent<HTMLDivElement>): void => {
    const st = store.getState();
    const at = st.cursor === null ? st.head.t : st.view.t;
    let handled = true;
    if (ev.key === 'ArrowLeft') {
      if (ev.shiftKey) st.seekTime(at - 1000);
      else st.step(-1);
    } else if (ev.key === 'ArrowRight') {
      if (ev.shiftKey) seekTo(store, replay, at + 1000);
      else st.step(1);
    } else if (ev.key === 'PageUp') st.seekTime(at - 10_000);
    else if (ev.key === 'PageDown') seekTo(store, replay, at + 10_000);
    else if (ev.key === 'Home') {
      st.seek((st.timeline.firstSeq ?? 1) - 1);
      announce('The start of the trace held');
    } else if (ev.key === 'End') {
      st.seek(null);
      announce('Live');
    } else handled = false;
    if (handled) {
      ev.preventDefault();
      ev.stopPropagation();
    }
  };

  const valueText = live
    ? `live, ${formatTime(headT, long)}`
    : `${formatTime(cursorT, long)} of ${formatTime(headT, long)}, in the past`;
  return (
    <div
      ref={box}
      id="timebar-track"
      className={`timebar-track${live ? ' is-live' : ''}`}
      role="slider"
      tabIndex={0}
      aria-label="Cluster time (← → one event, Shift one second, Home start, End live)"
      aria-valuemin={Math.floor(span.start)}
      aria-valuemax={Math.ceil(span.end)}
      aria-valuenow={Math.round(cursorT)}
      aria-valuetext={valueText}
      aria-disabled={size === 0 && recorded === null}
      data-seq={cursor ?? headSeq}
      data-t={Math.round(cursorT)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onKeyDown={onKey}
    >
      {width > 0 && (
        <svg width={width} height={SVG_H} aria-hidden="true" className="timebar-svg">
          <rect className="timebar-bg" x={0} y={0} width={width} height={TRACK_H} rx={3} />
          {unplayedX !== null && (
            <rect
              className="timebar-unplayed"
              x={unplayedX}
              y={0}
              width={Math.max(0, width - unplayedX)}
              height={TRACK_H}
            >
              <title>Not replayed yet: click or drag here to replay up to that moment</title>
            </rect>
          )}
          {!live && (
            <rect
              className="timebar-future"
              x={x}
              y={0}
              width={Math.max(0, width - x)}
              height={TRACK_H}
            />
          )}
          {paths.map((p) => (
            <path key={p.kind} className={`timebar-mark mark-${p.kind}`} d={p.d}>
              <title>
                {p.count} {p.count === 1 ? MARK_LABELS[p.kind].one : MARK_LABELS[p.kind].many}
              </title>
            </path>
          ))}
          {tickList.map((tk) => (
            <g key={tk.t} transform={`translate(${tk.x},0)`} className="timebar-tick">
              <line y1={TRACK_H} y2={TRACK_H + 3} />
              <text
                y={SVG_H - 1}
                textAnchor={tk.x < 20 ? 'start' : tk.x > width - 20 ? 'end' : 'middle'}
              >
                {tk.label}
              </text>
            </g>
          ))}
          <g className="timebar-cursor" transform={`translate(${Math.round(x) + 0.5},0)`}>
            <line y1={-1} y2={TRACK_H + 1} />
            <rect x={-3} y={-1} width={6} height={5} rx={1} />
          </g>
        </svg>
      )}
    </div>
  );
}

const SPEED_TEXT = (s: number): string => `${s}×`;

export function TimeBar() {
  const store = useViewStore();
  const engine = useEngine();
  const { cursor, t, headT, size } = useCursor();
  const playback = usePlayback(store);
  const [kind, setKind] = useState<MarkKind>('election');
  const [said, setSaid] = useState('');
  const live = cursor === null;
  const long = unitOf(headT);
  const none = engine === null || (size === 0 && !(engine.kind === 'replay'));

  const announce = (text: string): void => setSaid(text);
  const step = (delta: number): void => {
    playback.stop();
    const r = store.getState().step(delta);
    if (r === null) announce('Live');
  };
  const jump = (dir: 1 | -1): void => {
    playback.stop();
    const label = MARK_LABELS[kind];
    const seq = store.getState().jump(kind, dir);
    const st = store.getState();
    if (seq === null) announce(`No ${dir === 1 ? 'later' : 'earlier'} ${label.one}`);
    else announce(`${label.one} at ${formatTime(st.view.t, unitOf(st.head.t))}`);
  };
  const toLive = (): void => {
    playback.stop();
    store.getState().seek(null);
    announce('Live');
  };
  const replay = replayOf(engine);
  const playing = playback.playing || (live && replay !== null && replay.isPlaying);
  const playLabel = live && replay !== null ? 'Play the replay (k)' : 'Play the past forward (k)';
  const togglePlay = (): void => {
    if (playback.toggle()) return;
    // Live on a replay: play or pause the replay itself.
    if (replay !== null && replay.cursor < replay.all().length) {
      void replay.command({ type: replay.isPlaying ? 'pause' : 'resume' });
      return;
    }
    announce('Already live: step or jump back first');
  };
  const cycleKind = (): void => {
    const next = MARK_KINDS[(MARK_KINDS.indexOf(kind) + 1) % MARK_KINDS.length];
    setKind(next);
    announce(`Jumps go to ${MARK_LABELS[next].many}`);
  };

  useShortcut(',', 'Step one event back', 'Time', () => step(-1), !none);
  useShortcut('.', 'Step one event forward', 'Time', () => step(1), !none);
  useShortcut('[', 'Jump to the previous mark of the chosen kind', 'Time', () => jump(-1), !none);
  useShortcut(']', 'Jump to the next mark of the chosen kind', 'Time', () => jump(1), !none);
  useShortcut('j', 'Choose what jumps go to (elections, faults, ...)', 'Time', cycleKind, !none);
  useShortcut('k', 'Play or pause the past', 'Time', togglePlay, !none);
  useShortcut('End', 'Back to live', 'Time', toLive, !none);

  return (
    <section className="timebar" aria-label="Time bar" id="timebar">
      <div className="timebar-controls">
        <button
          id="timebar-step-back"
          type="button"
          className="icon-button"
          onClick={() => step(-1)}
          disabled={none}
          aria-label="Step one event back (,)"
          title="Step one event back (,)"
        >
          ‹
        </button>
        <button
          id="timebar-play"
          type="button"
          className="timebar-play"
          onClick={togglePlay}
          disabled={none || (live && !playback.playing && replay === null)}
          aria-pressed={playing}
          aria-label={playing ? 'Pause (k)' : playLabel}
          title={playing ? 'Pause (k)' : playLabel}
        >
          {playing ? '❚❚' : '▶'}
        </button>
        <button
          id="timebar-step-forward"
          type="button"
          className="icon-button"
          onClick={() => step(1)}
          disabled={none || live}
          aria-label="Step one event forward (.)"
          title="Step one event forward (.)"
        >
          ›
        </button>
        <select
          id="timebar-speed"
          aria-label="Playback speed"
          title="Playback speed"
          value={String(playback.speed)}
          onChange={(ev) => playback.setSpeed(Number(ev.target.value))}
        >
          {PLAY_SPEEDS.map((s) => (
            <option key={s} value={String(s)}>
              {SPEED_TEXT(s)}
            </option>
          ))}
        </select>
      </div>
      <div className="timebar-jumps" role="group" aria-label="Jump to a mark">
        <button
          id="timebar-jump-prev"
          type="button"
          className="icon-button"
          onClick={() => jump(-1)}
          disabled={none}
          aria-label={`Previous ${MARK_LABELS[kind].one} ([)`}
          title={`Previous ${MARK_LABELS[kind].one} ([)`}
        >
          «
        </button>
        <select
          id="timebar-kind"
          aria-label="Jumps go to (j)"
          title="What the jump buttons go to (j)"
          value={kind}
          onChange={(ev) => setKind(ev.target.value as MarkKind)}
          className={`kind-${kind}`}
        >
          {MARK_KINDS.map((k) => (
            <option key={k} value={k}>
              {MARK_LABELS[k].many}
            </option>
          ))}
        </select>
        <button
          id="timebar-jump-next"
          type="button"
          className="icon-button"
          onClick={() => jump(1)}
          disabled={none}
          aria-label={`Next ${MARK_LABELS[kind].one} (])`}
          title={`Next ${MARK_LABELS[kind].one} (])`}
        >
          »
        </button>
      </div>
      <Track announce={announce} />
      <span id="timebar-time" className="timebar-time" aria-hidden="true">
        {none
          ? '–'
          : live
            ? formatTime(headT, long)
            : `${formatTime(t, long)} / ${formatTime(headT, long)}`}
      </span>
      <button
        id="timebar-live"
        type="button"
        className={`timebar-live${live ? ' is-live' : ' primary'}`}
        onClick={toLive}
        disabled={live}
        aria-label={live ? 'Live: showing the newest state' : 'Back to live (End)'}
        title={live ? 'Showing the newest state' : 'Back to live (End)'}
      >
        {live ? '● Live' : 'Back to live'}
      </button>
      {engine?.kind === 'simulated' && <BranchSwitcher engine={engine} />}
      <span className="visually-hidden" role="status" aria-live="polite" id="timebar-said">
        {said}
      </span>
    </section>
  );
}
