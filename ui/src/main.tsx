import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App, { prefetchFirstScreen } from './App';

// Every module is evaluated: the first of the start's phases `cargo xtask bench app` reports.
performance.mark?.('certdesk:modules');
prefetchFirstScreen();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
