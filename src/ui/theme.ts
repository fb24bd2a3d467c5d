// The one palette, type scale and spacing scale of the page, for code that draws (SVG, canvas,
// d3) — app.css holds the same values as CSS variables for markup. Term colours are the
// Okabe–Ito colour-blind-safe set, one per term, cycling; a term is also always written as a
// number, so colour is never the only cue.
// Invariant: termColor(t) is the same colour for the same term everywhere on the page.

/** Okabe & Ito (2008), without black: distinguishable under the common colour-vision deficiencies. */
export const TERM_COLORS = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#D55E00', // vermillion
  '#F0E442', // yellow
] as const;

/** The colour of a term (term 0, before any election, is neutral grey). */
export function termColor(term: number): string {
  if (term <= 0) return '#9aa4b4';
  return TERM_COLORS[(term - 1) % TERM_COLORS.length];
}

/** Text on a term colour: dark on the light colours, white on the dark ones. */
export function termTextColor(term: number): string {
  const c = termColor(term);
  return c === '#F0E442' || c === '#E69F00' || c === '#56B4E9' || c === '#9aa4b4'
    ? '#1d2430'
    : '#ffffff';
}

/** Type scale (px): caption, small, body, title, display. */
export const TYPE = { caption: 11, small: 12, body: 14, title: 16, display: 20 } as const;

/** Spacing scale (px). */
export const SPACE = { xs: 4, s: 8, m: 12, l: 16, xl: 24 } as const;

const COUNT_FORMAT = new Intl.NumberFormat('en');

/** A count with thousands separators ("12,345"); one formatter (toLocaleString builds one per call). */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

/** The page's colours the canvas needs (app.css variables). */
export interface Palette {
  fg: string;
  muted: string;
  panel: string;
  border: string;
  accent: string;
  ok: string;
  bad: string;
  warn: string;
}

export const LIGHT_PALETTE: Palette = {
  fg: '#1d2430',
  muted: '#5a6475',
  panel: '#ffffff',
  border: '#dde1e7',
  accent: '#2f6fde',
  ok: '#009e73',
  bad: '#d55e00',
  warn: '#e69f00',
};

/** The palette as app.css sets it on `el` now (light or dark), for code that draws on a canvas. */
export function readPalette(el: Element): Palette {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string): string =>
    cs.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--fg', LIGHT_PALETTE.fg),
    muted: v('--fg-muted', LIGHT_PALETTE.muted),
    panel: v('--panel', LIGHT_PALETTE.panel),
    border: v('--border', LIGHT_PALETTE.border),
    accent: v('--accent', LIGHT_PALETTE.accent),
    ok: v('--ok', LIGHT_PALETTE.ok),
    bad: v('--bad', LIGHT_PALETTE.bad),
    warn: v('--warn', LIGHT_PALETTE.warn),
  };
}
