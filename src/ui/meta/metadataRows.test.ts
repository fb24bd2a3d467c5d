// The metadata table flags the values a node publishes that most nodes do not.
import { describe, expect, it } from 'vitest';
import type { ViewState } from '../../state/model.ts';
import { groupSummary, shortGroupName } from '../groups/groupSummary.ts';
import { G, testState } from '../viz/testState.ts';
import { metadataRows } from './metadataRows.ts';

function withMetadata(
  s: ViewState,
  meta: Record<string, { leader: string | null; term: number; members: string[] }>,
): ViewState {
  const nodes = { ...s.nodes };
  for (const [id, m] of Object.entries(meta)) {
    const n = nodes[id];
    nodes[id] = {
      ...n,
      groups: { [G]: { ...n.groups[G], metadata: { ...m, errMsg: null } } },
    };
  }
  return { ...s, nodes };
}

describe('metadata rows', () => {
  it('flags a node that publishes another leader and term than most', () => {
    const base = testState({
      n1: { role: 'leader', term: 3, terms: [3] },
      n2: { term: 3, terms: [3] },
      n3: { term: 2, terms: [2], status: 'crashed' },
      n4: { term: 3, terms: [3] },
    });
    const members = ['n1', 'n2', 'n3'];
    const s = withMetadata(base, {
      n1: { leader: 'n1', term: 3, members },
      n2: { leader: 'n1', term: 3, members },
      n3: { leader: 'n3', term: 2, members },
    });
    const rows = metadataRows(s, G, ['n1', 'n2', 'n3', 'n4']);
    expect(rows.map((r) => [r.node, r.down, r.odd.leader, r.odd.term, r.odd.members])).toEqual([
      ['n1', false, false, false, false],
      ['n2', false, false, false, false],
      ['n3', true, true, true, false],
      ['n4', false, false, false, false],
    ]);
    expect(rows[3].metadata).toBeNull();
  });
});

describe('group summary', () => {
  it('names the leader and its term, or the highest term without a leader', () => {
    const led = testState({
      n1: { role: 'leader', term: 4, terms: [4] },
      n2: { term: 5, terms: [] },
    });
    expect(groupSummary(led, G)).toEqual({ group: G, leader: 'n1', term: 4, errors: 0 });
    const none = testState({ n1: { term: 4, terms: [4] }, n2: { term: 6, terms: [] } });
    expect(groupSummary(none, G)).toMatchObject({ leader: null, term: 6 });
    expect(shortGroupName(G)).toBe('config');
    expect(shortGroupName('other')).toBe('other');
  });
});
