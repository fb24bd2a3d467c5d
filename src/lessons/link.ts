// Shareable links: the part of the URL after `#` names a lesson and a step
// (`#lesson=3&step=4`), or carries a whole lesson or scenario file, deflated and base64url-coded
// (`#scenario=<data>`). Pure: no window, no location; the page reads and writes the hash.
// Invariant: decodeLink never throws; whatever a link carries is returned as text to be
// validated exactly like an uploaded file (parseLessonText / parseScenarioText), and a link it
// cannot read is an error value naming what was wrong.
import { deflateSync, Inflate, strFromU8, strToU8 } from 'fflate';

export type LinkTarget =
  | { kind: 'none' }
  /** `step` counts slides from 1, as the page shows them. */
  | { kind: 'lesson'; lesson: number; step: number }
  /** A file's text, still to be validated. */
  | { kind: 'file'; text: string }
  | { kind: 'error'; message: string };

/** The longest file text a link may expand to (a bomb guard; lesson files are ~10 KB). */
export const MAX_LINK_TEXT = 2_000_000;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (a << 16) | (b << 8) | c;
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += B64[n & 63];
  }
  return out;
}

/** Decode base64url (padding optional); null when a character is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  const s = text.replace(/=+$/, '');
  if (s.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v === -1) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, j);
}

/** The hash (without `#`) of a link that carries a file's text. */
export function encodeFileLink(text: string): string {
  return `scenario=${toBase64Url(deflateSync(strToU8(text), { level: 9 }))}`;
}

/** The hash (without `#`) of a link to a lesson's step (both counted from 1). */
export function encodeLessonLink(lesson: number, step: number): string {
  return `lesson=${lesson}&step=${step}`;
}

function positiveInt(v: string | null): number | null {
  if (v === null || !/^[1-9][0-9]{0,5}$/.test(v)) return null;
  return Number(v);
}

/** Read a location hash (with or without the leading `#`). Never throws. */
export function decodeLink(hash: string): LinkTarget {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (h === '') return { kind: 'none' };
  const params = new Map<string, string>();
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    if (params.has(key)) return { kind: 'error', message: `link: "${key}" is given twice` };
    params.set(key, value);
  }
  const known = ['lesson', 'step', 'scenario'];
  const unknown = [...params.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    return {
      kind: 'error',
      message: `link: unknown part "${unknown[0]}" (expected lesson=N&step=M or scenario=…)`,
    };
  }
  if (params.has('scenario')) {
    if (params.has('lesson') || params.has('step')) {
      return { kind: 'error', message: 'link: scenario= cannot be combined with lesson= or step=' };
    }
    return decodeFile(params.get('scenario')!);
  }
  const lesson = positiveInt(params.get('lesson') ?? null);
  if (lesson === null) {
    return {
      kind: 'error',
      message: `link: lesson: expected a lesson number like 3, got ${JSON.stringify(params.get('lesson') ?? '')}`,
    };
  }
  const stepText = params.get('step');
  const step = stepText === undefined ? 1 : positiveInt(stepText);
  if (step === null) {
    return {
      kind: 'error',
      message: `link: step: expected a step number from 1, got ${JSON.stringify(stepText)}`,
    };
  }
  return { kind: 'lesson', lesson, step };
}

/** Inflate, stopping as soon as the output passes MAX_LINK_TEXT; a string says why it failed. */
function inflateBounded(bytes: Uint8Array): Uint8Array | string {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > MAX_LINK_TEXT) throw new RangeError('too long');
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    inflater.push(bytes, true);
  } catch (err) {
    if (err instanceof RangeError && err.message === 'too long') {
      return `the data expands to more than ${MAX_LINK_TEXT} bytes`;
    }
    const why = err instanceof Error ? err.message : String(err);
    return `the data does not inflate (${why}); the link may have been cut short`;
  }
  if (!ended) return 'the data ends early; the link may have been cut short';
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function decodeFile(data: string): LinkTarget {
  let decoded = data;
  try {
    decoded = decodeURIComponent(data);
  } catch {
    // Not percent-encoded: use it as it is; base64url needs no escaping.
  }
  const bytes = fromBase64Url(decoded);
  if (bytes === null || bytes.length === 0) {
    return {
      kind: 'error',
      message: 'link: scenario: not base64url data (the link may have been cut short)',
    };
  }
  const raw = inflateBounded(bytes);
  if (typeof raw === 'string') return { kind: 'error', message: `link: scenario: ${raw}` };
  let text: string;
  try {
    text = strFromU8(raw);
  } catch {
    return { kind: 'error', message: 'link: scenario: the data is not UTF-8 text' };
  }
  return { kind: 'file', text };
}
