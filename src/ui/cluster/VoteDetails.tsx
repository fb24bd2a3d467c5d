// Why a voter granted or refused a candidate's vote or pre-vote, in one sentence (why.ts),
// with the facts behind it (terms, the two logs' last entries).
// Invariant: reads the campaign reduceVotes.ts folded; nothing is inferred beyond it.
import type { NodeId } from '../../state/model.ts';
import { useSel } from '../context.ts';
import { voteWhy } from './why.ts';

export function VoteDetails({
  group,
  candidate,
  voter,
  onClose,
}: {
  group: string;
  candidate: NodeId;
  voter: NodeId;
  onClose: () => void;
}) {
  const campaign = useSel((s) => s.view.campaigns[group]?.[candidate] ?? null);
  const mark = campaign?.marks.find((m) => m.voter === voter) ?? null;
  if (campaign === null || mark === null) {
    return <p className="muted">That campaign is over; its answers are no longer kept.</p>;
  }
  const what = campaign.preVote ? 'Pre-vote' : 'Vote';
  return (
    <section className="details vote-details" aria-label={`${what} of ${voter} for ${candidate}`}>
      <header className="details-head">
        <h3>
          {what} {voter} → {candidate}{' '}
          <span className={mark.granted ? 'ok' : 'bad'}>
            {mark.granted ? 'granted' : 'refused'}
          </span>
        </h3>
        <button type="button" className="close" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </header>
      <p className="why">{voteWhy(campaign, mark)}</p>
      <dl className="facts">
        <div>
          <dt>term asked</dt>
          <dd>{mark.term}</dd>
        </div>
        <div>
          <dt>{voter}'s term</dt>
          <dd>{mark.voterTerm}</dd>
        </div>
        <div>
          <dt>{candidate}'s last entry</dt>
          <dd>
            {campaign.candidateLast[0]} (term {campaign.candidateLast[1]})
          </dd>
        </div>
        <div>
          <dt>{voter}'s last entry</dt>
          <dd>
            {mark.voterLast[0]} (term {mark.voterLast[1]})
          </dd>
        </div>
      </dl>
    </section>
  );
}
