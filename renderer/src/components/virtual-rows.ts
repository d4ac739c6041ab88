// The one list virtualiser (TanStack Virtual) behind the tables and the log: fixed-height rows, rendered in blocks.
import {
  observeElementRect,
  useVirtualizer,
  type Range,
  type VirtualItem,
  type Virtualizer,
} from '@tanstack/react-virtual';
import { useCallback, useMemo, type RefObject } from 'react';

export interface VirtualRowsOptions {
  count: number;
  scrollRef: RefObject<HTMLElement | null>;
  /** Each row's height in px, known up front (CSS fixes it), so nothing is measured; a new function means new heights. */
  rowHeight: (index: number) => number;
  /**
   * A stable key per row, when rows can move between indexes while the viewer reads (a table
   * re-sorted or filtered). Without one, rows are keyed by index: cheaper for long append-only
   * lists, whose sizes are then rebuilt only when the count changes.
   */
  rowKey?: (index: number) => string | number;
  /** Rows rendered beyond each edge of the viewport. */
  overscan: number;
  /**
   * Rows come and go this many at a time. While scrolling stays inside a block the rendered
   * rows do not change, so React and the browser's layout work only once per block instead
   * of on every row boundary crossed.
   */
  block: number;
  /** The viewport's height until one is measured (a hidden page, jsdom). */
  fallbackHeight: number;
  /** A sticky header inside the scroll element, above the first row: rows start below it. */
  headerHeight?: number;
  /** An index to keep rendered wherever the list is scrolled (the focused row keeps its focus). */
  keep?: number;
  /**
   * Re-render synchronously inside the scroll event (the library's default: no blank frame while
   * a person scrolls). A list that scrolls itself on every update (a log following its tail)
   * passes false: its own render already shows the new rows, and a second, synchronous one per
   * update is pure cost.
   */
  syncScroll?: boolean;
}

export interface VirtualRows {
  virtualizer: Virtualizer<HTMLElement, Element>;
  /** The rows to render, in order; not always contiguous (see `keep`). */
  items: VirtualItem[];
  /** Height of the rows above the first rendered one (scroll content, not the header). */
  before: number;
  /** Height of the rows after the last rendered one. */
  after: number;
}

/** The visible range plus overscan, widened to whole blocks, plus the kept index. */
export function blockRange(range: Range, block: number, keep?: number): number[] {
  if (range.count === 0) return [];
  const from = Math.max(0, range.startIndex - range.overscan);
  const to = Math.min(range.count - 1, range.endIndex + range.overscan);
  const start = Math.floor(from / block) * block;
  const end = Math.min(range.count - 1, (Math.floor(to / block) + 1) * block - 1);
  const out: number[] = [];
  if (keep !== undefined && keep >= 0 && keep < start) out.push(keep);
  for (let i = start; i <= end; i++) out.push(i);
  if (keep !== undefined && keep > end && keep < range.count) out.push(keep);
  return out;
}

export function useVirtualRows(o: VirtualRowsOptions): VirtualRows {
  const { block, keep, fallbackHeight } = o;
  const header = o.headerHeight ?? 0;
  // Stable identities: the virtualiser recomputes its range when these change.
  const rangeExtractor = useCallback((r: Range) => blockRange(r, block, keep), [block, keep]);
  const observeRect = useCallback(
    (
      instance: Virtualizer<HTMLElement, Element>,
      cb: (rect: { width: number; height: number }) => void,
    ) =>
      observeElementRect(instance, (rect) =>
        cb(rect.height > 0 ? rect : { width: rect.width, height: fallbackHeight }),
      ),
    [fallbackHeight],
  );
  const { rowKey, rowHeight } = o;
  // The virtualiser re-reads sizes only when getItemKey changes: a new rowHeight (heights
  // changed, e.g. a row grew an error line) must give a new getItemKey.
  const getItemKey = useCallback((i: number) => (rowKey ? rowKey(i) : i), [rowKey, rowHeight]);
  const virtualizer = useVirtualizer<HTMLElement, Element>({
    count: o.count,
    getScrollElement: () => o.scrollRef.current,
    estimateSize: rowHeight,
    getItemKey,
    overscan: o.overscan,
    rangeExtractor,
    observeElementRect: observeRect,
    initialRect: { width: 0, height: fallbackHeight },
    useFlushSync: o.syncScroll ?? true,
    scrollMargin: header,
    // Keyboard moves bring a row into view below the sticky header, not under it.
    scrollPaddingStart: header,
  });
  const items = virtualizer.getVirtualItems();
  const total = virtualizer.getTotalSize();
  const first = items[0];
  const last = items.at(-1);
  // Offsets are in the scroll element; the rows' own space starts below the header.
  const before = first ? first.start - header : 0;
  const after = last ? Math.max(0, total - (last.end - header)) : total;
  // `items` is a new array on every range change, even inside a block; this says whether the
  // rendered rows really changed, so callers can memoise on the result.
  const signature = `${o.count}:${total}:${items.map((i) => `${String(i.key)}@${i.start}`).join(',')}`;
  return useMemo(() => ({ virtualizer, items, before, after }), [virtualizer, signature]);
}
