// What a scenario file means for a cluster, shared by the simulator's runner and the browser's:
// the timing its profile and overrides give, the durable state its `initial` section seeds, the
// link policy of its network settings, and how equal state is compared. One definition, so a
// scenario means the same thing in Node and in the browser.
import { LESSON_TIMING, NACOS_TIMING, writeCommand } from '../node/node.ts';
import { emptyDurableState } from '../node/storage.ts';
import type { DurableState, TimingConfig } from '../node/types.ts';
import type { LinkPolicy } from '../net/policy.ts';
import type { Entry, GroupId } from '../raft/types.ts';
import type { InitialNodeState, Scenario } from './format.ts';

/** The Raft timing a scenario asks for: its profile's defaults, overridden field by field. */
export function scenarioTiming(scenario: Scenario): TimingConfig {
  const raft = scenario.cluster.raft ?? {};
  const base = raft.profile === 'lesson' ? LESSON_TIMING : NACOS_TIMING;
  return {
    electionTimeoutMs: raft.electionTimeoutMs ?? base.electionTimeoutMs,
    maxElectionDelayMs: raft.maxElectionDelayMs ?? base.maxElectionDelayMs,
    tickMs: raft.tickMs ?? base.tickMs,
    profile: raft.profile ?? base.profile,
  };
}

/** The payload of a seeded log entry: a config publish naming its index and term. */
export function initialEntryData(index: number, term: number): unknown {
  return writeCommand({
    type: 'publish',
    dataId: `initial-${index}`,
    group: 'DEFAULT_GROUP',
    content: `term ${term}`,
  });
}

/** Durable state from the scenario's `initial` section (one term per log entry). */
export function initialDurableState(
  groups: readonly GroupId[],
  init: InitialNodeState,
): DurableState {
  const state = emptyDurableState(groups);
  const entries: Entry[] = init.log.map((term, k) => ({
    index: k + 1,
    term,
    type: 'normal',
    data: initialEntryData(k + 1, term),
  }));
  state[init.group] = {
    hardState: { term: init.term, votedFor: init.votedFor, commit: init.commit },
    entries,
    snapshot: null,
  };
  return state;
}

/** Scenario network settings as a (partial) link policy. */
export function linkPolicy(n: {
  delayMs?: [number, number];
  drop?: number;
  duplicate?: number;
}): Partial<LinkPolicy> {
  const p: Partial<LinkPolicy> = {};
  if (n.delayMs !== undefined) [p.delayMsMin, p.delayMsMax] = n.delayMs;
  if (n.drop !== undefined) p.dropRatio = n.drop;
  if (n.duplicate !== undefined) p.duplicateRatio = n.duplicate;
  return p;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }) ?? 'undefined'
  );
}
