// Placing a scenario file's errors at their lines: the line of each path in the JSON text, a
// syntax error's line and column, and the validator's errors mapped to the field they name.
import { describe, expect, it } from 'vitest';
import { checkScenarioText, lineOfPath, locateJson, splitError } from './jsonLines.ts';

const FILE = `{
  "name": "x",
  "cluster": { "nodes": 3 },
  "steps": [
    { "at": 100, "do": "crash", "node": "n1" },
    {
      "at": "soon",
      "do": "crash",
      "node": "n9"
    }
  ],
  "durationMs": 1000
}
`;

describe('locateJson', () => {
  it('gives the line of every field, array item and the top', () => {
    const r = locateJson(FILE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual(JSON.parse(FILE));
    expect(lineOfPath(r.lines, [])).toBe(1);
    expect(lineOfPath(r.lines, ['cluster', 'nodes'])).toBe(3);
    expect(lineOfPath(r.lines, ['steps', 0, 'node'])).toBe(5);
    expect(lineOfPath(r.lines, ['steps', 1])).toBe(6);
    expect(lineOfPath(r.lines, ['steps', 1, 'at'])).toBe(7);
    expect(lineOfPath(r.lines, ['steps', 1, 'node'])).toBe(9);
    // A field the text lacks: its nearest enclosing value.
    expect(lineOfPath(r.lines, ['steps', 1, 'group'])).toBe(6);
    expect(lineOfPath(r.lines, ['seed'])).toBe(1);
  });

  it('names the line and column of a syntax error', () => {
    const broken = FILE.replace('"do": "crash",\n      "node"', '"do": "crash"\n      "node"');
    const r = locateJson(broken);
    expect(r).toMatchObject({ ok: false, line: 9, column: 7 });
    const unclosed = locateJson('{\n  "a": [1, 2\n}');
    expect(unclosed).toMatchObject({ ok: false, line: 3 });
    expect(locateJson('{"a": 1} x')).toMatchObject({ ok: false, line: 1, column: 10 });
    expect(locateJson('{"a": "b\n"}')).toMatchObject({ ok: false, line: 1 });
  });

  it('reads what JSON.parse reads', () => {
    const text = '[1.5e3, -0, "a\\"b\\u00e9", true, false, null, {"": {}}]';
    const r = locateJson(text);
    expect(r.ok && r.value).toEqual(JSON.parse(text));
  });
});

describe('splitError', () => {
  it('splits the path from the message', () => {
    expect(splitError('steps[1].at: expected number')).toEqual({
      path: ['steps', 1, 'at'],
      message: 'expected number',
    });
    expect(splitError('initial["n 1"].term: bad')).toEqual({
      path: ['initial', 'n 1', 'term'],
      message: 'bad',
    });
    expect(splitError('scenario: expected object')).toEqual({
      path: [],
      message: 'expected object',
    });
    expect(splitError('no path here')).toEqual({ path: null, message: 'no path here' });
  });
});

describe('checkScenarioText', () => {
  it("places each validator error at its field's line", () => {
    const r = checkScenarioText(FILE);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => `${p.line} ${p.where}`)).toEqual([
      '7 steps[1].at',
      '9 steps[1].node',
    ]);
    expect(r.problems[1].message).toContain('unknown node "n9"');
  });

  it('names the line of a syntax error', () => {
    const r = checkScenarioText(FILE.replace('"durationMs"', 'durationMs'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].line).toBe(12);
    expect(r.problems[0].message).toMatch(/^invalid JSON at line 12, column 3/);
  });

  it('accepts a fixed file', () => {
    const fixed = FILE.replace('"soon"', '200').replace('"n9"', '"n2"');
    const r = checkScenarioText(fixed);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.scenario.steps.map((s) => s.at)).toEqual([100, 200]);
  });
});
