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
