// The space-time diagram tab: one lane per node, message arrows from send to receipt (lost ones
// end in a cross), role bars, faults, commits and client requests, on a canvas that draws only
// the window in view. Wheel zooms and drag pans (d3-zoom, time axis only); +/−/arrows/0 do the
// same from the keyboard. It shares the time cursor and the selection with the other views:
// clicking an arrow moves the cursor to its send and selects the message (the cluster view shows
// its details), clicking a request selects it, clicking elsewhere moves the cursor there.
// Invariants: reads events only from the view store's timeline (never the engine); the diagram
// data is rebuilt when the timeline is replaced or dropped its oldest events, else extended by
// what is new; at most one frame is drawn per animation frame.
import { select } from 'd3';
import { zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3';
import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from 'react';
import type { ViewStore } from '../../state/store.ts';
import { selectedGroupOf, useEngine, useSel, useViewStore } from '../context.ts';
import { CSS_FG, kindColor, KIND_LABELS, MESSAGE_KINDS } from '../viz/messages.ts';
import { drawSpacetime, frameGeometry, GUTTER_PX, type Frame } from './draw.ts';
import { hitTest, SpacetimeBuilder, visibleArrows, visibleMarks } from './layout.ts';
import './spacetime.css';
import { formatCount, readPalette, type Palette } from '../theme.ts';

/** Keeps a SpacetimeBuilder in step with the store's timeline. */
class TimelineFollower {
  private builder: SpacetimeBuilder;
  private source: unknown = null;
  private taken = 0;

  constructor(private lanes: readonly string[]) {
    this.builder = new SpacetimeBuilder(lanes);
  }

  sync(store: ViewStore): SpacetimeBuilder {
    const tl = store.getState().timeline;
    const held = tl.held;
    const first = tl.firstSeq;
    const stale =
      tl !== this.source ||
      held.length < this.taken ||
      (first !== null && first !== this.builder.data.firstSeq);
    if (stale) {
      this.builder = new SpacetimeBuilder(this.lanes);
      this.source = tl;
      this.taken = 0;
    }
    if (held.length > this.taken) {
      this.builder.append(this.taken === 0 ? held : held.slice(this.taken));
      this.taken = held.length;
    }
    return this.builder;
  }
}

/** The zoom's scale limits: the whole trace down to about a millisecond across the view. */
const ZOOM_MAX = 1e6;

export function SpacetimeView() {
  const store = useViewStore();
  const engine = useEngine();
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const follower = useRef<TimelineFollower | null>(null);
  const transform = useRef<ZoomTransform>(zoomIdentity);
  const behavior = useRef<ZoomBehavior<HTMLCanvasElement, unknown> | null>(null);
  const size = useRef({ width: 600, height: 300 });
  const frameReq = useRef<number | null>(null);
  const lastFrame = useRef<Frame | null>(null);
  /** The palette, read once from app.css (reading computed styles every frame costs a style pass). */
  const palette = useRef<Palette | null>(null);
  const [stats, setStats] = useState('');
  const group = useSel(selectedGroupOf);
  const groups = useSel((s) => s.view.groups);
  const cursor = useSel((s) => s.cursor);

  if (follower.current === null) follower.current = new TimelineFollower(engine?.nodeIds() ?? []);

  /**
   * The time range the unzoomed view spans: the whole trace, growing with it, until the person
   * zooms or pans; from then on the range is held, so a growing trace never moves what they are
   * looking at. Fit (the identity transform) follows the trace again.
   */
  const base = useRef<[number, number] | null>(null);
  const liveBase = (t0: number, t1: number): [number, number] => [t0, Math.max(1000, t1 - t0)];

  /** The window in view: the base range zoomed and panned by the transform. */
  const windowOf = useCallback((t0Now: number, t1Now: number): [number, number] => {
    const [t0, span] = base.current ?? liveBase(t0Now, t1Now);
    const { k, x } = transform.current;
    const left = GUTTER_PX;
    const right = Math.max(left + 1, size.current.width - 8);
    const w = right - left;
    // Unzoomed, [t0, t0 + span] spans the plot [left, right]; the transform acts on screen x.
    const timeAt = (screenX: number): number => t0 + (((screenX - x) / k - left) / w) * span;
    const from = timeAt(left);
    const to = timeAt(right);
    return [from, to];
  }, []);

  const draw = useCallback(() => {
    frameReq.current = null;
    const el = canvas.current;
    if (el === null || follower.current === null) return;
    const ctx = el.getContext('2d');
    if (ctx === null) return;
    const started = performance.now();
    const data = follower.current.sync(store).data;
    const s = store.getState();
    const [from, to] = windowOf(data.t0, data.t1);
    const { width, height } = size.current;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const frame: Frame = {
      width,
      height,
      from,
      to,
      group: selectedGroupOf(s),
      now: data.t1,
      cursorT: s.cursor === null ? null : s.view.t,
      selectedMessage: s.selectedMessage,
      selectedRequest: s.selectedRequest,
      palette: (palette.current ??= readPalette(el)),
    };
    lastFrame.current = frame;
    const drawn = drawSpacetime(ctx, data, frame);
    const ms = performance.now() - started;
    el.dataset.drawMs = ms.toFixed(2);
    el.dataset.arrows = String(drawn.arrows);
    el.dataset.arrowsInWindow = String(drawn.arrowsInWindow);
    el.dataset.events = String(data.count);
    el.dataset.phaseMs = drawn.phaseMs.map((x) => x.toFixed(1)).join(' ');
    setStats(
      `${formatCount(drawn.arrowsInWindow)} messages in view` +
        (drawn.arrows < drawn.arrowsInWindow ? ` (${formatCount(drawn.arrows)} drawn)` : '') +
        ` · ${formatCount(data.count)} events · frame ${ms.toFixed(1)} ms`,
    );
  }, [store, windowOf]);

  const requestDraw = useCallback(() => {
    if (frameReq.current !== null) return;
    frameReq.current = requestAnimationFrame(draw);
  }, [draw]);

  // Redraw when the store changes (a new batch folded, the cursor or the selection moved).
  useEffect(() => {
    requestDraw();
    const off = store.subscribe(requestDraw);
    return () => {
      off();
      if (frameReq.current !== null) cancelAnimationFrame(frameReq.current);
      frameReq.current = null;
    };
  }, [store, requestDraw]);

  // Size the canvas to its box, at the device's pixel ratio.
  useEffect(() => {
    const box = wrap.current;
    const el = canvas.current;
    if (box === null || el === null) return;
    const resize = (): void => {
      const width = Math.max(200, Math.floor(box.clientWidth));
      const height = Math.max(120, Math.floor(box.clientHeight));
      const dpr = window.devicePixelRatio || 1;
      size.current = { width, height };
      el.width = Math.round(width * dpr);
      el.height = Math.round(height * dpr);
      el.style.width = `${width}px`;
      el.style.height = `${height}px`;
      requestDraw();
    };
    resize();
    const ro = new ResizeObserver(resize);
    ro.observe(box);
    return () => ro.disconnect();
  }, [requestDraw]);

  // Wheel zoom and drag pan along time (d3-zoom); the y of the transform is ignored.
  useEffect(() => {
    const el = canvas.current;
    if (el === null) return;
    const z = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, ZOOM_MAX])
      .filter((ev: Event) => ev.type !== 'dblclick' && !(ev as MouseEvent).button)
      .on('zoom', (ev: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        const identity = ev.transform.k === 1 && ev.transform.x === 0;
        if (identity) base.current = null;
        else if (base.current === null && follower.current !== null) {
          const d = follower.current.sync(store).data;
          base.current = liveBase(d.t0, d.t1);
        }
        transform.current = ev.transform;
        requestDraw();
      });
    behavior.current = z;
    select(el).call(z).on('dblclick.zoom', null);
    return () => {
      select(el).on('.zoom', null);
    };
  }, [requestDraw, store]);

  const onClick = (ev: ReactMouseEvent<HTMLCanvasElement>): void => {
    const el = canvas.current;
    const f = lastFrame.current;
    if (el === null || f === null || follower.current === null) return;
    const rect = el.getBoundingClientRect();
    const x = ev.clientX - rect.left;
    const y = ev.clientY - rect.top;
    const data = follower.current.sync(store).data;
    const g = frameGeometry(data, f);
    const w = { from: f.from, to: f.to, group: f.group };
    const hit = hitTest(x, y, visibleArrows(data, w, f.now), visibleMarks(data, w), g, f.now);
    const s = store.getState();
    if (hit.type === 'arrow') {
      // The message's details come from the model: show the moment it was on its way.
      s.seek(hit.arrow.sendSeq);
      s.selectMessage(hit.arrow.id);
    } else if (hit.type === 'mark' && hit.mark.requestId !== null) {
      s.selectRequest(hit.mark.requestId);
    } else if (hit.type === 'none' && x > GUTTER_PX) {
      s.seekTime(Math.max(data.t0, hit.t));
    }
  };

  const zoomBy = (k: number): void => {
    const el = canvas.current;
    if (el === null || behavior.current === null) return;
    behavior.current.scaleBy(select(el), k, [size.current.width / 2, 0]);
  };
  const panBy = (px: number): void => {
    const el = canvas.current;
    if (el === null || behavior.current === null) return;
    behavior.current.translateBy(select(el), px / transform.current.k, 0);
  };
  const fit = (): void => {
    const el = canvas.current;
    if (el === null || behavior.current === null) return;
    behavior.current.transform(select(el), zoomIdentity);
  };
  const onKey = (ev: KeyboardEvent<HTMLCanvasElement>): void => {
    const actions: Record<string, () => void> = {
      '+': () => zoomBy(1.5),
      '=': () => zoomBy(1.5),
      '-': () => zoomBy(1 / 1.5),
      ArrowLeft: () => panBy(60),
      ArrowRight: () => panBy(-60),
      '0': fit,
    };
    const act = actions[ev.key];
    if (act === undefined) return;
    ev.preventDefault();
    ev.stopPropagation();
    act();
  };

  return (
    <div className="spacetime">
      <div className="spacetime-bar">
        <label className="inline-label">
          Group{' '}
          <select
            id="spacetime-group"
            value={group ?? ''}
            onChange={(e) => {
              const st = store.getState();
              st.select(st.selectedNode, e.target.value);
            }}
          >
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <button id="spacetime-fit" type="button" onClick={fit} title="Show the whole trace (0)">
          Fit
        </button>
        {cursor !== null && (
          <button
            id="spacetime-live"
            type="button"
            onClick={() => store.getState().seek(null)}
            title="Show the latest state again"
          >
            Back to live
          </button>
        )}
        <span id="spacetime-stats" className="muted spacetime-stats" role="status">
          {stats}
        </span>
      </div>
      <div className="spacetime-canvas" ref={wrap}>
        <canvas
          ref={canvas}
          id="spacetime-canvas"
          tabIndex={0}
          role="img"
          aria-label="Space-time diagram: one lane per node, messages as arrows from send to receipt. Wheel or +/− zooms, drag or arrow keys pan, 0 fits, click an arrow or a request to select it, elsewhere to move the time cursor."
          onClick={onClick}
          onKeyDown={onKey}
        />
      </div>
      <ul className="spacetime-legend" aria-label="Legend">
        {MESSAGE_KINDS.map((k) => (
          <li key={k}>
            <span className="swatch" style={{ background: kindColor(k, CSS_FG) }} />
            {KIND_LABELS[k]}
          </li>
        ))}
        <li>
          <span className="swatch cross">×</span>lost
        </li>
        <li>
          <span className="swatch dot req" />
          request
        </li>
        <li>
          <span className="swatch dot outcome" />
          outcome
        </li>
        <li>
          <span className="swatch tick" />
          commit
        </li>
        <li>
          <span className="swatch bar" />
          leader (L term)
        </li>
      </ul>
    </div>
  );
}
