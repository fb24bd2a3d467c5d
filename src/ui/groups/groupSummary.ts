// Every Raft group at a glance, from the view model: a short name a person reads, the leader
// now and its term (or the highest term any node is in while there is none), and whether some
// node holds the group in ERROR.
// Invariant: pure; a group no node reported on yet shows no leader and term 0.
import {
  CONFIG_GROUP,
  INSTANCE_METADATA_GROUP,
  NAMING_PERSISTENT_GROUP,
  NAMING_PERSISTENT_V1_GROUP,
  SERVICE_METADATA_GROUP,
} from '../../state/vocabulary.ts';
import type { GroupId, NodeId, ViewState } from '../../state/model.ts';
import { leaderOf } from '../viz/logLayout.ts';

const SHORT: Readonly<Record<string, string>> = {
  [CONFIG_GROUP]: 'config',
  [NAMING_PERSISTENT_GROUP]: 'persistent',
  [NAMING_PERSISTENT_V1_GROUP]: 'persistent v1',
  [SERVICE_METADATA_GROUP]: 'service meta',
  [INSTANCE_METADATA_GROUP]: 'instance meta',
};

/** A short name for a group ("config" for nacos_config); the full name otherwise. */
export function shortGroupName(group: GroupId): string {
  return SHORT[group] ?? group;
}

export interface GroupSummary {
  group: GroupId;
  leader: NodeId | null;
  /** The leader's term, or the highest term of any node while there is no leader. */
  term: number;
  /** Nodes holding the group in ERROR. */
  errors: number;
}

export function groupSummary(s: ViewState, group: GroupId): GroupSummary {
  const leader = leaderOf(s, group);
  let term = 0;
  let errors = 0;
  for (const n of Object.values(s.nodes)) {
    const g = n.groups[group];
    if (g === undefined) continue;
    if (leader === null) term = Math.max(term, g.term);
    if (g.error !== null && n.status === 'up') errors++;
  }
  if (leader !== null) term = s.nodes[leader].groups[group].term;
  return { group, leader, term, errors };
}
