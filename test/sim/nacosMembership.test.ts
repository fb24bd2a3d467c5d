// Issue 11 item 12: a removal as Nacos runs it (JRaftProtocol#memberChange → JRaftServer#peerChange
// → JRaftOps REMOVE_PEERS → CliService), against the textbook's retry-until-done schedule. Nacos
// makes one real attempt per server; after a failure it pauses 100 ms and calls peerChange again,
// which finds nothing left to remove (the first call stored the new member list) and stops.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LESSON_TIMING,
  NACOS_REMOVE_NOTHING_LEFT,
  errInvokeTimeout,
} from '../../src/node/constants.ts';
import { parseScenarioText } from '../../src/scenario/format.ts';
import { runScenario } from '../../src/sim/runner.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { G, confIs, eventsOf, othersThan, startCluster, waitFor } from './simHelpers.ts';

type MemberChange = Extract<TraceEvent, { type: 'member-change' }>;
const TICK = LESSON_TIMING.tickMs;

function run(fidelity: 'nacos' | 'textbook') {
  const file = join(import.meta.dirname, '../scenarios/nacos-remove-retry.json');
  const parsed = parseScenarioText(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const rec = new TraceRecorder();
  const { result, sim } = runScenario(parsed.scenario, { trace: rec, fidelity });
  expect(result.violation).toBeNull();
  expect(result.failedExpects).toEqual([]);
  const changes = rec.events().filter((e): e is MemberChange => e.type === 'member-change');
  return { changes, voters: sim.confOf(G)!.voters };
}

describe('nacos-remove-retry.json', () => {
  it('under nacos: one real attempt, a no-op second call 100 ms after it failed, n2 stays', () => {
    const { changes, voters } = run('nacos');
    const seen = changes.map((e) => [e.node, e.attempt, e.outcome, e.error ?? e.detail ?? '']);
    expect(seen).toEqual([
      ['n1', 1, 'request', ''],
      ['n1', 1, 'refused', errInvokeTimeout('n3')],
      ['n1', 2, 'no-op', NACOS_REMOVE_NOTHING_LEFT],
    ]);
    // The attempt waited the CliService RPC timeout (5 s) for the crashed leader's answer (the
    // node's clock moves in ticks, so it counts from the tick before the request).
    expect(changes[1].t - changes[0].t).toBeGreaterThanOrEqual(5000 - TICK);
    expect(changes[1].t - changes[0].t).toBeLessThan(5200);
    expect(changes[2].t - changes[1].t).toBe(100);
    expect(voters).toContain('n2');
  });

  it('under textbook: retried each second until the new leader takes the change', () => {
    const { changes, voters } = run('textbook');
    const attempts = changes.filter((e) => e.outcome !== 'gave-up').map((e) => e.attempt);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    for (let k = 1; k < 5; k++) {
      expect(changes[k].t - changes[k - 1].t).toBeGreaterThanOrEqual(1000 - TICK);
    }
    expect(changes.some((e) => e.outcome === 'no-op')).toBe(false);
    expect(voters).not.toContain('n2');
  });
});

describe('every Nacos server drives the removal', () => {
  it('each running member makes its own attempt; the change happens once, nobody retries', () => {
    const { sim, trace, leader } = startCluster(5, 33, { fidelity: 'nacos' });
    const gone = othersThan(sim, leader)[0];
    sim.removeNode(gone);
    const remaining = othersThan(sim, gone);
    waitFor(sim, `${gone} to leave`, () => confIs(sim, remaining), 15_000);
    sim.runFor(6000);
    const fault = eventsOf(trace, 'fault').find(
      (e) => (e as { fault: string }).fault === 'remove-node',
    ) as { askedOf: string[] };
    expect([...fault.askedOf].sort()).toEqual([...remaining].sort());
    for (const id of remaining) {
      const mine = eventsOf(trace, 'member-change', id) as MemberChange[];
      expect(mine[0]).toMatchObject({ attempt: 1, peer: gone });
      // Attempt 1 either saw the change through or failed; a failure is followed by the no-op
      // second call and nothing else.
      const last = mine[mine.length - 1];
      expect(['done', 'no-op']).toContain(last.outcome);
      expect(Math.max(...mine.map((e) => e.attempt))).toBeLessThanOrEqual(2);
    }
    expect(sim.violation).toBeNull();
  });

  it('under textbook only the leader drives it', () => {
    const { sim, trace, leader } = startCluster(5, 33);
    const gone = othersThan(sim, leader)[0];
    sim.removeNode(gone);
    waitFor(sim, `${gone} to leave`, () => confIs(sim, othersThan(sim, gone)), 15_000);
    const drivers = new Set(eventsOf(trace, 'member-change').map((e) => e.node));
    expect([...drivers]).toEqual([leader]);
  });
});
