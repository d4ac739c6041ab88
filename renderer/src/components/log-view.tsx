// The live log viewer: virtualised rows, level filter, search, follow/pause, copy and export.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { IncrementalFilter, LEVEL_FILTERS, visibleRange, type LevelFilter } from '../log-filter';
import { useStore } from '../store/context';
import { copyText, downloadText, exportFileName, linesToText } from './log-actions';
import { LogRow } from './log-row';

export const ROW_HEIGHT = 20;
export const OVERSCAN = 20;
/** Used when the viewport cannot be measured (hidden tab, jsdom). */
export const DEFAULT_VIEWPORT_HEIGHT = 400;

export function LogView(props: { viewportHeight?: number }) {
  const buffer = useStore((s) => s.logs);
  const version = useStore((s) => s.logsVersion);
  const [level, setLevel] = useState<LevelFilter>('all');
  const [text, setText] = useState('');
  const [follow, setFollow] = useState(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [measured, setMeasured] = useState(0);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const viewport = useRef<HTMLDivElement>(null);

  // `version` is the dependency that matters: the buffer is mutated in place.
  const filter = useRef(new IncrementalFilter());
  const shown = useMemo(
    () => filter.current.apply(buffer.all(), level, text),
    [buffer, version, level, text],
  );
  const total = shown.length * ROW_HEIGHT;
  const viewportHeight = measured || props.viewportHeight || DEFAULT_VIEWPORT_HEIGHT;
  const maxScroll = Math.max(0, total - viewportHeight);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const measure = () => setMeasured(el.clientHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // While following, stay pinned to the newest line.
  useLayoutEffect(() => {
    if (!follow) return;
    setScrollTop(maxScroll);
    if (viewport.current) viewport.current.scrollTop = maxScroll;
  }, [follow, maxScroll, version]);

  const onScroll = (e: React.UIEvent<HTMLDivElement>) => {
    const top = e.currentTarget.scrollTop;
    setScrollTop(top);
    const atBottom = top >= maxScroll - ROW_HEIGHT;
    // Scrolling up pauses following; scrolling back to the end resumes it.
    if (follow && !atBottom) setFollow(false);
    else if (!follow && atBottom && top > 0) setFollow(true);
  };

  const onSelect = useCallback(
    (seq: number, e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }) => {
      setSelected((prev) => {
        if (e.shiftKey && anchor !== null) {
          const a = shown.findIndex((l) => l.seq === anchor);
          const b = shown.findIndex((l) => l.seq === seq);
          if (a >= 0 && b >= 0) {
            const [lo, hi] = a < b ? [a, b] : [b, a];
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
      setFollow(false);
    },
    [anchor, shown],
  );

  const chosen = () => (selected.size ? shown.filter((l) => selected.has(l.seq)) : shown);

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

  const { start, end } = visibleRange({
    count: shown.length,
    rowHeight: ROW_HEIGHT,
    scrollTop: Math.min(scrollTop, maxScroll),
    viewportHeight,
    overscan: OVERSCAN,
  });
  const rows = shown.slice(start, end);

  return (
    <section className="panel log-panel" aria-labelledby="logs-heading">
      <h2 id="logs-heading">Logs</h2>
      <div className="toolbar">
        <label>
          Minimum level{' '}
          <select
            data-testid="log-level"
            value={level}
            onChange={(e) => setLevel(e.target.value as LevelFilter)}
          >
            {LEVEL_FILTERS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input
            type="search"
            data-testid="log-search"
            value={text}
            placeholder="text in the line"
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
        <button type="button" data-testid="log-copy" onClick={() => void onCopy()}>
          {selected.size ? `Copy ${selected.size} selected` : 'Copy shown'}
        </button>
        <button type="button" data-testid="log-export" onClick={onExport}>
          Export .log
        </button>
        {selected.size > 0 && (
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
        <span className="muted" data-testid="log-count">
          {shown.length === buffer.length
            ? `${buffer.length} lines`
            : `${shown.length} of ${buffer.length} lines`}
        </span>
      </div>
      <p className="sr-only" aria-live="polite" data-testid="log-notice">
        {notice}
      </p>
      {notice && (
        <p className="muted" aria-hidden="true">
          {notice}
        </p>
      )}
      <div
        ref={viewport}
        className="log-viewport"
        data-testid="log-viewport"
        tabIndex={0}
        role="listbox"
        aria-multiselectable="true"
        aria-label="containerd log lines"
        onScroll={onScroll}
      >
        <div className="log-spacer" style={{ height: total }}>
          <div className="log-rows" style={{ transform: `translateY(${start * ROW_HEIGHT}px)` }}>
            {rows.map((l) => (
              <LogRow key={l.seq} line={l} selected={selected.has(l.seq)} onSelect={onSelect} />
            ))}
          </div>
        </div>
        {shown.length === 0 && (
          <p className="muted empty">
            {buffer.length ? 'No lines match the filter.' : 'No log lines yet.'}
          </p>
        )}
      </div>
    </section>
  );
}
