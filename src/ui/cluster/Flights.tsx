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
  kindColor,
  flightAt,
  placeFlights,
  replyVerdict,
  type FlightGroups,
  type PlacedFlight,
} from '../viz/messages.ts';
import type { Point } from '../viz/ring.ts';
import { readPalette, type Palette } from '../theme.ts';

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

/**
 * Where the pointer is over the stage (null: elsewhere), and what to tell when the mark under it
 * changes, as marks move under a pointer that stands still.
 */
export interface FlightHover {
  pointer: RefObject<Point | null>;
  show: (hit: PlacedFlight | null) => void;
}

/** The canvas the flights are drawn on, carrying what it shows. */
export type FlightCanvas = HTMLCanvasElement & { flightLayer?: FlightLayer };

/** The page's palette (light or dark) and font, for drawing the marks. */
interface Colors {
  palette: Palette;
  font: string;
}

function readColors(el: Element): Colors {
  return { palette: readPalette(el), font: getComputedStyle(el).fontFamily || 'sans-serif' };
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
  dpr,
  hover,
}: {
  canvas: RefObject<FlightCanvas | null>;
  layer: FlightLayer;
  messages: ReadonlyMap<string, MessageView>;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  now: number;
  selected: string | null;
  /** Canvas pixels per CSS pixel (the stage sizes the canvas with it). */
  dpr: number;
  hover: FlightHover;
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
    const bundledText = bundled ? 'yes' : 'no';
    if (el.dataset.bundled !== bundledText) el.dataset.bundled = bundledText;
    drawFlights(ctx, el, dpr, placed, selected, colors);
    const p = hover.pointer.current;
    if (p !== null) hover.show(flightAt(placed, p));
  });
}

/** How a mark looks, all but its position: one sprite each. */
interface Look {
  color: string;
  reply: boolean;
  refused: boolean;
  bundle: boolean;
  rad: number;
  /** A bundle's count, as drawn inside it ('' for a single message). */
  label: string;
}

/**
 * Sprites: each look drawn once, at the canvas's pixel ratio, then copied to every mark that has
 * it. Stroking and filling a circle, and above all shaping a bundle's count, cost the main thread
 * microseconds each on a canvas the CPU draws; copying a small bitmap costs a fraction of that,
 * and a busy stage has a hundred marks a frame (bench:ui profiles). Kept per colour scheme and
 * pixel ratio: a few dozen looks, and a bundle's counts.
 */
class Sprites {
  private readonly cache = new Map<string, Sprite>();
  private key = '';

  get(look: Look, dpr: number, colors: Colors): Sprite {
    const key = `${dpr}|${colors.palette.panel}|${colors.palette.bad}|${colors.palette.fg}`;
    if (key !== this.key) {
      this.clear();
      this.key = key;
    }
    const id = `${look.color}|${look.reply}|${look.refused}|${look.bundle}|${look.rad}|${look.label}`;
    let sprite = this.cache.get(id);
    if (sprite === undefined) {
      // Bounded: at most a hundred labels for each kind and direction of a bundle.
      if (this.cache.size >= SPRITE_LIMIT) this.clear();
      sprite = drawSprite(look, dpr, colors);
      this.cache.set(id, sprite);
    }
    return sprite;
  }

  /** Forget every sprite, releasing the bitmaps. */
  private clear(): void {
    for (const old of this.cache.values()) if ('close' in old) old.close();
    this.cache.clear();
  }
}

const SPRITE_LIMIT = 2048;

/** Half the side of a sprite (CSS px): the dot, its stroke and a refusal's strike. */
const spriteHalf = (rad: number): number => Math.ceil(rad + 3);

/**
 * A sprite is an ImageBitmap where the browser has OffscreenCanvas: immutable, so copying it
 * needs no snapshot of a canvas that might change (a canvas source costs one per copy).
 */
type Sprite = ImageBitmap | HTMLCanvasElement;

function drawSprite(look: Look, dpr: number, colors: Colors): Sprite {
  const half = spriteHalf(look.rad);
  const side = Math.ceil(2 * half * dpr);
  const offscreen = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(side, side) : null;
  let el: HTMLCanvasElement | null = null;
  if (offscreen === null) {
    el = document.createElement('canvas');
    el.width = el.height = side;
  }
  const ctx = (offscreen?.getContext('2d') ?? el!.getContext('2d'))!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineCap = 'round';
  const { rad } = look;
  ctx.beginPath();
  ctx.arc(half, half, rad, 0, 2 * Math.PI);
  ctx.fillStyle = look.reply ? colors.palette.panel : look.color;
  ctx.fill();
  ctx.strokeStyle = look.color;
  ctx.lineWidth = look.bundle || look.reply ? 2 : 1;
  ctx.stroke();
  if (look.refused) {
    ctx.beginPath();
    ctx.moveTo(half - rad - 1, half + rad + 1);
    ctx.lineTo(half + rad + 1, half - rad - 1);
    ctx.strokeStyle = colors.palette.bad;
    ctx.lineWidth = 2;
    ctx.stroke();
  }
  if (look.label !== '') {
    ctx.font = `700 8px ${colors.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = look.reply ? look.color : '#fff';
    ctx.fillText(look.label, half, half + 0.5);
  }
  return offscreen !== null ? offscreen.transferToImageBitmap() : el!;
}

const sprites = new Sprites();

/** Clear the canvas and draw `placed` on it. */
function drawFlights(
  ctx: CanvasRenderingContext2D,
  el: HTMLCanvasElement,
  dpr: number,
  placed: readonly PlacedFlight[],
  selected: string | null,
  colors: Colors,
): void {
  // Nothing here reads the layout (clientWidth and the like): drawing runs in the commit, and a
  // read there would force the layout React's changes just invalidated, every frame.
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, el.width, el.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  for (const { mark, x, y, rad } of placed) {
    const color = kindColor(mark.kind, colors.palette.fg);
    const bundle = mark.type === 'bundle';
    const reply = bundle ? mark.reply : isReply(mark.message);
    const refused = !bundle && replyVerdict(mark.message) === 'no';
    const label = !bundle ? '' : mark.count > 99 ? '99+' : String(mark.count);
    if (!bundle && mark.message.id === selected) {
      ctx.beginPath();
      ctx.arc(x, y, rad + 4, 0, 2 * Math.PI);
      ctx.strokeStyle = colors.palette.accent;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    const half = spriteHalf(rad);
    ctx.drawImage(
      sprites.get({ color, reply, refused, bundle, rad, label }, dpr, colors),
      x - half,
      y - half,
      2 * half,
      2 * half,
    );
  }
}
