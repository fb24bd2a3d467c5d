// Importing version-1 trace files: the checked-in v1 fixtures (one from the browser, one from the
// CLI) import as version 2, with faults as the typed union naming the affected node in `node`,
// the node's own reports as their v2 events, and the header saying what it came from. A version
// with no migration path is refused by name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './events.ts';
import { TRACE_VERSION } from './events.ts';
import { exportTrace, importTrace } from './jsonl.ts';
import { migrateEvent, migrateHeader } from './migrate.ts';

function fixture(name: string): string {
  return readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
}

function imported(name: string) {
  const r = importTrace(fixture(name));
  if (!r.ok) throw new Error(`${name} did not import:\n${r.errors.join('\n')}`);
  return r;
}

function bySeq(events: readonly TraceEvent[], seq: number): TraceEvent {
  const e = events.find((x) => x.seq === seq);
  if (e === undefined) throw new Error(`no event with seq ${seq}`);
  return e;
}

describe('v1 → v2 migration on import', () => {
  it('imports the browser fixture as version 2, with the header filled from v1 fields', () => {
    const { header, events } = imported('v1-browser.jsonl');
    expect(header.version).toBe(TRACE_VERSION);
    expect(header.migratedFrom).toBe(1);
    expect(header.engine).toBe('live');
    expect(header.cluster.raft).toEqual({
      profile: 'lesson',
      electionTimeoutMs: 1000,
      maxElectionDelayMs: 500,
      heartbeatMs: 100,
      tickMs: 50,
      readOnly: 'safe',
    });
    expect(header.cluster.network).toBeNull();
    expect(header.cluster.clusterId).toBe('c-7');
    expect(header.cluster).not.toHaveProperty('runtime');
    expect(header.cluster).not.toHaveProperty('timing');
    expect(header.initial).toBeNull();
    expect(header.notes?.join(' ')).toMatch(/migrated from trace version 1/);
    expect(events).toHaveLength(32);
  });

  it('turns v1 faults into the typed union with the affected node in `node`', () => {
    const { events } = imported('v1-browser.jsonl');
    const pick = (seq: number) => bySeq(events, seq);
    expect(pick(15)).toEqual({ seq: 15, t: 2000, node: 'n3', type: 'fault', fault: 'crash' });
    expect(pick(17)).toMatchObject({ node: 'n3', fault: 'restart' });
    expect(pick(18)).toEqual({
      seq: 18,
      t: 2200,
      node: null,
      type: 'fault',
      fault: 'partition',
      sides: [['n1'], ['n2', 'n3']],
    });
    expect(pick(20)).toMatchObject({
      fault: 'network',
      change: { dropRatio: 0.1 },
      from: 'n1',
      to: 'n2',
    });
    expect(pick(21)).toMatchObject({ fault: 'hold', on: true });
    expect(pick(22)).toMatchObject({ node: 'n2', fault: 'skew', rate: 1.5 });
    expect(pick(24)).toMatchObject({ node: null, fault: 'speed', speed: 2 });
    expect(pick(25)).toMatchObject({ node: 'n4', fault: 'add-node' });
    expect(pick(26)).toMatchObject({ fault: 'transfer-leader', group: 'nacos_config', to: 'n2' });
    expect(pick(31)).toMatchObject({ node: 'n3', fault: 'worker-error', message: 'boom' });
    for (const e of events) expect(e).not.toHaveProperty('detail');
  });

  it("turns the node's own v1 fault reports into transfer, step-down and malformed events", () => {
    const { events } = imported('v1-browser.jsonl');
    expect(bySeq(events, 27)).toEqual({
      seq: 27,
      t: 2901,
      node: 'n1',
      type: 'transfer',
      group: 'nacos_config',
      target: 'n2',
      outcome: 'start',
    });
    expect(bySeq(events, 28)).toMatchObject({ type: 'step-down', reason: 'check-quorum' });
    expect(bySeq(events, 29)).toMatchObject({ type: 'malformed', from: 'n1', reason: 'bad index' });
  });

  it('keeps v1 message summaries, with the fields v1 did not record absent', () => {
    const { events } = imported('v1-browser.jsonl');
    expect(bySeq(events, 2)).toEqual({
      seq: 2,
      t: 1201,
      node: 'n1',
      type: 'send',
      group: 'nacos_config',
      msgId: 1000000001,
      from: 'n1',
      to: 'n2',
      msgType: 'RequestVote',
      term: 1,
      entries: null,
    });
  });

  it('imports the CLI fixture: engine cli, no timing recorded, sim fault details mapped', () => {
    const { header, events } = imported('v1-cli.jsonl');
    expect(header.engine).toBe('cli');
    expect(header.cluster.raft).toBeNull();
    expect(header.notes?.join(' ')).toMatch(/timing profile was not recorded/);
    expect(bySeq(events, 1)).toMatchObject({ node: 'n2', fault: 'crash', lostWrites: 1 });
    expect(bySeq(events, 2)).toMatchObject({ fault: 'resume', held: 3 });
    expect(bySeq(events, 3)).toMatchObject({ node: null, fault: 'cut', from: 'n1', to: 'n3' });
    expect(bySeq(events, 4)).toMatchObject({ fault: 'add-node', members: ['n1', 'n2', 'n3'] });
    expect(bySeq(events, 5)).toMatchObject({ fault: 'remove-node', askedOf: ['n1'] });
    expect(bySeq(events, 6)).toMatchObject({ fault: 'step-error', step: 2, message: 'no leader' });
    expect(bySeq(events, 7)).toMatchObject({ type: 'transfer', outcome: 'done' });
  });

  it('exports a migrated trace as version 2, which imports unchanged', () => {
    const first = imported('v1-browser.jsonl');
    const again = importTrace(exportTrace(first.header, first.events));
    expect(again).toEqual({ ok: true, header: first.header, events: first.events });
  });

  it('refuses a v1 fault it has no version-2 equivalent for, naming the line', () => {
    const text = fixture('v1-cli.jsonl').replace('"fault":"cut"', '"fault":"earthquake"');
    const r = importTrace(text);
    expect(r).toEqual({
      ok: false,
      errors: ['line 5: event: fault: "earthquake" of trace version 1 has no version 2 equivalent'],
    });
  });

  it('refuses an unknown version by name, and passes the current version through', () => {
    expect(migrateHeader({ format: 'raft-playground-trace', version: 9 })).toEqual({
      ok: false,
      message: 'unsupported version 9 (this playground reads versions 1 and 2)',
    });
    expect(migrateEvent(9, { type: 'narrate' })).toMatchObject({ ok: false });
    const current = { format: 'raft-playground-trace', version: TRACE_VERSION };
    expect(migrateHeader(current)).toEqual({ ok: true, value: current });
  });
});
