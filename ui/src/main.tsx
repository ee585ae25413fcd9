import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import App from './App';

// Every module is evaluated: the first of the start's phases `cargo xtask bench app` reports.
performance.mark?.('certdesk:modules');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
