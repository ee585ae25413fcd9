// The baseline page of `cargo xtask bench app`: React's hello world, which tells the shell once it
// has painted (the same mark CertDesk gives when its first page of orders is on screen).
import { invoke } from '@tauri-apps/api/core';
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';

performance.mark('certdesk:modules');

function Hello() {
  useEffect(() => {
    requestAnimationFrame(() => {
      const modules = Math.round(performance.getEntriesByName('certdesk:modules')[0]!.startTime);
      void invoke('ready', { what: `hello modules=${modules} painted=${Math.round(performance.now())}` });
    });
  }, []);
  return <h1>你好，世界</h1>;
}

createRoot(document.getElementById('root')!).render(<Hello />);
