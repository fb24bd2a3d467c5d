// The invariant checker catches hand-made violations of each property and accepts the legal
// situations that look like them (a stale leader elected late, a restart with a lower commit).
import { describe, expect, it } from 'vitest';
import type { Entry, Role } from '../../src/raft/types.ts';
import { InvariantChecker } from '../../src/sim/invariants.ts';
import type { GroupView, LogView, Violation } from '../../src/sim/invariants.ts';
import { runScenario } from '../../src/sim/runner.ts';
import { runRandom } from '../../src/sim/random.ts';
import { RaftLog } from '../../src/raft/log.ts';
import { parseScenario } from '../../src/sim/scenario.ts';

const G = 'g';

class FakeLog implements LogView {
  committed = 0;
  applied = 0;
  constructor(public entries: Entry[] = []) {}
  firstIndex(): number {
    return 1;
  }
  lastIndex(): number {
    return this.entries.length;
  }
  term(i: number): number | undefined {
    return i === 0 ? 0 : this.entries[i - 1]?.term;
  }
  entry(i: number): Entry | undefined {
    return this.entries[i - 1];
  }
}

class FakeNode implements GroupView {
  role: Role = 'follower';
  term = 0;
  log = new FakeLog();
  constructor(
    readonly id: string,
    readonly checker: InvariantChecker,
  ) {}

  /** Append entries (as a persist effect would) and let the checker see them. */
  append(terms: number[], data: (i: number) => unknown = (i) => `op${i}`): Violation | null {
    const first = this.log.entries.length + 1;
    const entries = terms.map((term, k) => ({
      index: first + k,
      term,
      type: 'normal' as const,
      data: data(first + k),
    }));
    this.log.entries.push(...entries);
    return this.checker.onPersist(this.id, [this], {
      groups: [{ group: G, hardState: null, entries, snapshot: null }],
    });
  }

  set(
    change: Partial<{ role: Role; term: number; commit: number; applied: number }>,
  ): Violation | null {
    if (change.role !== undefined) this.role = change.role;
    if (change.term !== undefined) this.term = change.term;
    if (change.commit !== undefined) this.log.committed = change.commit;
    if (change.applied !== undefined) this.log.applied = change.applied;
    return this.checker.afterEvent(this.id, [this]);
  }
}

function cluster(n = 3): { checker: InvariantChecker; nodes: FakeNode[] } {
  const checker = new InvariantChecker([G]);
  const nodes = Array.from({ length: n }, (_, i) => new FakeNode(`n${i + 1}`, checker));
  return { checker, nodes };
}

describe('InvariantChecker', () => {
  it('election safety: two leaders of one term', () => {
    const {
      nodes: [a, b],
    } = cluster();
    expect(a.set({ role: 'leader', term: 2 })).toBeNull();
    expect(a.set({ commit: 0 })).toBeNull();
    const v = b.set({ role: 'leader', term: 2 });
    expect(v).toMatchObject({ invariant: 'election-safety', node: 'n2', group: G });
    expect(v!.detail).toContain('n1 and n2 are both leader');
  });

  it('election safety: leaders of different terms are fine', () => {
    const {
      checker,
      nodes: [a, b],
    } = cluster();
    expect(a.set({ role: 'leader', term: 2 })).toBeNull();
    expect(b.set({ role: 'leader', term: 3 })).toBeNull();
    expect([...checker.leadersByTerm(G)]).toEqual([
      [2, 'n1'],
      [3, 'n2'],
    ]);
  });

  it('log matching: different entries at the same index and term', () => {
    const {
      nodes: [a, b],
    } = cluster();
    expect(a.append([1, 1])).toBeNull();
    const v = b.append([1, 1], (i) => (i === 2 ? 'other' : `op${i}`));
    expect(v).toMatchObject({ invariant: 'log-matching', node: 'n2' });
  });

  it('log matching: same index and term after a different predecessor', () => {
    const {
      nodes: [a, b],
    } = cluster();
    expect(a.append([1, 2])).toBeNull();
    const v = b.append([3, 2]);
    expect(v).toMatchObject({ invariant: 'log-matching' });
    expect(v!.detail).toContain('after term 3');
  });

  it('log matching: a repaired divergent log is fine', () => {
    const {
      nodes: [a, b],
    } = cluster();
    expect(a.append([1, 2])).toBeNull();
    expect(b.append([1, 3])).toBeNull();
    b.log.entries.length = 1;
    expect(b.append([2])).toBeNull();
  });

  it('state machine safety: nodes commit different terms at one index', () => {
    const {
      nodes: [a, b],
    } = cluster();
    a.append([1]);
    b.append([2]);
    expect(a.set({ term: 1, commit: 1 })).toBeNull();
    const v = b.set({ term: 2, commit: 1 });
    expect(v).toMatchObject({ invariant: 'state-machine-safety', node: 'n2' });
  });

  it('state machine safety: applying another entry than the committed one', () => {
    const {
      nodes: [a, b],
    } = cluster();
    a.append([1]);
    expect(a.set({ term: 1, commit: 1, applied: 1 })).toBeNull();
    // b's log is corrupted behind the checker's back (no persist effect): same term, other data.
    b.log.entries.push({ index: 1, term: 1, type: 'normal', data: 'evil' });
    const v = b.set({ term: 1, commit: 1, applied: 1 });
    expect(v).toMatchObject({ invariant: 'state-machine-safety' });
    expect(v!.detail).toContain('evil');
  });

  it('state machine safety: applied beyond commit', () => {
    const {
      nodes: [a],
    } = cluster();
    a.append([1, 1]);
    const v = a.set({ term: 1, commit: 1, applied: 2 });
    expect(v).toMatchObject({ invariant: 'state-machine-safety' });
  });

  it('leader completeness: a new leader lacks a committed entry', () => {
    const {
      nodes: [a, b],
    } = cluster();
    a.append([1, 1]);
    b.append([1]);
    expect(a.set({ role: 'leader', term: 1, commit: 2 })).toBeNull();
    const v = b.set({ role: 'leader', term: 2 });
    expect(v).toMatchObject({ invariant: 'leader-completeness', node: 'n2' });
    expect(v!.detail).toContain('entry 2');
  });

  it('leader completeness: a sitting leader of a higher term must hold what commits later', () => {
    const {
      nodes: [a, b, c],
    } = cluster();
    a.append([1, 1]);
    b.append([1]);
    expect(b.set({ role: 'leader', term: 2 })).toBeNull();
    // The old leader a (term 1) now counts entry 2 committed: b, leader of term 2, lacks it.
    expect(c.set({ term: 0 })).toBeNull();
    const v = a.set({ role: 'leader', term: 1, commit: 2 });
    expect(v).toMatchObject({ invariant: 'leader-completeness', node: 'n2' });
  });

  it('leader completeness: a stale leader of a lower term than the commit is not flagged', () => {
    const {
      nodes: [a, b],
    } = cluster();
    a.append([3]);
    expect(a.set({ role: 'leader', term: 3, commit: 1 })).toBeNull();
    expect(b.set({ role: 'leader', term: 2 })).toBeNull();
  });

  it('commit monotonic: a decrease within one incarnation', () => {
    const {
      nodes: [a],
    } = cluster();
    a.append([1, 1]);
    expect(a.set({ term: 1, commit: 2 })).toBeNull();
    expect(a.set({ commit: 1 })).toMatchObject({ invariant: 'commit-monotonic' });
  });

  it('commit monotonic: a restart may come back with a lower commit', () => {
    const {
      checker,
      nodes: [a],
    } = cluster();
    a.append([1, 1]);
    expect(a.set({ term: 1, commit: 2, applied: 2 })).toBeNull();
    checker.onCrash('n1');
    a.log.committed = 1;
    a.log.applied = 0;
    expect(checker.onStart('n1', [a])).toBeNull();
    expect(a.set({ applied: 1 })).toBeNull();
  });

  it('commit beyond the end of the log', () => {
    const {
      nodes: [a],
    } = cluster();
    a.append([1]);
    expect(a.set({ term: 1, commit: 3 })).toMatchObject({ invariant: 'commit-monotonic' });
  });

  it('a restarted node whose disk disagrees with the committed prefix', () => {
    const {
      checker,
      nodes: [a, b],
    } = cluster();
    a.append([1, 1]);
    expect(a.set({ term: 1, commit: 2 })).toBeNull();
    b.log.entries = [
      { index: 1, term: 1, type: 'normal', data: 'op1' },
      { index: 2, term: 2, type: 'normal', data: 'op2' },
    ];
    b.log.committed = 2;
    b.term = 2;
    const v = checker.onStart('n2', [b]);
    expect(v).not.toBeNull();
    expect(['log-matching', 'state-machine-safety']).toContain(v!.invariant);
  });
});

describe('the simulator stops at a violation', () => {
  it('reports the seed, the invariant and the events before it', () => {
    // Two disks that disagree on committed entry 2: the checker sees it when they start.
    const parsed = parseScenario({
      name: 'bad-disks',
      seed: 99,
      cluster: { nodes: 3 },
      initial: {
        n1: { term: 1, log: [1, 1], commit: 2 },
        n2: { term: 2, log: [1, 2], commit: 2 },
      },
      steps: [],
      durationMs: 1000,
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const { result } = runScenario(parsed.scenario);
    expect(result.ok).toBe(false);
    expect(result.violation).toMatchObject({
      invariant: 'state-machine-safety',
      seed: 99,
      timeMs: 0,
    });
    expect(result.violation!.recent.length).toBeGreaterThan(0);
    expect(result.violation!.recent.at(-1)).toMatchObject({ type: 'violation' });
    expect(result.endMs).toBe(0);
  });
});

describe('the checker finds a planted bug in the core', () => {
  it('voters that skip the up-to-date check (§5.4.1) elect leaders lacking committed entries', () => {
    const proto = RaftLog.prototype as unknown as { isUpToDate: unknown };
    expect(typeof proto.isUpToDate).toBe('function');
    const real = proto.isUpToDate;
    proto.isUpToDate = () => true;
    const caught: string[] = [];
    try {
      for (let seed = 1; seed <= 40 && caught.length === 0; seed++) {
        const r = runRandom(seed, { recentEvents: 0 });
        if (r.violation !== null) caught.push(`seed ${seed}: ${r.violation.invariant}`);
      }
    } finally {
      proto.isUpToDate = real;
    }
    console.log(`planted bug: ${caught[0] ?? 'not found in seeds 1..40'}`);
    expect(caught[0]).toMatch(/leader-completeness|log-matching|state-machine-safety/);
  });
});
