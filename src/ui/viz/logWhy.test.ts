// The why sentence for an entry: committed, of an older term than the leader's (§5.4.2), short of
// a majority (§5.3), conflicting with the leader's log, known committed by the leader only,
// without a leader, and compacted.
import { describe, expect, it } from 'vitest';
import { explainEntry, replicasOf, votersOf } from './logWhy.ts';
import { G, testState } from './testState.ts';

const five = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('explainEntry', () => {
  it('says an entry of an older term is not committed by counting replicas (§5.4.2)', () => {
    const s = testState({
      n1: {
        role: 'leader',
        term: 4,
        terms: [1, 1, 1, 2, 2, 2, 2],
        commit: 3,
        voters: five,
        progress: { n2: { next: 8, match: 7 }, n3: { next: 8, match: 7 } },
      },
      n2: { term: 4, terms: [1, 1, 1, 2, 2, 2, 2], commit: 3 },
    });
    expect(explainEntry(s, G, 'n1', 7)).toBe(
      'index 7 (term 2, op7) not committed: entry of term 2, leader n1 in term 4; it commits only once an entry of term 4 after it does (§5.4.2).',
    );
  });

  it('counts the replicas of an entry of the leader’s term against the majority (§5.3)', () => {
    const s = testState({
      n1: {
        role: 'leader',
        term: 3,
        terms: [1, 3, 3],
        commit: 2,
        voters: five,
        progress: {
          n2: { next: 4, match: 3 },
          n3: { next: 3, match: 2 },
          n4: { next: 3, match: 2 },
          n5: { next: 1, match: 0 },
        },
      },
    });
    expect(explainEntry(s, G, 'n1', 3)).toBe(
      'index 3 (term 3, op3) not committed: replicated on 2 of 5, needs 3 (§5.3).',
    );
    expect(replicasOf(s, G, 'n1', 3).sort()).toEqual(['n1', 'n2']);
    expect(votersOf(s, G, 'n1')).toEqual(five);
  });

  it('says a committed entry is committed, and whether this node applied it', () => {
    const s = testState({ n1: { role: 'leader', term: 2, terms: [1, 2], commit: 2, applied: 1 } });
    expect(explainEntry(s, G, 'n1', 1)).toMatch(
      /^index 1 \(term 1, op1\) is committed.*applied on n1\.$/,
    );
    expect(explainEntry(s, G, 'n1', 2)).toMatch(/not yet applied on n1 \(applied up to 1\)\.$/);
  });

  it('says a follower’s entry that conflicts with the leader’s will be replaced (§5.3)', () => {
    const s = testState({
      n1: { role: 'leader', term: 3, terms: [1, 3], commit: 1, voters: ['n1', 'n2', 'n3'] },
      n2: { term: 3, terms: [1, 2, 2], commit: 1 },
    });
    expect(explainEntry(s, G, 'n2', 2)).toBe(
      "index 2 (term 2, op2) conflicts with leader n1's entry of term 3 there: it will be replaced (§5.3).",
    );
    expect(explainEntry(s, G, 'n2', 3)).toMatch(/leader n1 \(term 3\) has no entry at 3/);
  });

  it('says a follower learns a commit the leader made with the next AppendEntries or heartbeat', () => {
    const s = testState({
      n1: { role: 'leader', term: 2, terms: [2, 2], commit: 2 },
      n2: { term: 2, terms: [2, 2], commit: 1 },
    });
    expect(explainEntry(s, G, 'n2', 2)).toMatch(
      /committed by leader n1 \(commit 2\); n2 learns it with the next AppendEntries or heartbeat/,
    );
  });

  it('says there is no leader, and explains compacted indexes and missing ones', () => {
    const s = testState({
      n1: { term: 5, terms: [4, 5], commit: 3, snapshotIndex: 3, snapshotTerm: 4 },
    });
    expect(explainEntry(s, G, 'n1', 5)).toMatch(/not committed: no leader in nacos_config.*§5\.2/);
    expect(explainEntry(s, G, 'n1', 2)).toMatch(
      /inside n1's snapshot \(compacted up to 3, term 4\)/,
    );
    expect(explainEntry(s, G, 'n1', 9)).toBe('n1 has no entry at index 9 yet (its log ends at 5).');
  });
});
