// The one log line filter (engine ring, `cdesk daemon logs`, the log view) and the size a line is counted at for byte bounds.
import { LEVEL_RANK, type LogLevel } from './log-level-names';
import type { LogLine } from './states';

/** Filters that combine with AND; each is optional. */
export interface LogFilter {
  /** Only lines at this level or worse (see levelAtLeast; 'unknown' ranks with 'info'). */
  minLevel?: LogLevel;
  /** Only lines with seq > sinceSeq (what a follower has not seen yet). */
  sinceSeq?: number;
  /** Only lines with time >= sinceTime (epoch ms). */
  sinceTime?: number;
  /** Case-insensitive substring of the raw line or of the (unescaped) message; '' matches all. */
  text?: string;
}

/** A filter compiled once (needle lower-cased, rank looked up) for testing many lines. */
export type LineTest = (line: LogLine) => boolean;

export function compileLogFilter(f: LogFilter): LineTest {
  const minRank = f.minLevel === undefined ? -1 : LEVEL_RANK[f.minLevel];
  const { sinceSeq, sinceTime } = f;
  const needle = f.text ? f.text.toLowerCase() : '';
  return (line) =>
    (sinceSeq === undefined || line.seq > sinceSeq) &&
    (sinceTime === undefined || line.time >= sinceTime) &&
    LEVEL_RANK[line.level] >= minRank &&
    (!needle ||
      line.raw.toLowerCase().includes(needle) ||
      (line.msg !== line.raw && line.msg.toLowerCase().includes(needle)));
}

/** True when the filter lets nothing out (so callers can skip the scan). */
function isEmptyFilter(f: LogFilter): boolean {
  return (
    f.minLevel === undefined && f.sinceSeq === undefined && f.sinceTime === undefined && !f.text
  );
}

/** Lines that pass `f`, in input order; the input itself when the filter is empty. */
export function filterLogLines(lines: readonly LogLine[], f: LogFilter): readonly LogLine[] {
  if (isEmptyFilter(f)) return lines;
  return lines.filter(compileLogFilter(f));
}

/** Fixed cost counted per line on top of its text (object, seq, time, level). */
const LINE_OVERHEAD_BYTES = 64;

/**
 * What a line counts for in byte bounds (ring, batcher): characters of raw, of msg when it is
 * not raw itself, and of fields, plus a fixed overhead. Characters ≈ bytes for the ASCII that
 * containerd writes; cheap (no encoding pass), so it can run for every line of a flood.
 */
export function lineCost(line: LogLine): number {
  let n = LINE_OVERHEAD_BYTES + line.raw.length;
  if (line.msg !== line.raw) n += line.msg.length;
  for (const k in line.fields) n += k.length + (line.fields[k] as string).length;
  return n;
}
