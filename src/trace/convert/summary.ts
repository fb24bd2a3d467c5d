// What happened in a trace, in numbers and a few lines of words (`npm run trace -- summary`):
// the run, its nodes, terms and leaders per group, faults, client requests by outcome, and the
// latency of acknowledged requests. TraceSummarizer takes events one at a time, like the checks.
// Invariants: pure; counts are exact; percentiles are nearest-rank over every completed request
// (no sampling); a request still pending when the trace ends counts as unknown, as the history
// checker reads it.
import type { TraceEvent, TraceHeader } from '../events.ts';
import { describeFault } from './common.ts';

export interface GroupSummary {
  group: string;
  /** Leaders by term, in order of election. */
  leaders: { term: number; node: string; t: number }[];
  highestTerm: number;
  highestCommit: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TraceSummary {
  engine: string;
  seed: number | null;
  scenario: string | null;
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  durationMs: number;
  nodes: string[];
  crashes: Record<string, number>;
  groups: GroupSummary[];
  faults: Record<string, number>;
  faultTimeline: string[];
  requests: { invoked: number; ok: number; failed: number; unknown: number };
  /** Invoke to ok, in cluster ms. */
  latencyOkMs: LatencySummary | null;
  violations: number;
  notes: string[];
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

const FAULT_TIMELINE_MAX = 30;

export class TraceSummarizer {
  private events = 0;
  private firstSeq: number | null = null;
  private lastSeq: number | null = null;
  private firstT: number | null = null;
  private lastT = 0;
  private readonly nodes: Set<string>;
  private readonly crashes: Record<string, number> = {};
  private readonly groups = new Map<string, GroupSummary>();
  private readonly faults: Record<string, number> = {};
  private readonly faultTimeline: string[] = [];
  private faultEvents = 0;
  private readonly pending = new Map<string, number>();
  private readonly requests = { invoked: 0, ok: 0, failed: 0, unknown: 0 };
  private readonly latencies: number[] = [];
  private violations = 0;

  constructor(private readonly header: TraceHeader) {
    this.nodes = new Set(header.cluster.nodes);
    for (const g of header.cluster.groups) this.groupOf(g);
  }

  private groupOf(group: string): GroupSummary {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = { group, leaders: [], highestTerm: 0, highestCommit: 0 };
      this.groups.set(group, g);
    }
    return g;
  }

  add(e: TraceEvent): void {
    this.events++;
    this.firstSeq ??= e.seq;
    this.lastSeq = e.seq;
    this.firstT ??= e.t;
    this.lastT = Math.max(this.lastT, e.t);
    if (e.node !== null) this.nodes.add(e.node);
    switch (e.type) {
      case 'role': {
        const g = this.groupOf(e.group);
        g.highestTerm = Math.max(g.highestTerm, e.term);
        if (e.to === 'leader' && e.node !== null)
          g.leaders.push({ term: e.term, node: e.node, t: e.t });
        break;
      }
      case 'commit': {
        const g = this.groupOf(e.group);
        g.highestCommit = Math.max(g.highestCommit, e.index);
        break;
      }
      case 'node-crash':
        if (e.node !== null) this.crashes[e.node] = (this.crashes[e.node] ?? 0) + 1;
        break;
      case 'fault':
        this.faults[e.fault] = (this.faults[e.fault] ?? 0) + 1;
        if (this.faultEvents++ < FAULT_TIMELINE_MAX) {
          this.faultTimeline.push(`${e.t} ms ${e.node ?? 'cluster'}: ${describeFault(e)}`);
        }
        break;
      case 'invoke':
        this.requests.invoked++;
        this.pending.set(e.process, e.t);
        break;
      case 'ok':
      case 'fail':
      case 'info': {
        const start = this.pending.get(e.process);
        if (start === undefined) break;
        this.pending.delete(e.process);
        if (e.type === 'ok') {
          this.requests.ok++;
          this.latencies.push(e.t - start);
        } else if (e.type === 'fail') this.requests.failed++;
        else this.requests.unknown++;
        break;
      }
      case 'violation':
        this.violations++;
        break;
      default:
        break;
    }
  }

  finish(): TraceSummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const notes = [...(this.header.notes ?? [])];
    if (this.faultEvents > FAULT_TIMELINE_MAX) {
      notes.push(`${this.faultEvents - FAULT_TIMELINE_MAX} more faults not listed`);
    }
    return {
      engine: this.header.engine,
      seed: this.header.seed,
      scenario: this.header.scenario,
      events: this.events,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      durationMs: this.firstT === null ? 0 : this.lastT - this.firstT,
      nodes: [...this.nodes],
      crashes: { ...this.crashes },
      groups: [...this.groups.values()],
      faults: { ...this.faults },
      faultTimeline: [...this.faultTimeline],
      requests: { ...this.requests, unknown: this.requests.unknown + this.pending.size },
      latencyOkMs:
        sorted.length === 0
          ? null
          : {
              count: sorted.length,
              p50: percentile(sorted, 50),
              p90: percentile(sorted, 90),
              p99: percentile(sorted, 99),
              max: sorted[sorted.length - 1],
            },
      violations: this.violations,
      notes,
    };
  }
}

export function summarizeTrace(header: TraceHeader, events: readonly TraceEvent[]): TraceSummary {
  const s = new TraceSummarizer(header);
  for (const e of events) s.add(e);
  return s.finish();
}

const LEADERS_SHOWN = 12;

/** The summary in words, a few lines per section. */
export function formatSummary(s: TraceSummary): string {
  const lines = [
    `${s.engine} run${s.scenario !== null ? ` of ${s.scenario}` : ''}${s.seed !== null ? `, seed ${s.seed}` : ''}: ` +
      `${s.events} events${s.firstSeq !== null ? ` (seq ${s.firstSeq}–${s.lastSeq})` : ''} over ${s.durationMs} ms`,
    `nodes: ${s.nodes
      .map((n) => (s.crashes[n] !== undefined ? `${n} (crashed ${s.crashes[n]}×)` : n))
      .join(', ')}`,
  ];
  for (const g of s.groups) {
    const shown = g.leaders
      .slice(0, LEADERS_SHOWN)
      .map((l) => `t${l.term} ${l.node}`)
      .join(', ');
    const more =
      g.leaders.length > LEADERS_SHOWN ? `, … ${g.leaders.length - LEADERS_SHOWN} more` : '';
    lines.push(
      `${g.group}: highest term ${g.highestTerm}, ${g.leaders.length} ${g.leaders.length === 1 ? 'leader' : 'leaders'} elected` +
        `${shown !== '' ? ` (${shown}${more})` : ''}, commit index reached ${g.highestCommit}`,
    );
  }
  const faultKinds = Object.entries(s.faults);
  lines.push(
    faultKinds.length === 0
      ? 'faults: none'
      : `faults: ${faultKinds.map(([k, n]) => `${k} ×${n}`).join(', ')}`,
  );
  for (const f of s.faultTimeline) lines.push(`  ${f}`);
  const r = s.requests;
  lines.push(
    `requests: ${r.invoked} invoked, ${r.ok} ok, ${r.failed} failed, ${r.unknown} unknown ` +
      '(timed out, or pending when the trace ends)',
  );
  if (s.latencyOkMs !== null) {
    const l = s.latencyOkMs;
    lines.push(
      `latency of ok requests (invoke → ok, cluster ms, ${l.count}): p50 ${l.p50}, p90 ${l.p90}, ` +
        `p99 ${l.p99}, max ${l.max}`,
    );
  }
  lines.push(`violations recorded by the host: ${s.violations}`);
  for (const n of s.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
