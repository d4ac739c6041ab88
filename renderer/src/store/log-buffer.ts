// A bounded, append-only buffer of log lines: old lines drop off the front in chunks.
import type { LogLine } from '../../../common/states';

export const DEFAULT_MAX_LOG_LINES = 100_000;

export class LogBuffer {
  private lines: LogLine[] = [];
  private last = -1;

  constructor(readonly max = DEFAULT_MAX_LOG_LINES) {}

  get length(): number {
    return this.lines.length;
  }

  /** Highest seq held so far (-1 when empty and never filled). */
  get lastSeq(): number {
    return this.last;
  }

  /** Read-only view; callers must not mutate it. */
  all(): readonly LogLine[] {
    return this.lines;
  }

  /** Append lines newer than lastSeq (older ones are duplicates from a read/event race). */
  append(lines: readonly LogLine[]): number {
    let added = 0;
    for (const l of lines) {
      if (l.seq <= this.last) continue;
      this.lines.push(l);
      this.last = l.seq;
      added++;
    }
    if (this.lines.length > this.max) {
      // Drop an extra 10 % so the O(n) shift happens rarely, not on every batch.
      const drop = this.lines.length - this.max + Math.floor(this.max / 10);
      this.lines.splice(0, Math.min(drop, this.lines.length));
    }
    return added;
  }

  /**
   * Lines read from the server (history), placed around what live events already delivered:
   * older ones go in front, newer ones are appended, duplicates are skipped.
   */
  merge(lines: readonly LogLine[]): number {
    const first = this.lines[0];
    if (!first) return this.append(lines);
    const older = lines.filter((l) => l.seq < first.seq);
    const newer = lines.filter((l) => l.seq > this.last);
    if (older.length) {
      const room = Math.max(0, this.max - this.lines.length);
      // When full, the newest lines win: history that does not fit is not kept.
      this.lines = older.slice(Math.max(0, older.length - room)).concat(this.lines);
    }
    return Math.min(older.length, this.lines.length) + this.append(newer);
  }

  /** Forget everything (a reconnect re-reads the log from the server). */
  reset(): void {
    this.lines = [];
    this.last = -1;
  }
}
