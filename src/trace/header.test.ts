// The header's building blocks: the app version follows package.json, and the Raft profile is
// what the nodes run (whole ticks, Nacos's minimum applied by the ticks given).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_VERSION, definedChange, plainNetwork, raftProfile } from './header.ts';

describe('trace header', () => {
  it('writes the version package.json declares', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });

  it('states the timing in whole ticks, as the nodes run it', () => {
    const ticks = { electionTicks: 50, electionJitterTicks: 10, heartbeatTicks: 5 };
    expect(raftProfile({ profile: 'nacos', tickMs: 100 }, ticks, 'lease')).toEqual({
      profile: 'nacos',
      electionTimeoutMs: 5000,
      maxElectionDelayMs: 1000,
      heartbeatMs: 500,
      tickMs: 100,
      readOnly: 'lease',
      fidelity: 'nacos',
    });
  });

  it('describes a plain network and keeps only the set fields of a change', () => {
    const link = { delayMsMin: 1, delayMsMax: 10, dropRatio: 0, duplicateRatio: 0 };
    expect(plainNetwork(link)).toEqual({ link, overrides: [], sides: null, cuts: [], hold: false });
    expect(definedChange({ dropRatio: 0.2, delayMsMin: undefined })).toEqual({ dropRatio: 0.2 });
  });
});
