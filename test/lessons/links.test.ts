// Every lesson file survives a share link: encoded, decoded and validated like an upload, it is
// the same lesson; a damaged link is refused with an error, not a broken lesson.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeLink, encodeFileLink } from '../../src/lessons/link.ts';
import { parseLessonText } from '../../src/lessons/format.ts';

const DIR = join(import.meta.dirname, '..', '..', 'public', 'lessons');
const files = readdirSync(DIR).filter((f) => /^\d\d-.*\.json$/.test(f));

describe('lesson links', () => {
  it.each(files)('%s round-trips through a link', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const hash = encodeFileLink(text);
    // Links stay short enough for chat and mail (well under browsers' URL limits).
    expect(hash.length).toBeLessThan(8000);
    const back = decodeLink(`#${hash}`);
    expect(back.kind).toBe('file');
    if (back.kind !== 'file') return;
    expect(parseLessonText(back.text)).toEqual(parseLessonText(text));
    const damaged = decodeLink(`#${hash.slice(0, hash.length - 20)}`);
    expect(damaged.kind).toBe('error');
  });
});
