// The browser entry: mounts the React tree into #root. It owns no state and starts nothing;
// the cluster runtime (src/runtime/) will be started from here once it exists.
/// <reference types="vite/client" />
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import './ui/app.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element to mount the app into');

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
