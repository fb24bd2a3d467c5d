// Golden traces: each scenario's full trace equals the checked-in one, and a mismatch is shown
// as numbered lines around the first differing event. The diff helper is tested too, so a
// mismatch can never be reported as equal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTrace } from '../../src/trace/jsonl.ts';
import { describeDifference, GOLDEN_DIR, GOLDEN_SCENARIOS, goldenTrace } from './golden.ts';

describe('golden traces', () => {
  it.each(GOLDEN_SCENARIOS)('$scenario gives the checked-in $trace', ({ scenario, trace }) => {
    const expected = readFileSync(join(GOLDEN_DIR, trace), 'utf8');
    const actual = goldenTrace(scenario);
    const diff = describeDifference(expected, actual);
    if (diff !== null) expect.fail(`${scenario}: the trace changed\n${diff}`);
    // The checked-in file is a valid current-version trace.
    const imported = importTrace(expected);
    expect(imported.ok).toBe(true);
  });

  it('shows where two traces differ, with line numbers', () => {
    const a = ['h', 'e1', 'e2', 'e3', ''].join('\n');
    const b = ['h', 'e1', 'X', 'e3', ''].join('\n');
    expect(describeDifference(a, a)).toBeNull();
    const d = describeDifference(a, b, 1)!;
    expect(d).toMatch(/^first difference at line 3 \(expected 5 lines, got 5\)/);
    expect(d).toContain('-      3 e2');
    expect(d).toContain('+      3 X');
    expect(describeDifference(a, 'h\n')).toMatch(/first difference at line 2/);
  });
});
