// Where things are in a scenario file's text: the line of each field (by its path), the line
// and column of a JSON syntax error, and the scenario validator's errors ("steps[0].at: ...")
// placed at the line of the field they name, so the editor can show each error at its line.
// Invariants: pure (no DOM); a path the text does not hold (a missing field) is placed at its
// nearest enclosing field that it does hold; line and column numbers count from 1.
import { parseScenario, type Scenario } from '../../scenario/format.ts';

export type PathKey = string | number;

/** The line of every value in a JSON text, by its path, or where its syntax breaks. */
export type JsonLocations =
  | { ok: true; value: unknown; lines: Map<string, number> }
  | { ok: false; line: number; column: number; message: string };

class SyntaxAt extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** Line and column (from 1) of offset `pos`. */
function lineCol(starts: readonly number[], pos: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: pos - starts[lo] + 1 };
}

export function pathKey(path: readonly PathKey[]): string {
  return JSON.stringify(path);
}

/** A small JSON reader that notes where each value (or its key) starts. */
class Reader {
  pos = 0;
  readonly found = new Map<string, number>();
  constructor(readonly text: string) {}

  fail(message: string, pos = this.pos): never {
    throw new SyntaxAt(pos, message);
  }

  ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos])) this.pos++;
  }

  describe(pos: number): string {
    return pos >= this.text.length ? 'the end of the text' : `"${this.text[pos]}"`;
  }

  value(path: PathKey[], at: number): unknown {
    this.ws();
    this.found.set(pathKey(path), at < 0 ? this.pos : at);
    const c = this.text[this.pos];
    if (c === '{') return this.object(path);
    if (c === '[') return this.array(path);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`expected a value, found ${this.describe(this.pos)}`);
  }

  object(path: PathKey[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') {
        this.fail(`expected a field name in quotes, found ${this.describe(this.pos)}`);
      }
      const keyAt = this.pos;
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after "${key}"`);
      this.pos++;
      out[key] = this.value([...path, key], keyAt);
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',')
        this.fail(`expected "," or "}", found ${this.describe(this.pos - 1)}`, this.pos - 1);
    }
  }

  array(path: PathKey[]): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value([...path, out.length], -1));
      this.ws();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',')
        this.fail(`expected "," or "]", found ${this.describe(this.pos - 1)}`, this.pos - 1);
    }
  }

  string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('a string is not closed', start);
      const c = this.text[this.pos];
      if (c === '\n') this.fail('a string runs past the end of its line', start);
      if (c === '\\') this.pos += 2;
      else {
        this.pos++;
        if (c === '"') break;
      }
    }
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      return this.fail('a string has a bad escape', start);
    }
  }

  number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (m === null) return this.fail(`expected a number, found ${this.describe(this.pos)}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

/** Read a JSON text (a leading BOM is ignored), noting the line of every value by its path. */
export function locateJson(input: string): JsonLocations {
  const text = input.charCodeAt(0) === 0xfeff ? ` ${input.slice(1)}` : input;
  const starts = lineStarts(text);
  const reader = new Reader(text);
  try {
    const value = reader.value([], -1);
    reader.ws();
    if (reader.pos < text.length)
      reader.fail(`unexpected ${reader.describe(reader.pos)} after the end`);
    const lines = new Map<string, number>();
    for (const [k, pos] of reader.found) lines.set(k, lineCol(starts, pos).line);
    return { ok: true, value, lines };
  } catch (e) {
    if (!(e instanceof SyntaxAt)) throw e;
    const { line, column } = lineCol(starts, Math.min(e.pos, text.length));
    return { ok: false, line, column, message: e.message };
  }
}

/**
 * Split a validator error "steps[0].op["a b"]: message" into its path and message. An error
 * whose path is the whole file starts with "scenario: ". Returns null path when it names none.
 */
export function splitError(error: string): { path: PathKey[] | null; message: string } {
  if (error.startsWith('scenario: ')) return { path: [], message: error.slice(10) };
  const path: PathKey[] = [];
  let i = 0;
  const ident = /^[A-Za-z_$][\w$-]*/;
  for (;;) {
    const rest = error.slice(i);
    if (i === 0 || rest.startsWith('.')) {
      const m = ident.exec(i === 0 ? rest : rest.slice(1));
      if (m !== null) {
        path.push(m[0]);
        i += m[0].length + (i === 0 ? 0 : 1);
        continue;
      }
    }
    const num = /^\[(\d+)\]/.exec(rest);
    if (num !== null) {
      path.push(Number(num[1]));
      i += num[0].length;
      continue;
    }
    const str = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (str !== null) {
      path.push(JSON.parse(str[1]) as string);
      i += str[0].length;
      continue;
    }
    break;
  }
  if (path.length === 0 || !error.startsWith(': ', i)) return { path: null, message: error };
  return { path, message: error.slice(i + 2) };
}

/** The line of `path`, or of its nearest enclosing value the text holds (the top: line 1). */
export function lineOfPath(lines: ReadonlyMap<string, number>, path: readonly PathKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const line = lines.get(pathKey(path.slice(0, n)));
    if (line !== undefined) return line;
  }
  return 1;
}

export interface Problem {
  /** Line of the text (from 1). */
  line: number;
  /** The field's path as the validator wrote it ("" for a syntax error). */
  where: string;
  message: string;
}

export type TextCheck = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] };

/** Validate a scenario file's text as parseScenarioText does, placing each error at its line. */
export function checkScenarioText(text: string): TextCheck {
  const located = locateJson(text);
  if (!located.ok) {
    return {
      ok: false,
      problems: [
        {
          line: located.line,
          where: '',
          message: `invalid JSON at line ${located.line}, column ${located.column}: ${located.message}`,
        },
      ],
    };
  }
  const parsed = parseScenario(located.value);
  if (parsed.ok) return { ok: true, scenario: parsed.scenario };
  return {
    ok: false,
    problems: parsed.errors.map((error) => {
      const { path, message } = splitError(error);
      const where = path === null ? '' : error.slice(0, error.length - message.length - 2);
      return { line: lineOfPath(located.lines, path ?? []), where, message };
    }),
  };
}
