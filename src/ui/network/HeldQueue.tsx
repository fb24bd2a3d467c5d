// Step mode's queue: the messages the network holds (in the order they came due), each with
// release and drop, plus release-all. Held messages come from the model (reduceMessages.ts).
// Invariant: the list is the model's; releasing or dropping is an engine command naming the
// message, so the engine's log (and a replay) says exactly which one.
import { heldMessages, wireMsgId } from '../../state/reduceMessages.ts';
import { useCommand, useSel, useViewStore } from '../context.ts';
import { CSS_FG, isReply, kindColor, KIND_LABELS, messageKind } from '../viz/messages.ts';

/** Rows shown; the rest are counted (the queue can grow long under load). */
const ROWS = 40;

export function HeldQueue() {
  const held = useSel((s) => heldMessages(s.view));
  const run = useCommand();
  const store = useViewStore();
  const releaseAll = async (): Promise<void> => {
    // Turning hold off delivers everything held; turning it back on keeps step mode.
    const r = await run({ type: 'hold', on: false });
    if (r.ok) await run({ type: 'hold', on: true });
  };
  return (
    <section className="held-queue" aria-label="Held messages">
      <header className="details-head">
        <h3>
          Held <span className="muted tabular">{held.length}</span>
        </h3>
        <button
          type="button"
          data-action="release-next"
          disabled={held.length === 0}
          onClick={() => void run({ type: 'release', msgId: wireMsgId(held[0]) })}
          aria-keyshortcuts="n"
          title="Release the next held message (n)"
        >
          Next <kbd>n</kbd>
        </button>
        <button
          type="button"
          data-action="release-all"
          disabled={held.length === 0}
          onClick={() => void releaseAll()}
        >
          All
        </button>
      </header>
      {held.length === 0 ? (
        <p className="muted hint">
          Messages wait here as they come due. Release them one by one to step through the protocol.
        </p>
      ) : (
        <ol className="held-list">
          {held.slice(0, ROWS).map((m) => {
            const kind = messageKind(m);
            const id = wireMsgId(m);
            return (
              <li key={m.id} data-held={m.id}>
                <span
                  className={`kind-chip${isReply(m) ? ' reply' : ''}`}
                  style={{
                    borderColor: kindColor(kind, CSS_FG),
                    background: isReply(m) ? 'transparent' : kindColor(kind, CSS_FG),
                  }}
                />
                <button
                  type="button"
                  className="link-button"
                  onClick={() => store.getState().selectMessage(m.id)}
                  title={`${m.msgType} ${m.from}→${m.to}, term ${m.term}`}
                >
                  {KIND_LABELS[kind]}
                  {isReply(m) ? ' reply' : ''} {m.from}→{m.to}
                </button>
                <button
                  type="button"
                  aria-label={`Release ${m.msgType} ${m.from}→${m.to}`}
                  onClick={() => void run({ type: 'release', msgId: id })}
                >
                  ▶
                </button>
                <button
                  type="button"
                  aria-label={`Drop ${m.msgType} ${m.from}→${m.to}`}
                  onClick={() => void run({ type: 'discard', msgId: id })}
                >
                  ✕
                </button>
              </li>
            );
          })}
          {held.length > ROWS && <li className="muted">and {held.length - ROWS} more</li>}
        </ol>
      )}
    </section>
  );
}
