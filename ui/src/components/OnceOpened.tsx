import { Suspense, useState, type ReactNode } from 'react';

/**
 * Renders `children` from the first time `open` is true, and keeps them after (a dialog's closing
 * animation and what it holds survive a close). Until then nothing: the list's first render, which
 * the start waits for, does not render dialogs nobody has opened yet. A dialog loaded lazily
 * (`React.lazy`) shows once its script has loaded.
 */
export default function OnceOpened({ open, children }: { open: boolean; children: ReactNode }) {
  const [opened, setOpened] = useState(open);
  // Derived state, set while rendering (React re-renders at once, before committing).
  if (open && !opened) setOpened(true);
  return opened ? <Suspense fallback={null}>{children}</Suspense> : null;
}
