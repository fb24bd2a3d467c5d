// The selected node's full state in the selected group (term, vote, leader, commit, applied,
// last index, snapshot, clock, error; on a leader each follower's next/match and mode) and the
// actions open to it (nodeActions.ts), with a clock-skew choice.
// Invariant: everything shown comes from the view store; actions are engine commands.
import type { GroupView, NodeId, NodeView } from '../../state/model.ts';
import { useCommand, useSel, useSelectedGroup } from '../context.ts';
import { termColor, termTextColor } from '../theme.ts';
import { compareIds } from '../viz/ring.ts';
import { nodeActions, SKEW_RATES } from './nodeActions.ts';
import { nodeStateWords, rateText } from './NodeMark.tsx';

export function NodeDetails({ id }: { id: NodeId }) {
  const node = useSel((s) => s.view.nodes[id]);
  const group = useSelectedGroup();
  const run = useCommand();
  if (node === undefined) return <p className="muted">{id} is not in the trace.</p>;
  const g = group === null ? undefined : node.groups[group];
  const actions = nodeActions(node, group);
  return (
    <section className="details node-details" aria-label={`Node ${id}`}>
      <header className="details-head">
        <span
          className="term-chip"
          style={{ background: termColor(g?.term ?? 0), color: termTextColor(g?.term ?? 0) }}
        >
          {g?.term ?? 0}
        </span>
        <h3>
          {id} <span className="muted">{nodeStateWords(node, g).join(' · ')}</span>
        </h3>
      </header>
      {node.note !== null && <p className="details-note bad">{node.note}</p>}
      {g?.error != null && <p className="details-note bad">ERROR: {g.error}</p>}
      {g !== undefined && <GroupFacts node={node} g={g} />}
      <div className="details-actions" role="group" aria-label={`Actions on ${id}`}>
        {actions.map((a) => (
          <button
            key={a.id}
            type="button"
            data-action={a.id}
            aria-keyshortcuts={a.key}
            title={`${a.label} (${a.key})`}
            onClick={() => void run(a.cmd)}
          >
            {a.label} <kbd>{a.key}</kbd>
          </button>
        ))}
        {node.status === 'up' && (
          <label className="inline-label">
            Clock
            <select
              aria-label={`Clock rate of ${id}`}
              value={String(node.clockRate)}
              onChange={(ev) =>
                void run({ type: 'skew', node: id, rate: Number(ev.currentTarget.value) })
              }
            >
              {[...new Set([...SKEW_RATES, node.clockRate])]
                .sort((a, b) => a - b)
                .map((r) => (
                  <option key={r} value={String(r)}>
                    ×{rateText(r)}
                  </option>
                ))}
            </select>
          </label>
        )}
      </div>
    </section>
  );
}

function GroupFacts({ node, g }: { node: NodeView; g: GroupView }) {
  const last = g.log.snapshotIndex + g.log.entries.length;
  const facts: [string, string][] = [
    ['term', String(g.term)],
    ['voted for', g.votedFor ?? '—'],
    ['leader', g.leader ?? '—'],
    ['commit', String(g.log.commit)],
    ['applied', String(g.log.applied)],
    ['last index', String(last)],
    [
      'snapshot',
      g.log.snapshotIndex > 0 ? `${g.log.snapshotIndex} (term ${g.log.snapshotTerm})` : '—',
    ],
    ['boots', String(node.incarnation)],
  ];
  const peers = Object.keys(g.progress).sort(compareIds);
  return (
    <>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {g.role === 'leader' && peers.length > 0 && (
        <table className="progress-table">
          <caption className="visually-hidden">Replication progress per follower</caption>
          <thead>
            <tr>
              <th scope="col">follower</th>
              <th scope="col">next</th>
              <th scope="col">match</th>
              <th scope="col">mode</th>
              <th scope="col">in flight</th>
            </tr>
          </thead>
          <tbody>
            {peers.map((p) => {
              const pr = g.progress[p];
              return (
                <tr key={p}>
                  <th scope="row">{p}</th>
                  <td>{pr.next}</td>
                  <td>{pr.match}</td>
                  <td>{pr.state}</td>
                  <td>{pr.inflight}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
