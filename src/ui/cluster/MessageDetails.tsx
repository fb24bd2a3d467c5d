// The selected message: every field its trace summary carries, why a refusal or rejection
// happened (why.ts), and what can be done to it: drop or duplicate it while in flight, release
// or discard it while held in step mode. A message that arrived or was lost stays shown (as it
// was last seen) with a note, so the panel does not vanish under the pointer.
// Invariant: fields come from the model's MessageView; actions are engine commands.
import { useRef } from 'react';
import type { MessageView } from '../../state/model.ts';
import { heldMessages, wireMsgId } from '../../state/reduceMessages.ts';
import { useCommand, useSel, useViewStore } from '../context.ts';
import { CSS_FG, isReply, kindColor, KIND_LABELS, messageKind } from '../viz/messages.ts';
import { messageWhy } from './why.ts';

/** A moment on the cluster clock as the header shows it, to the millisecond: "t 8.211 s". */
function clusterTime(ms: number): string {
  return `t ${(ms / 1000).toFixed(3)} s`;
}

export function MessageDetails({ id }: { id: string }) {
  const live = useSel((s) => s.view.messages.get(id) ?? null);
  const held = useSel((s) => heldMessages(s.view).some((m) => m.id === id));
  const last = useRef<MessageView | null>(null);
  if (live !== null) last.current = live;
  const m = live ?? (last.current?.id === id ? last.current : null);
  const run = useCommand();
  const store = useViewStore();
  if (m === null) return <p className="muted">The message is no longer in the trace.</p>;
  const kind = messageKind(m);
  const why = messageWhy(m);
  const msgId = wireMsgId(m);
  const fields: [string, string][] = [
    ['type', m.msgType],
    ['group', m.group],
    ['from → to', `${m.from} → ${m.to}`],
    ['term', String(m.term)],
    ['sent at', clusterTime(m.sentAt)],
    [
      'due at',
      m.deliverAt === null
        ? '—'
        : `${clusterTime(m.deliverAt)} (+${Math.round(m.deliverAt - m.sentAt)} ms)`,
    ],
  ];
  if (m.entries !== null) fields.push(['entries', `${m.entries[0]}–${m.entries[1]}`]);
  if (m.heartbeat) fields.push(['heartbeat', 'yes']);
  if (m.copyOf !== null) fields.push(['copy of', m.copyOf]);
  for (const [k, v] of Object.entries(m.detail)) {
    fields.push([k, Array.isArray(v) ? v.join(', ') : String(v)]);
  }
  return (
    <section className="details message-details" aria-label={`Message ${m.id}`} data-message={m.id}>
      <header className="details-head">
        <span
          className={`kind-chip${isReply(m) ? ' reply' : ''}`}
          style={{
            borderColor: kindColor(kind, CSS_FG),
            background: isReply(m) ? 'transparent' : kindColor(kind, CSS_FG),
          }}
        />
        <h3>
          {KIND_LABELS[kind]} {isReply(m) ? 'reply' : 'request'}{' '}
          <span className="muted">
            {m.id}
            {live === null ? ' · arrived or lost' : held ? ' · held' : ' · in flight'}
          </span>
        </h3>
        <button
          type="button"
          className="close"
          aria-label="Close"
          onClick={() => store.getState().selectMessage(null)}
        >
          ✕
        </button>
      </header>
      <dl className="facts">
        {fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {why !== null && <p className="why">{why}</p>}
      {live !== null && (
        <div className="details-actions" role="group" aria-label="Actions on this message">
          {held ? (
            <>
              <button
                type="button"
                data-action="release"
                onClick={() => void run({ type: 'release', msgId })}
              >
                Release
              </button>
              <button
                type="button"
                data-action="discard"
                onClick={() => void run({ type: 'discard', msgId })}
              >
                Drop
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                data-action="drop-message"
                onClick={() => void run({ type: 'drop-message', from: m.from, to: m.to, msgId })}
              >
                Drop
              </button>
              <button
                type="button"
                data-action="duplicate-message"
                onClick={() =>
                  void run({ type: 'duplicate-message', from: m.from, to: m.to, msgId })
                }
              >
                Duplicate
              </button>
            </>
          )}
        </div>
      )}
    </section>
  );
}
