import { describe, expect, it } from 'vitest';
import type { CampaignView, MessageView, VoteMark } from '../../state/model.ts';
import { appendWhy, messageWhy, voteWhy } from './why.ts';

const campaign = (over: Partial<CampaignView> = {}): CampaignView => ({
  candidate: 'n1',
  preVote: false,
  term: 4,
  since: 0,
  candidateLast: [7, 2],
  marks: [],
  ...over,
});
const mark = (over: Partial<VoteMark> = {}): VoteMark => ({
  voter: 'n2',
  term: 4,
  voterTerm: 3,
  granted: false,
  reject: null,
  t: 1,
  voterLast: [9, 3],
  votedFor: null,
  ...over,
});
const reply = (detail: MessageView['detail']): MessageView => ({
  id: 'n2:5',
  group: 'g',
  from: 'n2',
  to: 'n1',
  msgType: 'AppendEntriesResponse',
  term: 4,
  sentAt: 0,
  deliverAt: 10,
  entries: null,
  heartbeat: false,
  copyOf: null,
  detail,
});

describe('why a vote was refused', () => {
  it('log behind: compares the last terms (§5.4.1)', () => {
    expect(voteWhy(campaign(), mark({ reject: 'log-behind' }))).toBe(
      "vote refused: n1's log is behind n2's, last term 2 < 3 (§5.4.1).",
    );
  });

  it('log behind with equal last terms: compares the last indexes', () => {
    const s = voteWhy(
      campaign({ candidateLast: [5, 3] }),
      mark({ reject: 'log-behind', voterLast: [9, 3] }),
    );
    expect(s).toMatch(/same last term 3, but last index 5 < 9 \(§5\.4\.1\)/);
  });

  it('names every refusal the core defines', () => {
    const reasons = ['stale-term', 'in-lease', 'voted', 'error', 'learner'];
    for (const r of reasons) {
      const s = voteWhy(campaign({ preVote: r === 'in-lease' }), mark({ reject: r }));
      expect(s).not.toMatch(/gives no reason/);
    }
    expect(voteWhy(campaign(), mark({ reject: 'voted', votedFor: 'n3' }))).toMatch(
      /already voted for n3 in term 4; one vote per term \(§5\.2\)/,
    );
    expect(voteWhy(campaign(), mark({ reject: 'voted', votedFor: 'n2' }))).toMatch(
      /already voted for itself/,
    );
    expect(voteWhy(campaign({ preVote: true }), mark({ reject: 'in-lease' }))).toMatch(
      /^pre-vote refused: .*§9\.6/,
    );
  });

  it('explains a grant too', () => {
    expect(voteWhy(campaign(), mark({ granted: true }))).toMatch(/^n2 voted for n1 in term 4/);
  });
});

describe('why an append was rejected', () => {
  it('log mismatch: the follower has another term there (§5.3)', () => {
    const s = appendWhy(reply({ ok: false, reject: 'log-mismatch', index: 6, hintTerm: 2 }));
    expect(s).toMatch(/n2's entry at index 6 has term 2, not the leader's.*§5\.3/);
  });

  it('log missing: the follower has no entry there', () => {
    const s = appendWhy(reply({ ok: false, reject: 'log-missing', index: 9, hintIndex: 4 }));
    expect(s).toMatch(/no entry at index 9 \(its log ends at 4\)/);
  });

  it('stale term: the old leader steps down (§5.1)', () => {
    expect(appendWhy(reply({ ok: false, reject: 'stale-term' }))).toMatch(/§5\.1/);
  });

  it('says nothing of a success', () => {
    expect(appendWhy(reply({ ok: true }))).toBeNull();
    expect(messageWhy(reply({ ok: true }))).toBeNull();
  });
});
