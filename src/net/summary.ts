// The one summary of a message: what the trace shows of a message on the wire, in both hosts
// (send, recv and drop events, and the browser's list of held messages). Invariant: a summary
// carries the fields a reader needs for its type (the list is in src/trace/events.ts,
// MessageSummary) and never the payload: no entries, no snapshot data, no request body.
import type { WireMessage } from '../node/types.ts';
import type { MessageSummary } from '../trace/events.ts';

/**
 * The trace's view of `msg`, sent as copy `msgId`. `copyOf` names the first copy's msgId on the
 * second copy of a duplicated message. Fields that do not apply to the type stay absent (never
 * undefined, so a recorded event survives a JSON round trip unchanged).
 */
export function messageSummary(msg: WireMessage, msgId: number, copyOf?: number): MessageSummary {
  const s: MessageSummary = {
    msgId,
    from: msg.from,
    to: msg.to,
    msgType: msg.type,
    term: msg.term,
    entries: null,
  };
  if (copyOf !== undefined) s.copyOf = copyOf;
  switch (msg.type) {
    case 'RequestVote':
      s.preVote = msg.preVote;
      s.lastIndex = msg.lastLogIndex;
      s.lastTerm = msg.lastLogTerm;
      break;
    case 'RequestVoteResponse':
      s.preVote = msg.preVote;
      s.granted = msg.granted;
      refusal(s, msg);
      break;
    case 'AppendEntries': {
      const n = msg.entries.length;
      if (n > 0) s.entries = [msg.entries[0].index, msg.entries[n - 1].index];
      s.prevIndex = msg.prevLogIndex;
      s.prevTerm = msg.prevLogTerm;
      s.commit = msg.leaderCommit;
      if (msg.heartbeat === true) s.hb = true;
      break;
    }
    case 'AppendEntriesResponse':
      s.ok = msg.success;
      s.index = msg.index;
      if (!msg.success) {
        s.hintIndex = msg.hintIndex;
        s.hintTerm = msg.hintTerm;
        refusal(s, msg);
      }
      if (msg.heartbeat === true) s.hb = true;
      break;
    case 'InstallSnapshot':
      s.snap = [msg.meta.index, msg.meta.term];
      s.chunk = msg.chunk;
      s.chunks = msg.chunks;
      break;
    case 'InstallSnapshotResponse':
      s.ok = msg.success;
      s.index = msg.index;
      s.chunk = msg.chunk;
      if (msg.error !== undefined) s.reject = msg.error;
      break;
    case 'TimeoutNow':
      break;
    case 'ReadIndex':
      s.ctx = msg.ctx;
      break;
    case 'ReadIndexResponse':
      s.ctx = msg.ctx;
      s.index = msg.index;
      if (msg.error !== undefined) s.reject = msg.error;
      break;
    case 'Forward':
      s.rid = msg.requestId;
      s.kind = msg.kind;
      break;
    case 'ForwardResponse':
      s.rid = msg.requestId;
      s.ok = msg.reply.ok;
      if (!msg.reply.ok) s.reject = msg.reply.error;
      break;
  }
  return s;
}

/**
 * The core's reason for a refused vote or a rejected append, when the answer carries one (the
 * `reject` field of RequestVoteResponse and AppendEntriesResponse; Raft itself ignores it).
 */
function refusal(s: MessageSummary, msg: object): void {
  const why = (msg as { reject?: unknown; error?: unknown }).reject;
  if (typeof why === 'string') s.reject = why;
  // An error response (SOFAJRaft's ErrorResponse) shows its text instead.
  const error = (msg as { error?: unknown }).error;
  if (typeof error === 'string') s.reject = error;
}
