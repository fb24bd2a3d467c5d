// The "Charts" tab: commits per second and commit latency (propose → commit, mean and maximum)
// over a sliding window of cluster time, with faults marked on the time axis, and elections
// per minute (started, and won). d3 computes the scales and paths (ui/viz/chartSeries.ts);
// React renders the SVG. Everything comes from the view model's per-second series and faults.
// Invariants: the charts have fixed heights and the window slides by whole seconds, so the
// axes do not jump; a second without data reads zero (or a gap, for latency).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ScaleLinear } from 'd3';
import { useThrottledSel } from '../useThrottledSel.ts';
import {
  faultMarks,
  minutesWindow,
  secondsWindow,
  seriesPath,
  timeScale,
  valueScale,
  type FaultMark,
  type SecondPoint,
} from '../viz/chartSeries.ts';
import './charts.css';

const MARGIN = { left: 44, right: 12, top: 16, bottom: 20 };
const CHART_PX = 150;
const ELECTION_MINUTES = 10;
const CHART_UPDATE_MS = 500;
const WINDOWS = [
  { seconds: 60, label: '1 min' },
  { seconds: 120, label: '2 min' },
  { seconds: 300, label: '5 min' },
] as const;

/** The width of an element, kept up to date (0 before the first layout). */
function useWidth(): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/** Cluster time as m:ss. */
function formatSecond(s: number): string {
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  return `${m}:${String(r).padStart(2, '0')}`;
}

/** Ticks of a count axis: whole numbers only. */
function countTicks(y: ScaleLinear<number, number>): number[] {
  return y.ticks(4).filter((v) => Number.isInteger(v));
}

function Axes({
  x,
  y,
  width,
  unit,
}: {
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
  width: number;
  unit: string;
}) {
  const [b] = y.range();
  return (
    <g className="chart-axes">
      {countTicks(y).map((v) => (
        <g key={`y${v}`}>
          <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(v)} y2={y(v)} className="grid" />
          <text x={MARGIN.left - 4} y={y(v)} dy="0.32em" textAnchor="end">
            {v}
            {v === y.domain()[1] ? ` ${unit}` : ''}
          </text>
        </g>
      ))}
      {x.ticks(Math.max(2, Math.floor(width / 90))).map((v) => (
        <text
          key={`x${v}`}
          x={x(v)}
          y={b + 14}
          textAnchor={x(v) > x.range()[1] - 16 ? 'end' : 'middle'}
        >
          {formatSecond(v)}
        </text>
      ))}
    </g>
  );
}

function Marks({
  marks,
  x,
  top,
  bottom,
}: {
  marks: readonly FaultMark[];
  x: ScaleLinear<number, number>;
  top: number;
  bottom: number;
}) {
  return (
    <g className="chart-faults">
      {marks.map((m, i) => {
        const at = x(m.at);
        // Near the right edge the label goes to the left of its line.
        const left = at > x.range()[1] - 70;
        return (
          <g key={m.seq} transform={`translate(${at},0)`}>
            <title>{`${m.label} at ${formatSecond(m.at)}`}</title>
            <line y1={top - 4} y2={bottom} />
            {/* Labels alternate between two heights so neighbours do not overprint. */}
            <text y={top - 6 + (i % 2) * 9} x={left ? -3 : 3} textAnchor={left ? 'end' : 'start'}>
              {m.label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

interface LineSpec {
  key: string;
  label: string;
  value: (p: SecondPoint) => number | null;
  className: string;
}

function TimeChart({
  title,
  start,
  span,
  points,
  marks,
  lines,
  unit,
  floor,
  width,
  testId,
  summary,
  dotted = false,
}: {
  title: string;
  /** The window's first second and length: the axis stays put while the window fills. */
  start: number;
  span: number;
  points: readonly SecondPoint[];
  marks: readonly FaultMark[];
  lines: readonly LineSpec[];
  unit: string;
  floor: number;
  width: number;
  testId: string;
  summary: ReactNode;
  dotted?: boolean;
}) {
  const x = timeScale(start, start + span - 1, width, MARGIN.left, MARGIN.right);
  let max = 0;
  for (const p of points) for (const l of lines) max = Math.max(max, l.value(p) ?? 0);
  const y = valueScale(max, floor, CHART_PX - MARGIN.bottom, MARGIN.top);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {lines.map((l) => (
          <span key={l.key} className={`chart-key ${l.className}`}>
            {l.label}
          </span>
        ))}
        <span className="chart-summary">{summary}</span>
      </figcaption>
      {width > 0 && (
        <svg width={width} height={CHART_PX} role="img" aria-label={`${title} chart`}>
          <Axes x={x} y={y} width={width} unit={unit} />
          <Marks marks={marks} x={x} top={MARGIN.top} bottom={CHART_PX - MARGIN.bottom} />
          {lines.map((l) => (
            <g key={l.key} className={`chart-line ${l.className}`}>
              <path d={seriesPath(points, l.value, x, y)} />
              {/* Dots, so a second between two without data still shows. */}
              {dotted &&
                points.map((p) => {
                  const v = l.value(p);
                  return v === null ? null : (
                    <circle key={p.second} cx={x(p.second + 0.5)} cy={y(v)} r={2} />
                  );
                })}
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

function ElectionsChart({ width, endSecond }: { width: number; endSecond: number }) {
  const { buckets, current } = useThrottledSel(
    (s) => ({ buckets: s.view.series.buckets, current: s.view.series.current }),
    CHART_UPDATE_MS,
    [],
  );
  const lastMinute = Math.floor(endSecond / 60);
  const first = Math.max(0, lastMinute - ELECTION_MINUTES + 1);
  const minutes = minutesWindow(buckets, current, endSecond, lastMinute - first + 1);
  const x = timeScale(first, first + ELECTION_MINUTES - 1, width, MARGIN.left, MARGIN.right);
  const max = minutes.reduce((m, p) => Math.max(m, p.elections, p.leaders), 0);
  const y = valueScale(max, 2, CHART_PX - MARGIN.bottom, MARGIN.top);
  const band = Math.max(2, (x(first + 1) - x(first)) / 2 - 3);
  const total = minutes.reduce((n, p) => n + p.elections, 0);
  return (
    <figure className="chart" data-testid="chart-elections">
      <figcaption>
        <span className="chart-title">Elections per minute</span>
        <span className="chart-key chart-elections">started</span>
        <span className="chart-key chart-leaders">won</span>
        <span className="chart-summary">{total} in the last 10 min</span>
      </figcaption>
      {width > 0 && (
        <svg width={width} height={CHART_PX} role="img" aria-label="Elections per minute chart">
          <g className="chart-axes">
            {countTicks(y).map((v) => (
              <g key={v}>
                <line
                  x1={MARGIN.left}
                  x2={width - MARGIN.right}
                  y1={y(v)}
                  y2={y(v)}
                  className="grid"
                />
                <text x={MARGIN.left - 4} y={y(v)} dy="0.32em" textAnchor="end">
                  {v}
                </text>
              </g>
            ))}
            {minutes.map((p) => (
              <text
                key={p.minute}
                x={x(p.minute + 0.5)}
                y={CHART_PX - MARGIN.bottom + 14}
                textAnchor="middle"
              >
                {p.minute}m
              </text>
            ))}
          </g>
          {minutes.map((p) => (
            <g key={p.minute}>
              <rect
                className="chart-bar chart-elections"
                x={x(p.minute + 0.5) - band - 1}
                width={band}
                y={y(p.elections)}
                height={y(0) - y(p.elections)}
              >
                <title>{`minute ${p.minute}: ${p.elections} elections started`}</title>
              </rect>
              <rect
                className="chart-bar chart-leaders"
                x={x(p.minute + 0.5) + 1}
                width={band}
                y={y(p.leaders)}
                height={y(0) - y(p.leaders)}
              >
                <title>{`minute ${p.minute}: ${p.leaders} leaders elected`}</title>
              </rect>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

export function ChartsTab() {
  const [span, setSpan] = useState<number>(120);
  const [ref, width] = useWidth();
  // Twice a second: the charts move by whole seconds, and redrawing them each frame under
  // load would cost the cluster views their frames.
  const { buckets, current, faults, endSecond } = useThrottledSel(
    (s) => ({
      buckets: s.view.series.buckets,
      current: s.view.series.current,
      faults: s.view.faults,
      endSecond: Math.floor(s.view.t / 1000),
    }),
    CHART_UPDATE_MS,
    [],
  );
  // Until the run is `span` seconds old the window starts at 0 and fills from the left.
  const start = Math.max(0, endSecond - span + 1);
  const points = secondsWindow(buckets, current, endSecond, endSecond - start + 1);
  const marks = faultMarks(faults, start, endSecond);
  // The last complete second: the one in progress is still counting.
  const done = points.length > 1 ? points[points.length - 2] : undefined;
  const latencies = points.filter((p) => p.latencyMeanMs !== null);
  const meanLatency =
    latencies.length === 0
      ? null
      : latencies.reduce((n, p) => n + p.latencyMeanMs!, 0) / latencies.length;
  return (
    <div className="charts-tab" ref={ref}>
      <div className="charts-head" role="group" aria-label="Chart window">
        <span className="muted">Cluster time, the last</span>
        {WINDOWS.map((w) => (
          <button
            key={w.seconds}
            type="button"
            aria-pressed={span === w.seconds}
            onClick={() => setSpan(w.seconds)}
          >
            {w.label}
          </button>
        ))}
        <span className="muted chart-fault-key">┆ faults</span>
      </div>
      <TimeChart
        title="Commits per second"
        testId="chart-commits"
        start={start}
        span={span}
        points={points}
        marks={marks}
        unit="/s"
        floor={5}
        width={width}
        lines={[
          {
            key: 'c',
            label: 'entries committed',
            value: (p) => p.commits,
            className: 'chart-commits',
          },
        ]}
        summary={`${done?.commits ?? 0}/s last second`}
      />
      <TimeChart
        title="Commit latency"
        testId="chart-latency"
        start={start}
        span={span}
        dotted
        points={points}
        marks={marks}
        unit="ms"
        floor={20}
        width={width}
        lines={[
          { key: 'mean', label: 'mean', value: (p) => p.latencyMeanMs, className: 'chart-mean' },
          { key: 'max', label: 'max', value: (p) => p.latencyMaxMs, className: 'chart-max' },
        ]}
        summary={
          meanLatency === null
            ? 'no commits in the window'
            : `mean ${meanLatency.toFixed(0)} ms over the window`
        }
      />
      <ElectionsChart width={width} endSecond={endSecond} />
    </div>
  );
}
