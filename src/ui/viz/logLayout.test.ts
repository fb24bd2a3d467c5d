// The logs' layout: the index window across nodes, what a cell shows, the leader, truncation
// ghosts and following the tail.
import { describe, expect, it } from 'vitest';
import type { TruncationRecord } from '../../state/reduceApplyStream.ts';
import { logRows } from '../logs/logRows.ts';
import {
  atTail,
  cellAt,
  FOLLOW_EVERY_MS,
  FOLLOW_STREAMING_MS,
  followEvery,
  ghostAt,
  leaderOf,
  logWindow,
} from './logLayout.ts';
import { entries, G, testState } from './testState.ts';

describe('log layout', () => {
  const s = testState({
    n1: {
      role: 'leader',
      term: 3,
      terms: [2, 3, 3, 3],
      commit: 6,
      applied: 5,
      snapshotIndex: 3,
      snapshotTerm: 2,
      progress: { n2: { next: 9, match: 6 } },
    },
    n2: { term: 3, terms: [1, 1, 2, 2, 3, 3], commit: 6 },
    n3: { term: 3, terms: [1, 1], commit: 2, status: 'crashed' },
  });

  it('spans from the lowest snapshot boundary to the highest last index', () => {
    const w = logWindow(Object.values(s.nodes).map((n) => n.groups[G].log));
    expect(w).toEqual({ first: 1, last: 7 });
    expect(logWindow([])).toEqual({ first: 1, last: 0 });
    expect(logWindow([s.nodes.n1.groups[G].log])).toEqual({ first: 3, last: 7 });
  });

  it('shows compacted, boundary, committed, applied, uncommitted and empty cells', () => {
    const log = s.nodes.n1.groups[G].log;
    expect(cellAt(log, 2)).toEqual({ type: 'compacted', boundary: false, term: 0 });
    expect(cellAt(log, 3)).toEqual({ type: 'compacted', boundary: true, term: 2 });
    expect(cellAt(log, 5)).toMatchObject({ type: 'entry', committed: true, applied: true });
    expect(cellAt(log, 6)).toMatchObject({ type: 'entry', committed: true, applied: false });
    expect(cellAt(log, 7)).toMatchObject({ type: 'entry', committed: false, applied: false });
    expect(cellAt(log, 8)).toEqual({ type: 'empty' });
  });

  it('finds the leader among running nodes, and the leader’s marks on follower rows', () => {
    expect(leaderOf(s, G)).toBe('n1');
    const rows = logRows(s, G);
    expect(rows.leader).toBe('n1');
    expect(rows.rows.map((r) => r.node)).toEqual(['n1', 'n2', 'n3']);
    expect(rows.rows[0].marks).toBeNull();
    expect(rows.rows[1].marks).toMatchObject({ next: 9, match: 6 });
    // The window reaches the follower's next index, so its mark has a column.
    expect(rows.last).toBe(9);
    const crashedLeader = testState({ n1: { role: 'leader', terms: [1], status: 'crashed' } });
    expect(leaderOf(crashedLeader, G)).toBeNull();
  });

  it('draws the entries a recent truncation removed, the newest truncation first', () => {
    const rec = (seq: number, from: number, terms: number[]): TruncationRecord => ({
      seq,
      t: 0,
      node: 'n2',
      group: G,
      from,
      removed: entries(terms, from),
      count: terms.length,
    });
    const ghosts = [rec(1, 4, [2, 2, 2]), rec(2, 5, [4])];
    expect(ghostAt(ghosts, 4)?.term).toBe(2);
    expect(ghostAt(ghosts, 5)?.term).toBe(4);
    expect(ghostAt(ghosts, 6)?.term).toBe(2);
    expect(ghostAt(ghosts, 7)).toBeNull();
  });

  it('follows the tail only while the scroller shows its end', () => {
    expect(atTail(900, 100, 1000, 26)).toBe(true);
    expect(atTail(880, 100, 1000, 26)).toBe(true);
    expect(atTail(500, 100, 1000, 26)).toBe(false);
  });
});

describe('following the tail', () => {
  it('catches up often while entries trickle in, once a second while they stream', () => {
    expect(followEvery(null, 40)).toBe(FOLLOW_EVERY_MS);
    expect(followEvery(3, 40)).toBe(FOLLOW_EVERY_MS);
    expect(followEvery(40, 40)).toBe(FOLLOW_EVERY_MS);
    // More than a screenful since the last catch-up: every cell on screen was replaced.
    expect(followEvery(41, 40)).toBe(FOLLOW_STREAMING_MS);
    expect(FOLLOW_STREAMING_MS).toBeGreaterThan(FOLLOW_EVERY_MS);
  });
});
