// The "Metadata" tab: for every Raft group, what each node publishes as Nacos's group metadata
// (leader, term, members, errMsg: Nacos's ProtocolMetaData, which its consistency API returns),
// one row per node, from the trace's metadata events only. Under Nacos behaviour it is loaded on
// Nacos's four occasions (leader start, start following, configuration committed, error) and an
// empty value never overwrites, so it may lag the node's live term and leader (the State tab). The selected group comes first; a value a node
// disagrees on with the others is highlighted (a node that has not caught up, or an error).
// Invariant: reads only the view store; a node that never published for a group says so.
import type { GroupId } from '../../state/model.ts';
import { nodeOrder } from '../../state/statusText.ts';
import { useSel, useSelectedGroup } from '../context.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import { shortGroupName } from '../groups/groupSummary.ts';
import { termColor, termTextColor } from '../theme.ts';
import { metadataRows } from './metadataRows.ts';
import './meta.css';

/** A person reads these tables: four updates a second follow the live head closely enough. */
const META_UPDATE_MS = 250;

function GroupMetadata({ group, selected }: { group: GroupId; selected: boolean }) {
  const view = useThrottledSel((s) => s.view, META_UPDATE_MS, []);
  const rows = metadataRows(view, group, nodeOrder(view));
  return (
    <section
      className={`meta-group${selected ? ' selected' : ''}`}
      aria-label={`Metadata of ${group}`}
    >
      <h3 className="meta-heading">
        {shortGroupName(group)} <span className="muted">· {group}</span>
      </h3>
      <table className="meta-table" data-group={group}>
        <thead>
          <tr>
            <th>node</th>
            <th>leader</th>
            <th>term</th>
            <th>members</th>
            <th>errMsg</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.node} data-node={r.node} className={r.down ? 'down' : ''}>
              <td className="meta-node">
                {r.node}
                {r.down && <span className="muted"> (down)</span>}
              </td>
              {r.metadata === null ? (
                <td colSpan={4} className="muted">
                  nothing published yet
                </td>
              ) : (
                <>
                  <td className={r.odd.leader ? 'odd' : ''}>{r.metadata.leader ?? '(none)'}</td>
                  <td className={r.odd.term ? 'odd' : ''}>
                    <span
                      className="term-badge"
                      style={{
                        background: termColor(r.metadata.term),
                        color: termTextColor(r.metadata.term),
                      }}
                    >
                      {r.metadata.term}
                    </span>
                  </td>
                  <td className={r.odd.members ? 'odd' : ''}>{r.metadata.members.join(', ')}</td>
                  <td className={r.metadata.errMsg !== null ? 'err' : 'muted'}>
                    {r.metadata.errMsg ?? '—'}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function MetadataPanel() {
  const groups = useSel((s) => s.view.groups);
  const selected = useSelectedGroup();
  if (groups.length === 0) return <p className="meta-empty muted">No cluster is running.</p>;
  const ordered = selected === null ? groups : [selected, ...groups.filter((g) => g !== selected)];
  return (
    <div className="meta-panel">
      <p className="meta-note muted">
        Nacos&rsquo;s published metadata (ProtocolMetaData) as each node holds it. Under Nacos
        behaviour it changes only on leader start, start following, configuration committed and
        error, and a leader is never cleared: it may lag the node&rsquo;s live term and leader.
      </p>
      {ordered.map((g) => (
        <GroupMetadata key={g} group={g} selected={g === selected} />
      ))}
    </div>
  );
}
