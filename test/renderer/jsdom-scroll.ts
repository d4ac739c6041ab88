// jsdom lays nothing out: no Element.scrollTo and every scrollHeight 0. The virtualiser scrolls with
// scrollTo (keyboard moves, follow) and clamps to scrollHeight − clientHeight, so give it both, like
// a browser: scrollTo moves then fires a scroll event (a browser fires it before the next paint), and
// an element's scrollHeight is its tallest child's inline height (the lists' spacers set one).
if (typeof Element !== 'undefined' && !Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function (this: Element, a?: ScrollToOptions | number, b?: number) {
    const top = typeof a === 'object' ? a.top : b;
    if (top !== undefined) this.scrollTop = Math.max(0, top);
    this.dispatchEvent(new Event('scroll'));
  };
  Object.defineProperty(HTMLElement.prototype, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      let tallest = 0;
      for (const c of this.children)
        tallest = Math.max(tallest, parseFloat((c as HTMLElement).style?.height ?? '') || 0);
      return tallest;
    },
  });
}
export {};
