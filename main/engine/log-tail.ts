// Follows containerd's durable log file (written through an O_APPEND fd we don't own): parses new lines in batches and rotates the file by copytruncate.
import fs from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogLine } from '../../common/states';
import { parseLogLine } from './log-parse';

/** A partial line longer than this is emitted as it stands, so a writer that never sends a newline cannot grow memory. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Rotation gives up (and retries later) if the writer adds this much while we chase EOF. */
const CHASE_GIVE_UP_BYTES = 256 * 1024 * 1024;
/** After a failed rotation (disk full, permissions), wait this long before trying again. */
const ROTATE_RETRY_MS = 10_000;

export interface LogTailerOptions {
  file: string;
  onLines: (lines: LogLine[]) => void;
  /** Rotate once the live file reaches this size. */
  rotateBytes: number;
  /** Rotated copies kept: file.1 (newest) … file.N. 0 keeps none (the file is only truncated). */
  rotateKeep: number;
  /** Complete lines read back from an existing file at start. Default 1000. */
  historyLines?: number;
  /** Bytes per read. Default 256 KiB. */
  chunkBytes?: number;
  /** Poll interval backing up fs.watch, which can miss events. Default 250 ms. */
  pollMs?: number;
  /** Errors from background reads and rotation (foreground flush() rejects instead). */
  onError?: (err: Error) => void;
}

function readAt(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, 0, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}

async function statOrNull(file: string): Promise<fs.Stats | null> {
  try {
    return await fs.promises.stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** Largest cut ≤ `at` that does not split a UTF-8 sequence (never less than at - 3). */
function utf8Cut(buf: Buffer, at: number): number {
  let cut = at;
  while (cut > at - 3 && cut > 0 && ((buf[cut] as number) & 0xc0) === 0x80) cut--;
  return ((buf[cut] as number) & 0xc0) === 0x80 ? at : cut;
}

/**
 * Tails one log file. Lines get seq 1, 2, 3… (consecutive, never reused by this instance);
 * each read chunk is one onLines batch. Empty lines are skipped. Single use: start() once,
 * stop() once.
 */
export class LogTailer {
  private readonly file: string;
  private readonly onLines: (lines: LogLine[]) => void;
  private readonly onError: (err: Error) => void;
  private readonly rotateBytes: number;
  private readonly rotateKeep: number;
  private readonly historyLines: number;
  private readonly chunkBytes: number;
  private readonly pollMs: number;
  private readonly buf: Buffer;

  private state: 'new' | 'running' | 'stopped' = 'new';
  private fd: number | null = null;
  private ino = -1;
  private dev = -1;
  private pos = 0;
  private seq = 0;
  /** Bytes after the last newline, waiting for the rest of their line. */
  private partial: Buffer | null = null;
  private watcher: fs.FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private pending = false;
  private rotateBlockedUntil = 0;

  constructor(opts: LogTailerOptions) {
    this.file = opts.file;
    this.onLines = opts.onLines;
    this.onError = opts.onError ?? (() => {});
    this.rotateBytes = opts.rotateBytes;
    this.rotateKeep = Math.max(0, Math.floor(opts.rotateKeep));
    this.historyLines = Math.max(0, Math.floor(opts.historyLines ?? 1000));
    this.chunkBytes = Math.max(1, Math.floor(opts.chunkBytes ?? 256 * 1024));
    this.pollMs = opts.pollMs ?? 250;
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** Byte offset in the live file up to which everything has been read. */
  get offset(): number {
    return this.pos;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('LogTailer.start() may be called once');
    this.state = 'running';
    try {
      const size = await this.open();
      this.pos = await this.historyStart(size);
      this.watch();
      this.timer = setInterval(() => this.kick(), this.pollMs);
      // Polling alone must not keep a CLI or test process alive.
      this.timer.unref();
      await this.flush();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    // Passes check the state between chunks, so this waits for at most one chunk.
    await this.pumping?.catch(() => {});
    this.closeFd();
    this.partial = null;
  }

  /** Reads everything written so far; resolves after a pass that started after this call. */
  flush(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    this.pending = true;
    if (!this.pumping) this.pumping = this.pump();
    return this.pumping;
  }

  private kick(): void {
    this.flush().catch((err: unknown) => this.onError(err as Error));
  }

  /** Runs passes until nobody asked for another; one pump at a time so reads never interleave. */
  private async pump(): Promise<void> {
    try {
      while (this.pending && this.state === 'running') {
        this.pending = false;
        await this.pass();
      }
    } finally {
      // Cleared in the same synchronous step as the last `pending` check, so a flush() can
      // never join a pump that has already decided to finish.
      this.pumping = null;
    }
  }

  private async open(): Promise<number> {
    // 'a+' creates the file like the supervisor's writer would (0600, append) and gives a
    // read/write fd: reads are positional, and ftruncate needs write access for rotation.
    const fd = await new Promise<number>((resolve, reject) => {
      fs.open(this.file, 'a+', 0o600, (err, fd) => (err ? reject(err) : resolve(fd)));
    });
    const st = fs.fstatSync(fd);
    this.fd = fd;
    this.ino = st.ino;
    this.dev = st.dev;
    this.pos = 0;
    return st.size;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.fd = null;
  }

  private watch(): void {
    this.watcher?.close();
    this.watcher = null;
    try {
      const w = fs.watch(this.file, { persistent: false }, () => this.kick());
      // e.g. inotify limits or the file vanishing: the poll keeps us going.
      w.on('error', () => {
        w.close();
        if (this.watcher === w) this.watcher = null;
      });
      this.watcher = w;
    } catch {
      this.watcher = null;
    }
  }

  /**
   * Where history starts: just after the newline that precedes the last `historyLines`
   * complete lines. Scans backwards chunk by chunk, so a large file costs only the tail.
   */
  private async historyStart(size: number): Promise<number> {
    const fd = this.fd as number;
    const need = this.historyLines + 1; // the last complete line's own newline, then one per line
    const maxScan = (this.historyLines + 1) * MAX_LINE_BYTES;
    let found = 0;
    let earliest = -1;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - this.chunkBytes);
      const n = await readAt(fd, this.buf, end - start, start);
      const view = this.buf.subarray(0, n);
      let i = view.lastIndexOf(10);
      while (i >= 0) {
        found++;
        earliest = start + i + 1;
        if (found === need) return earliest;
        i = i === 0 ? -1 : view.lastIndexOf(10, i - 1);
      }
      end = start;
      if (size - end > maxScan) return earliest >= 0 ? earliest : size;
    }
    // Fewer lines than asked for: the whole file is history.
    return 0;
  }

  /** One look at the file: follow replacement and truncation, read to EOF, rotate. */
  private async pass(): Promise<void> {
    let st = await statOrNull(this.file);
    if (st && (st.ino !== this.ino || st.dev !== this.dev)) {
      // Replaced: the old inode may still hold lines written before the swap.
      await this.readToEof(false);
      if (this.state !== 'running') return;
      this.flushPartial();
      this.closeFd();
      await this.open();
      this.watch();
      st = await statOrNull(this.file);
    }
    // Path gone (deleted): the writer still appends to the inode our fd holds, so keep
    // reading that until a new file appears (the supervisor recreates it on respawn).
    const size = st ? st.size : fs.fstatSync(this.fd as number).size;
    if (size < this.pos) {
      // Truncated by someone else. The writer's O_APPEND fd now writes from 0. Lines
      // written between their truncate and our next look past our old offset are skipped:
      // no way to tell them from old content.
      this.pos = 0;
    }
    if (size !== this.pos) await this.readToEof(st !== null);
  }

  private mayRotate(): boolean {
    // pos > 0: with rotateBytes 0 an empty file would otherwise "rotate" forever.
    return this.pos > 0 && this.pos >= this.rotateBytes && Date.now() >= this.rotateBlockedUntil;
  }

  /** Reads and emits chunk by chunk until a read returns nothing, yielding between chunks. */
  private async readToEof(allowRotate: boolean): Promise<void> {
    for (;;) {
      if (this.state !== 'running' || this.fd === null) return;
      const n = await readAt(this.fd, this.buf, this.chunkBytes, this.pos);
      if (n === 0) break;
      this.pos += n;
      this.consume(this.buf.subarray(0, n));
      // Checked per chunk, not only at EOF: a writer that never pauses would otherwise
      // keep us from ever reaching EOF and the file would grow without bound.
      if (allowRotate && this.mayRotate()) await this.rotate();
      // A flood must not starve the engine's timers (health checks, restart policy).
      await yieldToLoop();
    }
    if (allowRotate && this.mayRotate()) await this.rotate();
  }

  /**
   * copytruncate: containerd keeps its O_APPEND fd for its whole life, so the file cannot
   * be renamed away; its content is copied to file.1 and the live file truncated to 0.
   *
   * Order: kernel copy of the whole file to file.1.tmp; a synchronous chase that appends
   * whatever arrived during the copy and, the moment a read returns EOF, ftruncates; then
   * the not-yet-parsed part [offset, end) is parsed from the copy, and the archives shift.
   * Parsing from the copy (instead of draining the live file first) means a writer faster
   * than our parser cannot postpone the rotation forever.
   *
   * Loss window: bytes written after the chase's final read returns EOF and before the
   * ftruncate land in neither file.1 nor the live view. Those are two back-to-back
   * synchronous syscalls with no JS in between, so the window is a few microseconds (more
   * if the scheduler preempts us between them on a loaded box: a 1000-writes/s writer lost
   * one whole write in ~150 rotations at load 8 on 2 cores); the bulk copy, parsing and
   * renames all happen outside it. Only FALLOC_FL_COLLAPSE_RANGE could close it, and
   * Node has no binding for that.
   */
  private async rotate(): Promise<void> {
    if (this.fd === null) return;
    const st = await statOrNull(this.file);
    // Only rotate the file we are reading: a replaced or deleted path is next pass's job.
    if (!st || st.ino !== this.ino || st.dev !== this.dev) return;

    const tmp = `${this.file}.1.tmp`;
    let end: number;
    try {
      // The writer only appends, so the copy is a prefix of the file; its size says where.
      await fs.promises.copyFile(this.file, tmp);
      end = (await fs.promises.stat(tmp)).size;
      const fd = this.fd as number;
      const tmpFd = fs.openSync(tmp, 'a');
      try {
        for (;;) {
          const n = fs.readSync(fd, this.buf, 0, this.chunkBytes, end);
          if (n === 0) {
            fs.ftruncateSync(fd, 0);
            break;
          }
          fs.writeSync(tmpFd, this.buf, 0, n);
          end += n;
          if (end - st.size > CHASE_GIVE_UP_BYTES) {
            throw new Error(`log writer outpaced rotation of ${this.file}; will retry`);
          }
        }
      } finally {
        fs.closeSync(tmpFd);
      }
    } catch (err) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      this.rotateBlockedUntil = Date.now() + ROTATE_RETRY_MS;
      this.onError(err as Error);
      return;
    }

    // Truncated: from here on the copy is the only home of [0, end).
    const from = this.pos;
    this.pos = 0;
    try {
      const tmpFd = fs.openSync(tmp, 'r');
      try {
        let at = from;
        while (at < end && this.state === 'running') {
          const n = await readAt(tmpFd, this.buf, Math.min(this.chunkBytes, end - at), at);
          if (n === 0) break;
          at += n;
          this.consume(this.buf.subarray(0, n));
          await yieldToLoop();
        }
      } finally {
        fs.closeSync(tmpFd);
      }
    } catch (err) {
      this.onError(err as Error);
    }

    try {
      if (this.rotateKeep === 0) {
        await fs.promises.rm(tmp, { force: true });
        return;
      }
      // file.N-1 → file.N … file.1 → file.2 (the old file.N is overwritten: dropped), then
      // the fresh copy becomes file.1.
      for (let i = this.rotateKeep - 1; i >= 1; i--) {
        try {
          await fs.promises.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
        }
      }
      await fs.promises.rename(tmp, `${this.file}.1`);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Splits a chunk into lines (the partial line carries over) and emits them as one batch. */
  private consume(chunk: Buffer): void {
    const out: LogLine[] = [];
    const now = Date.now();
    const n = chunk.length;
    const first = chunk.indexOf(10);
    if (first === -1) {
      this.appendPartial(chunk, out, now);
    } else {
      let start = 0;
      if (this.partial) {
        const head = Buffer.concat([this.partial, chunk.subarray(0, first)]);
        this.partial = null;
        this.pushText(head.toString('utf8'), out, now);
        start = first + 1;
      }
      const last = chunk.lastIndexOf(10);
      if (last >= start) {
        // One decode for the whole run of complete lines: '\n' never occurs inside a UTF-8
        // sequence, so splitting the decoded text is the same as splitting the bytes.
        const text = chunk.toString('utf8', start, last);
        let s = 0;
        for (;;) {
          const nl = text.indexOf('\n', s);
          if (nl === -1) {
            this.pushText(text.slice(s), out, now);
            break;
          }
          this.pushText(text.slice(s, nl), out, now);
          s = nl + 1;
        }
      }
      if (last + 1 < n) this.appendPartial(chunk.subarray(last + 1), out, now);
    }
    this.emit(out);
  }

  private appendPartial(bytes: Buffer, out: LogLine[], now: number): void {
    // Copied: the read buffer is reused for the next chunk.
    let p = this.partial ? Buffer.concat([this.partial, bytes]) : Buffer.from(bytes);
    while (p.length > MAX_LINE_BYTES) {
      const cut = utf8Cut(p, MAX_LINE_BYTES);
      this.pushText(p.toString('utf8', 0, cut), out, now);
      p = Buffer.from(p.subarray(cut));
    }
    this.partial = p;
  }

  /** Emits a line that will never be completed (its file was replaced). */
  private flushPartial(): void {
    if (!this.partial) return;
    const out: LogLine[] = [];
    this.pushText(this.partial.toString('utf8'), out, Date.now());
    this.partial = null;
    this.emit(out);
  }

  private pushText(text: string, out: LogLine[], now: number): void {
    let line = text;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length === 0) return;
    // Complete lines are capped like partial ones (in UTF-16 units, near enough for a bound).
    while (line.length > MAX_LINE_BYTES) {
      out.push(parseLogLine(line.slice(0, MAX_LINE_BYTES), ++this.seq, now));
      line = line.slice(MAX_LINE_BYTES);
    }
    out.push(parseLogLine(line, ++this.seq, now));
  }

  private emit(out: LogLine[]): void {
    if (out.length === 0) return;
    try {
      this.onLines(out);
    } catch (err) {
      // A consumer bug must not stop the tail.
      this.onError(err as Error);
    }
  }
}
