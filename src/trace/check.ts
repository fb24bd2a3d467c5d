// Safety checks on a trace file, from its events alone (DESIGN.md §4's invariants as a reader
// of the trace can verify them): election safety, log matching, commit monotonic, state-machine
// safety, no acknowledged write lost, linearizability of the client history, and any violation
// the host itself recorded. TraceChecker takes events one at a time (the CLI streams a file
// through it); checkTrace runs it over a whole trace.
// Invariants: pure and deterministic; a failure names the events (by seq) and says what was
// wrong; a check the trace cannot support (a suffix of a longer run, a missing field) is skipped
// with a note, never failed; at most FAILURES_SHOWN failures are kept per check (all counted).
import type { EntrySummary, TraceEvent, TraceHeader } from './events.ts';
import { checkHistory, formatCheckResult } from './linearizability.ts';
import { defaultModels } from './models.ts';

export type CheckName =
  | 'election-safety'
  | 'log-matching'
  | 'commit-monotonic'
  | 'state-machine-safety'
  | 'acknowledged-writes'
  | 'linearizability'
  | 'recorded-violations';

export const CHECK_NAMES: readonly CheckName[] = [
  'election-safety',
  'log-matching',
  'commit-monotonic',
  'state-machine-safety',
  'acknowledged-writes',
  'linearizability',
  'recorded-violations',
];

/** What each check verifies, in one line (the CLI prints it beside the verdict). */
export const CHECK_DESCRIPTIONS: Readonly<Record<CheckName, string>> = {
  'election-safety': 'at most one leader per term per group (§5.2)',
  'log-matching':
    'entries with the same index and term are the same entry and follow the same term (§5.3)',
  'commit-monotonic': "a node's commit index never decreases within its life",
  'state-machine-safety':
    'every node applies the same entry at an index, in increasing index order (§5.4.3)',
  'acknowledged-writes':
    'every acknowledged write was applied, and no node truncates an entry it knows is committed',
  linearizability: 'the client history is linearizable (per key, against its group model)',
  'recorded-violations': 'the host recorded no invariant violation while running',
};

export interface CheckFailure {
  check: CheckName;
  /** The events that show it, by seq. */
  seqs: number[];
  message: string;
}

export interface CheckReport {
  ok: boolean;
  failures: CheckFailure[];
  /** Failures per check (more may exist than `failures` keeps). */
  failureCounts: Record<CheckName, number>;
  /** Checks skipped or limited, and verdicts that are no verdict (undecided). */
  notes: string[];
  stats: {
    events: number;
    /** (group, term) pairs that had a leader. */
    leaderTerms: number;
    /** Distinct (group, index, term) entries appended. */
    entries: number;
    /** Distinct (group, index) applied. */
    applied: number;
    acknowledgedWrites: number;
    historyOperations: number;
  };
}

/** Failures kept per check: beyond a few the rest are the same story. */
export const FAILURES_SHOWN = 20;

interface Seen {
  node: string;
  seq: number;
}

/** JSON with object keys sorted, so equal values from different hosts compare equal. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v as object).sort();
  const o = v as Record<string, unknown>;
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

function entryText(e: EntrySummary): string {
  return `${e[2]} "${e[3]}"${e[4] !== undefined ? ` (request ${e[4]})` : ''}`;
}

const WRITE_READ_OPS = new Set(['get', 'list']);

export class TraceChecker {
  private readonly failures: CheckFailure[] = [];
  private readonly counts = Object.fromEntries(CHECK_NAMES.map((c) => [c, 0])) as Record<
    CheckName,
    number
  >;
  private readonly notes: string[] = [];
  private events = 0;
  /** "group|term" → the leader. */
  private readonly leaders = new Map<string, Seen>();
  /** "group|index|term" → the entry first appended there, and the term before it. */
  private readonly entries = new Map<
    string,
    Seen & { entry: EntrySummary; prevTerm: number | null }
  >();
  /** "node|group" → the terms of the node's log by index, as far as this life shows it. */
  private readonly logs = new Map<string, number[]>();
  /** "node|group" → commit index this life, and the one last persisted. */
  private readonly commits = new Map<string, { index: number; seq: number }>();
  private readonly persistedCommits = new Map<string, number>();
  /** "group|index" → the entry first applied there. */
  private readonly applied = new Map<
    string,
    Seen & { term: number; op: string; requestId?: string }
  >();
  /** "node|group" → last applied index this life. */
  private readonly lastApplied = new Map<string, { index: number; seq: number }>();
  /** requestId → the first apply of it. */
  private readonly appliedRequests = new Map<
    string,
    { group: string; index: number; term: number }
  >();
  private readonly requestKinds = new Map<string, 'write' | 'read'>();
  /** Processes whose invoke the trace holds (completions of others are not judged). */
  private readonly invoked = new Set<string>();
  private readonly okWrites: {
    requestId: string;
    seq: number;
    op: string;
    key: string;
    process: string;
  }[] = [];
  private readonly clientEvents: TraceEvent[] = [];
  private clockOutsideBound: number | null = null;

  constructor(private readonly header: TraceHeader) {
    if (header.dropped !== undefined) {
      this.notes.push(
        `the trace starts after ${header.dropped.events} dropped events: entries, commits and ` +
          'requests before it are unknown, so the history is not checked for linearizability',
      );
    }
    if (header.initial !== null) {
      this.notes.push(
        'the run started from seeded durable state: entries it held are not in the trace',
      );
    }
  }

  private fail(check: CheckName, seqs: number[], message: string): void {
    this.counts[check]++;
    if (this.counts[check] <= FAILURES_SHOWN) this.failures.push({ check, seqs, message });
  }

  /** Feed the next event (in seq order). */
  add(e: TraceEvent): void {
    this.events++;
    switch (e.type) {
      case 'role':
        if (e.to === 'leader' && e.node !== null) this.onLeader(e.group, e.term, e.node, e.seq);
        break;
      case 'append':
        if (e.node !== null)
          for (const entry of e.entries) this.onAppend(e.group, entry, e.node, e.seq);
        break;
      case 'truncate':
        if (e.node !== null) this.onTruncate(e.group, e.from, e.node, e.seq);
        break;
      case 'snapshot':
        if (e.node !== null && e.stage === 'install') {
          const log: number[] = [];
          log[e.index] = e.term;
          this.logs.set(`${e.node}|${e.group}`, log);
        }
        if (e.node !== null && e.stage === 'load') {
          this.lastApplied.set(`${e.node}|${e.group}`, { index: e.index, seq: e.seq });
        }
        break;
      case 'persist':
        if (e.node !== null) {
          const k = `${e.node}|${e.group}`;
          this.persistedCommits.set(k, Math.max(this.persistedCommits.get(k) ?? 0, e.commit));
        }
        break;
      case 'commit':
        if (e.node !== null) this.onCommit(e.group, e.index, e.node, e.seq);
        break;
      case 'apply':
        if (e.node !== null) this.onApply(e, e.node);
        break;
      case 'node-crash':
      case 'node-restart':
        // A new life: memory (the log's unpersisted tail, the commit index) may differ.
        if (e.node !== null) this.forgetLife(e.node);
        break;
      case 'request':
        this.requestKinds.set(e.requestId, e.kind);
        break;
      case 'invoke':
        this.invoked.add(e.process);
        this.clientEvents.push(e);
        break;
      case 'ok':
        this.clientEvents.push(e);
        this.onOk(e);
        break;
      case 'fail':
      case 'info':
        this.clientEvents.push(e);
        break;
      case 'clock':
        if (!e.withinLeaseBound) this.clockOutsideBound ??= e.seq;
        break;
      case 'violation':
        this.fail('recorded-violations', [e.seq], `the host recorded ${e.invariant}: ${e.detail}`);
        break;
      default:
        break;
    }
  }

  private onLeader(group: string, term: number, node: string, seq: number): void {
    const key = `${group}|${term}`;
    const prior = this.leaders.get(key);
    if (prior === undefined) this.leaders.set(key, { node, seq });
    else if (prior.node !== node) {
      this.fail(
        'election-safety',
        [prior.seq, seq],
        `two leaders in term ${term} of ${group}: ${prior.node} (seq ${prior.seq}) and ${node} (seq ${seq})`,
      );
    }
  }

  private forgetLife(node: string): void {
    for (const k of [...this.logs.keys()]) if (k.startsWith(`${node}|`)) this.logs.delete(k);
    for (const k of [...this.commits.keys()]) if (k.startsWith(`${node}|`)) this.commits.delete(k);
    for (const k of [...this.lastApplied.keys()])
      if (k.startsWith(`${node}|`)) this.lastApplied.delete(k);
  }

  private logOf(node: string, group: string): number[] {
    const k = `${node}|${group}`;
    let log = this.logs.get(k);
    if (log === undefined) {
      log = [];
      this.logs.set(k, log);
    }
    return log;
  }

  private onAppend(group: string, entry: EntrySummary, node: string, seq: number): void {
    const [index, term] = entry;
    const log = this.logOf(node, group);
    // The term before the entry, when this life of the node shows it (index 1 follows term 0).
    const prevTerm = index === 1 ? 0 : (log[index - 1] ?? null);
    if (log.length > index + 1 && log[index] !== term) log.length = index + 1;
    log[index] = term;
    const key = `${group}|${index}|${term}`;
    const prior = this.entries.get(key);
    if (prior === undefined) {
      this.entries.set(key, { node, seq, entry, prevTerm });
      return;
    }
    const same =
      prior.entry[2] === entry[2] && prior.entry[3] === entry[3] && prior.entry[4] === entry[4];
    if (!same) {
      this.fail(
        'log-matching',
        [prior.seq, seq],
        `${group} index ${index} term ${term} holds ${entryText(prior.entry)} on ${prior.node} ` +
          `(seq ${prior.seq}) but ${entryText(entry)} on ${node} (seq ${seq})`,
      );
    } else if (prior.prevTerm === null && prevTerm !== null) {
      prior.prevTerm = prevTerm;
    } else if (prior.prevTerm !== null && prevTerm !== null && prior.prevTerm !== prevTerm) {
      this.fail(
        'log-matching',
        [prior.seq, seq],
        `${group} entry ${index}/${term} follows an entry of term ${prior.prevTerm} on ` +
          `${prior.node} (seq ${prior.seq}) but one of term ${prevTerm} on ${node} (seq ${seq}): ` +
          'the logs differ before a matching entry',
      );
    }
  }

  private onTruncate(group: string, from: number, node: string, seq: number): void {
    const k = `${node}|${group}`;
    const log = this.logs.get(k);
    if (log !== undefined && log.length > from) log.length = from;
    const life = this.commits.get(k);
    const commit = Math.max(life?.index ?? 0, this.persistedCommits.get(k) ?? 0);
    if (from <= commit) {
      this.fail(
        'acknowledged-writes',
        life !== undefined ? [life.seq, seq] : [seq],
        `${node} truncated its ${group} log from index ${from} (seq ${seq}) although it knew ` +
          `entries up to ${commit} committed${life !== undefined ? ` (seq ${life.seq})` : ' (persisted)'}`,
      );
    }
  }

  private onCommit(group: string, index: number, node: string, seq: number): void {
    const k = `${node}|${group}`;
    const prior = this.commits.get(k);
    if (prior !== undefined && index < prior.index) {
      this.fail(
        'commit-monotonic',
        [prior.seq, seq],
        `${node}'s ${group} commit index went from ${prior.index} (seq ${prior.seq}) down to ` +
          `${index} (seq ${seq})`,
      );
      return;
    }
    this.commits.set(k, { index, seq });
  }

  private onApply(e: Extract<TraceEvent, { type: 'apply' }>, node: string): void {
    const k = `${node}|${e.group}`;
    const last = this.lastApplied.get(k);
    if (last !== undefined && e.index <= last.index) {
      this.fail(
        'state-machine-safety',
        [last.seq, e.seq],
        `${node} applied ${e.group} index ${e.index} (seq ${e.seq}) after index ${last.index} ` +
          `(seq ${last.seq}): applies must follow the log in order`,
      );
    }
    this.lastApplied.set(k, { index: e.index, seq: e.seq });
    const op = canonical(e.op);
    const key = `${e.group}|${e.index}`;
    const prior = this.applied.get(key);
    if (prior === undefined) {
      this.applied.set(key, { node, seq: e.seq, term: e.term, op, requestId: e.requestId });
    } else if (prior.term !== e.term || prior.op !== op || prior.requestId !== e.requestId) {
      this.fail(
        'state-machine-safety',
        [prior.seq, e.seq],
        `${e.group} index ${e.index} was applied as term ${prior.term} ${prior.op} on ` +
          `${prior.node} (seq ${prior.seq}) but as term ${e.term} ${op} on ${node} (seq ${e.seq})`,
      );
    }
    if (e.requestId !== undefined && !this.appliedRequests.has(e.requestId)) {
      this.appliedRequests.set(e.requestId, { group: e.group, index: e.index, term: e.term });
    }
  }

  private onOk(e: Extract<TraceEvent, { type: 'ok' }>): void {
    if (e.requestId === undefined || !this.invoked.has(e.process)) return;
    const kind = this.requestKinds.get(e.requestId);
    const write = kind !== undefined ? kind === 'write' : !WRITE_READ_OPS.has(e.op);
    // A CAS answered false took no effect: nothing was acknowledged.
    if (!write || (e.op === 'cas' && e.result === false)) return;
    this.okWrites.push({
      requestId: e.requestId,
      seq: e.seq,
      op: e.op,
      key: e.key,
      process: e.process,
    });
  }

  /** The report, once every event was added. */
  finish(): CheckReport {
    for (const w of this.okWrites) {
      if (!this.appliedRequests.has(w.requestId)) {
        this.fail(
          'acknowledged-writes',
          [w.seq],
          `${w.process}'s ${w.op} of ${w.key} (request ${w.requestId}) was acknowledged at seq ` +
            `${w.seq}, but no node ever applied an entry of that request`,
        );
      }
    }
    this.checkLinearizability();
    return {
      ok: this.failures.length === 0,
      failures: this.failures,
      failureCounts: { ...this.counts },
      notes: this.notes,
      stats: {
        events: this.events,
        leaderTerms: this.leaders.size,
        entries: this.entries.size,
        applied: this.applied.size,
        acknowledgedWrites: this.okWrites.length,
        historyOperations: this.clientEvents.filter((e) => e.type === 'invoke').length,
      },
    };
  }

  private checkLinearizability(): void {
    if (this.header.dropped !== undefined || this.clientEvents.length === 0) return;
    const result = checkHistory(this.clientEvents, defaultModels());
    if (result.ok === true) return;
    if (result.ok === 'undecided') {
      this.notes.push(`linearizability undecided (not a failure): ${result.reason}`);
      return;
    }
    if (result.kind === 'invalid-history') {
      for (const err of result.errors) {
        this.fail(
          'linearizability',
          err.seq === null ? [] : [err.seq],
          `invalid client history: ${err.message}`,
        );
      }
      return;
    }
    const seqs = result.operations.flatMap((op) =>
      op.returnSeq === null ? [op.invokeSeq] : [op.invokeSeq, op.returnSeq],
    );
    const leaseRun = this.header.cluster.raft?.readOnly === 'lease';
    if (leaseRun && this.clockOutsideBound !== null) {
      // The lease's documented limit (src/raft/lease.ts), as the simulator judges it too.
      this.notes.push(
        `the history is not linearizable, but reads used the leader lease while a node's clock ` +
          `ran outside the lease's drift bound (seq ${this.clockOutsideBound}): a stale read there ` +
          `is the lease's documented limit, not counted as a failure.\n${formatCheckResult(result)}`,
      );
      return;
    }
    this.fail('linearizability', seqs, formatCheckResult(result));
  }
}

/** Run every check over a whole trace. */
export function checkTrace(header: TraceHeader, events: readonly TraceEvent[]): CheckReport {
  const checker = new TraceChecker(header);
  for (const e of events) checker.add(e);
  return checker.finish();
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The report in words: one line per check, then the failures and notes. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const c of CHECK_NAMES) {
    const n = report.failureCounts[c];
    lines.push(
      `${n === 0 ? 'pass' : 'FAIL'}  ${c.padEnd(22)} ${CHECK_DESCRIPTIONS[c]}${n > 0 ? ` (${n} failures)` : ''}`,
    );
  }
  const s = report.stats;
  lines.push(
    `${s.events} events: ${plural(s.leaderTerms, 'term')} with a leader, ${plural(s.entries, 'entry', 'entries')} appended, ` +
      `${plural(s.applied, 'index', 'indexes')} applied, ${plural(s.acknowledgedWrites, 'acknowledged write')}, ` +
      `${plural(s.historyOperations, 'client operation')}`,
  );
  for (const f of report.failures) {
    const seqs = f.seqs.length > 0 ? ` [seq ${f.seqs.join(', ')}]` : '';
    lines.push('', `${f.check}${seqs}:`, ...f.message.split('\n').map((l) => `  ${l}`));
  }
  for (const c of CHECK_NAMES) {
    const hidden = report.failureCounts[c] - FAILURES_SHOWN;
    if (hidden > 0) lines.push(`(${hidden} more ${c} failures not shown)`);
  }
  for (const n of report.notes) lines.push('', `note: ${n}`);
  lines.push(
    '',
    report.ok
      ? 'all checks passed'
      : `checks FAILED: ${report.failures.length > 0 ? CHECK_NAMES.filter((c) => report.failureCounts[c] > 0).join(', ') : ''}`,
  );
  return lines.join('\n');
}
