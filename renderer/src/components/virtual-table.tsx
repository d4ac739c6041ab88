// A real <table> that renders only the rows in view (useVirtualRows): sticky header, fixed column widths, roving row focus.
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { useVirtualRows } from './virtual-rows';

export const ROW_HEIGHT = 36;
/** The error line under a row ("Stop failed: …"). */
export const EXTRA_HEIGHT = 34;
/**
 * Rows rendered beyond each edge of the viewport. A fast wheel scroll moves 360–720 px in one
 * slow frame (bench/ui-inside.ts counted blank rows with 10), so keep 12 rows (432 px) ready;
 * the blocks (BLOCK) add half a block more on average, so ~720 px on each side.
 */
export const OVERSCAN = 12;
/** Rows are added and dropped 16 at a time, so most scroll events change no row at all. */
export const BLOCK = 16;
/** The controls inside a row that arrow keys move between rows (text fields keep their arrows). */
const CONTROLS = 'input[type="checkbox"], button';
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
  /**
   * The keys of the rows inside the viewport (not the overscan), each time they change: what a
   * view may spend live work on (the Containers page polls stats for these only).
   */
  onVisibleChange?: (keys: readonly string[]) => void;
}

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { items, itemKey, extra } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const focusPending = useRef(false);
  /** Moving from a control (a checkbox, a row button): land on the same control in the next row. */
  const focusControl = useRef<{ cell: number; control: number } | null>(null);
  // The row a control moves to may already be the active one: render anyway, so focus moves.
  const [, setMoves] = useState(0);

  const extras = useMemo(() => items.map((t) => (extra ? extra(t) : null)), [items, extra]);
  const rowHeight = useCallback(
    (i: number) => ROW_HEIGHT + (extras[i] !== null ? EXTRA_HEIGHT : 0),
    [extras],
  );
  const rowKey = useCallback((i: number) => itemKey(items[i]!), [items, itemKey]);
  const activeIndex = useMemo(
    () => (activeKey === null ? -1 : items.findIndex((t) => itemKey(t) === activeKey)),
    [activeKey, items, itemKey],
  );
  const fallbackHeight = props.viewportHeight || DEFAULT_VIEWPORT_HEIGHT;
  const {
    virtualizer,
    items: shown,
    before,
    after,
  } = useVirtualRows({
    count: items.length,
    scrollRef: viewport,
    rowHeight,
    rowKey,
    overscan: OVERSCAN,
    block: BLOCK,
    fallbackHeight,
    headerHeight: ROW_HEIGHT,
    // The focused row stays in the DOM when the wheel scrolls it away, so it keeps the focus.
    keep: activeIndex >= 0 ? activeIndex : undefined,
  });

  // The rows really on screen: the virtualiser's range before overscan and blocks.
  const range = virtualizer.range;
  const visibleKeys =
    range && items.length
      ? items
          .slice(Math.max(0, range.startIndex), Math.min(items.length, range.endIndex + 1))
          .map(itemKey)
      : [];
  const visibleSig = visibleKeys.join('\u0000');
  const onVisible = props.onVisibleChange;
  useEffect(() => {
    onVisible?.(visibleSig ? visibleSig.split('\u0000') : []);
  }, [visibleSig, onVisible]);

  const moveTo = (i: number) => {
    if (!items.length) return;
    const to = Math.max(0, Math.min(items.length - 1, i));
    virtualizer.scrollToIndex(to, { align: 'auto' });
    focusPending.current = true;
    setActiveKey(itemKey(items[to]!));
  };

  // Focus the row a key moved to once it is rendered (a long jump renders it after the scroll).
  useLayoutEffect(() => {
    if (!focusPending.current || activeKey === null) return;
    const rows = viewport.current?.querySelectorAll<HTMLElement>('tr[data-key]') ?? [];
    for (const row of rows)
      if (row.dataset.key === activeKey) {
        focusPending.current = false;
        const at = focusControl.current;
        focusControl.current = null;
        const control = at
          ? row.children[at.cell]?.querySelectorAll<HTMLElement>(CONTROLS)[at.control]
          : undefined;
        if (control && !control.matches(':disabled')) control.focus();
        else row.focus();
      }
  });

  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, i: number, item: T) => {
    if (e.target !== e.currentTarget) {
      // Up and down from a checkbox or a row button go to the same control a row away; every
      // other key (and anything typed into a text field) belongs to the control.
      const el = e.target as HTMLElement;
      if ((e.key !== 'ArrowDown' && e.key !== 'ArrowUp') || !el.matches(CONTROLS)) return;
      const cell = el.closest('td');
      if (!cell || cell.parentElement !== e.currentTarget) return;
      e.preventDefault();
      const to = e.key === 'ArrowDown' ? i + 1 : i - 1;
      if (to < 0 || to >= items.length) return;
      focusControl.current = {
        cell: [...e.currentTarget.children].indexOf(cell),
        control: [...cell.querySelectorAll(CONTROLS)].indexOf(el),
      };
      setMoves((n) => n + 1);
      moveTo(to);
      return;
    }
    const height = virtualizer.scrollRect?.height || fallbackHeight;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
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
  // Rows are memoised below; their handlers reach the current render through this.
  const handlers = useRef({ onKeyDown, setActiveKey });
  handlers.current = { onKeyDown, setActiveKey };

  const { cells, selected, rowClass, testId, columns } = props;
  // Scrolling within a block re-renders this component but not its rows: the same elements
  // come back, and React skips them.
  const rows = useMemo(() => {
    const out: ReactNode[] = [];
    if (before > 0) out.push(<Spacer key="\u0000before" height={before} />);
    let prevEnd = shown[0]?.start ?? 0;
    for (const v of shown) {
      // A kept row far from the block leaves a gap to fill.
      if (v.start > prevEnd)
        out.push(<Spacer key={`\u0000gap${v.index}`} height={v.start - prevEnd} />);
      prevEnd = v.end;
      const i = v.index;
      const item = items[i]!;
      const key = itemKey(item);
      const sel = selected?.(item) ?? false;
      out.push(
        <tr
          key={key}
          data-key={key}
          data-testid={testId ? `${testId}-row` : undefined}
          aria-rowindex={i + 2}
          aria-selected={selected ? sel : undefined}
          tabIndex={i === (activeIndex >= 0 ? activeIndex : 0) ? 0 : -1}
          className={`vt-row${sel ? ' iv-selected' : ''}${key === activeKey ? ' iv-active' : ''} ${rowClass?.(item) ?? ''}`}
          onKeyDown={(e) => handlers.current.onKeyDown(e, i, item)}
          onFocus={(e) => {
            if (e.target === e.currentTarget) handlers.current.setActiveKey(key);
          }}
        >
          {cells(item, i)}
        </tr>,
      );
      const x = extras[i];
      if (x !== null && x !== undefined)
        out.push(
          <tr key={`${key}\u0000extra`} className="vt-extra" aria-rowindex={i + 2}>
            <td colSpan={columns.length}>{x}</td>
          </tr>,
        );
    }
    if (after > 0) out.push(<Spacer key="\u0000after" height={after} />);
    return out;
  }, [
    shown,
    before,
    after,
    items,
    itemKey,
    extras,
    cells,
    selected,
    rowClass,
    testId,
    columns,
    activeKey,
    activeIndex,
  ]);

  return (
    <div
      ref={viewport}
      className={`vt-viewport${props.stale ? ' iv-stale' : ''}`}
      data-testid={props.testId}
      aria-busy={props.stale || undefined}
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
        <tbody>{rows}</tbody>
      </table>
    </div>
  );
}

/** Stands in for rows not rendered, so the scrollbar and the rendered rows sit where they belong. */
function Spacer(props: { height: number }) {
  return <tr className="vt-spacer" aria-hidden="true" style={{ height: props.height }} />;
}
