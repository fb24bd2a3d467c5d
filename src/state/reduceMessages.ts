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

/** Early receipts kept before the oldest are let go (see boundEarly). */
export const EARLY_LIMIT = 2048;
/** An early receipt older than this (cluster ms) waits for no send: the merge never lags so far. */
export const EARLY_KEEP_MS = 10_000;

/**
 * `early` bounded: over EARLY_LIMIT, the receipts older than EARLY_KEEP_MS before `now` go (their
 * sends are not coming: trimmed from the trace, or lost with a crashed worker's last batch),
 * then, if still over, the oldest. Amortized: a prune leaves at most half the limit.
 */
export function boundEarly(
  early: ReadonlyMap<string, number>,
  now: number,
): ReadonlyMap<string, number> {
  if (early.size <= EARLY_LIMIT) return early;
  const kept = [...early].filter(([, t]) => t >= now - EARLY_KEEP_MS);
  return new Map(kept.slice(Math.max(0, kept.length - EARLY_LIMIT / 2)));
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
