// The page: a top bar (what runs, run controls, trace export/import), the stage (the cluster)
// on the left, the panels (logs above, tabs below) on the right, and a thin footer about the
// trace. Every view below reads the one view store, folded from the active engine's event
// stream (src/state/), so the live cluster, the simulator and a replay look the same; views act
// only through engine commands (context.ts).
// Invariant: one store per engine; a `reset` batch (a replay seeking back, a restart) starts the
// store over; the layout is a fixed grid, so nothing moves when contents change.
import { useEffect, useMemo, useState } from 'react';
import type { Engine, PageHost } from '../engine/types.ts';
import { statusText } from '../state/statusText.ts';
import { createViewStore, type ViewStore } from '../state/store.ts';
import { droppedNote } from '../trace/recorder.ts';
import { ClusterView } from './cluster/ClusterView.tsx';
import { EngineContext, HostContext, StoreContext, useEngine, useHost, useSel } from './context.ts';
import { pageScheduler } from './frameScheduler.ts';
import { GroupStrip } from './groups/GroupStrip.tsx';
import { Header, runInfoText } from './Header.tsx';
import { LogsPanel } from './logs/LogsPanel.tsx';
import { MetadataPanel } from './meta/MetadataPanel.tsx';
import { ChartsTab } from './charts/ChartsTab.tsx';
import { EventsTab } from './events/EventsTab.tsx';
import { Notices } from './Notices.tsx';
import { RequestsTab } from './requests/RequestsTab.tsx';
import { useShortcut, useShortcutListener } from './shortcuts.ts';
import { ShortcutsOverlay } from './ShortcutsOverlay.tsx';
import { StatePanel } from './sm/StatePanel.tsx';
import { SpacetimeView } from './spacetime/SpacetimeView.tsx';
import { Tabs, type TabSpec } from './Tabs.tsx';
import { useThrottledSel } from './useThrottledSel.ts';
import { TimeBar } from './timeline/TimeBar.tsx';
import { LessonPanel, useLessonView } from './lessons/LessonPanel.tsx';
import { PointerHighlight, useLessonFrame, useLessonLink } from './lessons/LessonFrame.tsx';
import { formatCount } from './theme.ts';

/** Events the page's view store keeps for scrubbing (older windows are forgotten). */
const STORE_EVENT_LIMIT = 200_000;
/**
 * Events folded a frame at most (a backlog drains over a few frames): about 8 ms of fold on a
 * busy 2-core machine, where a late frame used to fold everything that had piled up at once.
 */
const FOLD_BUDGET = 1_000;

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

/** One view store per engine, fed by its event stream and folded once per animation frame. */
function useEngineStore(engine: Engine | null): ViewStore {
  const groups = useMemo(() => engine?.header().cluster.groups ?? [], [engine]);
  const store = useMemo(
    () =>
      createViewStore({
        groups,
        limit: STORE_EVENT_LIMIT,
        scheduler: pageScheduler,
        foldBudget: FOLD_BUDGET,
      }),
    [groups],
  );
  useEffect(() => {
    if (engine === null) return;
    // An engine that holds no events yet (a replay before it plays) sends no reset batch: the
    // store must not go on showing the previous engine's run (stores are kept per group list).
    if (engine.events().length === 0) store.getState().reset(engine.header().cluster.groups);
    return engine.subscribe((events, reset) => {
      // A reset batch (a fork, a branch switch, a replay seeking back) keeps the shared prefix.
      if (reset) store.getState().replace(events, engine.header().cluster.groups);
      else store.getState().ingest(events);
    });
  }, [engine, store]);
  return store;
}

/** Each node's role, term and commit per group as plain text: the screen-reader view. */
function TextView() {
  const engine = useEngine();
  const groups = useMemo(() => engine?.header().cluster.groups ?? [], [engine]);
  const text = useSel((s) => statusText(s.view, groups));
  return (
    <pre id="text-view" className="text-view" aria-live="off">
      {engine === null ? 'No cluster is running.' : text}
    </pre>
  );
}

/** "Resume cluster X (n nodes, from disk)" or a fresh one, after a reload. */
function ResumePanel({ offer }: { offer: ResumeOffer }) {
  const playground = useHost();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (playground === null) return null;
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
        snapshot, as after a crash.
      </p>
      <p className="resume-actions">
        <button
          id="resume-cluster"
          type="button"
          className="primary"
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

/** How often the footer re-reads the trace header (what was dropped, the run line) under load. */
const FOOTER_REFRESH_MS = 250;

/** The footer: how many events the trace holds and, when its bound was reached, what it dropped. */
function TraceFooter() {
  const engine = useEngine();
  // A count a person reads: four times a second is enough (it changes every frame under load).
  const count = useThrottledSel((s) => s.view.count, FOOTER_REFRESH_MS, []);
  const [note, setNote] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  useEffect(() => {
    if (engine === null) {
      setInfo(null);
      return;
    }
    const update = (): void => {
      timer = null;
      const d = engine.header().dropped;
      setNote(d === undefined ? null : droppedNote(d));
      setInfo(runInfoText(engine));
    };
    // The header is rebuilt at most every FOOTER_REFRESH_MS under load (a batch arrives every
    // few ms then), at once when the trace starts over.
    let timer: ReturnType<typeof setTimeout> | null = null;
    update();
    const stop = engine.subscribe((_, reset) => {
      if (reset) {
        if (timer !== null) clearTimeout(timer);
        update();
      } else if (timer === null) timer = setTimeout(update, FOOTER_REFRESH_MS);
    });
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [engine]);
  return (
    <footer className="footer">
      {info !== null && (
        <span
          id="run-info"
          title="What runs: the cluster, its timing profile, and whether it behaves as Nacos or as textbook Raft where they differ"
        >
          {info}
        </span>
      )}
      <span id="trace-count">
        {engine === null ? 'No trace' : `Trace: ${formatCount(count)} events folded`}
      </span>
      <span id="trace-dropped" className="muted" title={note ?? undefined}>
        {note ?? 'The trace holds every event so far; when full, the oldest are dropped.'}
      </span>
      <span className="muted">Press ? for keyboard shortcuts</span>
    </footer>
  );
}

/**
 * The stage: a 36 px strip at the top (the groups strip fills it), then the cluster view; the
 * resume offer when a cluster is still on disk and none runs.
 */
function Stage({ offer }: { offer: ResumeOffer | null }) {
  const engine = useEngine();
  return (
    <section className="stage" aria-label="Cluster">
      <GroupStrip />
      {offer !== null && engine === null && <ResumePanel offer={offer} />}
      {engine === null ? (
        offer === null && <p className="stage-empty muted">No cluster is running.</p>
      ) : (
        <ClusterView />
      )}
    </section>
  );
}

const PANEL_TABS: readonly TabSpec[] = [
  { id: 'requests', label: 'Requests', render: () => <RequestsTab /> },
  { id: 'state', label: 'State', render: () => <StatePanel /> },
  { id: 'metadata', label: 'Metadata', render: () => <MetadataPanel /> },
  { id: 'charts', label: 'Charts', render: () => <ChartsTab /> },
  { id: 'events', label: 'Events', render: () => <EventsTab /> },
  { id: 'text', label: 'Text', render: () => <TextView /> },
  { id: 'spacetime', label: 'Space-time', render: () => <SpacetimeView /> },
];

function Panels() {
  // A lesson step that points at a tab shows that tab.
  const lessonView = useLessonView();
  const lessonTab = PANEL_TABS.some((t) => t.id === lessonView) ? lessonView : undefined;
  return (
    <section className="panels" aria-label="Panels">
      <LogsPanel />
      <Tabs tabs={PANEL_TABS} label="Panels" selected={lessonTab} />
    </section>
  );
}

export function App({ playground = null }: { playground?: PageHost | null }) {
  const { engine, offer } = usePage(playground);
  const store = useEngineStore(engine);
  const [help, setHelp] = useState(false);
  useShortcutListener();
  useShortcut('?', 'Show this list', 'Page', () => setHelp(true));
  const lesson = useLessonFrame();
  useLessonLink(playground);
  return (
    <HostContext.Provider value={playground}>
      <EngineContext.Provider value={engine}>
        <StoreContext.Provider value={store}>
          <div className={`app ${lesson.className}`} data-lesson-view={lesson.view || undefined}>
            <Header onHelp={() => setHelp(true)} />
            <main className="workspace">
              <Stage offer={offer} />
              <Panels />
              <LessonPanel />
            </main>
            <TimeBar />
            <TraceFooter />
          </div>
          <Notices />
          <PointerHighlight />
          <ShortcutsOverlay open={help} onClose={() => setHelp(false)} />
        </StoreContext.Provider>
      </EngineContext.Provider>
    </HostContext.Provider>
  );
}
