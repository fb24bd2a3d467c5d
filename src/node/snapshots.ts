// Snapshots on one node: taking them (by applied-entry count, by time, on demand) and loading an
// installed one into the state machine once it is durable. Invariant: a snapshot is taken only
// at an index the state machine holds exactly (never while an installed snapshot waits for the
// disk), and a state machine that cannot load a snapshot puts its group into ERROR.
import type { Snapshot } from '../raft/types.ts';
import { enterError } from './apply.ts';
import {
  DEFAULT_FIDELITY,
  ERR_SNAPSHOT_CHECKSUM,
  LESSON_SNAPSHOT_INTERVAL_MS,
  NACOS_SNAPSHOT_INTERVAL_MS,
} from './constants.ts';
import type { NodeConfig } from './types.ts';
import type { GroupHost, NodeState } from './nodeState.ts';
import { checkSumMatches, snapshotCheckSum } from './snapshotFiles.ts';
import { snapshotEvent } from './traceEvents.ts';

export function maybeSnapshotByCount(n: NodeState, g: GroupHost): void {
  const every = n.cfg.snapshotIntervalEntries ?? 0;
  if (every > 0 && g.raft.log.applied - g.lastSnapshotIndex >= every) takeSnapshot(n, g);
}

/**
 * The snapshot interval a node runs with: the configured one, else under nacos Nacos's default
 * (30 min) or the lesson profile's shorter one; textbook runs take none unless configured.
 */
export function snapshotIntervalMs(cfg: NodeConfig): number {
  return timedSnapshotIntervalMs(
    cfg.snapshotIntervalMs,
    cfg.fidelity ?? DEFAULT_FIDELITY,
    cfg.timing.profile,
  );
}

/**
 * How often a node snapshots by time (0: never): the configured interval, else under nacos
 * Nacos's 30 min on the nacos profile and 60 s on the lesson profile, else none. Hosts write
 * it into the trace header, so the page can say it.
 */
export function timedSnapshotIntervalMs(
  configured: number | undefined,
  fidelity: 'nacos' | 'textbook',
  profile: string,
): number {
  if (configured !== undefined) return configured;
  if (fidelity !== 'nacos') return 0;
  return profile === 'nacos' ? NACOS_SNAPSHOT_INTERVAL_MS : LESSON_SNAPSHOT_INTERVAL_MS;
}

export function maybeSnapshotByTime(n: NodeState, g: GroupHost): void {
  const every = snapshotIntervalMs(n.cfg);
  if (every <= 0) return;
  if (n.nacos) {
    // JRaft's repeating timer (RepeatedTimer): on-demand snapshots do not move it.
    if (n.nowMs < g.nextSnapshotAtMs) return;
    g.nextSnapshotAtMs += every;
    takeSnapshot(n, g);
    return;
  }
  if (n.nowMs - g.lastSnapshotAtMs >= every) takeSnapshot(n, g);
}

/** Save the state machine at the applied index and compact the log behind it. */
export function takeSnapshot(n: NodeState, g: GroupHost): void {
  g.lastSnapshotAtMs = n.nowMs;
  const r = g.raft;
  const index = r.log.applied;
  // The state machine must hold exactly `index` (not so while an installed snapshot waits).
  if (r.errored || index <= r.log.snapshotIndex || g.smIndex !== index) return;
  const snap: Snapshot = {
    meta: { index, term: r.log.term(index)!, conf: r.confAt(index) },
    data: g.sm.snapshot(),
  };
  // Nacos's snapshot operations write each processor's file with its checksum.
  if (n.nacos) snap.checkSum = snapshotCheckSum(snap.data);
  r.compact(snap);
  g.snapshotToSave = snap;
  g.lastSnapshotIndex = index;
  n.trace(snapshotEvent(g.id, index, snap.meta.term, 'save'));
}

/**
 * An installed snapshot is durable: load it into the state machine. False when the state
 * machine could not (the group is then in ERROR and applies nothing more).
 */
export function loadSnapshot(n: NodeState, g: GroupHost, snap: Snapshot): boolean {
  try {
    restoreChecked(n, g, snap);
    g.smIndex = snap.meta.index;
    n.trace(snapshotEvent(g.id, snap.meta.index, snap.meta.term, 'load'));
    return true;
  } catch (err) {
    // A snapshot the state machine cannot load is a state-machine fault, as in JRaft.
    enterError(n, g, null, err);
    return false;
  }
}

/**
 * Load a snapshot into the group's state machine; under nacos first compare the file's checksum
 * with the one recorded beside it, as Nacos's snapshot operations do on `onSnapshotLoad`. A
 * mismatch throws (Nacos's `NacosStateMachine#onSnapshotLoad` then returns false, and JRaft's
 * `FSMCallerImpl#doSnapshotLoad` sets the error "StateMachine onSnapshotLoad failed").
 */
export function restoreChecked(n: NodeState, g: GroupHost, snap: Snapshot): void {
  if (n.nacos && !checkSumMatches(snap)) throw new Error(ERR_SNAPSHOT_CHECKSUM);
  g.sm.restore(snap.data);
}
