// What a person can do to a node from the cluster view, as engine commands: one list shared by
// the node panel's buttons and the keyboard shortcuts, so both offer the same things and name
// them the same way.
// Invariant: pure; an action is offered only when the node's state in the model allows it
// (restart a crashed node, crash a running one, ...); the engine still has the last word and
// a refusal is shown as a notice.
import type { EngineCommand } from '../../engine/types.ts';
import type { GroupId, NodeView } from '../../state/model.ts';

export interface NodeAction {
  id: string;
  label: string;
  /** The shortcut key (acts on the selected node). */
  key: string;
  cmd: EngineCommand;
}

/** The actions open to `n` in `group`, in the order the panel shows them. */
export function nodeActions(n: NodeView, group: GroupId | null): NodeAction[] {
  const out: NodeAction[] = [];
  const id = n.id;
  if (n.status === 'up')
    out.push({ id: 'crash', label: 'Crash', key: 'c', cmd: { type: 'crash', node: id } });
  else out.push({ id: 'restart', label: 'Restart', key: 'r', cmd: { type: 'restart', node: id } });
  if (n.status === 'up') {
    out.push(
      n.paused
        ? { id: 'resume', label: 'Resume', key: 'p', cmd: { type: 'resume', node: id } }
        : { id: 'pause', label: 'Pause', key: 'p', cmd: { type: 'pause', node: id } },
    );
    if (group !== null) {
      const role = n.groups[group]?.role;
      if (role !== 'leader') {
        out.push({
          id: 'transfer',
          label: 'Make leader',
          key: 'l',
          cmd: { type: 'transfer-leader', group, to: id },
        });
      }
      out.push({
        id: 'snapshot',
        label: 'Snapshot now',
        key: 's',
        cmd: { type: 'snapshot', node: id, group },
      });
      out.push({
        id: 'fail-apply',
        label: 'Make its state machine throw',
        key: 'e',
        cmd: { type: 'fail-apply', node: id, group },
      });
    }
  }
  if (!n.removed) {
    out.push({
      id: 'remove',
      label: 'Remove from cluster',
      key: 'X',
      cmd: { type: 'remove-node', node: id },
    });
  }
  return out;
}

/** The clock rates offered for skew (1 = real speed). */
export const SKEW_RATES = [0.5, 0.8, 1, 1.25, 2] as const;
