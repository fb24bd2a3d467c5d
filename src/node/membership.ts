// Membership changes a node drives (Nacos's registerSelfToCluster on join, removals asked by
// an operator) and the leader's side of a forwarded change (CliService addPeer/removePeer).
// Invariant: one change per group is attempted at a time, once per MEMBER_RETRY_MS, until the
// configuration shows it (self-add retries forever, removal up to REMOVE_PEER_MAX_ATTEMPTS);
// an answer to a request only says where to ask next, never that the change happened.
import { allMembers } from '../raft/quorum.ts';
import type { ConfState, NodeId } from '../raft/types.ts';
import {
  ERR_INVALID_MEMBER_CHANGE,
  MEMBER_RETRY_MS,
  errNoLeader,
  errNotLeaderReceiver,
} from './constants.ts';
import type { GroupHost, NodeState, Pending } from './nodeState.ts';
import { memberChangeEvent } from './traceEvents.ts';
import type { ForwardResponse } from './types.ts';

/** One attempt per second at the first pending change (JRaftServer's registerSelfToCluster). */
export function driveMemberOps(n: NodeState, g: GroupHost): void {
  const op = g.memberOps[0];
  if (!op) return;
  const r = g.raft;
  const done =
    op.op === 'add'
      ? r.conf.voters.includes(op.peer) && r.conf.outgoing.length === 0 && r.leader !== null
      : !r.conf.voters.includes(op.peer) && !r.conf.outgoing.includes(op.peer);
  const note = (outcome: 'request' | 'done' | 'gave-up' | 'refused', error?: string): void =>
    n.trace(memberChangeEvent(g.id, op.op, op.peer, op.attempt, outcome, error));
  if (done) {
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
  // The boot number keeps ids of a restarted node apart from its earlier life's, which the
  // leader may still hold as already seen (seenForwards).
  const requestId = `${n.id}:${g.incarnation}:member:${n.nextRequest++}`;
  n.forwards.set(requestId, {
    requestId,
    group: g.id,
    origin: null,
    kind: 'member',
    payload: { op: op.op, peer: op.peer },
    deadlineMs: n.nowMs + MEMBER_RETRY_MS,
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

/** A membership request was refused or lost: follow the hint, or stop trusting our leader. */
export function memberRefused(g: GroupHost, hint: NodeId | null): void {
  g.memberTarget.hint = hint;
  g.memberTarget.distrustLeader = hint === null;
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
