// A real <table> that renders only the rows in view: sticky header, fixed column widths, roving row focus.
import {
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { useClientHeight } from './hooks';

export const ROW_HEIGHT = 36;
/** The error line under a row ("Stop failed: …"). */
export const EXTRA_HEIGHT = 34;
/**
 * Rows rendered beyond each edge of the viewport. A fast wheel scroll moves 360–720 px in one
 * slow frame (bench/ui-inside.ts counted blank rows with 10), so keep ~25 rows (900 px) ready.
 */
export const OVERSCAN = 25;
/** Used when the viewport cannot be measured (hidden page, jsdom). */
export const DEFAULT_VIEWPORT_HEIGHT = 480;

export interface Column {
  key: string;
  label: ReactNode;
  /**
   * CSS width, fixed so rows never shift as content changes; omit it for columns that share the
   * rest, or set it in views.css (.vt-col-KEY) where it depends on the window's width.
   */
  width?: string;
}

export interface VirtualTableProps<T> {
  label: string;
  columns: readonly Column[];
  items: readonly T[];
  itemKey: (item: T) => string;
  /** The cells of one row (a fragment of <td>s). */
  cells: (item: T, index: number) => ReactNode;
  /** Content of an extra full-width line under the row (e.g. its error), or null. */
  extra?: (item: T) => ReactNode | null;
  rowClass?: (item: T) => string;
  selected?: (item: T) => boolean;
  /** Space on a row. */
  onToggle?: (item: T) => void;
  /** Pointer entering or leaving the table (the view holds re-sorting while it is inside). */
  onPointerInside?: (inside: boolean) => void;
  /** Greyed and busy (a reconnect in progress): rows stay, actions inside are the view's call. */
  stale?: boolean;
  viewportHeight?: number;
  testId?: string;
}

/** First index whose bottom edge is below y (offsets[i] is row i's top; offsets[n] the total). */
function indexAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return Math.min(lo, Math.max(0, offsets.length - 2));
}

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { items, itemKey, extra } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const measured = useClientHeight(viewport);
  const [scrollTop, setScrollTop] = useState(0);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const focusPending = useRef(false);

  const extras = useMemo(() => items.map((t) => (extra ? extra(t) : null)), [items, extra]);
  const offsets = useMemo(() => {
    const o = new Array<number>(items.length + 1);
    o[0] = 0;
    for (let i = 0; i < items.length; i++)
      o[i + 1] = o[i]! + ROW_HEIGHT + (extras[i] !== null ? EXTRA_HEIGHT : 0);
    return o;
  }, [items, extras]);

  const total = offsets[items.length]!;
  const viewportHeight = measured || props.viewportHeight || DEFAULT_VIEWPORT_HEIGHT;
  const top = Math.min(scrollTop, Math.max(0, total - viewportHeight));
  const first = items.length ? indexAt(offsets, top) : 0;
  const last = items.length ? indexAt(offsets, top + viewportHeight) : -1;
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(items.length, last + 1 + OVERSCAN);

  const activeIndex = activeKey === null ? -1 : items.findIndex((t) => itemKey(t) === activeKey);
  // The row that takes Tab into the table: the active one, else the first.
  const tabIndexOf = (i: number) => (i === (activeIndex >= 0 ? activeIndex : 0) ? 0 : -1);

  const moveTo = (i: number) => {
    if (!items.length) return;
    const to = Math.max(0, Math.min(items.length - 1, i));
    const el = viewport.current;
    if (el) {
      // Keep the row inside the viewport, below the sticky header.
      const head = ROW_HEIGHT;
      const rowTop = offsets[to]!;
      const rowBottom = offsets[to]! + ROW_HEIGHT;
      if (rowTop < el.scrollTop) el.scrollTop = rowTop;
      else if (rowBottom + head > el.scrollTop + viewportHeight)
        el.scrollTop = rowBottom + head - viewportHeight;
      setScrollTop(el.scrollTop);
    }
    focusPending.current = true;
    setActiveKey(itemKey(items[to]!));
  };

  useLayoutEffect(() => {
    if (!focusPending.current || activeKey === null) return;
    focusPending.current = false;
    const rows = viewport.current?.querySelectorAll<HTMLElement>('tr[data-key]') ?? [];
    for (const row of rows) if (row.dataset.key === activeKey) row.focus();
  });

  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, i: number, item: T) => {
    // Keys typed into a control inside the row belong to that control.
    if (e.target !== e.currentTarget) return;
    const page = Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: i + 1,
      ArrowUp: i - 1,
      PageDown: i + page,
      PageUp: i - page,
      Home: 0,
      End: items.length - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      moveTo(moves[e.key]!);
    } else if (e.key === ' ' && props.onToggle) {
      e.preventDefault();
      props.onToggle(item);
    }
  };

  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const item = items[i]!;
    const key = itemKey(item);
    const sel = props.selected?.(item) ?? false;
    rows.push(
      <tr
        key={key}
        data-key={key}
        data-testid={props.testId ? `${props.testId}-row` : undefined}
        aria-rowindex={i + 2}
        aria-selected={props.selected ? sel : undefined}
        tabIndex={tabIndexOf(i)}
        className={`vt-row${sel ? ' iv-selected' : ''}${key === activeKey ? ' iv-active' : ''} ${props.rowClass?.(item) ?? ''}`}
        onKeyDown={(e) => onKeyDown(e, i, item)}
        onFocus={(e) => {
          if (e.target === e.currentTarget) setActiveKey(key);
        }}
      >
        {props.cells(item, i)}
      </tr>,
    );
    const x = extras[i];
    if (x !== null && x !== undefined)
      rows.push(
        <tr key={`${key}\u0000extra`} className="vt-extra" aria-rowindex={i + 2}>
          <td colSpan={props.columns.length}>{x}</td>
        </tr>,
      );
  }

  return (
    <div
      ref={viewport}
      className={`vt-viewport${props.stale ? ' iv-stale' : ''}`}
      data-testid={props.testId}
      aria-busy={props.stale || undefined}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onPointerEnter={() => props.onPointerInside?.(true)}
      onPointerLeave={() => props.onPointerInside?.(false)}
    >
      <table
        className="vt"
        role="grid"
        aria-label={props.label}
        aria-rowcount={items.length + 1}
        aria-multiselectable={props.selected ? true : undefined}
      >
        <colgroup>
          {props.columns.map((c) => (
            <col key={c.key} className={`vt-col-${c.key}`} style={{ width: c.width }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {props.columns.map((c) => (
              <th key={c.key} scope="col" className={`col-${c.key}`}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {start > 0 && (
            <tr className="vt-spacer" aria-hidden="true" style={{ height: offsets[start] }} />
          )}
          {rows}
          {end < items.length && (
            <tr
              className="vt-spacer"
              aria-hidden="true"
              style={{ height: total - offsets[end]! }}
            />
          )}
        </tbody>
      </table>
    </div>
  );
}
