// The live log view's memory: the newest N parsed lines in a fixed circular array, so a log flood costs O(1) per line and never grows the heap.
import type { LogLevel, LogLine } from '../../common/states';
import { LEVEL_RANK } from '../../common/log-levels';

/** Filters for LogRing.query; every one is optional and they combine with AND. */
export interface LogQuery {
  /** Only lines with seq > sinceSeq (what a follower has not seen yet). */
  sinceSeq?: number;
  /** Only lines with time >= sinceTime (epoch ms). */
  sinceTime?: number;
  /** Only lines at this level or worse (see levelAtLeast). */
  minLevel?: LogLevel;
  /** Case-insensitive substring of the raw line or of the unescaped msg. */
  text?: string;
  /** At most this many lines: the newest matches. Default: all matches. */
  limit?: number;
}

/**
 * Fixed-capacity ring of LogLines. Assumes seq increases with every push (true for one
 * LogTailer): queries walk from the newest line backwards and stop at `sinceSeq`.
 */
export class LogRing {
  readonly capacity: number;
  private readonly buf: (LogLine | undefined)[];
  /** Index the next line is written to. */
  private head = 0;
  private count = 0;
  private last = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LogRing capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.buf = new Array<LogLine | undefined>(capacity).fill(undefined);
  }

  push(lines: LogLine[]): void {
    const cap = this.capacity;
    // Lines that would be overwritten within this same batch are skipped outright.
    for (let i = Math.max(0, lines.length - cap); i < lines.length; i++) {
      const line = lines[i] as LogLine;
      this.buf[this.head] = line;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      if (this.count < cap) this.count++;
    }
    const tail = lines[lines.length - 1];
    if (tail) this.last = tail.seq;
  }

  get size(): number {
    return this.count;
  }

  /** seq of the newest line pushed, 0 before any. */
  get lastSeq(): number {
    return this.last;
  }

  /** Matching lines, oldest first: the last `limit` matches. */
  query(q: LogQuery = {}): LogLine[] {
    const limit = q.limit ?? this.count;
    if (limit <= 0 || this.count === 0) return [];
    const sinceSeq = q.sinceSeq;
    const sinceTime = q.sinceTime;
    const minRank = q.minLevel === undefined ? -1 : LEVEL_RANK[q.minLevel];
    const needle = q.text ? q.text.toLowerCase() : '';
    const cap = this.capacity;
    const out: LogLine[] = [];
    let idx = this.head;
    for (let k = 0; k < this.count; k++) {
      idx = idx === 0 ? cap - 1 : idx - 1;
      const line = this.buf[idx] as LogLine;
      if (sinceSeq !== undefined && line.seq <= sinceSeq) break;
      // Times are not monotonic (containerd's clock, history lines), so no early stop here.
      if (sinceTime !== undefined && line.time < sinceTime) continue;
      if (LEVEL_RANK[line.level] < minRank) continue;
      if (
        needle &&
        !line.raw.toLowerCase().includes(needle) &&
        !line.msg.toLowerCase().includes(needle)
      ) {
        continue;
      }
      out.push(line);
      if (out.length >= limit) break;
    }
    return out.reverse();
  }
}
