// The selected link between two nodes: each direction's state (open, cut, or across the
// partition), buttons to cut one direction, both, or restore, and the link's own delay, loss
// and duplication (set on both directions).
// Invariant: the state shown is the model's network; every change is an engine command.
import type { NodeId } from '../../state/model.ts';
import { useCommand, useEngine, useSel } from '../context.ts';
import { NetworkSliders } from './NetworkSliders.tsx';
import { policyIn } from './policyView.ts';

export function LinkDetails({ a, b, onClose }: { a: NodeId; b: NodeId; onClose: () => void }) {
  const run = useCommand();
  const engine = useEngine();
  const cuts = useSel((s) => s.view.network.cuts);
  const changes = useSel((s) => s.view.network.policy);
  const partition = useSel((s) => s.view.network.partition);
  const initial = engine?.header().cluster.network?.link ?? null;
  const ab = cuts.includes(`${a}>${b}`);
  const ba = cuts.includes(`${b}>${a}`);
  const split =
    partition !== null &&
    partition.findIndex((s) => s.includes(a)) !== partition.findIndex((s) => s.includes(b));
  const state = (cut: boolean): string =>
    cut ? 'cut' : split ? 'blocked by the partition' : 'open';
  const both = async (type: 'cut' | 'link'): Promise<void> => {
    await run({ type, from: a, to: b });
    await run({ type, from: b, to: a });
  };
  return (
    <section className="details link-details" aria-label={`Link ${a}–${b}`}>
      <header className="details-head">
        <h3>
          Link {a} ⇄ {b}
        </h3>
        <button type="button" className="close" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </header>
      <dl className="facts">
        <div>
          <dt>
            {a} → {b}
          </dt>
          <dd className={ab ? 'bad' : undefined}>{state(ab)}</dd>
        </div>
        <div>
          <dt>
            {b} → {a}
          </dt>
          <dd className={ba ? 'bad' : undefined}>{state(ba)}</dd>
        </div>
      </dl>
      <div className="details-actions" role="group" aria-label={`Cut or restore ${a}–${b}`}>
        <button
          type="button"
          data-action="cut-ab"
          onClick={() => void run({ type: ab ? 'link' : 'cut', from: a, to: b })}
        >
          {ab ? 'Restore' : 'Cut'} {a}→{b}
        </button>
        <button
          type="button"
          data-action="cut-ba"
          onClick={() => void run({ type: ba ? 'link' : 'cut', from: b, to: a })}
        >
          {ba ? 'Restore' : 'Cut'} {b}→{a}
        </button>
        {ab && ba ? (
          <button type="button" data-action="restore" onClick={() => void both('link')}>
            Restore both
          </button>
        ) : (
          <button type="button" data-action="cut-both" onClick={() => void both('cut')}>
            Cut both
          </button>
        )}
      </div>
      <NetworkSliders
        idPrefix={`link-${a}-${b}`}
        policy={policyIn(initial, changes, `${a}>${b}`)}
        onChange={(change) => {
          void (async () => {
            await run({ type: 'network', change, from: a, to: b });
            await run({ type: 'network', change, from: b, to: a });
          })();
        }}
      />
    </section>
  );
}

/** The network on every link: delay, loss and duplication (when nothing is selected). */
export function NetworkPanel() {
  const run = useCommand();
  const engine = useEngine();
  const changes = useSel((s) => s.view.network.policy);
  const initial = engine?.header().cluster.network?.link ?? null;
  return (
    <section className="details network-panel" aria-label="Network">
      <header className="details-head">
        <h3>
          Network <span className="muted">every link</span>
        </h3>
      </header>
      <NetworkSliders
        idPrefix="net"
        policy={policyIn(initial, changes)}
        onChange={(change) => void run({ type: 'network', change })}
      />
      <p className="hint muted">
        Click a node for its state and actions, a message for its fields, a link to cut it. Drag a
        node out of the ring to cut it off, or lasso several on the empty stage; drop a node on
        another to join that side.
      </p>
    </section>
  );
}
