// Messages in flight, moving along their links from send to delivery on the shared cluster
// clock: requests filled, replies hollow, a refused or rejected reply struck through; coloured
// by kind (messages.ts). Beyond FLIGHT_LIMIT messages, one mark per direction and kind with a
// count (what a person can follow). Drawn on a canvas laid over the ring, not as SVG: at 9 nodes
// under load the set of messages changes almost entirely every frame, and creating, placing and
// removing that many SVG elements took a sixth of the page's main thread (bench:ui). The stage
// picks a message under the pointer with `flightAt` over the marks as last drawn.
// Invariants: a message is drawn on its own link only, between its two nodes' edges; what is
// drawn and what a click picks are the same list (`FlightLayer.placed`).
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { MessageView, NodeId } from '../../state/model.ts';
import {
  flightMarksAt,
  groupFlights,
  isReply,
  KIND_COLORS,
  placeFlights,
  replyVerdict,
  type FlightGroups,
  type PlacedFlight,
} from '../viz/messages.ts';
import type { Point } from '../viz/ring.ts';

/** Messages drawn one by one at most; beyond, they are bundled. */
export const FLIGHT_LIMIT = 150;

/** How long a bundled grouping is kept while the messages change (wall ms). */
const REGROUP_BUNDLED_MS = 100;

/**
 * The marks as last drawn, in the ring's CSS pixels. The stage picks from it; the browser tests
 * read it from the canvas (`flightLayer`) to click a message where a person would.
 */
export interface FlightLayer {
  placed: PlacedFlight[];
}

/** The canvas the flights are drawn on, carrying what it shows. */
export type FlightCanvas = HTMLCanvasElement & { flightLayer?: FlightLayer };

/** The page colours the canvas needs, read from the CSS variables (light or dark). */
interface Colors {
  panel: string;
  accent: string;
  bad: string;
  font: string;
}

function readColors(el: Element): Colors {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): string =>
    cs.getPropertyValue(name).trim() || fallback;
  return {
    panel: v('--panel', '#ffffff'),
    accent: v('--accent', '#2f6fde'),
    bad: v('--bad', '#d55e00'),
    font: cs.fontFamily || 'sans-serif',
  };
}

/** The page's colours for `canvas`, read again when the colour scheme changes. */
function useColors(canvas: RefObject<FlightCanvas | null>): Colors | null {
  const [colors, setColors] = useState<Colors | null>(null);
  useEffect(() => {
    const read = (): void => {
      if (canvas.current !== null) setColors(readColors(canvas.current));
    };
    read();
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia('(prefers-color-scheme: dark)');
    q.addEventListener('change', read);
    return () => q.removeEventListener('change', read);
  }, [canvas]);
  return colors;
}

/**
 * Draw the messages in flight at cluster time `now` on `canvas` (sized by the stage to the
 * ring, at the device's pixel ratio), and leave what was drawn in `layer`.
 */
export function useFlights({
  canvas,
  layer,
  messages,
  positions,
  r,
  now,
  selected,
}: {
  canvas: RefObject<FlightCanvas | null>;
  layer: FlightLayer;
  messages: ReadonlyMap<string, MessageView>;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  now: number;
  selected: string | null;
}): void {
  const colors = useColors(canvas);
  // Grouping visits every message: once per change of the map, and while bundled (a backlog of
  // thousands in flight, changing every frame) at most every REGROUP_BUNDLED_MS; each frame
  // only places the groups at the current time.
  const cache = useRef<{
    messages: ReadonlyMap<string, MessageView>;
    positions: ReadonlyMap<NodeId, Point>;
    at: number;
    groups: FlightGroups;
  } | null>(null);
  useLayoutEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d') ?? null;
    if (el === null || ctx === null || colors === null) return;
    const c = cache.current;
    const wall = performance.now();
    let groups: FlightGroups;
    if (
      c !== null &&
      c.positions === positions &&
      (c.messages === messages || (c.groups.ones === null && wall - c.at < REGROUP_BUNDLED_MS))
    ) {
      groups = c.groups;
    } else {
      groups = groupFlights(
        messages.values(),
        FLIGHT_LIMIT,
        (m) => positions.has(m.from) && positions.has(m.to),
      );
      cache.current = { messages, positions, at: wall, groups };
    }
    const { marks, total, bundled } = flightMarksAt(groups, now);
    const placed = placeFlights(marks, positions, r);
    layer.placed = placed;
    el.flightLayer = layer;
    const inFlight = String(total);
    if (el.dataset.inFlight !== inFlight) {
      el.dataset.inFlight = inFlight;
      el.setAttribute(
        'aria-label',
        `${total} message${total === 1 ? '' : 's'} in flight${bundled ? ', bundled by link and kind' : ''}`,
      );
    }
    el.dataset.bundled = bundled ? 'yes' : 'no';
    drawFlights(ctx, el, placed, selected, colors);
  });
}

/** Clear the canvas and draw `placed` on it. */
function drawFlights(
  ctx: CanvasRenderingContext2D,
  el: HTMLCanvasElement,
  placed: readonly PlacedFlight[],
  selected: string | null,
  colors: Colors,
): void {
  const dpr = el.width / Math.max(1, el.clientWidth || el.width);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, el.width, el.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineCap = 'round';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `700 8px ${colors.font}`;
  for (const { mark, x, y, rad } of placed) {
    const color = KIND_COLORS[mark.kind];
    const reply = mark.type === 'bundle' ? mark.reply : isReply(mark.message);
    if (mark.type === 'one' && mark.message.id === selected) {
      ctx.beginPath();
      ctx.arc(x, y, rad + 4, 0, 2 * Math.PI);
      ctx.strokeStyle = colors.accent;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    ctx.beginPath();
    ctx.arc(x, y, rad, 0, 2 * Math.PI);
    ctx.fillStyle = reply ? colors.panel : color;
    ctx.fill();
    ctx.strokeStyle = color;
    ctx.lineWidth = mark.type === 'bundle' || reply ? 2 : 1;
    ctx.stroke();
    if (mark.type === 'bundle') {
      ctx.fillStyle = mark.reply ? color : '#fff';
      ctx.fillText(mark.count > 99 ? '99+' : String(mark.count), x, y + 0.5);
    } else if (replyVerdict(mark.message) === 'no') {
      ctx.beginPath();
      ctx.moveTo(x - rad - 1, y + rad + 1);
      ctx.lineTo(x + rad + 1, y - rad - 1);
      ctx.strokeStyle = colors.bad;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }
}
