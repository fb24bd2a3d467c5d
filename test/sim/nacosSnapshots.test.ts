// Item 9 of issue 11: Nacos checks each processor's snapshot file against its recorded checksum
// on load, and a snapshot that fails the check puts the group into ERROR with SOFAJRaft's text.
// The scenario nacos-snapshot-checksum.json runs under both fidelities.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText } from '../../src/scenario/format.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import {
  corruptSnapshot,
  snapshotCheckSum,
  checkSumMatches,
} from '../../src/node/snapshotFiles.ts';

const FILE = join(import.meta.dirname, '..', 'scenarios', 'nacos-snapshot-checksum.json');
const G = 'nacos_config';

function run(fidelity: 'nacos' | 'textbook') {
  const parsed = parseScenarioText(readFileSync(FILE, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const rec = new TraceRecorder();
  const { result, sim } = runScenario(parsed.scenario, { trace: rec, fidelity });
  expect(result.violation).toBeNull();
  expect(result.failedExpects).toEqual([]);
  return { events: rec.events(), sim };
}

describe('nacos-snapshot-checksum.json (item 9)', () => {
  it('under nacos the damaged snapshot fails its check: the group on n2 enters ERROR with JRaft text', () => {
    const { events, sim } = run('nacos');
    const n2 = events.filter((e) => e.node === 'n2' && e.t >= 5500);
    const meta = n2.find((e) => e.type === 'metadata');
    expect(meta).toMatchObject({ errMsg: 'StateMachine onSnapshotLoad failed' });
    expect(n2).toContainEqual(
      expect.objectContaining({
        type: 'step-down',
        reason: 'state machine error: StateMachine onSnapshotLoad failed',
      }),
    );
    expect(sim.node('n2')!.status(G).errMsg).toBe('StateMachine onSnapshotLoad failed');
  });

  it('under textbook nothing is checked: n2 loads the damaged data and serves it', () => {
    const { events, sim } = run('textbook');
    expect(events.some((e) => e.type === 'metadata' && e.errMsg)).toBe(false);
    expect(sim.node('n2')!.status(G).errored).toBe(false);
    // The restored store differs from the leader's: one character of the data was changed.
    expect(sim.node('n2')!.appliedState(G)).not.toEqual(sim.node('n1')!.appliedState(G));
  });
});

describe('snapshot files and checksums', () => {
  it('a damaged snapshot keeps its recorded checksum and fails the check', () => {
    const snap = {
      meta: { index: 2, term: 1, conf: { voters: ['n1'], outgoing: [], learners: [] } },
      data: [{ dataId: 'a', content: 'v1' }],
      checkSum: snapshotCheckSum([{ dataId: 'a', content: 'v1' }]),
    };
    expect(checkSumMatches(snap)).toBe(true);
    const bad = corruptSnapshot(snap);
    expect(bad.checkSum).toBe(snap.checkSum);
    expect(bad.data).not.toEqual(snap.data);
    expect(checkSumMatches(bad)).toBe(false);
  });

  it('an empty snapshot is damaged in its recorded checksum instead', () => {
    const snap = {
      meta: { index: 1, term: 1, conf: { voters: ['n1'], outgoing: [], learners: [] } },
      data: [],
      checkSum: snapshotCheckSum([]),
    };
    expect(checkSumMatches(corruptSnapshot(snap))).toBe(false);
  });
});

describe('snapshot interval (item 9)', () => {
  it("JRaft's first snapshot comes in [T/2, T), then every T; Nacos's T is 30 min", async () => {
    const { firstSnapshotDelayMs, NACOS_SNAPSHOT_INTERVAL_MS } =
      await import('../../src/node/constants.ts');
    expect(NACOS_SNAPSHOT_INTERVAL_MS).toBe(1_800_000);
    expect(firstSnapshotDelayMs(1_800_000, 0)).toBe(900_000);
    expect(firstSnapshotDelayMs(1_800_000, 0.999999)).toBeLessThan(1_800_000);
  });

  it('under nacos the default interval applies; textbook takes none unless configured', async () => {
    const { snapshotIntervalMs } = await import('../../src/node/snapshots.ts');
    const { NACOS_TIMING, LESSON_TIMING } = await import('../../src/node/constants.ts');
    const base = { id: 'n1', members: ['n1'], groups: [G], seed: 1 };
    expect(snapshotIntervalMs({ ...base, timing: NACOS_TIMING, fidelity: 'nacos' })).toBe(
      1_800_000,
    );
    expect(snapshotIntervalMs({ ...base, timing: LESSON_TIMING, fidelity: 'nacos' })).toBe(60_000);
    expect(snapshotIntervalMs({ ...base, timing: NACOS_TIMING, fidelity: 'textbook' })).toBe(0);
  });
});
