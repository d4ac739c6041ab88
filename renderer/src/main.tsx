// Renderer entry: pick the transport (preload API or WebSocket) and mount the app.
// Must run before any module that builds a zod schema (common/settings via the app).
import './zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { pickTransport } from './transport/pick-transport';
// Global stylesheets, in cascade order: the inside pages' tables and chips, then the app's.
import './views.css';
import './pulls.css';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App client={pickTransport()} />
  </StrictMode>,
);
