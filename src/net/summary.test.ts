// The one summary of a message: the fields the trace shows per message type, never a payload.
import { describe, expect, it } from 'vitest';
import type { WireMessage } from '../node/types.ts';
import { messageSummary } from './summary.ts';

const base = { group: 'nacos_config', from: 'n1', to: 'n2', term: 3 } as const;

describe('messageSummary', () => {
  it('names the entry range, prev index/term and commit of an AppendEntries', () => {
    const msg: WireMessage = {
      ...base,
      type: 'AppendEntries',
      prevLogIndex: 4,
      prevLogTerm: 2,
      entries: [
        { index: 5, term: 3, type: 'normal', data: { op: 'publish', content: 'x'.repeat(1000) } },
        { index: 6, term: 3, type: 'normal' },
      ],
      leaderCommit: 4,
      round: 1,
    } as WireMessage;
    const s = messageSummary(msg, 12);
    expect(s).toEqual({
      msgId: 12,
      from: 'n1',
      to: 'n2',
      msgType: 'AppendEntries',
      term: 3,
      entries: [5, 6],
      prevIndex: 4,
      prevTerm: 2,
      commit: 4,
    });
    // No payload: the summary stays small whatever the entries carry.
    expect(JSON.stringify(s).length).toBeLessThan(200);
  });

  it('marks heartbeats and a duplicate copy', () => {
    const hb: WireMessage = {
      ...base,
      type: 'AppendEntries',
      prevLogIndex: 7,
      prevLogTerm: 3,
      entries: [],
      leaderCommit: 7,
      round: 2,
      heartbeat: true,
    };
    expect(messageSummary(hb, 13, 12)).toMatchObject({ msgId: 13, copyOf: 12, hb: true });
    expect(messageSummary(hb, 13, 12).entries).toBeNull();
    expect('copyOf' in messageSummary(hb, 12)).toBe(false);
  });

  it('carries the vote fields', () => {
    const req: WireMessage = {
      ...base,
      type: 'RequestVote',
      preVote: true,
      lastLogIndex: 9,
      lastLogTerm: 2,
    };
    expect(messageSummary(req, 1)).toMatchObject({ preVote: true, lastIndex: 9, lastTerm: 2 });
    const resp: WireMessage = {
      ...base,
      type: 'RequestVoteResponse',
      preVote: false,
      granted: false,
    };
    expect(messageSummary(resp, 2)).toMatchObject({ preVote: false, granted: false });
    const refused = { ...resp, reject: 'log-behind' } as WireMessage;
    expect(messageSummary(refused, 3)).toMatchObject({ granted: false, reject: 'log-behind' });
  });

  it('carries an append answer: matched index, or the reject and its conflict hint', () => {
    const ok: WireMessage = {
      ...base,
      type: 'AppendEntriesResponse',
      success: true,
      index: 6,
      hintIndex: 0,
      hintTerm: 0,
      round: 1,
    };
    const okS = messageSummary(ok, 3);
    expect(okS).toMatchObject({ ok: true, index: 6 });
    expect('hintIndex' in okS).toBe(false);
    const no = {
      ...ok,
      success: false,
      index: 4,
      hintIndex: 2,
      hintTerm: 1,
      reject: 'log-missing',
    };
    expect(messageSummary(no as WireMessage, 4)).toMatchObject({
      ok: false,
      index: 4,
      hintIndex: 2,
      hintTerm: 1,
      reject: 'log-missing',
    });
  });

  it('carries snapshot chunks, read contexts and forwarded request ids', () => {
    const snap = {
      ...base,
      type: 'InstallSnapshot',
      meta: { index: 40, term: 2, conf: { voters: [], outgoing: [], learners: [] } },
      chunk: 0,
      chunks: 1,
      data: { big: 'x'.repeat(1000) },
      round: 1,
    } as WireMessage;
    const s = messageSummary(snap, 5);
    expect(s).toMatchObject({ snap: [40, 2], chunk: 0, chunks: 1 });
    expect(JSON.stringify(s)).not.toContain('xxx');
    const ri: WireMessage = {
      ...base,
      type: 'ReadIndexResponse',
      ctx: 'r1',
      index: -1,
      error: 'not leader',
    };
    expect(messageSummary(ri, 6)).toMatchObject({ ctx: 'r1', index: -1, reject: 'not leader' });
    const fwd: WireMessage = {
      ...base,
      type: 'Forward',
      requestId: 'c1-7',
      kind: 'write',
      payload: { content: 'x'.repeat(1000) },
    };
    expect(messageSummary(fwd, 7)).toMatchObject({ rid: 'c1-7', kind: 'write' });
    const back: WireMessage = {
      ...base,
      type: 'ForwardResponse',
      requestId: 'c1-7',
      reply: { ok: false, error: 'timeout' },
    };
    expect(messageSummary(back, 8)).toMatchObject({ rid: 'c1-7', ok: false, reject: 'timeout' });
  });
});
