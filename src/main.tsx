// The browser entry: installs window.playground (the console API over the cluster runtime),
// offers to resume the cluster a previous page left if its databases are still there, else
// starts a default cluster (Nacos timings, 5 nodes) unless the URL says ?autostart=0, and
// mounts the React tree into #root.
/// <reference types="vite/client" />
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installPlayground } from './runtime/consoleApi.ts';
import { App } from './ui/App.tsx';
import './ui/app.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element to mount the app into');

const playground = installPlayground(window);
const autostart = new URLSearchParams(location.search).get('autostart') !== '0';
// A cluster the previous page left (its databases survive a reload) is offered first: starting
// the default cluster would collect those databases as stale.
void playground
  .offerResume()
  .catch(() => null)
  .then((offer) => {
    if (offer !== null) {
      console.info(
        `Cluster ${offer.clusterId} (${offer.nodes.length} nodes) is still on disk: ` +
          `await playground.resumeCluster() to start it again, or playground.createCluster() ` +
          `for a fresh one.`,
      );
      return;
    }
    if (!autostart) return;
    playground.createCluster().catch((err: unknown) => {
      console.error('the default cluster did not start:', err);
    });
  });

createRoot(container).render(
  <StrictMode>
    <App playground={playground} />
  </StrictMode>,
);
