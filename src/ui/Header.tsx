// The top bar: the engine and the cluster time (what runs, in words, is in the footer), the run
// controls every engine shares (pause/resume, speed, start over), the trace's export and
// import, and the shortcuts overlay. Everything here acts through the engine or the page host.
// Invariant: the bar's height never changes with its contents (one line; long text is cut with
// an ellipsis and kept whole in the tooltip), so nothing below it jumps.
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type { Engine } from '../engine/types.ts';
import { useCommand, useEngine, useHost, useSel } from './context.ts';
import { EngineSelector } from './EngineSelector.tsx';
import { TraceIoMenu } from './traceio/TraceIoMenu.tsx';
import { useShortcut } from './shortcuts.ts';
import { LessonsButton } from './lessons/LessonFrame.tsx';
import { ScenarioMenu } from './recorder/ScenarioMenu.tsx';

/** The speeds offered (× wall time); the simulator adds 'max'. */
export const SPEEDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] as const;

interface Clock {
  speed: number | 'max';
  paused: boolean;
}

/** The engine's clock rate and pause, asked again each second and after each command. */
function useEngineClock(engine: Engine | null): [Clock | null, () => void] {
  const [clock, setClock] = useState<Clock | null>(null);
  const ask = useRef<() => void>(() => {});
  useEffect(() => {
    if (engine === null) {
      setClock(null);
      return;
    }
    let live = true;
    ask.current = () => {
      engine
        .status()
        .then((st) => {
          if (live) setClock({ speed: st.speed, paused: st.paused });
        })
        .catch(() => undefined);
    };
    ask.current();
    const timer = setInterval(() => ask.current(), 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [engine]);
  return [clock, () => ask.current()];
}

function speedText(s: number | 'max'): string {
  return s === 'max' ? 'max' : `${s}×`;
}

/** The cluster clock in the top bar: "t = 12.3 s" (and "paused"). What runs is in the footer. */
function StatusLine({ engine, clock }: { engine: Engine | null; clock: Clock | null }) {
  const t = useSel((s) => Math.floor(s.view.t / 100));
  const text =
    engine === null
      ? 'No cluster is running'
      : `t = ${(t / 10).toFixed(1)} s${clock?.paused === true ? ' · paused' : ''}`;
  return (
    <span id="sim-state" className="status-line" title={text}>
      {text}
    </span>
  );
}

/**
 * What runs, in words: "cluster c-1a2b · lesson timing · snapshots every 60 s · Nacos
 * behaviour" (or the seed). The snapshot interval is said when the header has it and it is set.
 */
export function runInfoText(engine: Engine): string {
  const h = engine.header();
  const c = h.cluster;
  const what =
    typeof c.clusterId === 'string'
      ? `cluster ${c.clusterId}${c.resumed === true ? ' (resumed from disk)' : ''}`
      : engine.kind === 'simulated'
        ? `simulated, seed ${String(h.seed ?? '?')}`
        : `${engine.kind}`;
  // Where Nacos and textbook Raft differ, which one runs (a trace without it is Nacos's).
  const behaviour = c.raft?.fidelity === 'textbook' ? 'textbook Raft' : 'Nacos behaviour';
  const every = c.raft?.snapshotIntervalMs;
  const snapshots =
    every === undefined ? '' : every > 0 ? ` · snapshots every ${durationText(every)}` : '';
  return `${what} · ${c.raft?.profile ?? 'unknown'} timing${snapshots} · ${behaviour}`;
}

/** 1800000 → "30 min", 60000 → "60 s", 1500 → "1.5 s". */
export function durationText(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function RunControls({ clock, refresh }: { clock: Clock | null; refresh: () => void }) {
  const engine = useEngine();
  const command = useCommand();
  const paused = clock?.paused === true;
  const run = (cmd: Parameters<typeof command>[0]): void => {
    void command(cmd).finally(refresh);
  };
  const togglePause = (): void => run({ type: paused ? 'resume' : 'pause' });
  useShortcut(
    ' ',
    paused ? 'Resume the cluster' : 'Pause the cluster',
    'Time',
    togglePause,
    engine !== null,
  );
  const speeds: (number | 'max')[] = [...SPEEDS];
  if (engine?.kind === 'simulated') speeds.push('max');
  const current = clock?.speed ?? 1;
  if (!speeds.includes(current)) speeds.push(current);
  const onSpeed = (ev: ChangeEvent<HTMLSelectElement>): void => {
    const v = ev.target.value;
    run({ type: 'speed', speed: v === 'max' ? 'max' : Number(v) });
  };
  return (
    <div className="run-controls">
      <button
        id="run-pause"
        type="button"
        className={paused ? 'primary' : ''}
        disabled={engine === null}
        aria-pressed={paused}
        onClick={togglePause}
        title="Pause or resume the whole cluster (Space)"
      >
        {paused ? '▶ Resume' : '❚❚ Pause'}
      </button>
      <label className="inline-label">
        Speed{' '}
        <select
          id="run-speed"
          value={String(current)}
          onChange={onSpeed}
          disabled={engine === null}
        >
          {speeds.map((s) => (
            <option key={String(s)} value={String(s)}>
              {speedText(s)}
            </option>
          ))}
        </select>
      </label>
      <button
        id="run-reset"
        type="button"
        disabled={engine === null}
        onClick={() => run({ type: 'reset' })}
        title="Start the same cluster again from the beginning"
      >
        ↺ Start over
      </button>
    </div>
  );
}

export function Header({ onHelp }: { onHelp: () => void }) {
  const engine = useEngine();
  const host = useHost();
  const [clock, refresh] = useEngineClock(engine);
  return (
    <header className="topbar">
      <h1 className="brand">Raft Playground</h1>
      {host !== null && <EngineSelector playground={host} />}
      <RunControls clock={clock} refresh={refresh} />
      <StatusLine engine={engine} clock={clock} />
      <TraceIoMenu />
      <ScenarioMenu />
      <LessonsButton />
      <button
        id="help-open"
        type="button"
        className="icon-button"
        onClick={onHelp}
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
      >
        ?
      </button>
    </header>
  );
}
