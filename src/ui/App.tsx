// The page shell. Until the visual cluster lands, it says plainly what exists: a cluster of Web
// Workers runs in this page, scripted from the console (window.playground), and the #sim-state
// region shows its live state as plain text, rebuilt from the merged event stream only.
import { useEffect, useState } from 'react';
import type { Cluster } from '../runtime/cluster.ts';
import type { Playground } from '../runtime/consoleApi.ts';
import { emptyView, foldEvents, viewText } from '../runtime/eventView.ts';

/** Each node's role, term and commit index per group, as plain text, from the event stream. */
function LiveStatus({ playground }: { playground: Playground | null }) {
  const [cluster, setCluster] = useState<Cluster | null>(playground?.cluster ?? null);
  const [text, setText] = useState('');

  useEffect(() => playground?.onClusterChange(setCluster), [playground]);

  useEffect(() => {
    if (cluster === null) return;
    const view = emptyView();
    const render = (): void => {
      const head =
        `cluster ${cluster.clusterId} · ${cluster.timing.profile} timing · ` +
        `speed ${cluster.speed}× · t = ${(view.t / 1000).toFixed(1)} s` +
        (cluster.paused ? ' · PAUSED' : '');
      setText(`${head}\n\n${viewText(view, cluster.groups)}`);
    };
    foldEvents(view, cluster.events());
    render();
    return cluster.subscribe((events) => {
      foldEvents(view, events);
      render();
    });
  }, [cluster]);

  if (cluster === null) {
    return <>No cluster is running. In the console: await playground.createCluster()</>;
  }
  return <>{text}</>;
}

/** The whole page: an honest header, the live state region, and how to drive it. */
export function App({ playground = null }: { playground?: Playground | null }) {
  return (
    <div className="app">
      <header className="app-header">
        <h1>Raft Playground</h1>
        <p className="app-status">
          Browser runtime: each node is a Web Worker with its own IndexedDB. The visual cluster is
          coming; today you drive it from the console.
        </p>
      </header>

      <main className="app-main">
        <section aria-labelledby="sim-state-title">
          <h2 id="sim-state-title">Cluster state</h2>
          <div id="sim-state" className="sim-state" aria-live="off">
            <LiveStatus playground={playground} />
          </div>
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
