// The network panel's settings as the model recorded them, and the delay slider's words.
import { describe, expect, it } from 'vitest';
import { delayChange, delayText, FALLBACK_POLICY, policyIn } from './policyView.ts';

describe('network policy for the sliders', () => {
  it('folds the every-link change, then the direction’s own, over the starting policy', () => {
    const initial = { delayMsMin: 5, delayMsMax: 10, dropRatio: 0, duplicateRatio: 0 };
    const changes = { '*': { dropRatio: 0.1 }, 'n1>n2': { delayMsMin: 300, delayMsMax: 900 } };
    expect(policyIn(initial, changes)).toEqual({ ...initial, dropRatio: 0.1 });
    expect(policyIn(initial, changes, 'n1>n2')).toEqual({
      delayMsMin: 300,
      delayMsMax: 900,
      dropRatio: 0.1,
      duplicateRatio: 0,
    });
    expect(policyIn(null, {})).toEqual(FALLBACK_POLICY);
  });

  it('a slider at ms asks for delays from ms/2 to ms', () => {
    expect(delayChange(900)).toEqual({ delayMsMin: 450, delayMsMax: 900 });
    expect(delayChange(-3)).toEqual({ delayMsMin: 0, delayMsMax: 0 });
  });

  it('says the range in force, whatever set it, and the range a moving thumb asks for', () => {
    // Set from the console: [300, 900] (the slider alone would have made it 450–900).
    const policy = { delayMsMin: 300, delayMsMax: 900, dropRatio: 0, duplicateRatio: 0 };
    expect(delayText(policy, null)).toBe('300–900 ms');
    expect(delayText(policy, 1200)).toBe('600–1200 ms');
  });
});
