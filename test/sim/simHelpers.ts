// Shared set-up for the simulator's behaviour tests: a started cluster with the lesson timing
// (1.5 s election timeout), config-store writes, and waits that fail loudly with the seed.
import { expect } from 'vitest';
import { LESSON_TIMING } from '../../src/node/node.ts';
import { Simulator } from '../../src/sim/cluster.ts';
import type { ClientHandle, SimOptions } from '../../src/sim/cluster.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import { nodeIds } from '../../src/scenario/format.ts';

export const G = 'nacos_config';
/** Lesson timing: the election timeout in ms. */
export const ELECTION_MS = LESSON_TIMING.electionTimeoutMs;

export function publish(content: string, dataId = 'app.yaml'): Record<string, unknown> {
  return { type: 'publish', dataId, group: 'DEFAULT_GROUP', content };
}

export interface Cluster {
  sim: Simulator;
  trace: TraceRecorder;
  leader: string;
}

/** A cluster of `n` nodes that has elected a leader and settled for half a second. */
export function startCluster(n: number, seed: number, extra: Partial<SimOptions> = {}): Cluster {
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: nodeIds(n),
    groups: [G],
    timing: LESSON_TIMING,
    network: { delayMsMin: 5, delayMsMax: 20 },
    trace,
    recentEvents: 30,
    // These tests were written against textbook routing and errors; the nacos behaviour has its
    // own tests (nacosFidelity.test.ts). A test may pass fidelity: 'nacos' in `extra`.
    fidelity: 'textbook',
    ...extra,
  });
  sim.start();
  expect(
    sim.runUntilTrue(() => sim.leaderOf(G) !== null, 10_000),
    `seed ${seed}: no leader`,
  ).toBe(true);
  sim.runFor(500);
  expect(sim.violation).toBeNull();
  return { sim, trace, leader: sim.leaderOf(G)! };
}

/** Run until `done` holds, within `ms`; fails with `what` and the seed otherwise. */
export function waitFor(sim: Simulator, what: string, done: () => boolean, ms = 15_000): void {
  const ok = sim.runUntilTrue(done, sim.nowMs + ms);
  expect(sim.violation, `seed ${sim.seed}: violation while waiting for ${what}`).toBeNull();
  expect(ok, `seed ${sim.seed}: ${what} did not happen within ${ms} ms`).toBe(true);
}

/** Write at `node` and wait for the client's outcome. */
export function writeAndWait(sim: Simulator, node: string, op: unknown): ClientHandle {
  const h = sim.write(node, G, op);
  waitFor(sim, `the write at ${node} to settle`, () => h.outcome !== 'pending', 15_000);
  return h;
}

/** Write at the group's current leader until one is acknowledged (as a Nacos client retries). */
export function writeAcked(sim: Simulator, op: unknown, attempts = 20): ClientHandle {
  let h: ClientHandle | null = null;
  for (let i = 0; i < attempts; i++) {
    waitFor(sim, 'a leader', () => sim.leaderOf(G) !== null);
    h = writeAndWait(sim, sim.leaderOf(G)!, op);
    if (h.outcome === 'ok') return h;
    sim.runFor(200);
  }
  throw new Error(`seed ${sim.seed}: write not acknowledged: ${JSON.stringify(h?.reply)}`);
}

/** The voters of the group as its leader sees them (null without a leader). */
export function voters(sim: Simulator): string[] | null {
  return sim.confOf(G)?.voters ?? null;
}

/** Is the configuration, as the leader sees it, simple (not joint) with exactly these voters? */
export function confIs(sim: Simulator, ids: string[]): boolean {
  const conf = sim.confOf(G);
  return (
    conf !== null &&
    conf.outgoing.length === 0 &&
    conf.voters.length === ids.length &&
    ids.every((id) => conf.voters.includes(id))
  );
}

/** Trace events of one type (and node), recorded so far. */
export function eventsOf(trace: TraceRecorder, type: string, node?: string): TraceEvent[] {
  return trace.events().filter((e) => e.type === type && (node === undefined || e.node === node));
}

/** The followers of the current leader among `ids`. */
export function othersThan(sim: Simulator, ...ids: string[]): string[] {
  return sim.nodeIds.filter((id) => !ids.includes(id));
}
