// Messages in flight as the views read them: the type-specific fields a `send` event carries
// (kept on the MessageView, so a reply shows granted/refused or success/reject and a popover
// shows every field), and which messages the network holds in step mode.
// Invariant: pure; a detail holds only fields the trace summary carried (absent stays absent).
import type { TraceEvent } from '../trace/events.ts';
import type { MessageDetail, MessageView, ViewState } from './model.ts';

type SendEvent = Extract<TraceEvent, { type: 'send' }>;

/** The summary's fields beyond the ones MessageView names itself. */
export function messageDetail(e: SendEvent): MessageDetail {
  const {
    seq: _seq,
    t: _t,
    node: _node,
    type: _type,
    group: _group,
    deliverAt: _deliverAt,
    msgId: _msgId,
    copyOf: _copyOf,
    from: _from,
    to: _to,
    msgType: _msgType,
    term: _term,
    entries: _entries,
    ...detail
  } = e;
  return detail;
}

/**
 * The messages waiting for a manual release in hold mode (step mode), oldest due first. A
 * message is held when it came due while hold was on and has neither arrived nor been dropped:
 * both hosts decide a message's fate when it comes due, and hold it then (src/net/policy.ts).
 * A message not yet due is still in flight, even in hold mode.
 */
export function heldMessages(s: ViewState): MessageView[] {
  if (!s.network.hold) return [];
  const out: MessageView[] = [];
  for (const m of s.messages.values()) {
    if (m.deliverAt !== null && m.deliverAt <= s.t) out.push(m);
  }
  return out.sort((a, b) => a.deliverAt! - b.deliverAt! || a.sentAt - b.sentAt);
}

/** The numeric id the engines' release and discard commands take ("n2:17" → 17). */
export function wireMsgId(m: MessageView): number {
  return Number(m.id.slice(m.id.lastIndexOf(':') + 1));
}
