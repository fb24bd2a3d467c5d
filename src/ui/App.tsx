// The page shell. Until the visual cluster lands, it says plainly what exists: a cluster of Web
// Workers runs in this page, scripted from the console (window.playground), and the #sim-state
// region shows its live state as plain text, read from the view store (src/state/), which folds
// the merged event stream only. Around it: the offer to resume the cluster a previous page left
// (its databases survive a reload), the trace's memory bound and what it dropped, and importing
// a trace file with progress.
import { useEffect, useMemo, useState, type ChangeEvent } from 'react';
import type { Engine, PageHost } from '../engine/types.ts';
import { useView } from '../state/hooks.ts';
import { statusText } from '../state/statusText.ts';
import { createViewStore } from '../state/store.ts';
import { droppedNote } from '../trace/recorder.ts';
import { EngineSelector } from './EngineSelector.tsx';

/** Events the page's view store keeps for scrubbing (older windows are forgotten). */
const STORE_EVENT_LIMIT = 200_000;

type ResumeOffer = NonNullable<PageHost['resumeOffer']>;

/** The active engine and the resume offer, kept in step with the playground. */
function usePage(host: PageHost | null): { engine: Engine | null; offer: ResumeOffer | null } {
  const [state, setState] = useState({
    engine: host?.activeEngine ?? null,
    offer: host?.resumeOffer ?? null,
  });
  useEffect(() => {
    if (host === null) return;
    const update = (): void => setState({ engine: host.activeEngine, offer: host.resumeOffer });
    const off = host.onClusterChange(update);
    // A change between the first render and this subscription would otherwise be missed.
    update();
    return off;
  }, [host]);
  return state;
}

/** The engine's clock rate and pause, asked again as events arrive (and each second). */
function useEngineClock(engine: Engine | null): { speed: number | 'max'; paused: boolean } | null {
  const [clock, setClock] = useState<{ speed: number | 'max'; paused: boolean } | null>(null);
  useEffect(() => {
    if (engine === null) return;
    let live = true;
    const ask = (): void => {
      engine
        .status()
        .then((st) => {
          if (live) setClock({ speed: st.speed, paused: st.paused });
        })
        .catch(() => undefined);
    };
    ask();
    const timer = setInterval(ask, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [engine]);
  return clock;
}

/** Each node's role, term and commit index per group, as plain text, from the view store. */
function EngineStatusText({ engine }: { engine: Engine | null }) {
  const groups = useMemo(() => engine?.header().cluster.groups ?? [], [engine]);
  // One store per engine, fed by its event stream and folded once per animation frame; a reset
  // batch (a replay seeking back, a simulator restarting) starts the store over.
  const store = useMemo(() => createViewStore({ groups, limit: STORE_EVENT_LIMIT }), [groups]);
  useEffect(() => {
    if (engine === null) return;
    return engine.subscribe((events, reset) => {
      if (reset) store.getState().reset(engine.header().cluster.groups);
      store.getState().ingest(events);
    });
  }, [engine, store]);
  const clock = useEngineClock(engine);
  // seq too: any folded event re-renders, so the header's marks stay current.
  const { t, text } = useView(store, (s) => ({
    seq: s.view.seq,
    t: s.view.t,
    text: statusText(s.view, groups),
  }));

  if (engine === null) {
    return <>No cluster is running. In the console: await playground.createCluster()</>;
  }
  const c = engine.header().cluster;
  const id = typeof c.clusterId === 'string' ? `cluster ${c.clusterId}` : `${engine.kind} run`;
  const head =
    `${id}${c.resumed === true ? ' (resumed from disk)' : ''} · ` +
    `${c.raft?.profile ?? 'unknown'} timing · ` +
    (clock === null ? '' : `speed ${clock.speed}${clock.speed === 'max' ? '' : '×'} · `) +
    `t = ${(t / 1000).toFixed(1)} s` +
    (clock?.paused === true ? ' · PAUSED' : '');
  return <>{`${head}\n\n${text}`}</>;
}

/** "Resume cluster X (n nodes, from disk)" or a fresh one, after a reload. */
function ResumePanel({ playground, offer }: { playground: PageHost; offer: ResumeOffer }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (fn: () => Promise<unknown>): void => {
    setBusy(true);
    setError(null);
    fn()
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  const n = offer.nodes.length;
  return (
    <section className="resume-offer" aria-labelledby="resume-title">
      <h2 id="resume-title">A cluster is still on disk</h2>
      <p>
        Cluster <code>{offer.clusterId}</code> ({n} node{n === 1 ? '' : 's'}:{' '}
        {offer.nodes.join(', ')}; {offer.groups.join(', ')}) left its IndexedDB databases in this
        browser. Resuming starts every node on its database: each recovers its term, vote, log and
        snapshot, as after a crash. In the console: <code>playground.resumeCluster()</code>.
      </p>
      <p className="resume-actions">
        <button
          id="resume-cluster"
          type="button"
          disabled={busy}
          onClick={() => run(() => playground.resumeCluster(offer.clusterId))}
        >
          Resume cluster {offer.clusterId} ({n} node{n === 1 ? '' : 's'}, from disk)
        </button>{' '}
        <button
          id="fresh-cluster"
          type="button"
          disabled={busy}
          onClick={() => run(() => playground.createCluster())}
        >
          Start a fresh cluster (deletes it)
        </button>
      </p>
      {error !== null && <p className="resume-error">{error}</p>}
    </section>
  );
}

/** The trace's bound and what it dropped, refreshed as events arrive. */
function TraceBound({ engine }: { engine: Engine | null }) {
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    if (engine === null) return;
    const update = (): void => {
      const d = engine.header().dropped;
      setNote(d === undefined ? null : droppedNote(d));
    };
    update();
    return engine.subscribe(update);
  }, [engine]);
  if (engine === null) return null;
  return (
    <p id="trace-dropped" className="trace-note">
      {note ??
        'The trace holds every event so far (the most recent ones are kept when it is full).'}
    </p>
  );
}

/** Import a trace file: parsed in a worker, with progress; a bad file changes nothing. */
function TraceImport({ playground }: { playground: PageHost }) {
  const [status, setStatus] = useState<string>('');
  const onFile = (ev: ChangeEvent<HTMLInputElement>): void => {
    const file = ev.target.files?.[0];
    if (file === undefined) return;
    setStatus(`reading ${file.name}…`);
    playground
      .importTrace(file, {
        onProgress: (done, total) =>
          setStatus(`reading ${file.name}: ${Math.floor((done / Math.max(1, total)) * 100)} %`),
      })
      .then((r) =>
        setStatus(
          r.ok
            ? `${file.name}: ${r.events} events imported (playground.imported)`
            : `${file.name} was not imported:\n${r.errors.join('\n')}`,
        ),
      )
      .catch((err: unknown) => setStatus(err instanceof Error ? err.message : String(err)));
  };
  return (
    <div className="trace-import">
      <label>
        Import a trace file (.jsonl): <input id="trace-file" type="file" onChange={onFile} />
      </label>
      <pre id="trace-import-status" className="trace-note">
        {status}
      </pre>
    </div>
  );
}

/** The whole page: an honest header, the live state region, and how to drive it. */
export function App({ playground = null }: { playground?: PageHost | null }) {
  const { engine, offer } = usePage(playground);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Raft Playground</h1>
        <p className="app-status">
          Browser runtime: each node is a Web Worker with its own IndexedDB. The visual cluster is
          coming; today you drive it from the console.
        </p>
        {playground !== null && <EngineSelector playground={playground} />}
      </header>

      <main className="app-main">
        {playground !== null && offer !== null && engine === null && (
          <ResumePanel playground={playground} offer={offer} />
        )}

        <section aria-labelledby="sim-state-title">
          <h2 id="sim-state-title">Cluster state</h2>
          <div id="sim-state" className="sim-state" aria-live="off">
            <EngineStatusText engine={engine} />
          </div>
        </section>

        <section aria-labelledby="trace-title">
          <h2 id="trace-title">Trace</h2>
          <TraceBound engine={engine} />
          {playground !== null && <TraceImport playground={playground} />}
        </section>

        <section aria-labelledby="today-title">
          <h2 id="today-title">What runs today</h2>
          <p>
            Open the browser console and type <code>playground.help()</code>: create a cluster,
            crash and restart nodes, partition the network, write and read, run a scenario file,
            export the trace.
          </p>
          <pre className="commands">
            <code>
              {"await playground.createCluster({ nodes: 5, timing: 'lesson' })\n" +
                "await playground.write('n2', 'nacos_config', { type: 'publish', dataId: 'a', content: 'v1' })\n" +
                "playground.crash('@leader:nacos_config')"}
            </code>
          </pre>
          <p>The deterministic simulator runs in Node, from a terminal in the project folder:</p>
          <pre className="commands">
            <code>
              {'npm run sim -- --scenario FILE [--seed N] [--trace OUT.jsonl]\n' +
                'npm run sim -- --random --seeds 1-1000 [--nodes 5]'}
            </code>
          </pre>
        </section>
      </main>
    </div>
  );
}
