import { configure } from '@testing-library/react';

// A loaded CI machine renders antd far slower than a desk: findBy/waitFor wait up to 15 s, not 1 s.
// (They return as soon as the condition holds, so a fast machine is not slowed.)
configure({ asyncUtilTimeout: 15_000 });

// jsdom lacks these browser APIs that antd uses for responsive layout and scrolling.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
window.HTMLElement.prototype.scrollIntoView = () => {};
// jsdom does not implement pseudo-element styles; ask for the element's own instead.
const computeStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => computeStyle(elt);


// Popconfirm and other popups measure their trigger with ResizeObserver, which jsdom lacks.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as unknown as { ResizeObserver: typeof ResizeObserverStub }).ResizeObserver ??= ResizeObserverStub;

export {};
