// The top bar's "Scenario" control: record what is done to the cluster as a scenario file, edit
// it with its errors shown at their lines, download or upload it, and run it on the simulated
// engine (exact, by seed) or on the live one (best effort). A recording is the run's faults and
// client operations between Record and Stop (src/trace/reproduce.ts on the trace, cut to that
// window by src/scenario/record.ts), so whatever acted on the cluster (a node's panel, the
// client panel, the console) is recorded the same way, at its cluster time.
// Invariants: a file is validated before it is run or saved, and a bad one changes nothing; the
// dialog is modal but closes while recording, so the page stays usable; every outcome reaches
// the person (the dialog's status line or a notice).
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type { Engine } from '../../engine/types.ts';
import type { Scenario } from '../../scenario/format.ts';
import { recordingOf } from '../../scenario/record.ts';
import { useEngine, useHost, useSel } from '../context.ts';
import { notify } from '../notices.ts';
import { saveFile } from '../traceio/TraceIoMenu.tsx';
import { checkScenarioText, type Problem } from './jsonLines.ts';
import './recorder.css';

interface Recording {
  engine: Engine;
  fromMs: number;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The cluster time of the engine's latest event (0 before any). */
function engineTime(engine: Engine): number {
  const events = engine.events();
  return events.length === 0 ? 0 : events[events.length - 1].t;
}

function fileName(text: string): string {
  const r = checkScenarioText(text);
  const name = r.ok ? r.scenario.name : 'scenario';
  return `${name.replace(/[^\w.-]+/g, '-') || 'scenario'}.scenario.json`;
}

/** The text area with a gutter of line numbers; lines with a problem are marked. */
function Editor({
  text,
  onText,
  problems,
  area,
}: {
  text: string;
  onText: (t: string) => void;
  problems: readonly Problem[];
  area: React.RefObject<HTMLTextAreaElement | null>;
}) {
  const gutter = useRef<HTMLPreElement>(null);
  const bad = new Set(problems.map((p) => p.line));
  const count = Math.max(1, text.split('\n').length);
  return (
    <div className="scenario-editor">
      <pre ref={gutter} className="scenario-gutter" aria-hidden="true">
        {Array.from({ length: count }, (_, i) => (
          <span key={i} className={bad.has(i + 1) ? 'bad' : undefined} data-line={i + 1}>
            {i + 1}
            {'\n'}
          </span>
        ))}
      </pre>
      <textarea
        id="scenario-text"
        ref={area}
        value={text}
        spellCheck={false}
        aria-label="Scenario file (JSON)"
        onChange={(e) => onText(e.target.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}

/** Scroll the text area so that line `line` shows, a few lines from the top. */
function scrollToLine(area: HTMLTextAreaElement | null, line: number): void {
  if (area === null) return;
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

/** Select line `line` of the text area and scroll it into view. */
function showLine(area: HTMLTextAreaElement | null, line: number): void {
  if (area === null) return;
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  scrollToLine(area, line);
}

export function ScenarioMenu() {
  const host = useHost();
  const engine = useEngine();
  const dialog = useRef<HTMLDialogElement>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const upload = useRef<HTMLInputElement>(null);
  const [recording, setRecording] = useState<Recording | null>(null);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  // The recording's running time; nothing to follow (and no re-render) while none runs.
  const shownT = useSel((s) => (recording === null ? 0 : Math.floor(s.view.t / 100) / 10));

  // A cluster replaced while recording (start over, another engine) ends the recording.
  useEffect(() => {
    if (recording !== null && engine !== recording.engine) {
      setRecording(null);
      notify('The recording stopped: the cluster was replaced while it ran.', 'error');
    }
  }, [engine, recording]);

  if (host === null) return null;
  const canRecord = engine !== null && engine.kind !== 'replay';

  const open = (): void => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  };

  const validate = (t = text): Scenario | null => {
    const r = checkScenarioText(t);
    if (r.ok) {
      setProblems([]);
      setStatus(`Valid: ${r.scenario.steps.length} steps over ${r.scenario.durationMs} ms.`);
      return r.scenario;
    }
    setProblems(r.problems);
    setStatus(`${r.problems.length} problem(s): see the marked lines.`);
    scrollToLine(area.current, r.problems[0].line);
    return null;
  };

  const onRecord = (): void => {
    if (engine === null || !canRecord) return;
    const fromMs = engineTime(engine);
    setRecording({ engine, fromMs });
    dialog.current?.close();
    notify(`Recording from ${(fromMs / 1000).toFixed(1)} s: act on the cluster, then press Stop.`);
  };

  const onStop = (): void => {
    if (recording === null) return;
    const { engine: rec, fromMs } = recording;
    const toMs = engineTime(rec);
    setRecording(null);
    if (host.reproduce === undefined) {
      notify('This page cannot build scenarios.', 'error');
      return;
    }
    setBusy(true);
    setStatus('Building the scenario…');
    open();
    host
      .reproduce()
      .then((r) => {
        if (!r.ok) throw new Error(r.errors.slice(0, 3).join('; '));
        const out = recordingOf(r.scenario as Scenario, fromMs, toMs);
        if (!out.ok) throw new Error(out.errors.slice(0, 3).join('; '));
        const json = `${JSON.stringify(out.scenario, null, 2)}\n`;
        setText(json);
        setProblems([]);
        const n = out.scenario.steps.length;
        setStatus(
          `Recorded ${n} step${n === 1 ? '' : 's'}` +
            (rec.kind === 'live' ? ' (a live run: timing is best effort when run again).' : '.'),
        );
      })
      .catch((err: unknown) => setStatus(`Recording failed: ${errorText(err)}`))
      .finally(() => setBusy(false));
  };

  const onDownload = (): void => {
    if (validate() === null) return;
    saveFile(text, fileName(text), 'application/json');
  };

  const onUpload = (ev: ChangeEvent<HTMLInputElement>): void => {
    const file = ev.target.files?.[0];
    ev.target.value = '';
    if (file === undefined) return;
    file
      .text()
      .then((t) => {
        setText(t);
        if (validate(t) !== null) setStatus(`${file.name}: valid, ready to run.`);
      })
      .catch((err: unknown) => setStatus(`${file.name} could not be read: ${errorText(err)}`));
  };

  const onRunSimulated = (): void => {
    const scenario = validate();
    if (scenario === null) return;
    setBusy(true);
    setStatus('Starting the simulator…');
    host
      .useEngine('simulated', { scenario, speed: 1 })
      .then(() => {
        dialog.current?.close();
        notify(`Running "${scenario.name}" in the simulator (seed ${scenario.seed}).`);
      })
      .catch((err: unknown) => setStatus(`Not run: ${errorText(err)}`))
      .finally(() => setBusy(false));
  };

  const onRunLive = (): void => {
    const scenario = validate();
    if (scenario === null) return;
    if (host.runScenario === undefined) {
      setStatus('This page cannot run scenarios on the live engine.');
      return;
    }
    dialog.current?.close();
    notify(`Running "${scenario.name}" on the live engine (best effort timing).`);
    host
      .runScenario(scenario)
      .then(() => notify(`"${scenario.name}" finished on the live engine.`))
      .catch((err: unknown) => notify(`Live run failed: ${errorText(err)}`, 'error'));
  };

  return (
    <div className="scenario-menu">
      {recording === null ? (
        <button
          id="scenario-open"
          type="button"
          onClick={open}
          title="Record, edit, upload and run scenario files"
        >
          Scenario…
        </button>
      ) : (
        <span
          id="scenario-recording"
          className="scenario-recording"
          role="status"
          title={`Recording since ${(recording.fromMs / 1000).toFixed(1)} s of cluster time`}
        >
          <button id="scenario-stop" type="button" onClick={onStop}>
            <span className="rec-dot" aria-hidden="true" /> Stop ·{' '}
            {Math.max(0, shownT - recording.fromMs / 1000).toFixed(1)} s
          </button>
        </span>
      )}
      <dialog
        id="scenario-dialog"
        ref={dialog}
        className="scenario-dialog"
        aria-labelledby="scenario-dialog-title"
      >
        <div className="scenario-dialog-body">
          <h2 id="scenario-dialog-title">Scenario file</h2>
          <p className="muted scenario-note">
            Record turns what you do to the cluster from now on (crash, restart, partitions,
            network, skew, membership, leader transfer, snapshots, writes, reads) into steps at
            their cluster times. Edit the JSON below, then run it: the simulator replays it exactly
            by its seed; the live engine follows it on real Workers, with best-effort timing.
          </p>
          <Editor
            text={text}
            onText={(t) => {
              setText(t);
              if (problems.length > 0) setProblems([]);
            }}
            problems={problems}
            area={area}
          />
          {problems.length > 0 && (
            <ul id="scenario-problems" className="scenario-problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <button
                    type="button"
                    className="link-button"
                    data-line={p.line}
                    onClick={() => showLine(area.current, p.line)}
                  >
                    line {p.line}
                  </button>{' '}
                  {p.where !== '' && <code>{p.where}</code>} {p.message}
                </li>
              ))}
            </ul>
          )}
          <p id="scenario-status" className="scenario-status" role="status">
            {status}
          </p>
          <div className="scenario-actions">
            <button
              id="scenario-record"
              type="button"
              disabled={!canRecord || busy}
              onClick={onRecord}
              title={canRecord ? 'Record from now on' : 'Recording needs a live or simulated run'}
            >
              ● Record
            </button>
            <button id="scenario-validate" type="button" disabled={busy} onClick={() => validate()}>
              Validate
            </button>
            <button
              id="scenario-download"
              type="button"
              disabled={busy || text === ''}
              onClick={onDownload}
            >
              Download
            </button>
            <button
              id="scenario-upload"
              type="button"
              disabled={busy}
              onClick={() => upload.current?.click()}
            >
              Upload…
            </button>
            <input
              id="scenario-file"
              ref={upload}
              type="file"
              accept=".json,application/json"
              hidden
              onChange={onUpload}
            />
            <span className="spacer" />
            <button
              id="scenario-run-sim"
              type="button"
              className="primary"
              disabled={busy || text === ''}
              onClick={onRunSimulated}
              title="Run on the simulated engine: exact, by its seed"
            >
              Run in simulator
            </button>
            <button
              id="scenario-run-live"
              type="button"
              disabled={busy || text === ''}
              onClick={onRunLive}
              title="Run on the live engine (Workers, IndexedDB): timing is best effort"
            >
              Run live (best effort)
            </button>
            <button type="button" onClick={() => dialog.current?.close()}>
              Close
            </button>
          </div>
        </div>
      </dialog>
    </div>
  );
}
