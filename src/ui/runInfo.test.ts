import { describe, expect, it } from 'vitest';
import type { Engine } from '../engine/types.ts';
import type { TraceHeader } from '../trace/events.ts';
import { raftProfile } from '../trace/header.ts';
import { LESSON_TIMING, NACOS_TIMING, timedSnapshotIntervalMs, toTicks } from '../node/node.ts';
import { durationText, runInfoText } from './Header.tsx';

/** The header's profile for a timing and fidelity, with the snapshot interval nodes use. */
function profileOf(timing: typeof LESSON_TIMING, fidelity: 'nacos' | 'textbook') {
  return raftProfile(
    timing,
    toTicks(timing),
    'safe',
    fidelity,
    timedSnapshotIntervalMs(undefined, fidelity, timing.profile),
  );
}

function engineWith(raft: TraceHeader['cluster']['raft'], clusterId?: string): Engine {
  const header = {
    cluster: { nodes: ['n1'], groups: ['nacos_config'], raft, ...(clusterId ? { clusterId } : {}) },
    seed: 7,
  } as unknown as TraceHeader;
  return { kind: clusterId ? 'live' : 'simulated', header: () => header } as unknown as Engine;
}

describe('the footer says what runs', () => {
  it('names the timing, the snapshot interval Nacos uses for it, and the behaviour', () => {
    const lesson = profileOf(LESSON_TIMING, 'nacos');
    expect(runInfoText(engineWith(lesson, 'c-1'))).toBe(
      'cluster c-1 · lesson timing · snapshots every 60 s · Nacos behaviour',
    );
    const nacos = profileOf(NACOS_TIMING, 'nacos');
    expect(runInfoText(engineWith(nacos))).toBe(
      'simulated, seed 7 · nacos timing · snapshots every 30 min · Nacos behaviour',
    );
    const textbook = profileOf(LESSON_TIMING, 'textbook');
    expect(runInfoText(engineWith(textbook))).toBe(
      'simulated, seed 7 · lesson timing · textbook Raft',
    );
  });

  it('an older trace without the interval says nothing about it', () => {
    const old = raftProfile(LESSON_TIMING, toTicks(LESSON_TIMING), 'safe', 'nacos');
    expect(runInfoText(engineWith(old))).toBe(
      'simulated, seed 7 · lesson timing · Nacos behaviour',
    );
  });

  it('writes durations as a person reads them', () => {
    expect(durationText(1_800_000)).toBe('30 min');
    expect(durationText(60_000)).toBe('60 s');
    expect(durationText(1500)).toBe('1.5 s');
  });
});
