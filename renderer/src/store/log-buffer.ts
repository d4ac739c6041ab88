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

  /** Forget everything (a reconnect re-reads the log from the server). */
  reset(): void {
    this.lines = [];
    this.last = -1;
  }
}
