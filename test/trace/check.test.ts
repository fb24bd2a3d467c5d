// The trace checks: every check passes on real runs (golden scenarios with a crash, a partition
// and Figure 8; random simulator runs with faults and clients), and each fails, naming the
// planted event, on a trace doctored to break its rule.
import { describe, expect, it } from 'vitest';
import type { CheckName } from '../../src/trace/check.ts';
import { CHECK_NAMES, checkTrace, formatCheckReport } from '../../src/trace/check.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import type { Doctored } from './doctor.ts';
import {
  changedApply,
  commitBack,
  forkedEntry,
  impossibleRead,
  lostWrite,
  recordedViolation,
  truncateCommitted,
  twoLeaders,
} from './doctor.ts';
import { allTraces, goldenTrace, randomRun } from './fixtures.ts';

describe.each(allTraces())('check passes: $name', ({ trace }) => {
  it('finds no failure in a real run', () => {
    const report = checkTrace(trace.header, trace.events);
    expect(report.failures, formatCheckReport(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.stats.leaderTerms).toBeGreaterThan(0);
    expect(report.stats.applied).toBeGreaterThan(0);
    expect(formatCheckReport(report)).toMatch(/all checks passed$/);
  });
});

const plants: [CheckName, (events: readonly TraceEvent[]) => Doctored][] = [
  ['election-safety', twoLeaders],
  ['state-machine-safety', changedApply],
  ['acknowledged-writes', lostWrite],
  ['commit-monotonic', commitBack],
  ['log-matching', forkedEntry],
  ['acknowledged-writes', truncateCommitted],
  ['linearizability', impossibleRead],
  ['recorded-violations', recordedViolation],
];

describe.each([
  {
    name: 'random seed 8',
    events: () => randomRun(8).trace.events,
    header: () => randomRun(8).trace.header,
  },
  {
    name: 'forward-crash',
    events: () => goldenTrace('forward-crash.trace.jsonl').events,
    header: () => goldenTrace('forward-crash.trace.jsonl').header,
  },
])('check fails on doctored traces: $name', ({ events, header }) => {
  it.each(plants)('%s catches %o', (check, plant) => {
    const doctored = plant(events());
    const report = checkTrace(header(), doctored.events);
    expect(report.ok).toBe(false);
    const failures = report.failures.filter((f) => f.check === check);
    expect(failures.length, formatCheckReport(report)).toBeGreaterThan(0);
    expect(
      failures.some((f) => f.seqs.includes(doctored.seq)),
      formatCheckReport(report),
    ).toBe(true);
    // Only the planted rule fails (a lost write is not also a changed entry, ...).
    for (const c of CHECK_NAMES) if (c !== check) expect(report.failureCounts[c], c).toBe(0);
    expect(formatCheckReport(report)).toMatch(new RegExp(`FAIL  ${check}`));
  });
});

describe('check', () => {
  it('skips the history of a trace that starts after dropped events, saying so', () => {
    const trace = goldenTrace('forward-crash.trace.jsonl');
    const half = trace.events.slice(Math.floor(trace.events.length / 2));
    const report = checkTrace(
      { ...trace.header, dropped: { events: 10, firstSeq: 0, lastSeq: 9 } },
      half,
    );
    expect(report.failureCounts.linearizability).toBe(0);
    expect(report.notes.join('\n')).toMatch(/not checked for linearizability/);
  });

  it('keeps at most 20 failures per check and counts the rest', () => {
    const trace = goldenTrace('partition-heal.trace.jsonl');
    let events = [...trace.events];
    for (let k = 0; k < 30; k++) events = recordedViolation(events).events;
    const report = checkTrace(trace.header, events);
    expect(report.failureCounts['recorded-violations']).toBe(30);
    expect(report.failures.length).toBe(20);
    expect(formatCheckReport(report)).toMatch(/10 more recorded-violations failures not shown/);
  });
});
