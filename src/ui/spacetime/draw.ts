// Drawing the space-time diagram on a canvas: lanes, role bars, down spans, message arrows,
// marks, the time axis and the cursor, for the window in view only (layout.ts finds it).
// Invariants: draws only what visibleArrows/visibleMarks return for the window; every colour
// comes from the page's palette (passed in, read from app.css variables) or theme.ts; a term is
// written beside its colour, never shown by colour alone; the function keeps no state between
// frames, so a frame is a pure function of its arguments.
import { scaleLinear } from 'd3';
import { termColor, TYPE, type Palette } from '../theme.ts';
import { KIND_COLORS, kindColor } from '../viz/messages.ts';
import type { GroupId, NodeId } from '../../state/model.ts';
import {
  downSpans,
  laneY,
  roleSpans,
  thinArrows,
  visibleArrows,
  visibleMarks,
  type SpacetimeData,
  type StArrow,
  type StMark,
  type Window,
} from './layout.ts';

/** The left gutter holding the lane names. */
export const GUTTER_PX = 40;
export const TOP_PX = 30;
export const BOTTOM_PX = 18;

export interface Frame {
  width: number;
  height: number;
  /** The window in cluster ms (from, to) across [GUTTER_PX, width − 8]. */
  from: number;
  to: number;
  group: GroupId | null;
  /** The latest cluster time (the end of arrows still in flight). */
  now: number;
  /** The time cursor (the state the other views show), or null when live at the head. */
  cursorT: number | null;
  selectedMessage: string | null;
  selectedRequest: string | null;
  palette: Palette;
}

export interface FrameGeometry {
  xOf: (t: number) => number;
  tOf: (x: number) => number;
  yOf: (n: NodeId) => number;
  /** The y of lane i. */
  ys: readonly number[];
  laneIndex: Map<NodeId, number>;
}

export function frameGeometry(d: SpacetimeData, f: Frame): FrameGeometry {
  // Plain arithmetic rather than a d3 scale: it runs for every arrow end in view.
  const left = GUTTER_PX;
  const right = Math.max(GUTTER_PX + 1, f.width - 8);
  const span = f.to - f.from || 1;
  const k = (right - left) / span;
  const from = f.from;
  const laneIndex = new Map<NodeId, number>();
  d.lanes.forEach((n, i) => laneIndex.set(n, i));
  const ys = d.lanes.map((_, i) => laneY(i, d.lanes.length, f.height, TOP_PX + 10, BOTTOM_PX));
  return {
    xOf: (t) => left + (t - from) * k,
    tOf: (px) => from + (px - left) / k,
    yOf: (n) => ys[laneIndex.get(n) ?? 0] ?? TOP_PX,
    ys,
    laneIndex,
  };
}

export interface DrawStats {
  /** Milliseconds spent on the background and roles, the arrows, the marks (where time goes). */
  phaseMs: [number, number, number];
  arrows: number;
  arrowsInWindow: number;
  marks: number;
}

/** A monotonic clock for the phase timings (absent in the pure folders' lib; the UI has it). */
function clock(): number {
  return typeof performance === 'undefined' ? 0 : performance.now();
}

/** Arrows above this many in the window are thinned (one per column per lane pair; see below). */
export const THIN_ABOVE = 1500;

/** Draw one frame; returns what it drew (the browser test reads it, with the time it took). */
export function drawSpacetime(
  ctx: CanvasRenderingContext2D,
  d: SpacetimeData,
  f: Frame,
): DrawStats {
  const t0 = clock();
  const g = frameGeometry(d, f);
  const p = f.palette;
  const w: Window = { from: f.from, to: f.to, group: f.group };
  ctx.save();
  ctx.fillStyle = p.panel;
  ctx.fillRect(0, 0, f.width, f.height);
  ctx.font = `${TYPE.caption}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';

  drawAxis(ctx, g, f);
  // Clip everything time-placed to the plot area, right of the lane names.
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER_PX, TOP_PX - 6, f.width - GUTTER_PX, f.height - TOP_PX + 6);
  ctx.clip();

  // Lanes, and the spans a node was down (dashed, muted).
  ctx.strokeStyle = p.border;
  ctx.lineWidth = 1;
  for (const n of d.lanes) {
    const y = Math.round(g.yOf(n)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(GUTTER_PX, y);
    ctx.lineTo(f.width, y);
    ctx.stroke();
  }
  ctx.fillStyle = p.border;
  for (const s of downSpans(d, w, f.now)) {
    const y = g.yOf(s.node);
    ctx.globalAlpha = 0.7;
    ctx.fillRect(g.xOf(s.from), y - 7, Math.max(1, g.xOf(s.to) - g.xOf(s.from)), 14);
    ctx.globalAlpha = 1;
  }

  // Roles of the group shown: a leader's bar is thick, a candidate's thin, in the term's colour.
  const group = f.group ?? null;
  if (group !== null) {
    /** Per lane, where the last role label ends: labels never overlap. */
    const roleLabelEnd = new Map<NodeId, number>();
    for (const r of roleSpans(d, group, w, f.now)) {
      if (r.role === 'follower' || r.role === 'learner' || r.role === 'down') continue;
      const y = g.yOf(r.node);
      const x0 = g.xOf(r.from);
      const x1 = Math.max(x0 + 1, g.xOf(r.to));
      ctx.fillStyle = termColor(r.term);
      const h = r.role === 'leader' ? 6 : 3;
      ctx.fillRect(x0, y - h / 2, x1 - x0, h);
      // Leaders are labelled with their term where they start (or at the window's left edge
      // when they started before it); campaigns are the thin bars before them.
      if (r.role === 'leader' && x0 >= (roleLabelEnd.get(r.node) ?? -Infinity)) {
        ctx.fillStyle = p.fg;
        ctx.fillText(`L${r.term}`, x0 + 2, y - 10);
        roleLabelEnd.set(r.node, x0 + 24);
      }
    }
  }

  // Messages.
  const t1 = clock();
  const all = visibleArrows(d, w, f.now);
  const keep = (a: StArrow): boolean => a.id === f.selectedMessage || a.dropped !== null;
  let shown: StArrow[] = all;
  // Thin by ever wider columns until few enough remain: beyond a few thousand lines per frame
  // a person sees no more, and the rasterizer pays for every one.
  if (shown.length > THIN_ABOVE) shown = thinArrows(all, g.xOf, d.lanes.length, 2, keep);
  if (shown.length > THIN_ABOVE) {
    // Columns as much wider as there are still too many arrows (at most one more pass).
    const widen = 2 ** Math.ceil(Math.log2(shown.length / THIN_ABOVE));
    shown = thinArrows(all, g.xOf, d.lanes.length, Math.min(64, 2 * widen), keep);
  }
  ctx.lineWidth = 1;
  drawArrowBatches(ctx, shown, g, f);
  for (const a of shown) {
    if (f.selectedRequest !== null && a.requestId === f.selectedRequest) {
      drawArrow(ctx, a, g, f, false);
    }
  }
  const sel = f.selectedMessage === null ? undefined : all.find((a) => a.id === f.selectedMessage);
  if (sel !== undefined) drawArrow(ctx, sel, g, f, true);

  // Marks.
  const t2 = clock();
  const marks = visibleMarks(d, w);
  drawMarks(ctx, marks, g, f);
  const t3 = clock();

  // The time cursor: the moment the other views show.
  if (f.cursorT !== null && f.cursorT >= f.from && f.cursorT <= f.to) {
    const x = Math.round(g.xOf(f.cursorT)) + 0.5;
    ctx.strokeStyle = p.accent;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, TOP_PX - 6);
    ctx.lineTo(x, f.height);
    ctx.stroke();
  }
  ctx.restore();

  // Lane names over the gutter.
  ctx.fillStyle = p.panel;
  ctx.fillRect(0, TOP_PX - 6, GUTTER_PX - 2, f.height);
  ctx.fillStyle = p.fg;
  ctx.font = `${TYPE.small}px system-ui, sans-serif`;
  for (const n of d.lanes) ctx.fillText(n, 6, g.yOf(n));
  ctx.restore();
  return {
    phaseMs: [t1 - t0, t2 - t1, t3 - t2],
    arrows: shown.length,
    arrowsInWindow: all.length,
    marks: marks.length,
  };
}

function drawAxis(ctx: CanvasRenderingContext2D, g: FrameGeometry, f: Frame): void {
  const x = scaleLinear()
    .domain([f.from, f.to])
    .range([GUTTER_PX, f.width - 8]);
  const ticks = x.ticks(Math.max(2, Math.floor((f.width - GUTTER_PX) / 110)));
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1000;
  const digits = step >= 1000 ? 0 : step >= 100 ? 1 : step >= 10 ? 2 : 3;
  ctx.strokeStyle = f.palette.border;
  ctx.fillStyle = f.palette.muted;
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  for (const t of ticks) {
    const px = Math.round(g.xOf(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, TOP_PX - 10);
    ctx.lineTo(px, TOP_PX - 4);
    ctx.stroke();
    ctx.fillText(`${(t / 1000).toFixed(digits)} s`, px, TOP_PX - 19);
  }
  ctx.textAlign = 'start';
}

const KIND_ORDER = Object.keys(KIND_COLORS);

/** Segments per stroked path (see drawArrowBatches). */
const PATH_SEGMENTS = 64;

/**
 * Draw arrows grouped by look (kind, request or reply, in flight): one path and one stroke per
 * group rather than per arrow, which is what keeps a dense frame cheap on a canvas.
 */
function drawArrowBatches(
  ctx: CanvasRenderingContext2D,
  arrows: readonly StArrow[],
  g: FrameGeometry,
  f: Frame,
): void {
  // One bucket per look: kind × request/reply × arrived/in flight.
  const groups = new Map<number, StArrow[]>();
  const lost: StArrow[] = [];
  for (const a of arrows) {
    const key = KIND_ORDER.indexOf(a.kind) * 4 + (a.reply ? 2 : 0) + (a.endT === null ? 1 : 0);
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(a);
    if (a.dropped !== null) lost.push(a);
  }
  for (const list of groups.values()) {
    const a0 = list[0];
    const color = kindColor(a0.kind, f.palette.fg);
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.globalAlpha = a0.kind === 'heartbeat' ? 0.25 : a0.reply ? 0.5 : 0.85;
    ctx.setLineDash(a0.endT === null ? [3, 3] : []);
    ctx.beginPath();
    const heads: number[] = [];
    let inPath = 0;
    for (const a of list) {
      // Stroke in short paths: one path of thousands of overlapping segments makes the
      // rasterizer compute the coverage of their union, which costs far more than the lines.
      if (inPath === PATH_SEGMENTS) {
        ctx.stroke();
        ctx.beginPath();
        inPath = 0;
      }
      inPath++;
      const x0 = g.xOf(a.sendT);
      const y0 = g.ys[a.fromLane];
      const x1 = g.xOf(a.endT ?? f.now);
      const y1 = g.ys[a.toLane];
      ctx.moveTo(x0, y0);
      if (a.dropped !== null) {
        ctx.lineTo(x1, y0 + (y1 - y0) * 0.6);
        continue;
      }
      ctx.lineTo(x1, y1);
      if (a.endT !== null && Math.hypot(x1 - x0, y1 - y0) > 14) heads.push(x0, y0, x1, y1);
    }
    ctx.stroke();
    if (heads.length > 0) {
      ctx.beginPath();
      for (let i = 0; i < heads.length; i += 4) {
        if (i > 0 && i % (4 * PATH_SEGMENTS) === 0) {
          ctx.fill();
          ctx.beginPath();
        }
        const [x0, y0, x1, y1] = [heads[i], heads[i + 1], heads[i + 2], heads[i + 3]];
        const len = Math.hypot(x1 - x0, y1 - y0);
        const ux = (x1 - x0) / len;
        const uy = (y1 - y0) / len;
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - 6 * ux - 3 * uy, y1 - 6 * uy + 3 * ux);
        ctx.lineTo(x1 - 6 * ux + 3 * uy, y1 - 6 * uy - 3 * ux);
        ctx.closePath();
      }
      ctx.fill();
    }
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  // Where each lost message was lost: a cross.
  // Messages to a node that is down are expected losses: muted crosses; the rest stand out.
  for (const down of [true, false]) {
    const these = lost.filter((a) => (a.dropped === 'down') === down);
    if (these.length === 0) continue;
    ctx.strokeStyle = down ? f.palette.muted : f.palette.bad;
    ctx.globalAlpha = down ? 0.5 : 1;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const a of these) {
      const x1 = g.xOf(a.endT ?? f.now);
      const y0 = g.yOf(a.from);
      const ym = y0 + (g.yOf(a.to) - y0) * 0.6;
      ctx.moveTo(x1 - 3, ym - 3);
      ctx.lineTo(x1 + 3, ym + 3);
      ctx.moveTo(x1 + 3, ym - 3);
      ctx.lineTo(x1 - 3, ym + 3);
    }
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.globalAlpha = 1;
  }
}

function drawArrow(
  ctx: CanvasRenderingContext2D,
  a: StArrow,
  g: FrameGeometry,
  f: Frame,
  selected: boolean,
): void {
  const x0 = g.xOf(a.sendT);
  const y0 = g.yOf(a.from);
  const x1 = g.xOf(a.endT ?? f.now);
  const y1 = g.yOf(a.to);
  const related = f.selectedRequest !== null && a.requestId === f.selectedRequest;
  ctx.strokeStyle = selected ? f.palette.fg : kindColor(a.kind, f.palette.fg);
  ctx.globalAlpha = selected || related ? 1 : a.kind === 'heartbeat' ? 0.35 : a.reply ? 0.5 : 0.85;
  ctx.lineWidth = selected ? 2.5 : related ? 2 : 1;
  if (a.endT === null) ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  if (a.dropped !== null) {
    // A lost message stops part way, at the time it was lost, and ends in a cross.
    const ym = y0 + (y1 - y0) * 0.6;
    ctx.lineTo(x1, ym);
    ctx.stroke();
    ctx.strokeStyle = f.palette.bad;
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(x1 - 3, ym - 3);
    ctx.lineTo(x1 + 3, ym + 3);
    ctx.moveTo(x1 + 3, ym - 3);
    ctx.lineTo(x1 - 3, ym + 3);
    ctx.stroke();
  } else {
    ctx.lineTo(x1, y1);
    ctx.stroke();
    // An arrowhead once the arrow is long enough to carry one.
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len > 14 && a.endT !== null) {
      const ux = (x1 - x0) / len;
      const uy = (y1 - y0) / len;
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 6 * ux - 3 * uy, y1 - 6 * uy + 3 * ux);
      ctx.lineTo(x1 - 6 * ux + 3 * uy, y1 - 6 * uy - 3 * ux);
      ctx.closePath();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
    }
  }
  if (a.endT === null) ctx.setLineDash([]);
  ctx.globalAlpha = 1;
}

function drawMarks(
  ctx: CanvasRenderingContext2D,
  marks: readonly StMark[],
  g: FrameGeometry,
  f: Frame,
): void {
  const p = f.palette;
  /** Per lane, the x right of the last label drawn: labels never overlap. */
  const labelEnd = new Map<string, number>();
  const label = (key: string, text: string, x: number, y: number): void => {
    if ((labelEnd.get(key) ?? -Infinity) > x) return;
    const width = ctx.measureText(text).width;
    ctx.fillText(text, x, y);
    labelEnd.set(key, x + width + 6);
  };
  /** Per lane, the last commit tick's pixel column: ticks at one pixel draw once. */
  const commitCol = new Map<string, number>();
  /** Per lane and dot kind, the last dot's 3 px column. */
  const dotCol = new Map<string, number>();
  for (const m of marks) {
    const x = g.xOf(m.t);
    if (m.node === null) {
      // A cluster-wide fault: a dashed line across every lane, its name on top.
      ctx.strokeStyle = p.bad;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, TOP_PX - 4);
      ctx.lineTo(Math.round(x) + 0.5, f.height - 4);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = p.bad;
      label('*', m.label, x + 3, TOP_PX - 2);
      continue;
    }
    const y = g.yOf(m.node);
    const chosen = f.selectedRequest !== null && m.requestId === f.selectedRequest;
    if ((m.kind === 'request' || m.kind === 'outcome') && !chosen) {
      // Dots closer than 3 px on one lane would draw as one: draw one.
      const key = `${m.node}|${m.kind}|${m.detail}`;
      const col = Math.round(x / 3);
      if (dotCol.get(key) === col) continue;
      dotCol.set(key, col);
    }
    switch (m.kind) {
      case 'commit': {
        const col = Math.round(x);
        if (commitCol.get(m.node) === col) break;
        commitCol.set(m.node, col);
        ctx.fillStyle = p.ok;
        ctx.fillRect(col, y - 9, 1.5, 5);
        break;
      }
      case 'request':
        ctx.fillStyle = p.warn;
        ctx.beginPath();
        ctx.arc(x, y, chosen ? 5 : 3.5, 0, 2 * Math.PI);
        ctx.fill();
        if (chosen) {
          ctx.strokeStyle = p.fg;
          ctx.lineWidth = 1.5;
          ctx.stroke();
          ctx.lineWidth = 1;
        }
        break;
      case 'outcome':
        ctx.strokeStyle = m.detail === 'ok' ? p.ok : m.detail === 'fail' ? p.bad : p.muted;
        ctx.lineWidth = chosen ? 2.5 : 1.5;
        ctx.beginPath();
        ctx.arc(x, y, chosen ? 5 : 3.5, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.lineWidth = 1;
        break;
      case 'fault':
        ctx.fillStyle = p.bad;
        ctx.beginPath();
        ctx.moveTo(x, y + 4);
        ctx.lineTo(x - 4, y + 11);
        ctx.lineTo(x + 4, y + 11);
        ctx.closePath();
        ctx.fill();
        label(m.node, m.label, x + 6, y + 10);
        break;
    }
  }
}
