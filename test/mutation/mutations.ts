// The mutation suite's planted bugs (issue 8, item 18). Each is a set of anchored text patches
// to a copy of src/: the anchor must occur exactly once in its file, or applying the mutation
// fails loudly (see applyPatches), so a refactor that moves the code shows up at once instead
// of silently planting nothing. `seeds` is the stated bound: the simulator's random runner must
// catch the bug within seeds 1..seeds.
//
// Each bug is one a real Raft implementation has shipped or that the paper warns about; the
// comment says which check is expected to catch it.

export interface Patch {
  /** Path under src/. */
  file: string;
  /** Exact text that must occur once in the file. */
  anchor: string;
  replacement: string;
}

export interface Mutation {
  name: string;
  description: string;
  patches: Patch[];
  /** The bug must be caught within random seeds 1..seeds. */
  seeds: number;
  /**
   * Random-runner options for this bug's seeds (see `targeted`), or none for the everyday mix
   * that `npm run sim -- --random` draws. A bug that needs a rare alignment of faults is hunted
   * with the one schedule aimed at it, drawn on every seed (figure8 is in the everyday mix
   * too; vote-crash, isolate-slow, figure8-exact, quiet-cut and isolate-edge have weight 0 there, see
   * DEFAULT_FAULTS in src/sim/random.ts).
   */
  options?: MutationOptions;
}

/** The JSON-safe subset of the random runner's options a mutation may set. */
export interface MutationOptions {
  /** Only these fault kinds are drawn, with these relative weights. */
  faults?: Record<string, number>;
  batchSizes?: number[];
  readModes?: ('safe' | 'lease')[];
  profiles?: ('nacos' | 'lesson')[];
}

/** Options that draw only the named fault kinds (equal weights), with `extra` options. */
function targeted(kinds: string[], extra: MutationOptions = {}): MutationOptions {
  return { faults: Object.fromEntries(kinds.map((k) => [k, 1])), ...extra };
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'prevote-raises-term',
    description: "a pre-vote request raises the receiver's term (thesis §9.6 forbids it)",
    // Caught by the term-origin check: the receiver holds a term nobody campaigned in.
    patches: [
      {
        file: 'raft/raft.ts',
        anchor: '      if (m.preVote) return true; // A pre-vote never changes our term.',
        replacement:
          '      if (m.preVote) {\n        this.becomeFollower(m.term, null);\n        return true;\n      }',
      },
    ],
    seeds: 20,
  },
  {
    name: 'no-figure8-rule',
    description:
      'the leader commits by counting replicas whatever the term of the entry (§5.4.2, Figure 8)',
    // Caught by leader completeness when a later leader lacks an entry committed that way. The
    // figure8-exact schedule plays Figure 8 step by step at the exact events (an old-term entry
    // acknowledged by a majority before the new leader's no-op reaches it); AppendEntries of one
    // entry, so that the entry and the no-op travel apart.
    patches: [
      {
        file: 'raft/raft.ts',
        anchor: '    if (this.log.term(mci) !== this.term) return false;\n',
        replacement: '',
      },
    ],
    seeds: 20,
    options: targeted(['figure8-exact'], { batchSizes: [1] }),
  },
  {
    name: 'commit-prev-term',
    description:
      'a new leader appends no no-op and commits entries of earlier terms by counting replicas',
    patches: [
      {
        file: 'raft/raft.ts',
        // The leader's first entry, a configuration entry (nacos) or a no-op (textbook): gone.
        anchor: [
          "    if (this.fidelity === 'nacos') {",
          "      const cc: ConfChange = { phase: 'leader', conf: cloneConf(this.conf) };",
          "      this.appendEntry({ index, term: this.term, type: 'conf', data: cc });",
          '    } else {',
          "      this.appendEntry({ index, term: this.term, type: 'noop' });",
          '    }',
        ].join('\n'),
        replacement:
          '    for (const id of this.prs.keys()) if (id !== this.id) this.sendAppend(id, true);',
      },
      {
        file: 'raft/raft.ts',
        anchor: '    if (this.log.term(mci) !== this.term) return false;\n',
        replacement: '',
      },
    ],
    seeds: 20,
    // The same Figure 8 schedule: without a no-op the new leader commits the old entry as soon
    // as one more node holds it.
    options: targeted(['figure8-exact'], { batchSizes: [1] }),
  },
  {
    name: 'no-vote-lease',
    description:
      'a follower that hears from a live leader still grants (pre-)votes: no leader lease on votes (thesis §9.6)',
    // Caught by the disruption check: a healthy, connected leader is deposed. The quiet-cut
    // schedule cuts a follower off from its leader while the group is idle, so its log is as
    // up to date as anyone's and only the lease stands between its pre-vote and a majority.
    patches: [
      {
        file: 'raft/raft.ts',
        anchor: '      if (!m.transfer && inLease) {',
        replacement: '      if (!m.transfer && inLease && false) {',
      },
    ],
    seeds: 20,
    options: targeted(['quiet-cut']),
  },
  {
    name: 'lease-read-without-lease',
    description: 'in lease mode the leader serves reads locally without checking its lease',
    // Caught by the linearizability check of lease-mode runs with every clock inside the bound.
    // Check-quorum (every half election timeout) deposes an isolated leader about when its
    // lease runs out, so the everyday mix rarely finds a deposed leader that still serves; the
    // isolate-edge schedule puts the isolated leader's clock at the slow edge of the bound and
    // the others' at the fast edge, and reads at it once a new leader exists.
    patches: [
      {
        file: 'raft/raft.ts',
        anchor: "    if (this.cfg.readOnly === 'lease' && this.leaseValid()) {",
        replacement: "    if (this.cfg.readOnly === 'lease') {",
      },
    ],
    seeds: 20,
    options: targeted(['isolate-edge'], { readModes: ['lease'] }),
  },
  {
    name: 'ack-before-disk',
    description: 'a follower acknowledges entries before its disk write completes',
    // Caught by the commit-quorum check (a commit not durable on a majority) and durability.
    patches: [
      {
        file: 'node/node.ts',
        anchor: "    if (!rd || g.raft.role !== 'leader' || rd.messages.length === 0) return;",
        replacement: '    if (!rd || rd.messages.length === 0) return;',
      },
      {
        file: 'node/node.ts',
        anchor:
          "        m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';",
        replacement:
          "        m.type === 'AppendEntries' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow' || m.type === 'AppendEntriesResponse';",
      },
    ],
    seeds: 20,
  },
  {
    name: 'votes-not-persisted',
    description: 'the vote is not written to disk (votedFor lost on a crash, Figure 2)',
    // Caught by the double-vote check (a node votes twice in one term across a restart) or by
    // election safety; the vote-crash schedule restarts a voter right after its vote and lets
    // the old leader campaign in the same term.
    patches: [
      {
        file: 'node/node.ts',
        anchor: '    const hardState = rd?.hardState ?? g.unsavedHard;',
        replacement:
          '    const hs0 = rd?.hardState ?? g.unsavedHard;\n    const hardState = hs0 ? { ...hs0, votedFor: null } : hs0;',
      },
    ],
    seeds: 20,
    options: targeted(['vote-crash']),
  },
  {
    name: 'truncate-acknowledged',
    description:
      'a stale AppendEntries truncates the follower log after its last entry, dropping acknowledged (possibly committed) entries without a conflict',
    // Caught by leader completeness, state machine safety or durability.
    patches: [
      {
        file: 'raft/log.ts',
        anchor:
          '    for (; k < entries.length; k++) {\n      if (entries[k].index > this.snapshotIndex) this.append([entries[k]]);\n    }\n',
        replacement:
          '    for (; k < entries.length; k++) {\n      if (entries[k].index > this.snapshotIndex) this.append([entries[k]]);\n    }\n    if (this.lastIndex() > lastNew && lastNew >= this.snapshotIndex && lastNew + 1 > this.committed) this.truncateFrom(lastNew + 1);\n',
      },
    ],
    seeds: 20,
  },
  {
    name: 'readindex-no-heartbeat',
    description:
      'ReadIndex answers at once, without the heartbeat round that confirms leadership (thesis §6.4)',
    // Caught by the linearizability check: a deposed leader serves a stale read. The
    // isolate-slow schedule cuts the leader off and slows its clock, so it still leads while
    // the majority commits under a new one.
    patches: [
      {
        file: 'raft/raft.ts',
        anchor:
          '    // Safe mode: confirm leadership with a heartbeat round acknowledged by a majority.\n    this.broadcastHeartbeat();\n    read.round = this.round;\n    this.pendingReads.push(read);',
        replacement: '    this.answerRead(read);',
      },
    ],
    seeds: 20,
    options: targeted(['isolate-slow'], { readModes: ['safe'] }),
  },
];

export class MutationAnchorError extends Error {}

/**
 * Apply a mutation's patches to the files `read` returns, giving the patched texts by file.
 * Every anchor must occur exactly once in its file (as patched by the earlier patches).
 */
export function applyPatches(m: Mutation, read: (file: string) => string): Map<string, string> {
  const out = new Map<string, string>();
  m.patches.forEach((p, k) => {
    const text = out.get(p.file) ?? read(p.file);
    const first = text.indexOf(p.anchor);
    const where = `mutation "${m.name}", patch ${k + 1} of ${m.patches.length} (src/${p.file})`;
    if (first < 0) {
      throw new MutationAnchorError(`${where}: anchor not found:\n${p.anchor}`);
    }
    if (text.indexOf(p.anchor, first + 1) >= 0) {
      throw new MutationAnchorError(`${where}: anchor occurs more than once:\n${p.anchor}`);
    }
    out.set(p.file, text.slice(0, first) + p.replacement + text.slice(first + p.anchor.length));
  });
  return out;
}
