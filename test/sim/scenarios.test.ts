// Every scenario file under test/scenarios runs to its end with no invariant violation, no
// failed expectation and no step error. A new file is picked up without touching this test.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText } from '../../src/scenario/format.ts';
import { formatRunResult, runScenario } from '../../src/sim/runner.ts';

const DIR = join(import.meta.dirname, '..', 'scenarios');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('scenario files', () => {
  it('include the membership, snapshot, transfer and error scenarios', () => {
    for (const name of [
      'figure7.json',
      'figure8.json',
      'add-node.json',
      'remove-leader.json',
      'snapshot-install.json',
      'transfer-leader.json',
      'fail-apply.json',
    ]) {
      expect(files).toContain(name);
    }
  });

  it.each(files)('%s passes', (file) => {
    const parsed = parseScenarioText(readFileSync(join(DIR, file), 'utf8'));
    if (!parsed.ok) throw new Error(`${file} is invalid:\n${parsed.errors.join('\n')}`);
    const { result } = runScenario(parsed.scenario, { trace: null, recentEvents: 30 });
    const report = `${formatRunResult(result)}\nre-run: npm run sim -- --scenario test/scenarios/${file}`;
    expect(result.violation, report).toBeNull();
    expect(result.failedExpects, report).toEqual([]);
    expect(result.stepErrors, report).toEqual([]);
    expect(result.expects.length, `${file} checks nothing`).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  });
});
