// Line assembly: bytes read from a log file in chunks become parsed LogLines; over-long lines are cut to a bounded head.
import type { LogLine } from '../../common/states';
import { collapseBinary, parseCutLine, parseLogLine } from './log-parse';

/** Lines longer than this (bytes) are cut with a visible marker, unless configured otherwise. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

/** Largest cut ≤ `at` that does not split a UTF-8 sequence (never less than at - 3). */
export function utf8Cut(buf: Buffer, at: number): number {
  if (at >= buf.length) return buf.length;
  let cut = at;
  while (cut > at - 3 && cut > 0 && ((buf[cut] as number) & 0xc0) === 0x80) cut--;
  return ((buf[cut] as number) & 0xc0) === 0x80 ? at : cut;
}

export interface LineAssemblerOptions {
  /** Longer lines keep this many bytes (at a UTF-8 boundary) and count the rest. Read per chunk. */
  maxLineBytes: () => number;
  /** The next line's sequence number (one counter may serve several assemblers). */
  nextSeq: () => number;
}

/**
 * Assembles the lines of one byte stream (one file): a line may span chunks. Empty lines are
 * skipped and a trailing CR is dropped; a line over maxLineBytes keeps only its head (the rest is
 * counted, never held), so one 20 MB line costs maxLineBytes of memory, not 20 MB.
 */
export class LineAssembler {
  /** Kept bytes of the current line (at most maxLineBytes), waiting for its newline. */
  private partial: Buffer | null = null;
  /** Bytes of the current line past the kept head: dropped, reported in the cut marker. */
  private skipped = 0;

  constructor(private readonly opts: LineAssemblerOptions) {}

  /** Whether a line is in progress (bytes seen, no newline yet). */
  get pending(): boolean {
    return this.partial !== null || this.skipped > 0;
  }

  /** The lines `chunk` completes, in order. The chunk's memory may be reused after the call. */
  push(chunk: Buffer, now = Date.now()): LogLine[] {
    const out: LogLine[] = [];
    const max = this.opts.maxLineBytes();
    const n = chunk.length;
    let start = 0;
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      if (this.pending) {
        // Continue the line that an earlier chunk began.
        const end = nl === -1 ? n : nl;
        this.append(chunk, start, end, max);
        if (nl === -1) break;
        this.finishInto(out, now);
        start = nl + 1;
        continue;
      }
      // A run of complete lines that are all short: one decode for the whole run ('\n' never
      // occurs inside a UTF-8 sequence, so splitting the text is splitting the bytes).
      let runEnd = -1;
      let e = nl;
      let s = start;
      while (e !== -1 && e - s <= max) {
        runEnd = e;
        s = e + 1;
        e = s < n ? chunk.indexOf(10, s) : -1;
      }
      if (runEnd >= 0) {
        this.pushRun(chunk.toString('utf8', start, runEnd), out, now);
        start = runEnd + 1;
        continue;
      }
      // The next line is long, or has no newline yet: assemble it (head kept, rest counted).
      const end = e === -1 ? n : e;
      this.append(chunk, start, end, max);
      if (e === -1) break;
      this.finishInto(out, now);
      start = e + 1;
    }
    return out;
  }

  /** The line in progress as it is, for a stream that ends without its newline; [] when none. */
  finish(now = Date.now()): LogLine[] {
    const out: LogLine[] = [];
    this.finishInto(out, now);
    return out;
  }

  private append(chunk: Buffer, start: number, end: number, max: number): void {
    const len = end - start;
    if (len === 0) return;
    if (this.skipped > 0) {
      this.skipped += len;
      return;
    }
    const have = this.partial?.length ?? 0;
    if (have + len <= max) {
      // Copied: the caller reuses the chunk's memory.
      const piece = chunk.subarray(start, end);
      this.partial = this.partial ? Buffer.concat([this.partial, piece]) : Buffer.from(piece);
      return;
    }
    // Over the cap: keep the head up to a UTF-8 boundary, count the rest.
    const look = Math.min(end, start + (max - have) + 1);
    const joined = Buffer.concat(
      this.partial ? [this.partial, chunk.subarray(start, look)] : [chunk.subarray(start, look)],
    );
    const cut = utf8Cut(joined, max);
    this.partial = Buffer.from(joined.subarray(0, cut));
    this.skipped = have + len - cut;
  }

  private finishInto(out: LogLine[], now: number): void {
    const head = this.partial;
    const skipped = this.skipped;
    this.partial = null;
    this.skipped = 0;
    if (!head) return;
    let text = head.toString('utf8');
    if (text.includes('\ufffd')) text = collapseBinary(text);
    if (skipped > 0) {
      out.push(parseCutLine(text, skipped, this.opts.nextSeq(), now));
      return;
    }
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length > 0) out.push(parseLogLine(text, this.opts.nextSeq(), now));
  }

  private pushRun(text: string, out: LogLine[], now: number): void {
    // One search for the whole run: most runs have no byte that was not UTF-8.
    const binary = text.includes('\ufffd');
    let s = 0;
    for (;;) {
      const nl = text.indexOf('\n', s);
      let line = nl === -1 ? text.slice(s) : text.slice(s, nl);
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      if (binary) line = collapseBinary(line);
      if (line.length > 0) out.push(parseLogLine(line, this.opts.nextSeq(), now));
      if (nl === -1) return;
      s = nl + 1;
    }
  }
}
