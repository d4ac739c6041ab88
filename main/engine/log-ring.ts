// The live log view's memory: the newest parsed lines in a circular array bounded by line count AND bytes, queried in byte-bounded pages.
import type { LogLevel } from '../../common/log-levels';
import { compileLogFilter, lineCost } from '../../common/log-filter';
import type { LogLine } from '../../common/states';
import { cutMarker } from './log-parse';

/** Filters and bounds for LogRing.query; filters are optional and combine with AND. */
export interface LogQuery {
  /** Only lines with seq > sinceSeq (what a follower has not seen yet; a page cursor). */
  sinceSeq?: number;
  /** Only lines with time >= sinceTime (epoch ms). */
  sinceTime?: number;
  /** Only lines at this level or worse (see levelAtLeast). */
  minLevel?: LogLevel;
  /** Case-insensitive substring of the raw line or of the unescaped msg. */
  text?: string;
  /** At most this many lines: the newest matches. Default: all matches. */
  limit?: number;
  /** Serialized (JSON, UTF-8) size of the returned lines at most; default DEFAULT_QUERY_BYTES. */
  maxBytes?: number;
}

export interface LogPage {
  /** Matching lines, oldest first. */
  lines: LogLine[];
  /** Pass as sinceSeq (without limit) to get the rest when the page was cut by maxBytes; null when complete. */
  nextSeq: number | null;
}

export interface LogRingLimits {
  /** Lines kept at most. */
  maxLines: number;
  /** Bytes kept at most, counted with lineCost (the newest line is always kept). */
  maxBytes?: number;
}

export const DEFAULT_QUERY_BYTES = 1 << 20;
/** A page never goes below this, so a tiny maxBytes still makes progress. */
const MIN_QUERY_BYTES = 1024;

function jsonBytes(line: LogLine): number {
  return Buffer.byteLength(JSON.stringify(line));
}

/** A copy of `line` with raw and msg cut so its JSON fits `maxBytes` (the first line of a page must fit too). */
function shrinkToFit(line: LogLine, maxBytes: number): LogLine {
  // Worst case a character costs 6 bytes in JSON (\u0001), and raw and msg both hold it.
  let keep = Math.max(16, Math.floor((maxBytes - 512) / 12));
  for (;;) {
    const cut = (s: string) =>
      s.length > keep ? s.slice(0, keep) + cutMarker(Buffer.byteLength(s.slice(keep))) : s;
    const small: LogLine = { ...line, raw: cut(line.raw), msg: cut(line.msg), fields: {} };
    if (keep <= 16 || jsonBytes(small) <= maxBytes) return small;
    keep = Math.floor(keep / 2);
  }
}

function checkLimits(l: LogRingLimits): Required<LogRingLimits> {
  const maxBytes = l.maxBytes ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(l.maxLines) || l.maxLines < 1) {
    throw new RangeError(`LogRing maxLines must be a positive integer, got ${l.maxLines}`);
  }
  if (!(maxBytes >= 1)) {
    throw new RangeError(`LogRing maxBytes must be a positive number, got ${l.maxBytes}`);
  }
  return { maxLines: l.maxLines, maxBytes };
}

/**
 * Circular array of LogLines. Assumes seq increases with every push (true for one LogTailer):
 * queries walk from the newest line backwards and stop at `sinceSeq`.
 */
export class LogRing {
  private maxLines: number;
  private maxBytes: number;
  private buf: (LogLine | undefined)[];
  private cost: Int32Array;
  /** Index the next line is written to. */
  private head = 0;
  private count = 0;
  private bytesHeld = 0;
  private last = 0;

  /** `new LogRing(20000)` (lines only) or `new LogRing({ maxLines, maxBytes })`. */
  constructor(limits: number | LogRingLimits) {
    const l = checkLimits(typeof limits === 'number' ? { maxLines: limits } : limits);
    this.maxLines = l.maxLines;
    this.maxBytes = l.maxBytes;
    // Grows line by line up to maxLines (then wraps): a fresh engine allocates nothing up front.
    this.buf = [];
    this.cost = new Int32Array(l.maxLines);
  }

  /** Line capacity. */
  get capacity(): number {
    return this.maxLines;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held, as counted by lineCost. */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** seq of the newest line pushed, 0 before any. */
  get lastSeq(): number {
    return this.last;
  }

  /** Changes the bounds live, keeping the newest lines that fit. */
  configure(limits: LogRingLimits): void {
    const l = checkLimits(limits);
    const keep = this.newestFirst(this.count).reverse();
    this.maxLines = l.maxLines;
    this.maxBytes = l.maxBytes;
    this.buf = [];
    this.cost = new Int32Array(l.maxLines);
    this.head = this.count = this.bytesHeld = 0;
    const last = this.last;
    this.push(keep);
    this.last = last;
  }

  push(lines: LogLine[]): void {
    const cap = this.maxLines;
    // Lines that would be overwritten within this same batch are skipped outright.
    for (let i = Math.max(0, lines.length - cap); i < lines.length; i++) {
      const line = lines[i] as LogLine;
      if (this.count === cap) this.dropOldest();
      const c = lineCost(line);
      this.buf[this.head] = line;
      this.cost[this.head] = c;
      this.bytesHeld += c;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.count++;
      while (this.bytesHeld > this.maxBytes && this.count > 1) this.dropOldest();
    }
    const tail = lines[lines.length - 1];
    if (tail) this.last = tail.seq;
  }

  private dropOldest(): void {
    let idx = this.head - this.count;
    if (idx < 0) idx += this.maxLines;
    this.bytesHeld -= this.cost[idx] as number;
    this.buf[idx] = undefined;
    this.count--;
  }

  private newestFirst(n: number): LogLine[] {
    const out: LogLine[] = [];
    let idx = this.head;
    for (let k = 0; k < n; k++) {
      idx = idx === 0 ? this.maxLines - 1 : idx - 1;
      out.push(this.buf[idx] as LogLine);
    }
    return out;
  }

  /**
   * Matching lines, oldest first: the last `limit` matches, cut to `maxBytes` of JSON from
   * the oldest end. When cut, `nextSeq` is the sinceSeq that fetches the rest.
   */
  query(q: LogQuery = {}): LogPage {
    const limit = q.limit ?? this.count;
    const maxBytes = Math.max(MIN_QUERY_BYTES, q.maxBytes ?? DEFAULT_QUERY_BYTES);
    if (limit <= 0 || this.count === 0) return { lines: [], nextSeq: null };
    const sinceSeq = q.sinceSeq;
    // sinceSeq is handled by the loop's early stop, the rest by the one shared filter.
    const test = compileLogFilter({ sinceTime: q.sinceTime, minLevel: q.minLevel, text: q.text });
    const cap = this.maxLines;
    const matched: LogLine[] = [];
    let idx = this.head;
    for (let k = 0; k < this.count; k++) {
      idx = idx === 0 ? cap - 1 : idx - 1;
      const line = this.buf[idx] as LogLine;
      if (sinceSeq !== undefined && line.seq <= sinceSeq) break;
      // Times are not monotonic (containerd's clock, history lines), so no early stop on them.
      if (!test(line)) continue;
      matched.push(line);
      if (matched.length >= limit) break;
    }
    matched.reverse();
    const out: LogLine[] = [];
    let used = 2; // the array's brackets
    for (const line of matched) {
      const size = jsonBytes(line) + 1;
      if (used + size > maxBytes) {
        if (out.length === 0) out.push(shrinkToFit(line, maxBytes - used));
        break;
      }
      used += size;
      out.push(line);
    }
    // A lone line shrunk to fit counts as complete: there is no more of it to fetch.
    const complete = out.length === matched.length;
    return { lines: out, nextSeq: complete ? null : (out[out.length - 1] as LogLine).seq };
  }
}
