// The random runner's history verdicts: a history check that runs out of search budget is
// undecided, reported apart and never counted as a violation (issue 8, item 22). A budget of
// one search step per key forces it on a real run's client history.
import { describe, expect, it } from 'vitest';
import { runRandom } from '../../src/sim/random.ts';

// A short fault phase keeps the run cheap; its clients still record a few hundred operations.
const SHORT = { faultPhaseMs: 15_000 };

describe('random runs whose history check is undecided', () => {
  it('decides the history with the default budget', () => {
    const r = runRandom(1, SHORT);
    expect(r.historyUndecided).toBeNull();
    expect(r.history).toBeNull();
    expect(r.historyOps).toBeGreaterThan(50);
    expect(r.ok).toBe(true);
  });

  it('reports an exhausted budget as undecided, not as a violation', () => {
    const r = runRandom(1, { ...SHORT, historyStepsPerKeyMax: 1 });
    expect(r.historyUndecided).toMatch(/no verdict within 1 search steps/);
    expect(r.history).toBeNull();
    expect(r.ok).toBe(true);
  });
});
