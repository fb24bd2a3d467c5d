// Nacos's numbers and words, in one place: the request timeouts, the timing profiles and how
// they become ticks, the membership retry schedule, and the exact error texts a client sees.
// Invariant: every timeout and every error message the node produces comes from this file, so a
// difference from Nacos shows up here and nowhere else.
import type { GroupId } from '../raft/types.ts';
import type { TimingConfig } from './types.ts';

/** Nacos's limits: writes wait at most 10 s, reads 5 s. */
export const WRITE_TIMEOUT_MS = 10_000;
export const READ_TIMEOUT_MS = 5_000;
/** Nacos raises smaller election timeouts to this. */
export const NACOS_MIN_ELECTION_TIMEOUT_MS = 5_000;

export const NACOS_TIMING: TimingConfig = {
  electionTimeoutMs: 5000,
  maxElectionDelayMs: 1000,
  tickMs: 100,
  profile: 'nacos',
};

/** Faster timings for live lessons, labelled as such in the UI. */
export const LESSON_TIMING: TimingConfig = {
  electionTimeoutMs: 1500,
  maxElectionDelayMs: 750,
  tickMs: 50,
  profile: 'lesson',
};

/**
 * Nacos's snapshot interval (`RaftSysConstants.DEFAULT_RAFT_SNAPSHOT_INTERVAL_SECS`, 30 * 60 s,
 * passed to `NodeOptions#setSnapshotIntervalSecs`), used under nacos fidelity when no interval is
 * configured. The lesson profile takes snapshots every minute instead (labelled as lesson timing).
 */
export const NACOS_SNAPSHOT_INTERVAL_MS = 30 * 60 * 1000;
export const LESSON_SNAPSHOT_INTERVAL_MS = 60 * 1000;

/**
 * JRaft's snapshot timer runs its first period randomized (`NodeImpl#init`, the snapshot timer's
 * `adjustTimeout`: half + nextInt(half)), so nodes do not all snapshot at once: [T/2, T).
 */
export function firstSnapshotDelayMs(intervalMs: number, draw: number): number {
  const half = Math.floor(intervalMs / 2);
  return half + Math.floor(draw * half);
}

/** Nacos checks membership and retries add-peer every second. */
export const MEMBER_RETRY_MS = 1000;
export const REMOVE_PEER_MAX_ATTEMPTS = 5;
/**
 * Nacos's removal (`JRaftProtocol#memberChange`): up to five calls of `JRaftServer#peerChange`,
 * 100 ms apart (`ThreadUtils.sleep(100L)`).
 */
export const NACOS_REMOVE_PAUSE_MS = 100;
/**
 * What a second call of `JRaftServer#peerChange` does: the first one already stored the new
 * member list in `RaftConfig`, so it finds nobody to remove and reports success.
 */
/**
 * How long a CliService call (getPeers, removePeer) waits for its answer: `CliOptions#timeoutMs`
 * is unset in Nacos's `JRaftServer#init`, so `RpcOptions#rpcDefaultTimeout` applies.
 */
export const CLI_RPC_TIMEOUT_MS = 5_000;
export const NACOS_REMOVE_NOTHING_LEFT =
  'peerChange: RaftConfig already holds the new members, nothing left to remove';

/** How long a request of this kind may wait before it times out. */
export function requestTimeoutMs(kind: 'write' | 'read' | 'member' | 'route'): number {
  return kind === 'write' ? WRITE_TIMEOUT_MS : READ_TIMEOUT_MS;
}

/** The Raft core's timing in ticks for a profile given in Nacos's milliseconds. */
export function toTicks(t: TimingConfig): {
  electionTicks: number;
  electionJitterTicks: number;
  heartbeatTicks: number;
} {
  const timeoutMs =
    t.profile === 'nacos'
      ? Math.max(t.electionTimeoutMs, NACOS_MIN_ELECTION_TIMEOUT_MS)
      : t.electionTimeoutMs;
  const electionTicks = Math.max(2, Math.round(timeoutMs / t.tickMs));
  return {
    electionTicks,
    electionJitterTicks: Math.max(1, Math.round(t.maxElectionDelayMs / t.tickMs)),
    heartbeatTicks: Math.max(1, Math.floor(electionTicks / 10)),
  };
}

// Nacos's error texts, word for word (JRaftServer, JRaftProtocol, the read path).
export const errNoGroup = (g: GroupId): string => `No corresponding Raft Group found : ${g}`;
export const errNoLeader = (g: GroupId): string =>
  `The Raft Group [${g}] did not find the Leader node`;
export const errNotLeaderReceiver = (g: GroupId): string => `Could not find leader : ${g}`;
export const ERR_IS_NOT_LEADER = 'Is not leader.';
export const ERR_READ_STATE_ERROR = 'Invalid state for readIndex: STATE_ERROR.';
/** A request that waited past its deadline (the outcome of a write is then unknown). */
export const errTimedOut = (kind: 'write' | 'read' | 'member' | 'route'): string =>
  `Request timed out after ${requestTimeoutMs(kind)} ms`;
// The node's own texts, for cases Nacos has no message for.
export const ERR_WRITE_LOST = 'write lost: leadership changed before commit';
export const ERR_NO_COMMAND = 'entry carries no command';
export const ERR_INVALID_MEMBER_CHANGE = 'invalid membership change';
export const ERR_REQUEST_FAILED = 'request failed';
export const ERR_INJECTED_APPLY = 'injected state machine failure';
/** The group's error message (JRaft's ERROR state) when applying an entry threw. */
export const errApplyFailed = (index: number, msg: string): string =>
  `apply of entry ${index} failed: ${msg}`;
/** The group's error message when the state machine could not load a snapshot. */
export const errSnapshotLoadFailed = (msg: string): string => `snapshot load failed: ${msg}`;
/** SOFAJRaft's error when the state machine's onSnapshotLoad returns false (`FSMCallerImpl#doSnapshotLoad`). */
export const ERR_ON_SNAPSHOT_LOAD_FAILED = 'StateMachine onSnapshotLoad failed';
/** Why our processor refused the snapshot: its file's checksum differs from the recorded one. */
export const ERR_SNAPSHOT_CHECKSUM = 'Snapshot checksum failed';

// ───────────── Nacos fidelity (docs/NACOS-DIFFERENCES.md, "Nacos layer") ─────────────

/** The node reproduces Nacos unless told to behave like the textbook. */
export const DEFAULT_FIDELITY = 'nacos' as const;
/** RaftSysConstants.DEFAULT_RAFT_RPC_REQUEST_TIMEOUT_MS: a forwarded request's own timeout. */
export const RPC_REQUEST_TIMEOUT_MS = 5_000;
/** ReadIndexClosure.DEFAULT_TIMEOUT (jraft.read-index.timeout): then Nacos reads via the log. */
export const READ_INDEX_TIMEOUT_MS = 2_000;
/**
 * JRaftServer.createMultiRaftGroup: the route table's refresh period is the election timeout
 * plus `random.nextInt(5 * 1000)`, drawn once per group; the first refresh after one election
 * timeout. Lesson timings shrink the random part in proportion to their election timeout.
 */
export const ROUTE_REFRESH_RANDOM_MS = 5_000;
/** NacosException.INVALID_PARAM and SERVER_ERROR: the codes beside a client-visible error. */
export const CODE_INVALID_PARAM = 400;
export const CODE_SERVER_ERROR = 500;
/** AbstractProcessor.handleRequest: a forwarded request at a node without the group. */
export const errNoGroupReceiver = (g: GroupId): string =>
  `Could not find the corresponding Raft Group : ${g}`;
/**
 * JRaftProtocol.write/getData wait with CompletableFuture.get(timeout); its TimeoutException
 * has no message, and the caller wraps it whole (NacosRuntimeException(SERVER_ERROR, e)), so the
 * text is the exception's name.
 */
export const ERR_TIMEOUT_EXCEPTION = 'java.util.concurrent.TimeoutException';
/** SOFABolt's RpcInvokeCallbackListener text for a forwarded request that got no answer. */
export const errInvokeTimeout = (address: string): string =>
  `Invoke timeout when invoke with callback.The address is ${address}`;
/** FailoverClosureImpl: a failed status without a throwable (e.g. JRaft's step-down). */
export const ERR_OPERATION_FAILURE = 'operation failure';
/** JRaft's status when a leader steps down with tasks pending (ClosureQueueImpl.clear). */
export const ERR_LEADER_STEPPED_DOWN = 'Leader stepped down';
/** GetLeaderRequestProcessor's answer from a node that knows no leader. */
export const ERR_UNKNOWN_LEADER = 'Unknown leader';
/** ReadIndexClosure.TimeoutTask's status text. */
export const ERR_READ_INDEX_TIMEOUT = 'read-index request timeout';

/** The route table's refresh period for a timing profile, given a draw in [0, 1). */
export function routeRefreshPeriodMs(t: TimingConfig, draw: number): number {
  const electionMs = toTicks(t).electionTicks * t.tickMs;
  const randomMs =
    t.profile === 'nacos'
      ? ROUTE_REFRESH_RANDOM_MS
      : Math.round((ROUTE_REFRESH_RANDOM_MS * electionMs) / NACOS_MIN_ELECTION_TIMEOUT_MS);
  // Rounded up to whole ticks: the node's clock moves in ticks.
  const ms = electionMs + Math.floor(draw * randomMs);
  return Math.ceil(ms / t.tickMs) * t.tickMs;
}
