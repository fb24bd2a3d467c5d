import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import {
  decodeLink,
  encodeFileLink,
  encodeLessonLink,
  fromBase64Url,
  MAX_LINK_TEXT,
  toBase64Url,
} from './link.ts';

describe('share links', () => {
  it('round-trip base64url for every length modulo 3', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(fromBase64Url('ab+c')).toBeNull();
  });

  it('round-trip a lesson and step', () => {
    expect(decodeLink(`#${encodeLessonLink(3, 4)}`)).toEqual({
      kind: 'lesson',
      lesson: 3,
      step: 4,
    });
    expect(decodeLink('lesson=12')).toEqual({ kind: 'lesson', lesson: 12, step: 1 });
    expect(decodeLink('')).toEqual({ kind: 'none' });
  });

  it('round-trip a whole file, unicode included, and compress it', () => {
    const text = JSON.stringify({
      name: 'x',
      text: 'Raft — §5.4.2 ✓',
      steps: Array(50).fill({ a: 1 }),
    });
    const hash = encodeFileLink(text);
    expect(hash.length).toBeLessThan(text.length);
    expect(decodeLink(`#${hash}`)).toEqual({ kind: 'file', text });
  });

  it('name what is wrong with a bad link, never throwing', () => {
    const bad: [string, RegExp][] = [
      ['lesson=x&step=2', /^link: lesson: expected a lesson number/],
      ['lesson=0', /^link: lesson: /],
      ['lesson=2&step=-1', /^link: step: expected a step number/],
      ['lesson=1&lesson=2', /given twice/],
      ['foo=1', /unknown part "foo"/],
      ['scenario=@@@', /not base64url/],
      ['scenario=AAAA', /does not inflate|ends early/],
      [`scenario=${encodeFileLink('{"a":1}').slice(9, 15)}`, /inflate|ends early|base64url/],
      ['scenario=x&lesson=1', /cannot be combined/],
    ];
    for (const [hash, message] of bad) {
      const r = decodeLink(hash);
      expect(r.kind, hash).toBe('error');
      if (r.kind === 'error') expect(r.message, hash).toMatch(message);
    }
  });

  it('refuse data that expands past the bound (a decompression bomb)', () => {
    const bomb = toBase64Url(deflateSync(new Uint8Array(MAX_LINK_TEXT + 10)));
    const r = decodeLink(`scenario=${bomb}`);
    expect(r).toEqual({
      kind: 'error',
      message: `link: scenario: the data expands to more than ${MAX_LINK_TEXT} bytes`,
    });
  });
});
