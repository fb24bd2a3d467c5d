// The top bar's trace controls: export the trace as JSON Lines (built in a worker, with a
// progress bar), import one (parsed and validated in a worker; a bad file changes nothing), and
// "Export as… / Check", a dialog that converts the trace for another tool (Perfetto, ShiViz,
// Jepsen EDN, history JSON, a Mermaid diagram of a time window), saves the run as a scenario
// file that reproduces it, and runs the trace checks. Every action goes through the page host
// (window.playground), which runs the heavy work off the page's thread.
// Invariants: one action at a time (controls are disabled while one runs); every outcome or
// error reaches the person (a notice, or the dialog's status line); nothing here reads a worker.
import { useRef, useState, type ChangeEvent } from 'react';
import type { Engine, PageHost } from '../../engine/types.ts';
import { droppedNote } from '../../trace/recorder.ts';
import { useEngine, useHost, useSel } from '../context.ts';
import { notify } from '../notices.ts';
import './traceio.css';
import { formatCount } from '../theme.ts';

type Progress = { label: string; done: number; total: number } | null;

/** Save `data` as a file through a temporary link (the browser's download). */
export function saveFile(data: Blob | string, filename: string, type = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The formats offered, in the order shown, with the file each one saves. */
const FORMATS = [
  { id: 'perfetto', label: 'Perfetto / Chrome trace (JSON)', ext: 'perfetto.json' },
  { id: 'shiviz', label: 'ShiViz log (vector clocks)', ext: 'shiviz.log' },
  { id: 'edn', label: 'Client history, Jepsen EDN', ext: 'history.edn' },
  { id: 'history-json', label: 'Client history, JSON', ext: 'history.json' },
  { id: 'mermaid', label: 'Mermaid sequence diagram of a time window', ext: 'mmd' },
  { id: 'scenario', label: 'Scenario file that reproduces the run', ext: 'scenario.json' },
] as const;

type FormatId = (typeof FORMATS)[number]['id'];

function ProgressBar({ progress }: { progress: Progress }) {
  if (progress === null) return null;
  const pct = progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : 0;
  return (
    <span id="trace-progress" className="trace-progress" role="status">
      <span className="muted">{progress.label}</span>
      <progress max={100} value={pct} aria-label={progress.label} />
    </span>
  );
}

export function TraceIoMenu() {
  const host = useHost();
  const engine = useEngine();
  const input = useRef<HTMLInputElement>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const [progress, setProgress] = useState<Progress>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  if (host === null) return null;
  const busy = progress !== null;
  const base = `raft-playground-${engine?.kind ?? 'trace'}`;

  const onExport = (): void => {
    if (host.exportTraceFile === undefined) {
      host.downloadTrace(`${base}.jsonl`);
      return;
    }
    setProgress({ label: 'exporting', done: 0, total: 1 });
    host
      .exportTraceFile({
        onProgress: (done, total) => setProgress({ label: 'exporting', done, total }),
      })
      .then((blob) => {
        saveFile(blob, `${base}.jsonl`);
        const d = engine?.header().dropped;
        notify(d === undefined ? 'Trace exported.' : `Trace exported. ${droppedNote(d)}`);
      })
      .catch((err: unknown) => notify(errorText(err), 'error'))
      .finally(() => setProgress(null));
  };

  const onFile = (ev: ChangeEvent<HTMLInputElement>): void => {
    const file = ev.target.files?.[0];
    ev.target.value = '';
    if (file === undefined) return;
    const label = `reading ${file.name}`;
    setProgress({ label, done: 0, total: 1 });
    host
      .importTrace(file, { onProgress: (done, total) => setProgress({ label, done, total }) })
      .then((r) => {
        if (r.ok) notify(`${file.name}: ${r.events} events imported; now replaying it.`);
        else notify(`${file.name} was not imported: ${r.errors.slice(0, 3).join('; ')}`, 'error');
      })
      .catch((err: unknown) => notify(errorText(err), 'error'))
      .finally(() => setProgress(null));
  };

  return (
    <div className="trace-menu">
      <button
        id="trace-export"
        type="button"
        onClick={onExport}
        disabled={engine === null || busy}
        title="Save the trace as a JSON Lines file (header first)"
      >
        Export trace
      </button>
      <button
        id="trace-more"
        type="button"
        onClick={() => {
          dialog.current?.showModal();
          setDialogOpen(true);
        }}
        disabled={engine === null}
        title="Export for Perfetto, ShiViz, Jepsen, Mermaid, as a scenario, or check the trace"
      >
        Export as… / Check
      </button>
      <button
        id="trace-import"
        type="button"
        disabled={busy}
        onClick={() => input.current?.click()}
      >
        Import…
      </button>
      <input
        ref={input}
        id="trace-file"
        type="file"
        accept=".jsonl,.json,application/x-ndjson"
        className="visually-hidden"
        aria-label="Import a trace file (.jsonl)"
        onChange={onFile}
      />
      <ProgressBar progress={progress} />
      <dialog
        ref={dialog}
        id="trace-dialog"
        className="trace-dialog"
        aria-labelledby="trace-dialog-title"
        onClose={() => setDialogOpen(false)}
      >
        {engine !== null && (
          <TraceDialog
            host={host}
            engine={engine}
            base={base}
            open={dialogOpen}
            onClose={() => dialog.current?.close()}
          />
        )}
      </dialog>
    </div>
  );
}

function TraceDialog({
  host,
  engine,
  base,
  open,
  onClose,
}: {
  host: PageHost;
  engine: Engine;
  base: string;
  /** The dialog is shown: only then does it follow the cluster's time. */
  open: boolean;
  onClose: () => void;
}) {
  const nowS = useSel((s) => (open ? Math.floor(s.view.t / 100) / 10 : 0));
  const [format, setFormat] = useState<FormatId>('perfetto');
  const [fromS, setFromS] = useState<string>('');
  const [toS, setToS] = useState<string>('');
  const [status, setStatus] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [checks, setChecks] = useState<Awaited<
    ReturnType<NonNullable<PageHost['checkTrace']>>
  > | null>(null);
  const live = engine.kind === 'live';

  const run = (label: string, fn: () => Promise<string>): void => {
    setBusy(true);
    setStatus(`${label}…`);
    fn()
      .then((done) => setStatus(done))
      .catch((err: unknown) => setStatus(`${label} failed: ${errorText(err)}`))
      .finally(() => setBusy(false));
  };

  /** The Mermaid window in cluster ms; empty fields: the last 5 s of the trace. */
  const windowMs = (): { fromMs: number; toMs: number } => {
    const to = toS.trim() === '' ? nowS : Number(toS);
    const from = fromS.trim() === '' ? Math.max(0, to - 5) : Number(fromS);
    if (!Number.isFinite(from) || !Number.isFinite(to) || from < 0 || to < from) {
      throw new Error(
        `the window must be 0 ≤ from ≤ to seconds, got ${fromS || from}–${toS || to}`,
      );
    }
    return { fromMs: Math.round(from * 1000), toMs: Math.round(to * 1000) };
  };

  const onDownload = (): void => {
    const spec = FORMATS.find((f) => f.id === format)!;
    if (format === 'scenario') {
      run('building the scenario', async () => {
        if (host.reproduce === undefined) throw new Error('this page cannot build scenarios');
        const r = await host.reproduce();
        if (!r.ok) throw new Error(r.errors.slice(0, 3).join('; '));
        saveFile(
          JSON.stringify(r.scenario, null, 2) + '\n',
          `${base}.${spec.ext}`,
          'application/json',
        );
        const how = r.exact
          ? 'it replays the run exactly (same seed, same steps)'
          : live
            ? 'timing is best effort: a live run is not decided by its seed'
            : 'the seed is kept; some actions could not be carried over';
        return `Scenario saved: ${how}.${r.notes.length > 0 ? ` Notes: ${r.notes.slice(0, 3).join('; ')}` : ''}`;
      });
      return;
    }
    run(`converting to ${format}`, async () => {
      if (host.convertTrace === undefined) throw new Error('this page cannot convert traces');
      const text = await host.convertTrace(format, format === 'mermaid' ? windowMs() : {});
      saveFile(text, `${base}.${spec.ext}`);
      return `Saved ${base}.${spec.ext} (${formatCount(text.length)} characters).`;
    });
  };

  const onCheck = (): void => {
    run('checking the trace', async () => {
      if (host.checkTrace === undefined) throw new Error('this page cannot check traces');
      const r = await host.checkTrace();
      setChecks(r);
      return r.ok ? 'Every check passed.' : 'Some checks failed: see below.';
    });
  };

  return (
    <div className="trace-dialog-body">
      <h2 id="trace-dialog-title">Export as… and check</h2>
      <fieldset disabled={busy}>
        <legend>Export the trace for another tool</legend>
        {FORMATS.map((f) => (
          <label key={f.id} className="trace-format">
            <input
              type="radio"
              name="trace-format"
              value={f.id}
              checked={format === f.id}
              onChange={() => setFormat(f.id)}
            />
            {f.label}
          </label>
        ))}
        {format === 'mermaid' && (
          <p className="trace-window">
            Window (cluster seconds, empty: the last 5 s up to {nowS.toFixed(1)} s):{' '}
            <label>
              from{' '}
              <input
                id="mermaid-from"
                type="number"
                min={0}
                step={0.1}
                value={fromS}
                onChange={(e) => setFromS(e.target.value)}
              />
            </label>{' '}
            <label>
              to{' '}
              <input
                id="mermaid-to"
                type="number"
                min={0}
                step={0.1}
                value={toS}
                onChange={(e) => setToS(e.target.value)}
              />
            </label>
          </p>
        )}
        {format === 'scenario' && (
          <p className="muted trace-note">
            Faults and client operations become steps at their cluster times.{' '}
            {live
              ? 'This is a live run: timing is best effort when it runs again in the simulator.'
              : 'A simulated run keeps its seed and replays exactly.'}
          </p>
        )}
        <button id="trace-convert" type="button" className="primary" onClick={onDownload}>
          Download
        </button>
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Check the trace</legend>
        <p className="muted trace-note">
          Election safety, log matching, commit monotonic, state-machine safety, no acknowledged
          write lost, linearizability of the client history.
        </p>
        <button id="trace-check" type="button" onClick={onCheck}>
          Check trace
        </button>
        {checks !== null && (
          <ul id="trace-check-results" className="trace-checks">
            {checks.checks.map((c) => (
              <li key={c.name} className={c.failures === 0 ? 'pass' : 'fail'}>
                <span className="verdict">{c.failures === 0 ? '✓ pass' : `✗ ${c.failures}`}</span>{' '}
                <strong>{c.name}</strong>
                {c.first !== null && <span className="muted"> — {c.first}</span>}
              </li>
            ))}
            {checks.notes.map((n) => (
              <li key={n} className="note muted">
                {n}
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <p id="trace-dialog-status" className="trace-status" role="status">
        {status}
      </p>
      <form method="dialog" className="trace-dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </form>
    </div>
  );
}
