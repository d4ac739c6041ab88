// The live log viewer: fills the page, virtualised rows with run-boundary markers, level filter,
// search, follow/pause, keyboard selection, and copy/export of exactly what is shown.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { IncrementalFilter, LEVEL_FILTERS, type LevelFilter } from '../components/log-filter';
import { useDispatcher, useStore } from '../store/context';
import { copyText, downloadText, exportFileName, linesToText } from '../components/log-actions';
import {
  insertionIndex,
  itemAt,
  placeMarkers,
  rowOfLine,
  runMarkers,
  StartLineScanner,
} from '../components/log-markers';
import { LogRow } from '../components/log-row';
import { useVirtualRows } from '../components/virtual-rows';
import { Options } from '../components/options';

export const ROW_HEIGHT = 20;
export const OVERSCAN = 20;
/** Rows are added and dropped this many at a time (see useVirtualRows). */
export const BLOCK = 16;
/**
 * The virtualiser is told the row count in steps of this many. It recomputes every row's offset
 * (a key and a size lookup each) whenever the count changes: during a flood that was once per
 * batch, up to the buffer's 100,000 lines each time. Rows past the real count render nothing.
 */
export const COUNT_STEP = 16_384;
/** Used when the viewport cannot be measured (hidden page, jsdom). */
export const DEFAULT_VIEWPORT_HEIGHT = 400;

type Mods = { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean };

function LogSkeleton() {
  return (
    <div className="log-skeleton" aria-hidden="true" data-testid="log-skeleton">
      {[70, 55, 82, 64, 48, 76, 60, 88].map((w, i) => (
        <div key={i} className="skeleton" style={{ width: `${w}%` }} />
      ))}
    </div>
  );
}

export function LogView(props: { viewportHeight?: number }) {
  const dispatcher = useDispatcher();
  const buffer = useStore((s) => s.logs);
  const version = useStore((s) => s.logsVersion);
  const transitions = useStore((s) => s.transitions);
  const focusReq = useStore((s) => s.logFocus);
  const [level, setLevel] = useState<LevelFilter>('all');
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  /** Index into `shown` of the keyboard cursor. */
  const [active, setActive] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const viewport = useRef<HTMLDivElement>(null);

  // `version` is the dependency that matters: the buffer is mutated in place.
  const filter = useRef(new IncrementalFilter());
  const scanner = useRef(new StartLineScanner());
  const shown = useMemo(
    () => filter.current.apply(buffer.all(), level, text),
    [buffer, version, level, text],
  );
  const starts = useMemo(() => scanner.current.scan(buffer.all()), [buffer, version]);
  const markers = useMemo(() => runMarkers(starts, transitions), [starts, transitions]);
  const placed = useMemo(() => placeMarkers(shown, markers), [shown, markers]);
  const count = shown.length + placed.length;
  const fallbackHeight = props.viewportHeight || DEFAULT_VIEWPORT_HEIGHT;
  const rowHeight = useCallback(() => ROW_HEIGHT, []);
  // Rows by index (no rowKey): with 100k lines arriving in batches, the virtualiser's sizes are
  // rebuilt only when the count changes, and every row is one height anyway.
  const { virtualizer, items, before } = useVirtualRows({
    count: Math.ceil(count / COUNT_STEP) * COUNT_STEP,
    scrollRef: viewport,
    rowHeight,
    overscan: OVERSCAN,
    block: BLOCK,
    fallbackHeight,
    // Following, every batch scrolls the list; the batch's own render is enough.
    syncScroll: false,
  });
  const total = count * ROW_HEIGHT;
  const viewportHeight = virtualizer.scrollRect?.height || fallbackHeight;
  const maxScroll = Math.max(0, total - viewportHeight);
  const activeLine = active !== null ? shown[active] : undefined;

  // While following, stay pinned to the newest line. A plain write, not scrollToEnd: during a
  // flood that would start a scroll command (and its frame loop) for every batch; the
  // virtualiser hears the scroll event before the next paint either way.
  useLayoutEffect(() => {
    const el = viewport.current;
    if (follow && el && el.scrollTop !== maxScroll) el.scrollTop = maxScroll;
  }, [follow, maxScroll, version]);

  const scrollToRow = useCallback(
    (row: number) => virtualizer.scrollToIndex(row, { align: 'auto' }),
    [virtualizer],
  );

  // Activity's "show logs": jump to the first line at or after that moment.
  useEffect(() => {
    if (!focusReq || !shown.length) return;
    const i = Math.min(shown.length - 1, insertionIndex(shown, focusReq.time));
    setFollow(false);
    setActive(i);
    scrollToRow(rowOfLine(i, placed));
    dispatcher.clearLogFocus();
  }, [focusReq, shown, placed, scrollToRow, dispatcher]);

  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const top = e.currentTarget.scrollTop;
    const atBottom = top >= maxScroll - ROW_HEIGHT;
    // Scrolling up pauses following; scrolling back to the end resumes it.
    if (follow && !atBottom) setFollow(false);
    else if (!follow && atBottom && top > 0) setFollow(true);
  };

  const rangeSet = (a: number, b: number) => {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return new Set(shown.slice(lo, hi + 1).map((l) => l.seq));
  };

  const onSelect = useCallback(
    (seq: number, e: Mods) => {
      const idx = shown.findIndex((l) => l.seq === seq);
      setSelected((prev) => {
        if (e.shiftKey && anchor !== null) {
          const a = shown.findIndex((l) => l.seq === anchor);
          if (a >= 0 && idx >= 0) {
            const [lo, hi] = a < idx ? [a, idx] : [idx, a];
            return new Set(shown.slice(lo, hi + 1).map((l) => l.seq));
          }
        }
        if (e.ctrlKey || e.metaKey) {
          const next = new Set(prev);
          if (next.has(seq)) next.delete(seq);
          else next.add(seq);
          return next;
        }
        return prev.size === 1 && prev.has(seq) ? new Set() : new Set([seq]);
      });
      if (!e.shiftKey) setAnchor(seq);
      if (idx >= 0) setActive(idx);
      setFollow(false);
    },
    [anchor, shown],
  );

  // Copy and export act on what is shown: a selection hidden by the filter does not count.
  const visibleSelected = useMemo(
    () => (selected.size ? shown.filter((l) => selected.has(l.seq)) : []),
    [selected, shown],
  );
  const hiddenSelected = selected.size - visibleSelected.length;
  const chosen = () => (visibleSelected.length ? visibleSelected : shown);

  const onCopy = async () => {
    const lines = chosen();
    try {
      await copyText(linesToText(lines));
      setNotice(`Copied ${lines.length} line${lines.length === 1 ? '' : 's'}.`);
    } catch (err) {
      setNotice(
        `Copy failed: ${err instanceof Error ? err.message : String(err)}; use Export instead.`,
      );
    }
  };

  const onExport = () => {
    const lines = chosen();
    downloadText(linesToText(lines), exportFileName());
    setNotice(`Exported ${lines.length} line${lines.length === 1 ? '' : 's'}.`);
  };

  const moveTo = (i: number, extend: boolean) => {
    if (!shown.length) return;
    const next = Math.max(0, Math.min(shown.length - 1, i));
    const line = shown[next];
    if (!line) return;
    setActive(next);
    setFollow(false);
    if (extend) {
      const a = anchor !== null ? shown.findIndex((l) => l.seq === anchor) : -1;
      const from = a >= 0 ? a : (active ?? next);
      if (a < 0) setAnchor(shown[from]?.seq ?? line.seq);
      setSelected(rangeSet(from, next));
    }
    scrollToRow(rowOfLine(next, placed));
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const cur = active ?? (shown.length ? shown.length - 1 : 0);
    const page = Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT) - 1);
    const mod = e.ctrlKey || e.metaKey;
    let handled = true;
    if (e.key === 'ArrowDown') moveTo(active === null ? cur : cur + 1, e.shiftKey);
    else if (e.key === 'ArrowUp') moveTo(active === null ? cur : cur - 1, e.shiftKey);
    else if (e.key === 'PageDown') moveTo(cur + page, e.shiftKey);
    else if (e.key === 'PageUp') moveTo(cur - page, e.shiftKey);
    else if (e.key === 'Home') moveTo(0, e.shiftKey);
    else if (e.key === 'End') moveTo(shown.length - 1, e.shiftKey);
    else if (e.key === ' ' && activeLine) {
      const seq = activeLine.seq;
      setSelected((prev) => {
        const next = new Set(prev);
        if (next.has(seq)) next.delete(seq);
        else next.add(seq);
        return next;
      });
      setAnchor(seq);
    } else if (mod && e.key.toLowerCase() === 'a') {
      setSelected(new Set(shown.map((l) => l.seq)));
    } else if (mod && e.key.toLowerCase() === 'c') {
      void onCopy();
    } else if (e.key === 'Escape' && selected.size) {
      setSelected(new Set());
    } else handled = false;
    if (handled) e.preventDefault();
  };

  // Scrolling within a block re-renders this component but not its rows.
  const rows = useMemo(
    () =>
      items.flatMap((v) => {
        if (v.index >= count) return [];
        const it = itemAt(v.index, placed);
        if (it.kind === 'marker')
          return (
            <div
              key={it.marker.key}
              className={`log-marker ${it.marker.kind}`}
              data-testid="log-marker"
              role="separator"
              aria-label={it.marker.text.replace(/—/g, '').trim()}
            >
              {it.marker.text}
            </div>
          );
        const l = shown[it.index]!;
        return (
          <LogRow
            key={l.seq}
            line={l}
            selected={selected.has(l.seq)}
            active={it.index === active}
            onSelect={onSelect}
          />
        );
      }),
    [items, count, placed, shown, selected, active, onSelect],
  );

  const loading = version === 0;
  return (
    <section className="log-panel" aria-labelledby="logs-heading">
      <div className="toolbar">
        <h2 id="logs-heading" className="sr-only">
          Logs
        </h2>
        <label>
          Level{' '}
          <select
            data-testid="log-level"
            value={level}
            onChange={(e) => setLevel(e.target.value as LevelFilter)}
          >
            <Options values={LEVEL_FILTERS} />
          </select>
        </label>
        <label>
          <span className="sr-only">Search</span>
          <input
            type="search"
            data-testid="log-search"
            value={text}
            placeholder="Search the log"
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <button
          type="button"
          data-testid="log-follow"
          aria-pressed={follow}
          onClick={() => setFollow((f) => !f)}
        >
          {follow ? 'Following' : 'Paused — follow'}
        </button>
        <span className="spacer" />
        <span className="muted" data-testid="log-count">
          {shown.length === buffer.length
            ? `${buffer.length} lines`
            : `${shown.length} of ${buffer.length} lines`}
        </span>
        <button type="button" data-testid="log-copy" onClick={() => void onCopy()}>
          {visibleSelected.length ? `Copy ${visibleSelected.length} selected` : 'Copy shown'}
        </button>
        <button type="button" data-testid="log-export" onClick={onExport}>
          {visibleSelected.length ? `Export ${visibleSelected.length} selected` : 'Export shown'}
        </button>
        {selected.size > 0 && (
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
      </div>
      {(notice || hiddenSelected > 0) && (
        <p className="muted log-notice" data-testid="log-hidden-note">
          {hiddenSelected > 0 &&
            `${hiddenSelected} selected line${hiddenSelected === 1 ? ' is' : 's are'} hidden by the filter and not copied. `}
          <span aria-hidden="true">{notice}</span>
        </p>
      )}
      <p className="sr-only" aria-live="polite" data-testid="log-notice">
        {notice}
      </p>
      <div
        ref={viewport}
        className="log-viewport"
        data-testid="log-viewport"
        tabIndex={0}
        role="listbox"
        aria-multiselectable="true"
        aria-label="containerd log lines (arrows move, Space selects, Shift+arrows extend, Ctrl+A selects all, Ctrl+C copies)"
        aria-activedescendant={activeLine ? `log-line-${activeLine.seq}` : undefined}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
      >
        {loading ? (
          <LogSkeleton />
        ) : (
          <div className="log-spacer" style={{ height: total }}>
            <div className="log-rows" style={{ transform: `translateY(${before}px)` }}>
              {rows}
            </div>
          </div>
        )}
        {!loading && shown.length === 0 && (
          <p className="muted empty">
            {buffer.length ? 'No lines match the filter.' : 'No log lines yet: start containerd.'}
          </p>
        )}
      </div>
    </section>
  );
}
