// Tests of the request list's pure parts: the steps, latency and error of a request, the list's
// order, and the "why" sentences for failures, unknown outcomes and reads through the log.
import { describe, expect, it } from 'vitest';
import type { RequestStage, RequestView } from '../../state/model.ts';
import { plFrom } from '../../state/plist.ts';
import { explainRequest } from './explain.ts';
import { formatMs, requestCounts, requestRows, summarize } from './requestSummary.ts';

const G = 'nacos_config';
const NODES = ['n1', 'n2', 'n3'];

function req(over: Partial<RequestView> & { stages: RequestStage[] }): RequestView {
  return {
    id: 'c1',
    group: G,
    node: 'n2',
    kind: 'write',
    label: 'publish a',
    invokedAt: 1000,
    outcome: 'pending',
    entry: null,
    client: true,
    ...over,
  };
}

const forwardedOk = req({
  outcome: 'ok',
  entry: { index: 7, term: 3 },
  stages: [
    { stage: 'invoke', t: 1000, node: 'n2' },
    { stage: 'forward', t: 1000, node: 'n2' },
    { stage: 'forward-recv', t: 1010, node: 'n1' },
    { stage: 'propose', t: 1010, node: 'n1', index: 7 },
    { stage: 'commit', t: 1030, node: 'n1', index: 7 },
    { stage: 'apply', t: 1030, node: 'n1', index: 7 },
    { stage: 'reply', t: 1030, node: 'n1' },
    { stage: 'apply', t: 1042, node: 'n2', index: 7 },
    { stage: 'forward-reply', t: 1042, node: 'n2' },
    { stage: 'reply', t: 1042, node: 'n2' },
    { stage: 'ok', t: 1042, node: 'n2' },
    { stage: 'apply', t: 1050, node: 'n3', index: 7 },
  ],
});

describe('summarize', () => {
  it('walks a forwarded write from invoke to an apply on every node', () => {
    const s = summarize(forwardedOk, NODES);
    expect(s.steps.map((x) => [x.name, x.state, x.atMs, x.text])).toEqual([
      ['invoke', 'done', 0, 'n2'],
      ['forward', 'done', 10, 'n2 → n1'],
      ['propose', 'done', 10, '#7 term 3'],
      ['commit', 'done', 30, '#7'],
      ['apply', 'done', 50, '3/3 nodes'],
      ['reply', 'done', 42, 'ok'],
    ]);
    expect(s.latencyMs).toBe(42);
    expect(s.forwardedTo).toBe('n1');
    expect(s.proposer).toBe('n1');
    expect(s.applies.map((a) => a.node)).toEqual(['n1', 'n2', 'n3']);
    expect(s.error).toBeNull();
    expect(explainRequest(s)).toBeNull();
  });

  it('shows what an open request waits for', () => {
    const s = summarize(req({ stages: forwardedOk.stages.slice(0, 3) }), NODES);
    expect(s.steps.map((x) => x.state)).toEqual([
      'done',
      'done',
      'waiting',
      'waiting',
      'waiting',
      'waiting',
    ]);
    expect(s.latencyMs).toBeNull();
  });

  it("explains a request refused for want of a leader, with Nacos's exact error", () => {
    const error = `The Raft Group [${G}] did not find the Leader node`;
    const s = summarize(
      req({
        outcome: 'fail',
        stages: [
          { stage: 'invoke', t: 1000, node: 'n2' },
          { stage: 'reply', t: 1000, node: 'n2', detail: error },
          { stage: 'fail', t: 1000, node: 'n2' },
        ],
      }),
      NODES,
    );
    expect(s.error).toBe(error);
    expect(s.steps.map((x) => x.state)).toEqual(['done', 'failed', 'failed', 'failed', 'failed']);
    expect(explainRequest(s)).toMatch(
      /^Failed: ".*did not find the Leader node": n2 knew no leader/,
    );
    // Nacos's route table, not Raft, decides: a follower may know the leader and still refuse.
    expect(explainRequest(s)).toContain('route table');
  });

  it('names where a Forward lost on the way was sent', () => {
    const s = summarize(
      req({
        outcome: 'info',
        stages: [
          { stage: 'invoke', t: 0, node: 'n2' },
          { stage: 'forward', t: 0, node: 'n2', to: 'n1' },
          { stage: 'info', t: 5000, node: 'n2' },
        ],
        invokedAt: 0,
      }),
      NODES,
    );
    expect(s.steps.find((x) => x.name === 'forward')).toMatchObject({
      state: 'failed',
      text: 'n2 → n1',
    });
  });

  it("explains Nacos's timeouts and a leader's step-down by their exact texts", () => {
    const failed = (error: string, over: Partial<Omit<RequestView, 'stages'>> = {}) =>
      explainRequest(
        summarize(
          req({
            outcome: 'info',
            stages: [
              { stage: 'invoke', t: 0, node: 'n2' },
              { stage: 'forward', t: 0, node: 'n2' },
              { stage: 'reply', t: 5000, node: 'n2', detail: error },
              { stage: 'info', t: 5000, node: 'n2' },
            ],
            invokedAt: 0,
            ...over,
          }),
          NODES,
        ),
      );
    expect(failed('Invoke timeout when invoke with callback.The address is n1')).toMatch(
      /^Outcome unknown: n2 forwarded the request to n1, which did not answer within the 5000 ms RPC timeout.*route table/,
    );
    expect(failed('java.util.concurrent.TimeoutException')).toMatch(
      /no answer within Nacos's 10000 ms write wait.*may still commit later/,
    );
    expect(failed('java.util.concurrent.TimeoutException', { kind: 'read' })).toMatch(
      /5000 ms read wait.*nothing is lost/,
    );
    expect(failed('operation failure', { entry: { index: 12, term: 3 } })).toMatch(
      /the leader stepped down while entry #12 waited to commit.*Leader stepped down.*§5\.4\.2/,
    );
  });

  it('explains a timeout as an unknown outcome, and a lost write with §5.4.2', () => {
    const timeout = summarize(
      req({
        outcome: 'info',
        entry: { index: 9, term: 2 },
        stages: [
          { stage: 'invoke', t: 0, node: 'n2' },
          { stage: 'propose', t: 1, node: 'n2', index: 9 },
          { stage: 'reply', t: 10_000, node: 'n2', detail: 'Request timed out after 10000 ms' },
          { stage: 'info', t: 10_000, node: 'n2' },
        ],
        invokedAt: 0,
      }),
      NODES,
    );
    expect(explainRequest(timeout)).toMatch(
      /^Outcome unknown: no answer within Nacos's 10000 ms write timeout/,
    );
    const lost = summarize(
      req({
        outcome: 'info',
        entry: { index: 9, term: 2 },
        stages: [
          { stage: 'invoke', t: 0, node: 'n2' },
          { stage: 'propose', t: 1, node: 'n2', index: 9 },
          {
            stage: 'reply',
            t: 50,
            node: 'n2',
            detail: 'write lost: leadership changed before commit',
          },
        ],
        client: false,
        invokedAt: 0,
      }),
      NODES,
    );
    expect(lost.latencyMs).toBe(50);
    expect(explainRequest(lost)).toMatch(/entry #9 of term 2 committed.*§5\.4\.2/);
  });

  it('explains a read that fell back to the log', () => {
    const s = summarize(
      req({
        kind: 'read',
        label: 'get a',
        outcome: 'ok',
        entry: { index: 4, term: 2 },
        stages: [
          { stage: 'invoke', t: 1000, node: 'n1' },
          {
            stage: 'read-index',
            t: 1000,
            node: 'n1',
            index: -1,
            detail:
              'ReadIndex failed (leader has not committed in its term yet): read through the log',
          },
          { stage: 'propose', t: 1000, node: 'n1', index: 4 },
          { stage: 'commit', t: 1020, node: 'n1', index: 4 },
          { stage: 'reply', t: 1021, node: 'n1' },
          { stage: 'ok', t: 1021, node: 'n1' },
        ],
      }),
      NODES,
    );
    expect(s.steps.map((x) => x.name)).toEqual([
      'invoke',
      'read-index',
      'propose',
      'commit',
      'apply',
      'reply',
    ]);
    expect(explainRequest(s)).toMatch(
      /^Read through the log: ReadIndex was refused: the leader had not yet committed an entry of its own term.*§6\.4.*entry #4 of term 2\.$/,
    );
    // A read served by ReadIndex never enters the log, and needs no explanation.
    const direct = summarize(
      req({
        kind: 'read',
        outcome: 'ok',
        stages: [
          { stage: 'invoke', t: 0, node: 'n1' },
          { stage: 'read-index', t: 3, node: 'n1', index: 4 },
          { stage: 'reply', t: 4, node: 'n1' },
          { stage: 'ok', t: 4, node: 'n1' },
        ],
        invokedAt: 0,
      }),
      NODES,
    );
    expect(direct.steps.map((x) => x.name)).toEqual(['invoke', 'read-index', 'reply']);
    expect(explainRequest(direct)).toBeNull();
  });
});

describe('requestRows', () => {
  it('lists open requests newest first, then settled ones newest first, by group', () => {
    const a = req({ id: 'a', invokedAt: 1, stages: [] });
    const b = req({ id: 'b', invokedAt: 2, stages: [] });
    const c = req({ id: 'c', invokedAt: 3, stages: [], group: 'other' });
    const open = new Map([
      ['a', a],
      ['c', c],
    ]);
    const recent = plFrom([req({ id: 'x', stages: [] }), req({ id: 'y', stages: [] })]);
    expect(requestRows(open, recent, null).map((r) => r.id)).toEqual(['c', 'a', 'y', 'x']);
    expect(requestRows(new Map([['b', b]]), recent, G).map((r) => r.id)).toEqual(['b', 'y', 'x']);
    expect(requestRows(open, recent, 'other').map((r) => r.id)).toEqual(['c']);
  });

  it('counts every request since the start, not only the ones the list keeps', () => {
    const rows = [
      req({ id: 'p', stages: [] }),
      req({ id: 'q', stages: [], outcome: 'ok' }),
      req({ id: 'r', stages: [], outcome: 'info' }),
    ];
    const totals = { [G]: { ok: 700, fail: 40, info: 3 }, other: { ok: 5, fail: 1, info: 0 } };
    expect(requestCounts(rows, totals, G)).toEqual({
      total: 744,
      pending: 1,
      ok: 700,
      fail: 40,
      info: 3,
      shown: 3,
    });
    expect(requestCounts(rows, totals, null)).toMatchObject({ total: 750, ok: 705, fail: 41 });
    expect(requestCounts([], {}, null)).toEqual({
      total: 0,
      pending: 0,
      ok: 0,
      fail: 0,
      info: 0,
      shown: 0,
    });
  });

  it('formats durations', () => {
    expect(formatMs(null)).toBe('—');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1400)).toBe('1.40 s');
    expect(formatMs(12_345)).toBe('12.3 s');
  });
});
