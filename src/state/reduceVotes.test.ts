// Campaigns folded from trace events: a campaign begins at the role change and collects its
// answers (pre-vote and vote apart); late answers to another campaign are left out; the voter's
// and candidate's logs are remembered for the why of a refusal.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { emptyState, type ViewState } from './model.ts';
import { reduce } from './reduce.ts';
import { visibleCampaign } from './reduceVotes.ts';

const G = 'nacos_config';
let seq = 0;

function ev(t: number, node: string, body: Record<string, unknown>): TraceEvent {
  return { seq: seq++, t, node, ...body } as unknown as TraceEvent;
}

function fold(events: TraceEvent[]): ViewState {
  let s = emptyState([G]);
  for (const e of events) s = reduce(s, e);
  return s;
}

const role = (t: number, node: string, to: string, term: number) =>
  ev(t, node, { type: 'role', group: G, from: 'follower', to, term, leader: null });
const vote = (
  t: number,
  voter: string,
  candidate: string,
  term: number,
  preVote: boolean,
  granted: boolean,
  reject?: string,
) =>
  ev(t, voter, {
    type: 'vote',
    group: G,
    candidate,
    term,
    preVote,
    granted,
    ...(reject !== undefined ? { reject } : {}),
  });
const append = (t: number, node: string, entries: [number, number][]) =>
  ev(t, node, {
    type: 'append',
    group: G,
    entries: entries.map(([i, term]) => [i, term, 'normal', 'x']),
  });

describe('campaigns', () => {
  it('collects a pre-vote, then starts over for the real vote', () => {
    const s1 = fold([
      role(0, 'n1', 'pre-candidate', 2),
      vote(1, 'n2', 'n1', 3, true, true),
      vote(2, 'n3', 'n1', 3, true, false, 'in-lease'),
    ]);
    const c1 = s1.campaigns[G].n1;
    expect(c1.preVote).toBe(true);
    expect(c1.marks.map((m) => [m.voter, m.granted, m.reject])).toEqual([
      ['n2', true, null],
      ['n3', false, 'in-lease'],
    ]);
    const s2 = [role(3, 'n1', 'candidate', 3), vote(4, 'n2', 'n1', 3, false, true)].reduce(
      reduce,
      s1,
    );
    const c2 = s2.campaigns[G].n1;
    expect(c2.preVote).toBe(false);
    expect(c2.marks.map((m) => m.voter)).toEqual(['n2']);
  });

  it('leaves out a late answer to another campaign', () => {
    const s = fold([
      role(0, 'n1', 'candidate', 3),
      vote(1, 'n2', 'n1', 4, true, true), // a pre-vote answer: other phase
      vote(2, 'n3', 'n1', 2, false, true), // an older term
    ]);
    expect(s.campaigns[G].n1.marks).toEqual([]);
  });

  it('remembers both logs for a log-behind refusal', () => {
    const s = fold([
      append(0, 'n1', [[1, 1]]),
      append(0, 'n2', [
        [1, 1],
        [2, 2],
      ]),
      role(1, 'n1', 'candidate', 3),
      vote(2, 'n2', 'n1', 3, false, false, 'log-behind'),
    ]);
    const c = s.campaigns[G].n1;
    expect(c.candidateLast).toEqual([1, 1]);
    expect(c.marks[0].voterLast).toEqual([2, 2]);
  });

  it('is visible while campaigning, and shortly after a win; a lost one is over', () => {
    const s = fold([role(0, 'n1', 'candidate', 3), vote(10, 'n2', 'n1', 3, false, true)]);
    expect(visibleCampaign(s, G, 'n1', 1000)).not.toBeNull();
    const won = [
      ev(20, 'n1', {
        type: 'role',
        group: G,
        from: 'candidate',
        to: 'leader',
        term: 3,
        leader: 'n1',
      }),
    ].reduce(reduce, s);
    expect(visibleCampaign(won, G, 'n1', 1000)).not.toBeNull();
    const later = [ev(5000, 'n2', { type: 'commit', group: G, index: 0 })].reduce(reduce, won);
    expect(visibleCampaign(later, G, 'n1', 1000)).toBeNull();
    const lost = [
      ev(20, 'n1', {
        type: 'role',
        group: G,
        from: 'candidate',
        to: 'follower',
        term: 3,
        leader: null,
      }),
    ].reduce(reduce, s);
    expect(visibleCampaign(lost, G, 'n1', 1000)).toBeNull();
  });
});
