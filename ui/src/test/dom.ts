// Fast lookups for the UI tests. Testing Library's ByRole would say the same more strictly, but in
// jsdom it computes the style of every candidate through all of antd's CSS-in-JS sheets: seconds
// per query on a page of the app, minutes per file. These wait as findBy does.
import { waitFor } from '@testing-library/react';

/** The element with `id`, once it is there. */
export function byId(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`no #${id}`);
    return found;
  });
}

/** The first element matching `selector` under `scope`, once it is there (a lazily loaded dialog's
 * is there only after its script has loaded). */
export function bySelector<E extends Element = HTMLElement>(selector: string, scope: ParentNode = document): Promise<E> {
  return waitFor(() => {
    const found = scope.querySelector<E>(selector);
    if (!found) throw new Error(`no ${selector}`);
    return found;
  });
}

/** The button labelled `label` under `scope` (antd spaces two-character labels: 确 定 is 确定). */
export function button(label: string, scope: ParentNode = document): Promise<HTMLButtonElement> {
  return waitFor(() => {
    const wanted = label.replace(/\s/g, '');
    const found = [...scope.querySelectorAll('button')].find((b) => b.textContent?.replace(/\s/g, '') === wanted);
    if (!found) throw new Error(`no button ${label}`);
    return found;
  });
}

/** The open dialog (a Modal or Drawer not hidden by an inline `display: none`), the last opened. */
export function openDialog(): Promise<HTMLElement> {
  return waitFor(() => {
    const open = [...document.querySelectorAll<HTMLElement>('[role="dialog"]')].filter((dialog) => {
      for (let el: HTMLElement | null = dialog; el; el = el.parentElement) {
        if (el.style.display === 'none') return false;
      }
      return true;
    });
    if (open.length === 0) throw new Error('no open dialog');
    return open[open.length - 1];
  });
}
