// Applying committed entries to a group's state machine, and the ERROR state a failed apply or
// snapshot load puts the group in (JRaft's StateMachine error). Invariant: entries reach the
// state machine in log order, each once; a request is answered from an entry only when that
// entry is the one it proposed (same index and term), so an overwritten proposal fails instead.
import { cloneConf } from '../raft/raft.ts';
import type { ConfState, Entry } from '../raft/types.ts';
import type { ApplyResult } from '../cp/stateMachine.ts';
import {
  ERR_INJECTED_APPLY,
  ERR_IS_NOT_LEADER,
  ERR_NO_COMMAND,
  ERR_ON_SNAPSHOT_LOAD_FAILED,
  ERR_READ_STATE_ERROR,
  ERR_WRITE_LOST,
  errApplyFailed,
  errSnapshotLoadFailed,
} from './constants.ts';
import { isCommand, replyFrom, type GroupHost, type NodeState } from './nodeState.ts';
import { applyEvent, confAppliedEvent } from './traceEvents.ts';

/** Apply one committed entry; false when the state machine failed (group now in ERROR). */
export function applyEntry(n: NodeState, g: GroupHost, e: Entry): boolean {
  const waiting = g.proposals.get(e.index);
  if (waiting) g.proposals.delete(e.index);
  if (waiting && waiting.term !== e.term) {
    // Another leader's entry took this index: our proposal was overwritten, never applied.
    n.answer(waiting, { ok: false, error: ERR_WRITE_LOST });
  }
  if (e.type !== 'normal') {
    if (e.type === 'conf') {
      const conf = cloneConf((e.data as { conf: ConfState }).conf);
      n.trace(confAppliedEvent(g.id, conf, e.index));
      // SOFAJRaft's FSMCaller calls onConfigurationCommitted for it (Nacos: a metadata event).
      g.confApplied = { index: e.index, conf };
    }
    return true;
  }
  if (!isCommand(e.data)) {
    // Not a client command (e.g. a log seeded by hand): nothing to apply.
    if (waiting) n.answer(waiting, { ok: false, error: ERR_NO_COMMAND });
    return true;
  }
  const cmd = e.data;
  if (cmd.kind === 'read') {
    // Reads committed through the log are executed by the leader only (Nacos's onApply).
    if (waiting && waiting.term === e.term) {
      n.metrics.leaderReads++;
      n.answer(waiting, replyFrom(g.sm.query(cmd.query), waiting));
    }
    return true;
  }
  let result: ApplyResult;
  try {
    if (g.failNextApply) {
      g.failNextApply = false;
      throw new Error(ERR_INJECTED_APPLY);
    }
    result = g.sm.apply(cmd.op);
  } catch (err) {
    enterError(n, g, e, err);
    return false;
  }
  if (n.traceEnabled) n.trace(applyEvent(g.id, e.index, e.term, cmd.op, result, cmd.rid));
  if (waiting && waiting.term === e.term) n.answer(waiting, replyFrom(result, waiting));
  return true;
}

/**
 * The state machine failed on entry `e` (or, with null, on loading a snapshot): the group
 * enters ERROR and every request waiting on it fails.
 */
export function enterError(n: NodeState, g: GroupHost, e: Entry | null, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  // Under nacos a snapshot that fails to load is JRaft's state-machine error with its own text.
  const snapText = n.nacos ? ERR_ON_SNAPSHOT_LOAD_FAILED : errSnapshotLoadFailed(msg);
  g.raft.setError(e ? errApplyFailed(e.index, msg) : snapText);
  // Outcome of in-flight writes is unknown: other nodes may still commit them.
  for (const p of g.proposals.values()) {
    n.answer(p, { ok: false, error: ERR_IS_NOT_LEADER, indeterminate: true });
  }
  g.proposals.clear();
  for (const p of g.reads.values()) n.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
  g.reads.clear();
  for (const r of g.readyReads) n.answer(r.p, { ok: false, error: ERR_READ_STATE_ERROR });
  g.readyReads = [];
}
