// The answers a candidate got in its latest campaign, drawn around it, each on the side facing
// the voter: a vote as a disc, a pre-vote as a diamond; granted filled, refused hollow with a
// stroke through it. Clicking one shows why (why.ts) in the dock.
// Invariant: only the campaign reduceVotes.ts keeps for the node is drawn, and only while it
// runs or just after (visibleCampaign).
import type { CampaignView, NodeId } from '../../state/model.ts';
import { KIND_COLORS } from '../viz/messages.ts';
import type { Point } from '../viz/ring.ts';

export function VoteMarks({
  campaign,
  positions,
  r,
  onSelect,
}: {
  campaign: CampaignView;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  onSelect: (candidate: NodeId, voter: NodeId) => void;
}) {
  const c = positions.get(campaign.candidate);
  if (c === undefined) return null;
  const color = campaign.preVote ? KIND_COLORS['pre-vote'] : KIND_COLORS.vote;
  return (
    <g
      className="vote-marks moves"
      style={{ transform: `translate(${c.x}px, ${c.y}px)` }}
      data-campaign={campaign.candidate}
      data-prevote={campaign.preVote ? 'yes' : 'no'}
    >
      {campaign.marks.map((m) => {
        const v = positions.get(m.voter);
        if (v === undefined) return null;
        const dx = v.x - c.x;
        const dy = v.y - c.y;
        const len = Math.hypot(dx, dy) || 1;
        // On the node's timer ring: a mark belongs to its node, unlike a message in flight.
        const d = r + 7.5;
        const x = (dx / len) * d;
        const y = (dy / len) * d;
        const s = 4;
        const label = `${campaign.preVote ? 'pre-vote' : 'vote'} from ${m.voter}: ${m.granted ? 'granted' : `refused (${m.reject ?? 'no reason given'})`}`;
        return (
          <g
            key={m.voter}
            className={`vote-mark${m.granted ? ' granted' : ' refused'}`}
            transform={`translate(${x}, ${y})`}
            data-voter={m.voter}
            role="button"
            aria-label={label}
            onClick={(ev) => {
              ev.stopPropagation();
              onSelect(campaign.candidate, m.voter);
            }}
          >
            <title>{label}</title>
            <circle r={8} className="flight-hit" />
            {campaign.preVote ? (
              <path
                d={`M0,${-s - 1}L${s + 1},0L0,${s + 1}L${-s - 1},0Z`}
                fill={m.granted ? color : 'var(--panel)'}
                stroke={color}
                strokeWidth={1.5}
              />
            ) : (
              <circle
                r={s}
                fill={m.granted ? color : 'var(--panel)'}
                stroke={color}
                strokeWidth={1.5}
              />
            )}
            {!m.granted && (
              <path d={`M${-s - 1},${s + 1}L${s + 1},${-s - 1}`} className="flight-no" />
            )}
          </g>
        );
      })}
    </g>
  );
}
