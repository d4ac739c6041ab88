// The log view's use of the one log filter (common/log-filter.ts): level choice + search text, plus list windowing.
import { filterLogLines, type LogFilter } from '../../../common/log-filter';
import { LEVEL_FILTERS, type LevelFilter } from '../../../common/log-levels';
import type { LogLine } from '../../../common/states';

export { LEVEL_FILTERS, type LevelFilter };

function toFilter(level: LevelFilter, text: string): LogFilter {
  return { minLevel: level === 'all' ? undefined : level, text };
}

/** Lines at or above the level whose raw line or message contains the text (case-insensitive); the input itself when no filter applies. */
export function filterLines(
  lines: readonly LogLine[],
  level: LevelFilter,
  text: string,
): readonly LogLine[] {
  return filterLogLines(lines, toFilter(level, text));
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

/**
 * filterLines for an append-only buffer, without rescanning it on every batch: while the filter
 * and the buffer's head stay the same, only lines appended since the last call are tested.
 */
export class IncrementalFilter {
  private key = '';
  private head: LogLine | undefined;
  private scanned = 0;
  private result: LogLine[] = [];

  apply(lines: readonly LogLine[], level: LevelFilter, text: string): readonly LogLine[] {
    const key = `${level}\u0000${text.toLowerCase()}`;
    if (level === 'all' && !text) return lines;
    if (key !== this.key || lines[0] !== this.head || lines.length < this.scanned) {
      this.key = key;
      this.head = lines[0];
      this.result = [...filterLines(lines, level, text)];
    } else if (lines.length > this.scanned) {
      // A new array each time lines arrive, so React sees the change.
      this.result = this.result.concat(filterLines(lines.slice(this.scanned), level, text));
    }
    this.scanned = lines.length;
    return this.result;
  }
}
