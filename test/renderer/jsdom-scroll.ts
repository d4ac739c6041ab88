// jsdom lays nothing out: no Element.scrollTo, no scroll events, every scrollHeight 0. The virtualiser
// follows scroll events, scrolls with scrollTo (keyboard moves) and clamps to scrollHeight −
// clientHeight, so give it all three, like a browser: a scrollTop change fires a scroll event (a
// browser fires it before the next paint), and an element's scrollHeight is its tallest child's
// inline height (the lists' spacers set one).
if (typeof Element !== 'undefined' && !Element.prototype.scrollTo) {
  Element.prototype.scrollTo = function (this: Element, a?: ScrollToOptions | number, b?: number) {
    const to = typeof a === 'object' ? a.top : b;
    if (to !== undefined) this.scrollTop = Math.max(0, to);
  };
  // Setting scrollTop fires a scroll event when the position changes, as in a browser.
  const top = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop')!;
  Object.defineProperty(Element.prototype, 'scrollTop', {
    configurable: true,
    get(this: Element) {
      return top.get!.call(this);
    },
    set(this: Element, v: number) {
      const was = top.get!.call(this);
      top.set!.call(this, v);
      if (top.get!.call(this) !== was) this.dispatchEvent(new Event('scroll'));
    },
  });
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
