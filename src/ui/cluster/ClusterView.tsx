// The cluster view (the stage): the ring of nodes of the selected group, the links, the
// messages in flight and the vote marks, drawn from the view store on the shared cluster clock;
// a toolbar (heal, step mode, add node), a legend, and a dock below that shows what was
// selected (a node's state and actions, a message, a link, a vote's why) or the network
// sliders, and the held-message queue in step mode.
// Partitions by hand: drag a node out of the ring to cut it off on a side of its own, drop it
// on a node of another side to join that side (ring.ts decides what a drop means); or draw a
// lasso around several nodes on the empty stage to cut them off together; Heal ends it.
// Invariants: everything drawn comes from the store (never the engine's status); every change
// is an engine command, whose refusal is shown as a notice; the layout has fixed sizes (the
// ring fills the space between toolbar and dock), so nothing jumps as state changes.
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import './cluster.css';
import type { CampaignView, NodeId } from '../../state/model.ts';
import { visibleCampaign } from '../../state/reduceVotes.ts';
import { heldMessages, wireMsgId } from '../../state/reduceMessages.ts';
import { useCommand, useSel, useSelectedGroup, useViewStore } from '../context.ts';
import { useShortcut } from '../shortcuts.ts';
import { HeldQueue } from '../network/HeldQueue.tsx';
import { LinkDetails, NetworkPanel } from '../network/LinkDetails.tsx';
import {
  flightAt,
  flightLabel,
  CSS_FG,
  KIND_COLORS,
  kindColor,
  KIND_LABELS,
  MESSAGE_KINDS,
  type PlacedFlight,
} from '../viz/messages.ts';
import {
  compareIds,
  dropIntent,
  lassoPick,
  ringLayout,
  sideRegionPath,
  sidesAfterDrop,
  sidesAfterLasso,
  type Point,
} from '../viz/ring.ts';
import { useFlights, type FlightCanvas, type FlightHover, type FlightLayer } from './Flights.tsx';
import { Links, linkSpecs } from './Links.tsx';
import { MessageDetails } from './MessageDetails.tsx';
import { NodeDetails } from './NodeDetails.tsx';
import { NodeMark } from './NodeMark.tsx';
import { nodeActions } from './nodeActions.ts';
import { findRequest, requestPath } from './requestPath.ts';
import { RequestPathMarks } from './RequestPathMarks.tsx';
import { TimerArc } from './TimerArc.tsx';
import { useMovingFrame } from './useClusterClock.ts';
import { useThrottledSel } from '../useThrottledSel.ts';
import { VoteDetails } from './VoteDetails.tsx';
import { VoteMarks } from './VoteMarks.tsx';

/** How long (cluster ms) an election's answers stay drawn after it ended. */
const VOTE_LINGER_MS = 2500;

/** A pointer that moved less than this (px) is a click, not a drag. */
const DRAG_SLOP_PX = 5;

interface Drag {
  id: NodeId;
  pointerId: number;
  start: Point;
  at: Point;
  moved: boolean;
}

interface Lasso {
  pointerId: number;
  points: Point[];
}

/** The lasso's outline as a closed path. */
function lassoPath(points: readonly Point[]): string {
  return `${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('')}Z`;
}

function useBoxSize(): [React.RefObject<HTMLDivElement | null>, { w: number; h: number }] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [size, setSize] = useState({ w: 560, h: 360 });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      setSize((s) =>
        Math.abs(s.w - r.width) < 1 && Math.abs(s.h - r.height) < 1
          ? s
          : { w: Math.max(200, r.width), h: Math.max(200, r.height) },
      );
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size];
}

/** The device's pixel ratio, followed as it changes (zoom, a move to another screen). */
function useDevicePixelRatio(): number {
  const [dpr, setDpr] = useState(() => globalThis.devicePixelRatio || 1);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia(`(resolution: ${dpr}dppx)`);
    const change = (): void => setDpr(globalThis.devicePixelRatio || 1);
    q.addEventListener('change', change);
    return () => q.removeEventListener('change', change);
  }, [dpr]);
  return dpr;
}

/**
 * How often the ring's nodes, links, votes and dock follow the live head. What moves (timers and
 * messages in flight, Moving below) follows every frame; the rest changes at most as fast as a
 * person reads it, and re-rendering it on every frame under load cost the page its frame rate.
 * While the cursor is in the past it follows at once.
 */
const CLUSTER_UPDATE_MS = 50;

export function ClusterView() {
  const view = useThrottledSel((s) => s.view, CLUSTER_UPDATE_MS, []);
  const selectedNode = useSel((s) => s.selectedNode);
  const selectedMessage = useSel((s) => s.selectedMessage);
  const group = useSelectedGroup();
  const store = useViewStore();
  const run = useCommand();
  const [boxRef, size] = useBoxSize();
  const dpr = useDevicePixelRatio();
  const svgRef = useRef<SVGSVGElement | null>(null);
  const canvasRef = useRef<FlightCanvas | null>(null);
  const layer = useRef<FlightLayer>({ placed: [] }).current;
  // What the message under the pointer is (a tooltip at the pointer): checked as the pointer
  // moves and, as messages move under a still pointer, each time they are drawn.
  const [hover, setHover] = useState<{ label: string; at: Point } | null>(null);
  const pointer = useRef<Point | null>(null);
  const hoverId = useRef<string | null>(null);
  const showHover = useCallback((hit: PlacedFlight | null) => {
    const id = hit === null ? null : hit.mark.type === 'one' ? hit.mark.message.id : hit.mark.key;
    if (id === hoverId.current) return;
    hoverId.current = id;
    const at = pointer.current;
    setHover(hit === null || at === null ? null : { label: flightLabel(hit.mark), at });
  }, []);
  const hoverWatch = useMemo(() => ({ pointer, show: showHover }), [showHover]);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [lasso, setLasso] = useState<Lasso | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [vote, setVote] = useState<{ candidate: NodeId; voter: NodeId } | null>(null);

  const ids = useMemo(() => Object.keys(view.nodes).sort(compareIds), [view.nodes]);
  const partition = view.network.partition;
  const layout = useMemo(
    () => ringLayout(ids, partition, size.w, size.h),
    [ids, partition, size.w, size.h],
  );
  const links = useMemo(
    () => linkSpecs(ids, view.network.cuts, layout.sideOf),
    [ids, view.network.cuts, layout.sideOf],
  );
  const positions = useMemo(() => {
    if (drag === null || !drag.moved) return layout.positions;
    const p = new Map(layout.positions);
    p.set(drag.id, drag.at);
    return p;
  }, [layout.positions, drag]);
  const intent = drag !== null && drag.moved ? dropIntent(layout, drag.id, drag.at) : null;
  const lassoed = useMemo(
    () => (lasso === null ? [] : lassoPick(layout, lasso.points)),
    [lasso, layout],
  );
  const r = layout.nodeRadius;

  const selectNode = useCallback(
    (id: NodeId | null) => {
      store.getState().select(id);
      store.getState().selectMessage(null);
      setLink(null);
      setVote(null);
    },
    [store],
  );

  const onLink = useCallback(
    (key: string) => {
      store.getState().selectMessage(null);
      setVote(null);
      setLink(key);
    },
    [store],
  );
  const onMessage = useCallback(
    (id: string) => {
      setLink(null);
      setVote(null);
      store.getState().selectMessage(id);
    },
    [store],
  );
  const onVote = useCallback(
    (candidate: NodeId, voter: NodeId) => {
      store.getState().selectMessage(null);
      setLink(null);
      setVote({ candidate, voter });
    },
    [store],
  );

  const dockVote = useMemo(
    () => (vote !== null && group !== null ? { group, ...vote } : null),
    [vote, group],
  );
  const onCloseVote = useCallback(() => setVote(null), []);
  const onCloseLink = useCallback(() => setLink(null), []);

  const svgPoint = (ev: { clientX: number; clientY: number }): Point => {
    const rect = svgRef.current!.getBoundingClientRect();
    return { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
  };

  const onNodePointerDown = useCallback(
    (id: NodeId, ev: React.PointerEvent<SVGGElement>) => {
      if (ev.button !== 0) return;
      const rect = svgRef.current!.getBoundingClientRect();
      const p = { x: ev.clientX - rect.left, y: ev.clientY - rect.top };
      svgRef.current!.setPointerCapture(ev.pointerId);
      pointer.current = null;
      showHover(null);
      setDrag({ id, pointerId: ev.pointerId, start: p, at: p, moved: false });
    },
    [showHover],
  );

  // The message under the pointer, from the marks as last drawn on the canvas.
  const flightUnder = (ev: { clientX: number; clientY: number }) =>
    flightAt(layer.placed, svgPoint(ev));

  // A click on a single message selects it (a bundle stands for many: it is not a message).
  // Caught before the links and nodes below it see the click, as the drawn dot lies on top.
  const onClickCapture = (ev: React.MouseEvent<SVGSVGElement>): void => {
    const hit = flightUnder(ev);
    if (hit === null || hit.mark.type !== 'one') return;
    ev.stopPropagation();
    onMessage(hit.mark.message.id);
  };

  // A lasso starts on the empty stage (or a side's region), never on a node, link or message.
  const onStagePointerDown = (ev: React.PointerEvent<SVGSVGElement>): void => {
    if (ev.button !== 0 || drag !== null) return;
    const target = ev.target as Element;
    if (target !== svgRef.current && !target.classList.contains('side-region')) return;
    if (flightUnder(ev) !== null) return;
    svgRef.current!.setPointerCapture(ev.pointerId);
    pointer.current = null;
    showHover(null);
    setLasso({ pointerId: ev.pointerId, points: [svgPoint(ev)] });
  };

  const onPointerMove = (ev: React.PointerEvent<SVGSVGElement>): void => {
    if (lasso === null && drag === null) {
      pointer.current = svgPoint(ev);
      showHover(flightAt(layer.placed, pointer.current));
      return;
    }
    if (lasso !== null && ev.pointerId === lasso.pointerId) {
      const p = svgPoint(ev);
      const last = lasso.points[lasso.points.length - 1];
      if (Math.hypot(p.x - last.x, p.y - last.y) >= 3) {
        setLasso({ ...lasso, points: [...lasso.points, p] });
      }
      return;
    }
    if (drag === null || ev.pointerId !== drag.pointerId) return;
    const p = svgPoint(ev);
    const moved = drag.moved || Math.hypot(p.x - drag.start.x, p.y - drag.start.y) > DRAG_SLOP_PX;
    setDrag({ ...drag, at: p, moved });
  };

  const onPointerUp = (ev: React.PointerEvent<SVGSVGElement>): void => {
    if (lasso !== null && ev.pointerId === lasso.pointerId) {
      setLasso(null);
      const next = sidesAfterLasso(layout, lassoPick(layout, lasso.points));
      if (next !== 'unchanged') void run({ type: 'partition', sides: next });
      return;
    }
    if (drag === null || ev.pointerId !== drag.pointerId) return;
    setDrag(null);
    if (!drag.moved) {
      selectNode(drag.id);
      return;
    }
    const next = sidesAfterDrop(layout, drag.id, dropIntent(layout, drag.id, svgPoint(ev)));
    if (next === 'unchanged') return;
    void run(next === null ? { type: 'heal' } : { type: 'partition', sides: next });
  };

  // Keyboard on the ring: arrows move the selection around it; Escape clears it.
  const onNodesKey = (ev: React.KeyboardEvent<SVGGElement>): void => {
    if (ids.length === 0) return;
    if (ev.key === 'Escape') {
      selectNode(null);
      return;
    }
    const i = selectedNode === null ? -1 : ids.indexOf(selectedNode);
    let j = -1;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') j = (i + 1) % ids.length;
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') j = (i - 1 + ids.length) % ids.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = ids.length - 1;
    if (j < 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    selectNode(ids[j]);
    const el = svgRef.current?.querySelector<SVGGElement>(`[data-node="${ids[j]}"]`);
    el?.focus();
  };

  const selectedRequest = useSel((s) => s.selectedRequest);
  const request = findRequest(view, selectedRequest);
  const requestMarks = useMemo(() => (request === null ? null : requestPath(request)), [request]);

  const focusNode = selectedNode ?? ids[0] ?? null;
  const campaigns: CampaignView[] = [];
  if (group !== null) {
    for (const id of ids) {
      const c = visibleCampaign(view, group, id, VOTE_LINGER_MS);
      if (c !== null) campaigns.push(c);
    }
  }

  return (
    <div className="cluster-view">
      <ClusterToolbar selectedNode={selectedNode} />
      <div className="ring-box">
        <div className="ring-area" ref={boxRef}>
          <svg
            ref={svgRef}
            className={`ring${drag?.moved === true ? ' dragging' : ''}${hover !== null ? ' on-flight' : ''}`}
            width={size.w}
            height={size.h}
            role="group"
            aria-label={`Cluster of ${ids.length} nodes, group ${group ?? 'none'}`}
            onClickCapture={onClickCapture}
            onPointerDown={onStagePointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => {
              pointer.current = null;
              showHover(null);
            }}
            onPointerCancel={() => {
              setDrag(null);
              setLasso(null);
            }}
          >
            <g className="regions">
              {layout.sides.length > 1 &&
                layout.sides.map((side, k) => (
                  <path
                    key={side.join(',')}
                    className={`side-region${intent?.kind === 'join' && intent.side === k ? ' target' : ''}`}
                    d={sideRegionPath(side.map((id) => layout.positions.get(id)!))}
                    strokeWidth={2 * (r + 26)}
                    data-side={side.join(',')}
                  />
                ))}
            </g>
            <Links
              links={links}
              positions={layout.positions}
              r={r}
              selected={link}
              onSelect={onLink}
            />
            <Moving
              ids={ids}
              group={group}
              positions={positions}
              linkPositions={layout.positions}
              r={r}
              selectedMessage={selectedMessage}
              canvas={canvasRef}
              layer={layer}
              dpr={dpr}
              hover={hoverWatch}
            />
            {campaigns.map((c) => (
              <VoteMarks
                key={c.candidate}
                campaign={c}
                positions={positions}
                r={r}
                onSelect={onVote}
              />
            ))}
            {requestMarks !== null && (
              <RequestPathMarks path={requestMarks} positions={layout.positions} r={r} />
            )}
            <g className="nodes" onKeyDown={onNodesKey}>
              {ids.map((id) => (
                <NodeMark
                  key={id}
                  node={view.nodes[id]}
                  group={group === null ? undefined : view.nodes[id].groups[group]}
                  at={positions.get(id)!}
                  center={layout.center}
                  r={r}
                  selected={id === selectedNode}
                  focusable={id === focusNode}
                  dragging={drag?.moved === true && drag.id === id}
                  onPointerDown={onNodePointerDown}
                  onSelect={selectNode}
                />
              ))}
            </g>
            {lasso !== null && lasso.points.length > 1 && (
              <g className="lasso" aria-hidden="true">
                {lassoed.map((id) => {
                  const p = layout.positions.get(id)!;
                  return <circle key={id} className="lasso-pick" cx={p.x} cy={p.y} r={r + 8} />;
                })}
                <path className="lasso-outline" d={lassoPath(lasso.points)} />
                <text
                  className="drop-hint"
                  x={lasso.points[lasso.points.length - 1].x}
                  y={lasso.points[lasso.points.length - 1].y + 24}
                >
                  {sidesAfterLasso(layout, lassoed) === 'unchanged'
                    ? 'release: no change'
                    : `release: cut ${lassoed.join(', ')} off together`}
                </text>
              </g>
            )}
            {intent !== null && drag !== null && (
              <text className="drop-hint" x={drag.at.x} y={drag.at.y + r + 40}>
                {intent.kind === 'alone'
                  ? `drop: cut ${drag.id} off`
                  : intent.kind === 'join'
                    ? `drop: join ${layout.sides[intent.side].join(', ')}`
                    : 'drop: no change'}
              </text>
            )}
          </svg>
          <canvas
            ref={canvasRef}
            className="flights"
            role="img"
            width={Math.round(size.w * dpr)}
            height={Math.round(size.h * dpr)}
            style={{ width: size.w, height: size.h }}
          />
          {hover !== null && (
            <div
              className="flight-tip"
              role="tooltip"
              style={{ left: hover.at.x, top: hover.at.y }}
            >
              {hover.label}
            </div>
          )}
        </div>
        <Legend />
      </div>
      <Dock
        hold={view.network.hold}
        selectedMessage={selectedMessage}
        selectedNode={
          selectedNode !== null && view.nodes[selectedNode] !== undefined ? selectedNode : null
        }
        vote={dockVote}
        link={link}
        onCloseVote={onCloseVote}
        onCloseLink={onCloseLink}
      />
    </div>
  );
}

/**
 * What moves every frame: election timers and messages in flight, on the shared cluster clock.
 * Kept apart so a frame re-renders only these, not the nodes, links or dock.
 */
function Moving({
  ids,
  group,
  positions,
  linkPositions,
  r,
  selectedMessage,
  canvas,
  layer,
  dpr,
  hover,
}: {
  ids: readonly NodeId[];
  group: string | null;
  positions: ReadonlyMap<NodeId, Point>;
  linkPositions: ReadonlyMap<NodeId, Point>;
  r: number;
  selectedMessage: string | null;
  canvas: React.RefObject<FlightCanvas | null>;
  layer: FlightLayer;
  dpr: number;
  hover: FlightHover;
}) {
  // The model and the time to draw, once per frame (the rest of the ring follows a throttled
  // view); a past moment (the time bar's cursor) stands still.
  const { view, now } = useMovingFrame(useViewStore());
  const nodes = view.nodes;
  useFlights({
    canvas,
    layer,
    messages: view.messages,
    positions: linkPositions,
    r,
    now,
    selected: selectedMessage,
    dpr,
    hover,
  });
  return (
    <>
      {ids.map((id) => {
        // The ring's ids trail the head by a moment: a node the head no longer has draws none.
        const node = nodes[id];
        if (node === undefined) return null;
        return (
          <TimerArc
            key={id}
            node={node}
            group={group === null ? undefined : node.groups[group]}
            at={positions.get(id)!}
            r={r}
            now={now}
          />
        );
      })}
    </>
  );
}

/** The dock under the ring: what is selected, or the network sliders; the held queue. */
const Dock = memo(function Dock({
  hold,
  selectedMessage,
  selectedNode,
  vote,
  link,
  onCloseVote,
  onCloseLink,
}: {
  hold: boolean;
  selectedMessage: string | null;
  selectedNode: NodeId | null;
  vote: { group: string; candidate: NodeId; voter: NodeId } | null;
  link: string | null;
  onCloseVote: () => void;
  onCloseLink: () => void;
}) {
  return (
    <div className={`cluster-dock${hold ? ' with-queue' : ''}`}>
      <div className="dock-main">
        {selectedMessage !== null ? (
          <MessageDetails id={selectedMessage} />
        ) : vote !== null ? (
          <VoteDetails
            group={vote.group}
            candidate={vote.candidate}
            voter={vote.voter}
            onClose={onCloseVote}
          />
        ) : link !== null ? (
          <LinkDetails a={link.split('|')[0]} b={link.split('|')[1]} onClose={onCloseLink} />
        ) : selectedNode !== null ? (
          <NodeDetails id={selectedNode} />
        ) : (
          <NetworkPanel />
        )}
      </div>
      {hold && <HeldQueue />}
    </div>
  );
});

/** Heal, step mode, add node; and the shortcuts that act on the selected node. */
const ClusterToolbar = memo(function ClusterToolbar({
  selectedNode,
}: {
  selectedNode: NodeId | null;
}) {
  const run = useCommand();
  const hold = useSel((s) => s.view.network.hold);
  const split = useSel((s) => s.view.network.partition !== null || s.view.network.cuts.length > 0);
  const node = useSel((s) => (selectedNode === null ? null : (s.view.nodes[selectedNode] ?? null)));
  const group = useSelectedGroup();
  const nextHeld = useSel((s) => heldMessages(s.view)[0] ?? null);
  const actions = node === null ? [] : nodeActions(node, group);
  const act = (key: string): void => {
    const a = actions.find((x) => x.key === key);
    if (a !== undefined) void run(a.cmd);
  };
  useShortcut('c', 'Crash the selected node', 'Nodes', () => act('c'));
  useShortcut('r', 'Restart the selected node', 'Nodes', () => act('r'));
  useShortcut('p', 'Pause or resume the selected node', 'Nodes', () => act('p'));
  useShortcut('l', 'Make the selected node leader (transfer)', 'Nodes', () => act('l'));
  useShortcut('s', 'Snapshot the selected node now', 'Nodes', () => act('s'));
  useShortcut('e', "Make the selected node's state machine throw", 'Nodes', () => act('e'));
  useShortcut('X', 'Remove the selected node from the cluster', 'Nodes', () => act('X'));
  useShortcut('h', 'Heal the network', 'Network', () => void run({ type: 'heal' }));
  useShortcut(
    'm',
    'Step mode: hold messages on or off',
    'Network',
    () => void run({ type: 'hold', on: !hold }),
  );
  useShortcut('n', 'Release the next held message', 'Network', () => {
    if (nextHeld !== null) void run({ type: 'release', msgId: wireMsgId(nextHeld) });
  });
  useShortcut('a', 'Add a node', 'Nodes', () => void run({ type: 'add-node' }));
  return (
    <div className="cluster-toolbar" role="toolbar" aria-label="Cluster">
      <button
        type="button"
        id="heal"
        className={split ? 'primary' : ''}
        disabled={!split}
        onClick={() => void run({ type: 'heal' })}
        aria-keyshortcuts="h"
        title="End the partition and restore every cut link (h)"
      >
        Heal <kbd>h</kbd>
      </button>
      <button
        type="button"
        id="step-mode"
        aria-pressed={hold}
        className={hold ? 'primary' : ''}
        onClick={() => void run({ type: 'hold', on: !hold })}
        aria-keyshortcuts="m"
        title="Hold every message until you release it (m)"
      >
        Step mode <kbd>m</kbd>
      </button>
      <button
        type="button"
        id="add-node"
        onClick={() => void run({ type: 'add-node' })}
        aria-keyshortcuts="a"
        title="Start a new node that joins the cluster (a)"
      >
        Add node <kbd>a</kbd>
      </button>
      <span className="toolbar-note muted">
        {split ? 'Split: drag nodes between sides' : 'Drag or lasso nodes to partition'}
      </span>
    </div>
  );
});

const Legend = memo(function Legend() {
  return (
    <div className="ring-legend" aria-label="Legend">
      {MESSAGE_KINDS.map((k) => (
        <span key={k} className="legend-item">
          <svg width="10" height="10" aria-hidden="true">
            <circle cx="5" cy="5" r="4" style={{ fill: kindColor(k, CSS_FG) }} />
          </svg>
          {KIND_LABELS[k]}
        </span>
      ))}
      <span className="legend-item">
        <svg width="10" height="10" aria-hidden="true">
          <circle cx="5" cy="5" r="3.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
        </svg>
        reply
      </span>
      <span className="legend-item">
        <svg width="12" height="12" aria-hidden="true">
          <circle cx="6" cy="6" r="3.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M1,11L11,1" stroke="var(--bad)" strokeWidth="1.5" />
        </svg>
        refused
      </span>
      <span className="legend-item">
        <svg width="12" height="12" aria-hidden="true">
          <path d="M6,1L11,6L6,11L1,6Z" fill={KIND_COLORS['pre-vote']} />
        </svg>
        pre-vote answer
      </span>
    </div>
  );
});
