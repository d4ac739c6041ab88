// Level and text filtering for log lines, shared by the log view, copy and export.
import { LEVEL_RANK } from '../../common/log-levels';
import type { LogLevel, LogLine } from '../../common/states';

export type LevelFilter = 'all' | Exclude<LogLevel, 'unknown' | 'panic'>;
export const LEVEL_FILTERS: LevelFilter[] = [
  'all',
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
];

/** Lines at or above the level that contain the text (case-insensitive); the input itself when no filter applies. */
export function filterLines(
  lines: readonly LogLine[],
  level: LevelFilter,
  text: string,
): readonly LogLine[] {
  const needle = text.trim().toLowerCase();
  if (level === 'all' && !needle) return lines;
  const min = level === 'all' ? -1 : LEVEL_RANK[level];
  return lines.filter(
    (l) => LEVEL_RANK[l.level] >= min && (!needle || l.raw.toLowerCase().includes(needle)),
  );
}

/** The visible range of a fixed-row-height list, with overscan rows on both sides. */
export function visibleRange(opts: {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  overscan: number;
}): { start: number; end: number } {
  const { count, rowHeight, scrollTop, viewportHeight, overscan } = opts;
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(viewportHeight / rowHeight) + 1;
  const start = Math.max(0, Math.min(first - overscan, count));
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}
