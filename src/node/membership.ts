// Membership changes a node drives (Nacos's registerSelfToCluster on join, removals asked by
// an operator) and the leader's side of a forwarded change (CliService addPeer/removePeer).
// Invariant: one change per group is attempted at a time. Self-add (both fidelities) and a
// textbook removal are attempted once per MEMBER_RETRY_MS until the configuration shows them
// (self-add forever, removal up to REMOVE_PEER_MAX_ATTEMPTS). A removal under nacos runs as
// JRaftProtocol#memberChange does: one real attempt that waits for its outcome up to the
// CliService RPC timeout; after a failure a second call 100 ms later, which finds nothing left
// to remove (peerChange stored the new member list at its first call) and ends the removal.
// An answer to a request only says where to ask next, never that the change happened.
import { allMembers } from '../raft/quorum.ts';
import type { ConfState, NodeId } from '../raft/types.ts';
import {
  CLI_RPC_TIMEOUT_MS,
  ERR_INVALID_MEMBER_CHANGE,
  MEMBER_RETRY_MS,
  NACOS_REMOVE_NOTHING_LEFT,
  NACOS_REMOVE_PAUSE_MS,
  errInvokeTimeout,
  errNoLeader,
  errNotLeaderReceiver,
} from './constants.ts';
import type { GroupHost, MemberOp, NodeState, Pending } from './nodeState.ts';
import { memberChangeEvent } from './traceEvents.ts';
import type { ForwardResponse } from './types.ts';

type MemberOutcome = 'request' | 'done' | 'gave-up' | 'refused' | 'no-op';

function tracer(n: NodeState, g: GroupHost, op: MemberOp) {
  return (outcome: MemberOutcome, error?: string): void =>
    n.trace(memberChangeEvent(g.id, op.op, op.peer, op.attempt, outcome, error));
}

/** Does this node's configuration already show the change? */
function changeShown(g: GroupHost, op: MemberOp): boolean {
  const r = g.raft;
  return op.op === 'add'
    ? r.conf.voters.includes(op.peer) && r.conf.outgoing.length === 0 && r.leader !== null
    : !r.conf.voters.includes(op.peer) && !r.conf.outgoing.includes(op.peer);
}

/** One attempt per second at the first pending change (JRaftServer's registerSelfToCluster). */
export function driveMemberOps(n: NodeState, g: GroupHost): void {
  const op = g.memberOps[0];
  if (!op || op.nacos) return;
  const r = g.raft;
  const note = tracer(n, g, op);
  if (changeShown(g, op)) {
    g.memberOps.shift();
    note('done');
    return;
  }
  if (op.attempt >= op.maxAttempts) {
    g.memberOps.shift();
    note('gave-up');
    return;
  }
  op.attempt++;
  if (r.role === 'leader') {
    const res = r.changePeers(targetConf(r.conf, op.op, op.peer));
    note(res.ok ? 'request' : 'refused', res.ok ? undefined : res.error);
    return;
  }
  // Not leader: send the change to the leader a member named, else the one we know, else (as
  // a joining node that knows nobody yet, like JRaft's CliService asking peers for the leader)
  // to each member in turn; a member that is not leader refuses, naming the leader it knows.
  const to = memberTargetOf(n, g);
  if (!to || to === n.id) {
    note('refused', errNoLeader(g.id));
    return;
  }
  note('request');
  sendMemberRequest(n, g, op, to, MEMBER_RETRY_MS);
}

/** Forward the change to `to` (the leader, we hope), answered or given up after `waitMs`. */
function sendMemberRequest(
  n: NodeState,
  g: GroupHost,
  op: MemberOp,
  to: NodeId,
  waitMs: number,
): void {
  const r = g.raft;
  // The boot number keeps ids of a restarted node apart from its earlier life's, which the
  // leader may still hold as already seen (seenForwards).
  const requestId = `${n.id}:${g.incarnation}:member:${n.nextRequest++}`;
  n.forwards.set(requestId, {
    requestId,
    group: g.id,
    origin: null,
    kind: 'member',
    payload: { op: op.op, peer: op.peer },
    deadlineMs: n.nowMs + waitMs,
    to,
  });
  n.out.push({
    type: 'send',
    msg: {
      type: 'Forward',
      group: g.id,
      from: n.id,
      to,
      term: r.term,
      requestId,
      kind: 'member',
      payload: { op: op.op, peer: op.peer },
    },
  });
}

function memberTargetOf(n: NodeState, g: GroupHost): NodeId | undefined {
  const t = g.memberTarget;
  if (t.hint !== null && t.hint !== n.id) return t.hint;
  if (g.raft.leader !== null && !t.distrustLeader) return g.raft.leader;
  const peers = [...new Set([...n.cfg.members, ...allMembers(g.raft.conf)])].filter(
    (id) => id !== n.id,
  );
  return peers.length > 0 ? peers[t.turn++ % peers.length] : undefined;
}

/**
 * A removal under nacos (JRaftProtocol#memberChange → JRaftServer#peerChange → JRaftOps
 * REMOVE_PEERS → CliService#getPeers / #removePeer), driven each tick. Attempt 1 is the real
 * one: nothing to do if the peer is already gone; else the leader proposes the change itself,
 * a follower asks the leader it knows, and the attempt waits for the configuration to show the
 * change, up to the CliService RPC timeout. A failed attempt is followed, 100 ms later, by
 * attempt 2, which changes nothing: peerChange stored the new member list in RaftConfig at its
 * first call, so it finds no peer left to remove and reports success, and memberChange returns.
 * The peer stays a member until someone asks again.
 */
export function driveNacosRemoval(n: NodeState, g: GroupHost): void {
  const op = g.memberOps[0];
  const s = op?.nacos;
  if (!op || !s) return;
  const note = tracer(n, g, op);
  const finish = (): void => {
    g.memberOps.shift();
  };
  switch (s.phase) {
    case 'start': {
      op.attempt = 1;
      if (changeShown(g, op)) {
        note('done');
        return finish();
      }
      const r = g.raft;
      if (r.role === 'leader') {
        const res = r.changePeers(targetConf(r.conf, op.op, op.peer));
        if (!res.ok) return nacosAttemptFailed(n, g, res.error);
        note('request');
        Object.assign(s, { phase: 'waiting', untilMs: n.nowMs + CLI_RPC_TIMEOUT_MS, target: n.id });
        return;
      }
      const to = memberTargetOf(n, g);
      if (!to || to === n.id) return nacosAttemptFailed(n, g, errNoLeader(g.id));
      note('request');
      Object.assign(s, { phase: 'waiting', untilMs: n.nowMs + CLI_RPC_TIMEOUT_MS, target: to });
      sendMemberRequest(n, g, op, to, CLI_RPC_TIMEOUT_MS);
      return;
    }
    case 'waiting':
      if (changeShown(g, op)) {
        note('done');
        return finish();
      }
      if (n.nowMs >= s.untilMs) nacosAttemptFailed(n, g, errInvokeTimeout(s.target ?? n.id));
      return;
    case 'pause':
      if (n.nowMs < s.untilMs) return;
      op.attempt++;
      note('no-op', NACOS_REMOVE_NOTHING_LEFT);
      return finish();
  }
}

/** The running nacos removal attempt failed: say why and pause before the next call. */
function nacosAttemptFailed(n: NodeState, g: GroupHost, error: string): void {
  const op = g.memberOps[0];
  if (!op?.nacos || op.nacos.phase === 'pause') return;
  tracer(n, g, op)('refused', error);
  op.nacos.phase = 'pause';
  op.nacos.untilMs = n.nowMs + NACOS_REMOVE_PAUSE_MS;
}

/**
 * A membership request was refused or lost: follow the hint, or stop trusting our leader. A
 * nacos removal waiting on it fails its attempt.
 */
export function memberRefused(
  n: NodeState,
  g: GroupHost,
  hint: NodeId | null,
  error: string,
): void {
  g.memberTarget.hint = hint;
  g.memberTarget.distrustLeader = hint === null;
  nacosAttemptFailed(n, g, error);
}

/** The leader side of a membership request (CliService addPeer/removePeer). */
export function handleMemberForward(n: NodeState, g: GroupHost, p: Pending): void {
  const r = g.raft;
  if (r.role !== 'leader') {
    // Name the leader we know, so the requester finds it (CliService's getLeader).
    const msg: ForwardResponse = {
      type: 'ForwardResponse',
      group: g.id,
      from: n.id,
      to: p.origin!,
      term: r.term,
      requestId: p.requestId,
      reply: { ok: false, error: errNotLeaderReceiver(g.id) },
      leaderHint: r.leader,
    };
    n.out.push({ type: 'send', msg });
    return;
  }
  const change = p.payload as { op: 'add' | 'remove'; peer: NodeId };
  if ((change.op !== 'add' && change.op !== 'remove') || typeof change.peer !== 'string') {
    return n.answer(p, { ok: false, error: ERR_INVALID_MEMBER_CHANGE });
  }
  const res = r.changePeers(targetConf(r.conf, change.op, change.peer));
  n.answer(p, res.ok ? { ok: true, value: null } : { ok: false, error: res.error });
}

/** The configuration after adding (or promoting) or removing one peer. */
function targetConf(
  conf: ConfState,
  op: 'add' | 'remove',
  peer: NodeId,
): { voters: NodeId[]; learners: NodeId[] } {
  const voters = conf.voters.filter((id) => id !== peer);
  const learners = conf.learners.filter((id) => id !== peer);
  if (op === 'add') voters.push(peer);
  return { voters, learners };
}
