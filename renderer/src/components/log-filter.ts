// The log view's use of the one log filter (common/log-filter.ts): level choice + search text.
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
