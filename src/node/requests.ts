// Nacos's write and read paths on one node: validation, proposing on the leader or forwarding
// once to the leader we know (JRaftServer.commit), ReadIndex with its fallback through the log
// (commitRead), the Forward/ForwardResponse exchange with its dedupe, and deadlines.
// Invariants: a forwarded request never travels twice; a Forward seen once (by sender and id,
// until its deadline) is never proposed again; every request is answered exactly once (reply,
// error or timeout), and a write whose outcome this node cannot know is marked indeterminate.
import { precheckWrite, validateOp, validateQuery } from '../cp/processors.ts';
import { InvalidRequest } from '../cp/stateMachine.ts';
import type { DroppedProposal, GroupId, NodeId } from '../raft/types.ts';
import {
  CODE_INVALID_PARAM,
  ERR_IS_NOT_LEADER,
  ERR_OPERATION_FAILURE,
  ERR_READ_INDEX_TIMEOUT,
  ERR_READ_STATE_ERROR,
  ERR_TIMEOUT_EXCEPTION,
  ERR_UNKNOWN_LEADER,
  READ_INDEX_TIMEOUT_MS,
  RPC_REQUEST_TIMEOUT_MS,
  errInvokeTimeout,
  errNoGroup,
  errNoGroupReceiver,
  errNoLeader,
  errNotLeaderReceiver,
  errTimedOut,
  requestTimeoutMs,
} from './constants.ts';
import { handleMemberForward, memberRefused } from './membership.ts';
import {
  replyFrom,
  type Command,
  type GroupHost,
  type NodeState,
  type Pending,
} from './nodeState.ts';
import { forwardEvent, proposeEvent, readIndexEvent, requestEvent } from './traceEvents.ts';
import type { ClientReply, ClientRequest, ForwardRequest, ForwardResponse } from './types.ts';

/** A request refused for its content: Nacos answers 400 (NacosException.INVALID_PARAM). */
function invalid(n: NodeState, error: string): ClientReply {
  return n.nacos ? { ok: false, error, code: CODE_INVALID_PARAM } : { ok: false, error };
}

/** A client request arrived at this node: start its write or read path. */
export function handleRequest(n: NodeState, req: ClientRequest): void {
  const p: Pending = {
    requestId: req.id,
    group: req.group,
    origin: null,
    kind: req.kind,
    payload: req.kind === 'write' ? req.op : req.query,
    deadlineMs: n.nowMs + requestTimeoutMs(req.kind),
  };
  if (n.traceEnabled) n.trace(requestEvent(req.group, req.id, req.kind, p.payload));
  if (req.kind === 'write') write(n, req.group, p);
  else read(n, req.group, p);
}

// ───────────────────────────── write path ─────────────────────────────

function write(n: NodeState, group: GroupId, p: Pending): void {
  const g = n.groups.get(group);
  if (!g) return n.answer(p, { ok: false, error: errNoGroup(group) });
  try {
    validateOp(group, p.payload);
  } catch (err) {
    if (err instanceof InvalidRequest) return n.answer(p, invalid(n, err.message));
    throw err;
  }
  const refused = precheckWrite(group, p.payload, (id) => n.groups.get(id)?.sm);
  if (refused) return n.answer(p, { ok: false, error: refused });
  submit(n, g, p, { kind: 'write', op: p.payload, rid: p.requestId });
}

/** Propose on the leader, or forward once to the leader we know (JRaftServer.commit). */
function submit(n: NodeState, g: GroupHost, p: Pending, cmd: Command): void {
  const r = g.raft;
  // A forwarded write refused for this node's state (not for its content) has an unknown
  // outcome: the network may duplicate a Forward, and another copy may have been proposed by
  // this node before it crashed or stopped leading (seenForwards does not survive a crash).
  // Only the requester's own refusals, before anything was sent, are certain failures.
  const unsure = p.origin !== null && p.kind === 'write' ? { indeterminate: true } : {};
  // Nacos: a node in ERROR is simply not the leader (JRaftServer.commit asks isLeader()), so
  // its client's request goes to the leader in the route table like any follower's.
  if (r.errored && (!n.nacos || p.origin !== null)) {
    // A Forward at a node in ERROR: Nacos's AbstractProcessor finds it is not the leader.
    const error = n.nacos ? errNotLeaderReceiver(g.id) : ERR_IS_NOT_LEADER;
    return n.answer(p, { ok: false, error, ...unsure });
  }
  // Nacos asks Node#isLeader(), which a leader transferring its leadership is not
  // (STATE_TRANSFERRING): its request goes the follower's way below, to the leader its route
  // table names (itself, so "Could not find leader"). The textbook proposes and the core refuses.
  const isLeader = r.role === 'leader' && !(n.nacos && r.transferring);
  if (isLeader) {
    const res = r.propose(cmd);
    if (!res.ok) return n.answer(p, { ok: false, error: res.error });
    p.term = res.term;
    g.proposals.set(res.index, p);
    n.trace(proposeEvent(g.id, p.requestId, res.index, res.term));
    return;
  }
  if (p.origin !== null) {
    // A forwarded request never travels twice.
    return n.answer(p, { ok: false, error: errNotLeaderReceiver(g.id), ...unsure });
  }
  // Nacos forwards to the leader in its route table (JRaftServer.invokeToLeader →
  // RouteTable.selectLeader), refreshed on a timer; the textbook to the live Raft leader.
  const leader = n.nacos ? g.route.leader : r.leader;
  if (leader === null) return n.answer(p, { ok: false, error: errNoLeader(g.id) });
  if (leader === n.id) {
    // A stale route naming this node, which no longer leads: Nacos invokes itself and its own
    // AbstractProcessor answers that it is not the leader. Nothing was proposed.
    return n.answer(p, { ok: false, error: errNotLeaderReceiver(g.id) });
  }
  forward(n, g, p, cmd, leader);
}

function forward(n: NodeState, g: GroupHost, p: Pending, cmd: Command, leader: NodeId): void {
  n.metrics.forwardedWrites += p.kind === 'write' ? 1 : 0;
  // Nacos: the forwarded RPC has its own timeout (rpcRequestTimeoutMs) inside the overall wait.
  const rpc = n.nacos ? { rpcDeadlineMs: n.nowMs + RPC_REQUEST_TIMEOUT_MS } : {};
  n.forwards.set(p.requestId, { ...p, to: leader, ...rpc });
  const msg: ForwardRequest = {
    type: 'Forward',
    group: g.id,
    from: n.id,
    to: leader,
    term: g.raft.term,
    requestId: p.requestId,
    kind: cmd.kind,
    payload: cmd.kind === 'write' ? cmd.op : cmd.query,
  };
  n.out.push({ type: 'send', msg });
  n.trace(forwardEvent(g.id, p.requestId, leader, 'send'));
}

/** The leader side of a forwarded request (or a membership change, handled by membership.ts). */
export function handleForward(n: NodeState, m: ForwardRequest): void {
  const seenKey = `${m.from}/${m.requestId}`;
  if (n.seenForwards.has(seenKey)) return;
  const p: Pending = {
    requestId: m.requestId,
    group: m.group,
    origin: m.from,
    kind: m.kind,
    payload: m.payload,
    deadlineMs: n.nowMs + requestTimeoutMs(m.kind),
  };
  n.seenForwards.set(seenKey, p.deadlineMs);
  const g = n.groups.get(m.group);
  if (m.kind === 'route') {
    // JRaft's GetLeaderRequestProcessor: the leader this node knows, or an error.
    // A node in ERROR stepped down and reset its leader id (NodeImpl.stepDown): it knows none.
    const leader = g && !g.raft.errored ? g.raft.leader : null;
    return n.answer(
      p,
      leader !== null ? { ok: true, value: leader } : { ok: false, error: ERR_UNKNOWN_LEADER },
    );
  }
  n.trace(forwardEvent(m.group, m.requestId, n.id, 'recv'));
  if (!g) {
    const error = n.nacos ? errNoGroupReceiver(m.group) : errNoGroup(m.group);
    return n.answer(p, { ok: false, error });
  }
  if (m.kind === 'member') return handleMemberForward(n, g, p);
  const cmd: Command =
    m.kind === 'write'
      ? { kind: 'write', op: m.payload, rid: m.requestId }
      : { kind: 'read', query: m.payload, rid: m.requestId };
  try {
    if (m.kind === 'write') validateOp(m.group, m.payload);
    else validateQuery(m.group, m.payload);
  } catch (err) {
    if (err instanceof InvalidRequest) return n.answer(p, invalid(n, err.message));
    throw err;
  }
  if (m.kind === 'write' && g.raft.role === 'leader' && m.term !== g.raft.term) {
    // A leader proposes only Forwards sent in its own term. A copy from an earlier term may
    // have been proposed already by this node, leader then in an earlier life (a restarted
    // node leads again only in a new term), so proposing it again could apply it twice; and
    // whether it was is unknown here.
    return n.answer(p, { ok: false, error: errNotLeaderReceiver(g.id), indeterminate: true });
  }
  submit(n, g, p, cmd);
}

/** The leader's answer to a request we forwarded. */
export function handleForwardResponse(n: NodeState, m: ForwardResponse): void {
  const f = n.forwards.get(m.requestId);
  if (!f) return; // Late or duplicate answer: the request already timed out.
  n.forwards.delete(m.requestId);
  if (f.kind === 'route') {
    const g = n.groups.get(f.group);
    if (g) routeAnswer(n, g, m.reply.ok ? (m.reply.value as NodeId) : null);
    return;
  }
  if (f.kind === 'member') {
    // Progress is checked each second; an answer only tells where to ask next.
    const g = n.groups.get(f.group);
    if (g && !m.reply.ok) memberRefused(n, g, m.leaderHint ?? null, m.reply.error);
    return;
  }
  n.trace(
    forwardEvent(m.group, m.requestId, m.from, 'reply', m.reply.ok ? undefined : m.reply.error),
  );
  n.answer({ ...f, origin: null }, m.reply);
}

// ───────────────────────────── read path ─────────────────────────────

function read(n: NodeState, group: GroupId, p: Pending): void {
  const g = n.groups.get(group);
  if (!g) return n.answer(p, { ok: false, error: errNoGroup(group) });
  try {
    validateQuery(group, p.payload);
  } catch (err) {
    if (err instanceof InvalidRequest) return n.answer(p, invalid(n, err.message));
    throw err;
  }
  // Nacos asks JRaft for a read index even in ERROR; JRaft refuses it and Nacos reads from the
  // leader (JRaftServer.get → readFromLeader).
  if (g.raft.errored && !n.nacos) return n.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
  if (n.nacos) p.readIndexDeadlineMs = n.nowMs + READ_INDEX_TIMEOUT_MS;
  // Unique across restarts (the boot number) and terms: the leader's answer to a request of an
  // earlier life, or of an earlier term, must never be taken for this read's. An answer to a
  // read index asked before a write was acknowledged would serve a read that started after
  // the acknowledgement from a state without the write.
  const ctx = `${n.id}:${g.incarnation}:${g.raft.term}:${n.nextCtx++}`;
  g.reads.set(ctx, p);
  g.raft.readIndex(ctx);
}

/** The core answered a ReadIndex request: wait for the state machine, or fall back to the log. */
export function onReadState(
  n: NodeState,
  g: GroupHost,
  ctx: string,
  index: number,
  error?: string,
): void {
  const p = g.reads.get(ctx);
  if (!p) return;
  g.reads.delete(ctx);
  const fallback =
    index < 0 ? `ReadIndex failed (${error ?? 'refused'}): read through the log` : undefined;
  n.trace(readIndexEvent(g.id, ctx, index, error, p.requestId, fallback));
  if (index < 0) {
    // ReadIndex failed: fall back to a read committed through the log (Nacos's commitRead).
    n.metrics.readIndexFailures++;
    if (g.raft.errored && !n.nacos) return n.answer(p, { ok: false, error: ERR_READ_STATE_ERROR });
    submit(n, g, p, { kind: 'read', query: p.payload, rid: p.requestId });
    return;
  }
  g.readyReads.push({ index, p });
}

/** Serve the reads whose read index the state machine has reached. */
export function serveReadyReads(n: NodeState, g: GroupHost): void {
  if (g.readyReads.length === 0) return;
  // What the state machine holds, not Raft's applied index (see GroupHost.smIndex).
  const applied = g.smIndex;
  const keep: { index: number; p: Pending }[] = [];
  for (const r of g.readyReads) {
    if (r.index <= applied) n.answer(r.p, replyFrom(g.sm.query(r.p.payload), r.p));
    else keep.push(r);
  }
  g.readyReads = keep;
}

// ───────────────────────────── deadlines ─────────────────────────────

/** Fail every request past its deadline; forget Forwards seen long enough ago. */
export function expireRequests(n: NodeState): void {
  const now = n.nowMs;
  const timeout = (p: Pending): ClientReply => ({
    ok: false,
    // Nacos's caller wraps the TimeoutException of its wait (code 500, added by answer()).
    error: n.nacos ? ERR_TIMEOUT_EXCEPTION : errTimedOut(p.kind),
    indeterminate: p.kind === 'write',
  });
  for (const g of n.groups.values()) {
    for (const [idx, p] of g.proposals) {
      if (p.deadlineMs <= now) {
        g.proposals.delete(idx);
        n.answer(p, timeout(p));
      }
    }
    for (const [ctx, p] of g.reads) {
      if (p.deadlineMs <= now) {
        g.reads.delete(ctx);
        n.answer(p, timeout(p));
      } else if (p.readIndexDeadlineMs !== undefined && p.readIndexDeadlineMs <= now) {
        // Nacos: JRaft's ReadIndexClosure timed out; the read goes through the log instead.
        onReadState(n, g, ctx, -1, ERR_READ_INDEX_TIMEOUT);
      }
    }
    g.readyReads = g.readyReads.filter((r) => {
      if (r.p.deadlineMs > now) return true;
      n.answer(r.p, timeout(r.p));
      return false;
    });
  }
  for (const [key, deadlineMs] of n.seenForwards) {
    if (deadlineMs <= now) n.seenForwards.delete(key);
  }
  for (const [id, f] of n.forwards) {
    if (f.kind === 'route') {
      if (f.deadlineMs <= now) {
        // RouteTable.refreshLeader: a member that did not answer in time; ask the next one.
        n.forwards.delete(id);
        const g = n.groups.get(f.group);
        if (g) routeAnswer(n, g, null);
      }
      continue;
    }
    if (f.kind !== 'member' && f.rpcDeadlineMs !== undefined && f.rpcDeadlineMs <= now) {
      if (f.deadlineMs <= now) {
        n.forwards.delete(id);
        n.answer({ ...f, origin: null }, timeout(f));
        continue;
      }
      // Nacos: the forwarded RPC timed out before the overall wait (SOFABolt's callback error,
      // which FailoverClosureImpl passes on as the failure's text).
      n.forwards.delete(id);
      const error = errInvokeTimeout(f.to);
      n.trace(forwardEvent(f.group, f.requestId, f.to, 'reply', error));
      n.answer({ ...f, origin: null }, { ok: false, error, indeterminate: f.kind === 'write' });
      continue;
    }
    if (f.deadlineMs <= now) {
      n.forwards.delete(id);
      if (f.kind !== 'member') n.answer({ ...f, origin: null }, timeout(f));
      else {
        const g = n.groups.get(f.group);
        if (g) memberRefused(n, g, null, errInvokeTimeout(f.to));
      }
    }
  }
}

/**
 * Nacos: the core gave up proposals because its leader stepped down (Ready.droppedProposals,
 * under 'nacos' only: SOFAJRaft's BallotBox#clearPendingTasks → ClosureQueueImpl#clear runs each
 * closure with "Leader stepped down"). Nacos's FailoverClosureImpl, with no throwable, surfaces
 * that as "operation failure", at once, for writes and log reads alike. A write's entry may still
 * commit under the next leader, so its failure is indeterminate. Only the proposal this node made
 * at that index in that term is answered; entries already handed out to apply are not among the
 * dropped ones, so nothing is answered twice.
 */
export function failDroppedProposals(
  n: NodeState,
  g: GroupHost,
  dropped: readonly DroppedProposal[],
): void {
  for (const d of dropped) {
    const p = g.proposals.get(d.index);
    if (p === undefined || p.term !== d.term) continue;
    g.proposals.delete(d.index);
    const unsure = p.kind === 'write' ? { indeterminate: true } : {};
    n.answer(p, { ok: false, error: ERR_OPERATION_FAILURE, ...unsure });
  }
}

/**
 * Nacos: refresh the group's route table entry when its timer is due (JRaftServer's
 * scheduleRaftMemberRefreshJob → refreshRouteTable → RouteTable.refreshLeader). RouteTable asks
 * the group's members for the leader they know; here the node takes the leader its own Raft node
 * knows at that moment (see docs/NACOS-DIFFERENCES.md). Between refreshes the entry stays as it
 * was, however the cluster changed.
 */
export function maybeRefreshRoute(n: NodeState, g: GroupHost): void {
  if (!n.nacos || n.nowMs < g.route.nextRefreshMs) return;
  g.route.nextRefreshMs += g.route.periodMs;
  // A fixed-rate job does not overlap itself: a refresh still asking skips this turn.
  if (g.route.asking !== null) return;
  const c = g.raft.conf;
  const members = [...c.voters];
  for (const id of c.outgoing) if (!members.includes(id)) members.push(id);
  g.route.asking = members;
  askNextForLeader(n, g);
}

/** Ask the next member for the leader it knows; this node answers its own question at once. */
function askNextForLeader(n: NodeState, g: GroupHost): void {
  const asking = g.route.asking;
  while (asking !== null && asking.length > 0) {
    const peer = asking.shift() as NodeId;
    if (peer === n.id) {
      if (g.raft.leader !== null && !g.raft.errored) return routeAnswer(n, g, g.raft.leader);
      continue;
    }
    const requestId = `${n.id}:${g.incarnation}:route:${n.nextRequest++}`;
    n.forwards.set(requestId, {
      requestId,
      group: g.id,
      origin: null,
      kind: 'route',
      payload: null,
      deadlineMs: n.nowMs + RPC_REQUEST_TIMEOUT_MS,
      to: peer,
    });
    const msg: ForwardRequest = {
      type: 'Forward',
      group: g.id,
      from: n.id,
      to: peer,
      term: g.raft.term,
      requestId,
      kind: 'route',
      payload: null,
    };
    n.out.push({ type: 'send', msg });
    return;
  }
  // Nobody knew a leader: the route table keeps what it had (RouteTable.refreshLeader fails).
  g.route.asking = null;
}

/** A member's answer to the refresh (null: it knew no leader, or did not answer in time). */
function routeAnswer(n: NodeState, g: GroupHost, leader: NodeId | null): void {
  if (g.route.asking === null) return;
  if (leader === null) return askNextForLeader(n, g);
  g.route.leader = leader;
  g.route.asking = null;
}
