// The browser entry: installs window.playground (the console API over the cluster runtime),
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
if (new URLSearchParams(location.search).get('autostart') !== '0') {
  playground.createCluster().catch((err: unknown) => {
    console.error('the default cluster did not start:', err);
  });
}

createRoot(container).render(
  <StrictMode>
    <App playground={playground} />
  </StrictMode>,
);
