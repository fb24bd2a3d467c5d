// The trace event contract (DESIGN.md §3). One JSON object per line after a header line.
// `seq` is the total order, `t` the cluster time in ms; hosts stamp both, nodes emit the body.
import type { ConfState, GroupId, NodeId, Role } from '../raft/types.ts';

export const TRACE_FORMAT = 'raft-playground-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  seed: number | null;
  scenario: string | null;
  cluster: { nodes: NodeId[]; groups: GroupId[]; [key: string]: unknown };
  /**
   * Events the host recorded but no longer holds (its in-memory trace is bounded): the file
   * starts after them, so a reader knows the history is a suffix.
   */
  dropped?: TraceDropped;
  /** Remarks for a reader, e.g. "events with seq 0–399,999 dropped (memory bound)". */
  notes?: string[];
}

/** The events a bounded trace dropped: seq firstSeq..lastSeq, `events` of them. */
export interface TraceDropped {
  events: number;
  firstSeq: number;
  lastSeq: number;
}

/** A message as the trace shows it: no payload, just what a reader needs. */
export interface MessageSummary {
  msgId: number;
  from: NodeId;
  to: NodeId;
  msgType: string;
  term: number;
  /** [first, last] index of carried entries, or null. */
  entries: [number, number] | null;
}

export type TraceBody =
  | { type: 'node-start'; members: NodeId[] }
  | { type: 'node-crash'; reason?: string }
  | { type: 'node-restart'; term: number; lastIndex: number }
  | { type: 'role'; group: GroupId; from: Role; to: Role; term: number; leader: NodeId | null }
  | {
      type: 'vote';
      group: GroupId;
      candidate: NodeId;
      term: number;
      preVote: boolean;
      granted: boolean;
    }
  | ({ type: 'send'; group: GroupId } & MessageSummary)
  | ({ type: 'recv'; group: GroupId } & MessageSummary)
  | ({ type: 'drop'; group: GroupId; reason: string } & MessageSummary)
  | {
      type: 'persist';
      group: GroupId;
      entries: [number, number] | null;
      term: number;
      votedFor: NodeId | null;
      commit: number;
      snapshot: number | null;
    }
  | { type: 'commit'; group: GroupId; index: number }
  | { type: 'apply'; group: GroupId; index: number; term: number; op: unknown; result: unknown }
  | {
      type: 'forward';
      group: GroupId;
      requestId: string;
      to: NodeId;
      stage: 'send' | 'recv' | 'reply';
      error?: string;
    }
  | { type: 'read-index'; group: GroupId; ctx: string; index: number; error?: string }
  | {
      type: 'snapshot';
      group: GroupId;
      index: number;
      term: number;
      stage: 'save' | 'install' | 'chunk' | 'load';
      chunk?: number;
      chunks?: number;
    }
  | { type: 'conf-change'; group: GroupId; phase: string; conf: ConfState; index: number }
  | {
      type: 'member-change';
      group: GroupId;
      op: 'add' | 'remove';
      peer: NodeId;
      attempt: number;
      outcome: 'request' | 'done' | 'gave-up' | 'refused';
      error?: string;
    }
  | {
      type: 'metadata';
      group: GroupId;
      leader: NodeId | null;
      term: number;
      members: NodeId[];
      errMsg: string | null;
    }
  | { type: 'fault'; fault: string; detail?: unknown }
  /**
   * The node's clock now runs at `rate` times real speed. `withinLeaseBound` says whether that
   * stays inside the clock drift a leader lease tolerates (|rate − 1| ≤ maxDrift, see
   * src/raft/lease.ts); outside it a lease read may be stale, as documented, not a bug.
   */
  | { type: 'clock'; rate: number; withinLeaseBound: boolean; maxDrift: number }
  | { type: 'narrate'; text: string }
  | { type: 'invoke'; group: GroupId; process: string; op: string; key: string; value: unknown }
  | {
      type: 'ok';
      group: GroupId;
      process: string;
      op: string;
      key: string;
      value: unknown;
      result: unknown;
    }
  | {
      type: 'fail';
      group: GroupId;
      process: string;
      op: string;
      key: string;
      value: unknown;
      result: unknown;
    }
  | {
      type: 'info';
      group: GroupId;
      process: string;
      op: string;
      key: string;
      value: unknown;
      result: unknown;
    }
  | { type: 'violation'; invariant: string; detail: string }
  | { type: 'expect'; that: string; passed: boolean; detail: string };

export type TraceEventType = TraceBody['type'];

export type TraceEvent = TraceBody & { seq: number; t: number; node: NodeId | null };
