// Trace import/export: round trips are exact, and every malformed line is reported with its
// line number and field path, without throwing.
import { describe, expect, it } from 'vitest';
import type { TraceEvent, TraceHeader } from './events.ts';
import { exportTrace, importTrace, MAX_IMPORT_ERRORS } from './jsonl.ts';
import { FAULT_KINDS, TRACE_EVENT_TYPES } from './schema.ts';

const header: TraceHeader = {
  format: 'raft-playground-trace',
  version: 2,
  engine: 'cli',
  appVersion: '0.1.0',
  seed: 42,
  scenario: 'leader-crash',
  cluster: {
    nodes: ['n1', 'n2', 'n3'],
    groups: ['nacos_config'],
    raft: {
      profile: 'lesson',
      electionTimeoutMs: 1000,
      maxElectionDelayMs: 500,
      heartbeatMs: 100,
      tickMs: 50,
      readOnly: 'safe',
    },
    network: {
      link: { delayMsMin: 1, delayMsMax: 10, dropRatio: 0, duplicateRatio: 0 },
      overrides: [{ from: 'n1', to: 'n2', change: { dropRatio: 0.5 } }],
      sides: null,
      cuts: [],
      hold: false,
    },
    clusterId: 'c1',
  },
  initial: null,
};

const g = 'nacos_config';
const msg = { msgId: 7, from: 'n1', to: 'n2', msgType: 'AppendEntries', term: 2 };
const ae = { prevIndex: 2, prevTerm: 1, commit: 2, hb: false };

/** One fault of every kind. */
const FAULTS = [
  { type: 'fault', fault: 'crash', lostWrites: 2 },
  { type: 'fault', fault: 'restart' },
  { type: 'fault', fault: 'pause' },
  { type: 'fault', fault: 'resume', held: 3 },
  { type: 'fault', fault: 'skew', rate: 1.5 },
  { type: 'fault', fault: 'partition', sides: [['n1'], ['n2', 'n3']] },
  { type: 'fault', fault: 'heal' },
  { type: 'fault', fault: 'cut', from: 'n1', to: 'n2' },
  { type: 'fault', fault: 'link', from: 'n1', to: 'n2' },
  { type: 'fault', fault: 'network', change: { dropRatio: 0.1 }, from: 'n1', to: 'n2' },
  { type: 'fault', fault: 'hold', on: true },
  { type: 'fault', fault: 'release', msgId: 4 },
  { type: 'fault', fault: 'discard', msgId: 5 },
  { type: 'fault', fault: 'add-node', members: ['n1', 'n2', 'n3'] },
  { type: 'fault', fault: 'remove-node', askedOf: ['n1'] },
  { type: 'fault', fault: 'transfer-leader', group: g, to: 'n2' },
  { type: 'fault', fault: 'snapshot', group: g },
  { type: 'fault', fault: 'fail-apply', group: g },
  { type: 'fault', fault: 'corrupt-snapshot', group: g },
  { type: 'fault', fault: 'speed', speed: 2 },
  { type: 'fault', fault: 'pause-cluster' },
  { type: 'fault', fault: 'resume-cluster' },
  { type: 'fault', fault: 'durability', durability: 'strict' },
  { type: 'fault', fault: 'worker-error', message: 'x' },
  { type: 'fault', fault: 'node-error', kind: 'storage', message: 'x' },
  { type: 'fault', fault: 'removed' },
  { type: 'fault', fault: 'disk-stall', waitedMs: 2001.5, entries: 3 },
  { type: 'fault', fault: 'disk-resume', waitedMs: 4100 },
  { type: 'fault', fault: 'step-error', step: 3, message: 'x' },
];

/** One event of every type, stamped in order. */
function allEvents(): TraceEvent[] {
  const bodies = [
    { type: 'node-start', members: ['n1', 'n2', 'n3'] },
    { type: 'node-crash', reason: 'scenario' },
    { type: 'node-crash' },
    { type: 'node-restart', term: 2, lastIndex: 5 },
    {
      type: 'recovered',
      group: g,
      term: 2,
      votedFor: 'n1',
      commit: 4,
      snapshot: [3, 1],
      entries: [
        [4, 2, 'noop', ''],
        [5, 2, 'normal', 'publish a', 'c1'],
      ],
    },
    {
      type: 'recovered',
      group: g,
      term: 0,
      votedFor: null,
      commit: 0,
      snapshot: null,
      entries: [],
    },
    { type: 'role', group: g, from: 'follower', to: 'pre-candidate', term: 2, leader: null },
    { type: 'timer', group: g, timeoutMs: 1250 },
    { type: 'vote', group: g, candidate: 'n2', term: 3, preVote: true, granted: false },
    {
      type: 'vote',
      group: g,
      candidate: 'n3',
      term: 3,
      preVote: false,
      granted: false,
      reject: 'log-behind',
    },
    { type: 'send', group: g, ...msg, ...ae, entries: [3, 5], deliverAt: 12 },
    { type: 'send', group: g, ...msg, ...ae, msgId: 8, copyOf: 7, entries: [3, 5] },
    { type: 'recv', group: g, ...msg, entries: null, sentAt: 3 },
    { type: 'drop', group: g, ...msg, entries: null, reason: 'partition', sentAt: 3 },
    {
      type: 'recv',
      group: g,
      ...msg,
      msgType: 'RequestVote',
      entries: null,
      preVote: true,
      lastIndex: 4,
      lastTerm: 2,
    },
    {
      type: 'recv',
      group: g,
      ...msg,
      msgType: 'RequestVoteResponse',
      entries: null,
      preVote: false,
      granted: false,
      reject: 'voted',
    },
    {
      type: 'recv',
      group: g,
      ...msg,
      msgType: 'AppendEntriesResponse',
      entries: null,
      ok: false,
      index: 5,
      hintIndex: 3,
      hintTerm: 1,
      reject: 'log-mismatch',
    },
    {
      type: 'send',
      group: g,
      ...msg,
      msgType: 'InstallSnapshot',
      entries: null,
      snap: [10, 2],
      chunk: 0,
      chunks: 2,
    },
    {
      type: 'send',
      group: g,
      ...msg,
      msgType: 'ReadIndexResponse',
      entries: null,
      ctx: 'n1:1:3',
      index: -1,
      reject: 'not leader',
    },
    { type: 'send', group: g, ...msg, msgType: 'Forward', entries: null, rid: 'r1', kind: 'write' },
    {
      type: 'append',
      group: g,
      entries: [
        [3, 2, 'noop', ''],
        [4, 2, 'normal', 'put a', 'r1'],
      ],
    },
    { type: 'truncate', group: g, from: 3 },
    {
      type: 'persist',
      group: g,
      entries: [1, 2],
      term: 2,
      votedFor: 'n1',
      commit: 1,
      snapshot: null,
    },
    {
      type: 'progress',
      group: g,
      peer: 'n2',
      next: 5,
      match: 4,
      state: 'replicate',
      inflight: 1,
    },
    { type: 'commit', group: g, index: 4 },
    { type: 'apply', group: g, index: 4, term: 2, op: { type: 'publish' }, result: true },
    {
      type: 'apply',
      group: g,
      index: 5,
      term: 2,
      op: { type: 'publish' },
      result: true,
      requestId: 'r1',
    },
    { type: 'request', group: g, requestId: 'r1', kind: 'write', label: 'publish a' },
    { type: 'forward', group: g, requestId: 'r1', to: 'n1', stage: 'send' },
    { type: 'propose', group: g, requestId: 'r1', index: 5, term: 2 },
    { type: 'reply', group: g, requestId: 'r1', ok: false, error: 'timeout', indeterminate: true },
    { type: 'read-index', group: g, ctx: 'c1', index: -1, error: 'not leader' },
    {
      type: 'read-index',
      group: g,
      ctx: 'c2',
      index: -1,
      error: 'not leader',
      requestId: 'r2',
      fallback: 'ReadIndex refused: not leader',
    },
    { type: 'snapshot', group: g, index: 10, term: 2, stage: 'chunk', chunk: 1, chunks: 3 },
    {
      type: 'conf-change',
      group: g,
      phase: 'joint',
      conf: { voters: ['n1'], outgoing: ['n2'], learners: [] },
      index: 9,
    },
    {
      type: 'member-change',
      group: g,
      op: 'add',
      peer: 'n4',
      attempt: 1,
      outcome: 'request',
    },
    { type: 'metadata', group: g, leader: 'n1', term: 2, members: ['n1', 'n2'], errMsg: null },
    { type: 'transfer', group: g, target: 'n2', outcome: 'start' },
    { type: 'transfer', group: g, target: 'n3', outcome: 'refused', reason: 'Not a leader' },
    { type: 'step-down', group: g, reason: 'check-quorum' },
    { type: 'malformed', group: g, from: 'n2', reason: 'bad entry index' },
    ...FAULTS,
    { type: 'clock', rate: 1.5, withinLeaseBound: false, maxDrift: 0.1 },
    { type: 'narrate', text: 'hello' },
    { type: 'invoke', group: g, process: 'c1', op: 'write', key: 'a', value: 'v1' },
    {
      type: 'invoke',
      group: g,
      process: 'c1',
      op: 'write',
      key: 'a',
      value: 'v1',
      requestId: 'r9',
    },
    { type: 'ok', group: g, process: 'c1', op: 'write', key: 'a', value: 'v1', result: null },
    { type: 'fail', group: g, process: 'c1', op: 'write', key: 'a', value: 'v1', result: 'x' },
    { type: 'info', group: g, process: 'c1', op: 'read', key: 'a', value: null, result: 'x' },
    { type: 'violation', invariant: 'election-safety', detail: 'two leaders in term 3' },
    { type: 'expect', that: 'single-leader', passed: true, detail: '' },
  ];
  return bodies.map(
    (b, i) => ({ seq: i * 2, t: i * 10.5, node: i % 3 === 0 ? null : 'n1', ...b }) as TraceEvent,
  );
}

const headerLine = JSON.stringify(header);

function line(event: Record<string, unknown>): string {
  return JSON.stringify(event);
}

function errorsOf(text: string): string[] {
  const r = importTrace(text);
  if (r.ok) throw new Error('expected errors, got a valid trace');
  return r.errors;
}

const commit = (seq: number, extra: Record<string, unknown> = {}) =>
  line({ seq, t: seq, node: 'n1', type: 'commit', group: g, index: 1, ...extra });

describe('exportTrace', () => {
  it('writes the header first and one event per line', () => {
    const text = exportTrace(header, allEvents());
    const lines = text.split('\n');
    expect(lines).toHaveLength(allEvents().length + 2);
    expect(JSON.parse(lines[0])).toEqual({ ...header, encoding: 'compact' });
    expect(lines.at(-1)).toBe('');
  });

  it('writes an empty trace as just the header', () => {
    expect(exportTrace(header, [], { compact: false })).toBe(headerLine + '\n');
    expect(JSON.parse(exportTrace(header, []))).toEqual({ ...header, encoding: 'compact' });
  });
});

describe('importTrace', () => {
  it('round-trips every event type and every fault kind', () => {
    const events = allEvents();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(TRACE_EVENT_TYPES));
    expect(FAULTS.map((f) => f.fault)).toEqual(FAULT_KINDS);
    const r = importTrace(exportTrace(header, events));
    if (r.ok) for (let i = 0; i < events.length; i++) expect(r.events[i]).toEqual(events[i]);
    expect(r).toEqual({ ok: true, header, events });
  });

  it('accepts a BOM, CRLF line ends and blank lines', () => {
    const text = '\uFEFF' + headerLine + '\r\n' + commit(1) + '\r\n\r\n' + commit(2) + '\r\n\r\n';
    const r = importTrace(text);
    expect(r.ok && r.events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('accepts a file without a final newline', () => {
    const r = importTrace(headerLine + '\n' + commit(0));
    expect(r.ok && r.events).toHaveLength(1);
  });

  it('reports an empty file', () => {
    expect(errorsOf('')).toEqual(['line 1: empty file, expected a raft-playground-trace header']);
    expect(errorsOf('\uFEFF\n  \r\n')).toEqual([
      'line 1: empty file, expected a raft-playground-trace header',
    ]);
  });

  it('reports a wrong header', () => {
    expect(errorsOf('{"format":"something-else"}\n')).toEqual([
      'line 1: not a raft-playground-trace header',
    ]);
    expect(errorsOf('[1,2]\n')).toEqual(['line 1: not a raft-playground-trace header']);
    expect(errorsOf(line({ ...header, version: 3 }))).toEqual([
      'line 1: header.version: unsupported version 3 (this playground reads versions 1 and 2)',
    ]);
    expect(errorsOf(line({ ...header, version: 'two' }))).toEqual([
      'line 1: header.version: unsupported version "two" (this playground reads versions 1 and 2)',
    ]);
    expect(errorsOf(line({ ...header, seed: 'x', extra: 1 }))).toEqual([
      'line 1: header.seed: expected number or null, got "x"',
      'line 1: header.extra: unknown field',
    ]);
    const cluster = { ...header.cluster, nodes: 'n1' };
    expect(errorsOf(line({ ...header, cluster }))).toEqual([
      'line 1: header.cluster.nodes: expected array of node ids, got "n1"',
    ]);
    expect(errorsOf(line({ ...header, engine: 'browser' }))).toEqual([
      'line 1: header.engine: expected one of live, simulated, replay, cli, got "browser"',
    ]);
  });

  it('checks the events of a file that lacks its header', () => {
    expect(errorsOf(commit(0) + '\n' + commit(0))).toEqual([
      'line 1: not a raft-playground-trace header',
      'line 2: event.seq: 0 does not follow seq 0 (line 1); seq must strictly increase',
    ]);
  });

  it('reports an invalid JSON line with its line number', () => {
    const errors = errorsOf([headerLine, commit(1), '{"seq": 2, "t": ', commit(3)].join('\n'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^line 3: invalid JSON \(.+\)$/);
    expect(errorsOf('not json')[0]).toMatch(/^line 1: invalid JSON \(.+\)$/);
  });

  it('counts blank lines in line numbers', () => {
    const errors = errorsOf([headerLine, '', commit(1, { t: 'abc' })].join('\n'));
    expect(errors).toEqual(['line 3: event.t: expected number >= 0, got "abc"']);
  });

  it('names the field path of a bad field', () => {
    const bad = [
      headerLine,
      commit(1, { index: -2 }),
      line({ seq: 2, t: 1, node: 'n1', type: 'send', group: g, ...msg, entries: [1, 'x'] }),
      line({ seq: 3, t: 1, type: 'narrate', text: 'x' }),
      line({ seq: 4, t: -1, node: 3, type: 'narrate', text: 'x' }),
      line({
        seq: 5,
        t: 1,
        node: 'n1',
        type: 'role',
        group: g,
        from: 'follower',
        to: 'boss',
        term: 1,
        leader: null,
      }),
      line({ seq: 6.5, t: 1, node: null, type: 'narrate', text: 'x' }),
    ];
    expect(errorsOf(bad.join('\n'))).toEqual([
      'line 2: event.index: expected integer >= 0, got -2',
      'line 3: event.entries[1]: expected integer >= 0, got "x"',
      'line 4: event.node: missing, expected string or null',
      'line 5: event.t: expected number >= 0, got -1',
      'line 5: event.node: expected string or null, got 3',
      'line 6: event.to: expected one of follower, pre-candidate, candidate, leader, got "boss"',
      'line 7: event.seq: expected integer >= 0, got 6.5',
    ]);
  });

  it('rejects an unknown event type', () => {
    const text = [headerLine, line({ seq: 1, t: 0, node: 'n1', type: 'rol' })].join('\n');
    expect(errorsOf(text)).toEqual([
      `line 2: event.type: unknown event type "rol" (expected one of ${TRACE_EVENT_TYPES.join(', ')})`,
    ]);
    const missing = [headerLine, line({ seq: 1, t: 0, node: 'n1' })].join('\n');
    expect(errorsOf(missing)).toEqual([
      `line 2: event.type: missing, expected event type, one of ${TRACE_EVENT_TYPES.join(', ')}`,
    ]);
  });

  it('rejects unknown fields of known event types', () => {
    const text = [headerLine, commit(1, { colour: 'red', indx: 2 })].join('\n');
    expect(errorsOf(text)).toEqual([
      'line 2: event.colour: unknown field',
      'line 2: event.indx: unknown field (did you mean "index"?)',
    ]);
  });

  it('rejects a non-object event', () => {
    expect(errorsOf([headerLine, '5', 'null'].join('\n'))).toEqual([
      'line 2: event: expected object, got 5',
      'line 3: event: expected object, got null',
    ]);
  });

  it('requires seq to strictly increase', () => {
    const text = [headerLine, commit(1), commit(5), commit(5), commit(3), commit(6)].join('\n');
    expect(errorsOf(text)).toEqual([
      'line 4: event.seq: 5 does not follow seq 5 (line 3); seq must strictly increase',
      'line 5: event.seq: 3 does not follow seq 5 (line 3); seq must strictly increase',
    ]);
  });

  it('stops reading at the error cap and says where', () => {
    const lines = [headerLine];
    for (let i = 0; i < 50; i++) lines.push('{bad');
    const errors = errorsOf(lines.join('\n'));
    expect(errors).toHaveLength(MAX_IMPORT_ERRORS + 1);
    expect(errors[0]).toMatch(/^line 2: invalid JSON/);
    expect(errors.at(-1)).toMatch(
      new RegExp(`^stopped after ${MAX_IMPORT_ERRORS} errors at line ${MAX_IMPORT_ERRORS + 1};`),
    );
  });

  it('does not look at the lines after the error cap', () => {
    // Progress reports how far the importer read: with the cap reached early in a long file of
    // bad lines, it must stop there rather than parse every line (a 70 MB file froze the page).
    const bad = '{bad\n'.repeat(200_000);
    const seen: number[] = [];
    const r = importTrace(headerLine + '\n' + bad, {
      onProgress: (done) => seen.push(done),
      progressEvery: 1000,
    });
    expect(r.ok).toBe(false);
    const total = headerLine.length + 1 + bad.length;
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThan(total / 100);
  });

  it('reports progress up to the whole text on a good file', () => {
    const text = exportTrace(header, allEvents());
    const seen: [number, number][] = [];
    const r = importTrace(text, { onProgress: (d, t) => seen.push([d, t]), progressEvery: 100 });
    expect(r.ok).toBe(true);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)).toEqual([text.length, text.length]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
  });

  it('reads a header that says which events a bounded trace dropped', () => {
    const h: TraceHeader = {
      ...header,
      dropped: { events: 10, firstSeq: 0, lastSeq: 9 },
      notes: ['events with seq 0–9 were dropped'],
    };
    const r = importTrace(exportTrace(h, allEvents()));
    expect(r.ok && r.header).toEqual(h);
  });

  it('never throws', () => {
    const inputs = ['\u0000', '{}', '"x"', '[]\n[]', headerLine + '\n{"seq":{}}', '\r\n\r'];
    for (const text of inputs) {
      expect(() => importTrace(text)).not.toThrow();
      expect(importTrace(text).ok).toBe(false);
    }
    expect(() => importTrace(undefined as unknown as string)).not.toThrow();
  });
});
