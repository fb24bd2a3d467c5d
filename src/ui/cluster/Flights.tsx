// Messages in flight, moving along their links from send to delivery on the shared cluster
// clock: requests filled, replies hollow, a refused or rejected reply struck through; coloured
// by kind (messages.ts). Beyond FLIGHT_LIMIT messages, one mark per direction and kind with a
// count (what a person can follow, and what SVG draws at full frame rate).
// Invariant: a message is drawn on its own link only, between its two nodes' edges.
import type { MessageView, NodeId } from '../../state/model.ts';
import { useRef } from 'react';
import {
  flightMarksAt,
  groupFlights,
  isReply,
  KIND_COLORS,
  KIND_LABELS,
  pointOnLink,
  replyVerdict,
  type FlightGroups,
  type FlightMark,
} from '../viz/messages.ts';
import type { Point } from '../viz/ring.ts';

/** Messages drawn one by one at most; beyond, they are bundled. */
export const FLIGHT_LIMIT = 150;

/** How long a bundled grouping is kept while the messages change (wall ms). */
const REGROUP_BUNDLED_MS = 100;

const LANE_PX = 5;

export function Flights({
  messages,
  positions,
  r,
  now,
  selected,
  onSelect,
}: {
  messages: ReadonlyMap<string, MessageView>;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  now: number;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  // Grouping visits every message: once per change of the map, and while bundled (a backlog of
  // thousands in flight, changing every frame) at most every REGROUP_BUNDLED_MS; each frame
  // only places the groups at the current time.
  const cache = useRef<{
    messages: ReadonlyMap<string, MessageView>;
    positions: ReadonlyMap<NodeId, Point>;
    at: number;
    groups: FlightGroups;
  } | null>(null);
  const c = cache.current;
  const wall = performance.now();
  let groups: FlightGroups;
  if (
    c !== null &&
    c.positions === positions &&
    (c.messages === messages || (c.groups.ones === null && wall - c.at < REGROUP_BUNDLED_MS))
  ) {
    groups = c.groups;
  } else {
    groups = groupFlights(
      messages.values(),
      FLIGHT_LIMIT,
      (m) => positions.has(m.from) && positions.has(m.to),
    );
    cache.current = { messages, positions, at: wall, groups };
  }
  const { marks, total, bundled } = flightMarksAt(groups, now);
  return (
    <g className="flights" data-in-flight={total} data-bundled={bundled ? 'yes' : 'no'}>
      {marks.map((mark) => (
        <FlightDot
          key={mark.type === 'one' ? mark.message.id : mark.key}
          mark={mark}
          positions={positions}
          r={r}
          selected={mark.type === 'one' && mark.message.id === selected}
          onSelect={onSelect}
        />
      ))}
    </g>
  );
}

function FlightDot({
  mark,
  positions,
  r,
  selected,
  onSelect,
}: {
  mark: FlightMark;
  positions: ReadonlyMap<NodeId, Point>;
  r: number;
  selected: boolean;
  onSelect: (id: string) => void;
}) {
  const from = mark.type === 'one' ? mark.message.from : mark.from;
  const to = mark.type === 'one' ? mark.message.to : mark.to;
  const a = positions.get(from)!;
  const b = positions.get(to)!;
  const p = pointOnLink(a, b, mark.progress, r + 2, LANE_PX);
  const color = KIND_COLORS[mark.kind];
  // Placed by coordinates, not by a transform: in Chromium each transformed SVG element is a
  // paint chunk of its own, and a hundred of them moving every frame cost more to composite
  // than to draw.
  const { x, y } = p;
  if (mark.type === 'bundle') {
    const label = `${mark.count} ${KIND_LABELS[mark.kind]} ${mark.reply ? 'replies' : 'requests'} ${from}→${to}`;
    return (
      <g className="flight bundle">
        <title>{label}</title>
        <circle
          cx={x}
          cy={y}
          r={7}
          fill={mark.reply ? 'var(--panel)' : color}
          stroke={color}
          strokeWidth={2}
        />
        <text x={x} y={y} dy="0.35em" className="bundle-count" fill={mark.reply ? color : '#fff'}>
          {mark.count > 99 ? '99+' : mark.count}
        </text>
      </g>
    );
  }
  const m = mark.message;
  const reply = isReply(m);
  const verdict = replyVerdict(m);
  const small = mark.kind === 'heartbeat';
  const rad = small ? 3.5 : 5.5;
  const label = `${m.msgType}${m.detail.preVote === true ? ' (pre-vote)' : ''} ${m.from}→${m.to}, term ${m.term}${verdict === 'no' ? ', refused/rejected' : verdict === 'yes' ? ', granted/ok' : ''}`;
  return (
    <g
      className={`flight${selected ? ' selected' : ''}`}
      data-msg={m.id}
      onClick={(ev) => {
        ev.stopPropagation();
        onSelect(m.id);
      }}
    >
      <title>{label}</title>
      <circle className="flight-hit" cx={x} cy={y} r={9} />
      {selected && <circle cx={x} cy={y} r={rad + 4} className="flight-focus" />}
      <circle
        cx={x}
        cy={y}
        r={rad}
        fill={reply ? 'var(--panel)' : color}
        stroke={color}
        strokeWidth={reply ? 2 : 1}
      />
      {verdict === 'no' && (
        <path
          d={`M${x - rad - 1},${y + rad + 1}L${x + rad + 1},${y - rad - 1}`}
          className="flight-no"
        />
      )}
    </g>
  );
}
