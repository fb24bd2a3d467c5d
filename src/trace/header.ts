// Building blocks of the trace header (events.ts) that every host fills the same way: the app
// version, the Raft profile the nodes really run (after Nacos's minimum and rounding to ticks),
// and the network policy at the start. Invariant: the profile's milliseconds are whole ticks, as
// the nodes' timers are, so a view drawing a timer from the header matches the nodes.
import type { TraceLinkPolicy, TraceNetwork, TraceRaftProfile } from './events.ts';

/** The playground's version, written into every trace header (kept equal to package.json by a test). */
export const APP_VERSION = '0.1.0';

/** The node's timing converted to ticks (src/node's toTicks). */
export interface TickProfile {
  electionTicks: number;
  electionJitterTicks: number;
  heartbeatTicks: number;
}

/** The header's Raft profile from a node's timing settings and the ticks they became. */
export function raftProfile(
  timing: { profile: string; tickMs: number },
  ticks: TickProfile,
  readOnly: 'safe' | 'lease',
  fidelity: 'nacos' | 'textbook' = 'nacos',
  snapshotIntervalMs?: number,
): TraceRaftProfile {
  const { tickMs } = timing;
  return {
    profile: timing.profile,
    electionTimeoutMs: ticks.electionTicks * tickMs,
    maxElectionDelayMs: ticks.electionJitterTicks * tickMs,
    heartbeatMs: ticks.heartbeatTicks * tickMs,
    tickMs,
    readOnly,
    fidelity,
    ...(snapshotIntervalMs !== undefined ? { snapshotIntervalMs } : {}),
  };
}

/** A network with `link` on every direction and no override, partition, cut or hold. */
export function plainNetwork(link: TraceLinkPolicy): TraceNetwork {
  return { link: { ...link }, overrides: [], sides: null, cuts: [], hold: false };
}

/**
 * The fields of a link change that are set, for a `network` fault: the trace records what
 * changed and never an undefined field (JSON would drop it, and the event must re-import equal).
 */
export function definedChange(change: Partial<TraceLinkPolicy>): Partial<TraceLinkPolicy> {
  const out: Partial<TraceLinkPolicy> = {};
  for (const key of ['delayMsMin', 'delayMsMax', 'dropRatio', 'duplicateRatio'] as const) {
    if (change[key] !== undefined) out[key] = change[key];
  }
  if (change.reorder !== undefined) out.reorder = change.reorder;
  return out;
}
