// The page shell. Until the browser runtime and the visual cluster land, it says plainly what
// exists and offers no controls: nothing on this page may pretend to be done. The #sim-state
// region is the one place where live simulator state will be shown as plain text.

/** The whole page: an honest header, the state region, and pointers to what runs today. */
export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <h1>Raft Playground</h1>
        <p className="app-status">
          Foundation: Raft core + simulator; the visual cluster is coming.
        </p>
      </header>

      <main className="app-main">
        <section aria-labelledby="sim-state-title">
          <h2 id="sim-state-title">Simulator state</h2>
          <div id="sim-state" className="sim-state">
            Nothing is running in this page yet. The simulator&apos;s live state will appear here as
            plain text.
          </div>
        </section>

        <section aria-labelledby="today-title">
          <h2 id="today-title">What runs today</h2>
          <p>
            The Raft core and the deterministic simulator run in Node, from a terminal in the
            project folder:
          </p>
          <pre className="commands">
            <code>
              {'npm run sim -- --scenario FILE [--seed N] [--trace OUT.jsonl]\n' +
                'npm run sim -- --random --seeds 1-1000 [--nodes 5]'}
            </code>
          </pre>
          <p>
            A cluster of Web Workers in this page, with faults you can inject and watch, arrives
            with the browser runtime.
          </p>
        </section>
      </main>
    </div>
  );
}
