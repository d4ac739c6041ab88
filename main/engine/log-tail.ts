// Follows containerd's durable log file (written through an O_APPEND fd we don't own): reads new bytes in chunks, follows a replaced or truncated file, and rotates it when it grows too big.
import { fstatSync, open } from 'node:fs';
import { basename } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogLine } from '../../common/states';
import { formatBytes } from '../../common/format-bytes';
import { heldElsewhere } from './fd-holders';
import { closeQuietly, readAt, statOrNull } from './file-io';
import { historyStart } from './log-history';
import { DEFAULT_MAX_LINE_BYTES, LineAssembler } from './log-lines';
import { parseLogLine } from './log-parse';
import { copyTruncate, ROTATE_COPY_SLACK_BYTES, shiftArchives } from './log-rotate';
import { LogWakeups } from './log-wakeups';

export { DEFAULT_MAX_LINE_BYTES } from './log-lines';
export { ROTATE_COPY_SLACK_BYTES } from './log-rotate';

/** After a failed rotation (disk full, permissions), wait this long before trying again. */
const ROTATE_RETRY_MS = 10_000;
/** A replaced file the daemon no longer writes to is let go after this long without growth. */
const ORPHAN_IDLE_MS = 2_000;
/** Replaced files followed at once at most (the oldest is let go first). */
const MAX_ORPHANS = 4;

export interface LogTailerOptions {
  file: string;
  onLines: (lines: LogLine[]) => void;
  /** Rotate once the live file reaches this size. */
  rotateBytes: number;
  /** Rotated copies kept: file.1 (newest) … file.N. 0 keeps none (the file is only truncated). */
  rotateKeep: number;
  /** Longer lines are cut to this many bytes plus a marker. Default DEFAULT_MAX_LINE_BYTES. */
  maxLineBytes?: number;
  /** Complete lines read back from an existing file at start. Default 1000. */
  historyLines?: number;
  /**
   * Where history ends when the writer started before the tailer (`cdesk daemon run` spawns containerd
   * first and follows its log after): history is the lines before this byte offset, and what
   * follows is read as new. `historySeq` then tells the two apart. Default: the file's size at start.
   */
  historyEnd?: number;
  /** Bytes per read. Default 256 KiB. */
  chunkBytes?: number;
  /**
   * Poll interval when watch cannot cover the file (no watch, the path gone, a replaced file
   * still followed). Default 250 ms. With a working watch: rarely (log-wakeups.ts).
   */
  pollMs?: number;
  /** Errors from background reads and rotation (foreground flush() rejects instead). */
  onError?: (err: Error) => void;
}

/** What may change while the tailer runs (settings applied live). */
export interface LogTailerLimits {
  rotateBytes?: number;
  rotateKeep?: number;
  maxLineBytes?: number;
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isFinite(v) || v < min) {
    throw new RangeError(`LogTailer ${name} must be a number ≥ ${min}, got ${v}`);
  }
  return Math.floor(v);
}

/** One open log file: our read position in it and the line being assembled. */
interface Source {
  fd: number;
  ino: number;
  dev: number;
  pos: number;
  lines: LineAssembler;
  /** Date.now() of the last growth (orphans are let go once idle). */
  grewAt: number;
}

/**
 * Tails one log file. Lines get seq 1, 2, 3… (consecutive, never reused by this instance);
 * each read chunk is one onLines batch. Empty lines are skipped. Single use: start() once,
 * stop() once.
 *
 * Replacement (`mv containerd.log x` + a new containerd.log): the daemon keeps writing to the
 * file it has open (now x), so the old file stays followed as an "orphan" next to the new
 * one for as long as another open file descriptor (the daemon's stdout, found in /proc)
 * still refers to it; once none does and it has been quiet for ORPHAN_IDLE_MS (e.g. the
 * daemon was respawned onto the new file), it is let go. Orphans are never rotated: they
 * are someone else's file now.
 */
export class LogTailer {
  private readonly file: string;
  private readonly onLines: (lines: LogLine[]) => void;
  private readonly onError: (err: Error) => void;
  private rotateBytes: number;
  private rotateKeep: number;
  private maxLineBytes: number;
  private readonly historyLines: number;
  private readonly historyEnd: number | undefined;
  private readonly chunkBytes: number;
  private readonly buf: Buffer;
  private readonly wakeups: LogWakeups;

  private state: 'new' | 'running' | 'stopped' = 'new';
  private src: Source | null = null;
  private orphans: Source[] = [];
  private seq = 0;
  private historyLastSeq = 0;
  /** The last pass found no file at the path (a new one there would not wake the watch). */
  private pathMissing = false;
  private pumping: Promise<void> | null = null;
  private pending = false;
  private rotateBlockedUntil = 0;

  constructor(opts: LogTailerOptions) {
    this.file = opts.file;
    this.onLines = opts.onLines;
    this.onError = opts.onError ?? (() => {});
    this.rotateBytes = opts.rotateBytes;
    this.rotateKeep = Math.max(0, Math.floor(opts.rotateKeep));
    this.maxLineBytes = positiveInt(
      'maxLineBytes',
      opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      64,
    );
    this.historyLines = Math.max(0, Math.floor(opts.historyLines ?? 1000));
    this.historyEnd =
      opts.historyEnd === undefined ? undefined : Math.max(0, Math.floor(opts.historyEnd));
    this.chunkBytes = Math.max(1, Math.floor(opts.chunkBytes ?? 256 * 1024));
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.wakeups = new LogWakeups({
      file: this.file,
      pollMs: opts.pollMs ?? 250,
      wake: () => this.kick(),
      // A new file at a missing path, or a followed orphan, would not wake the watch.
      watchSuffices: () => !this.pathMissing && this.orphans.length === 0,
    });
  }

  /** Byte offset in the live file up to which everything has been read. */
  get offset(): number {
    return this.src?.pos ?? 0;
  }

  /** The sequence number of the last history line (0: none); later lines were written after start. */
  get historySeq(): number {
    return this.historyLastSeq;
  }

  /** Replaced files still followed because their writer may still be writing to them. */
  get orphanCount(): number {
    return this.orphans.length;
  }

  /** Applies new rotation and line limits from the next read on. */
  configure(limits: LogTailerLimits): void {
    const rotateBytes =
      limits.rotateBytes === undefined
        ? this.rotateBytes
        : positiveInt('rotateBytes', limits.rotateBytes, 0);
    const rotateKeep =
      limits.rotateKeep === undefined
        ? this.rotateKeep
        : positiveInt('rotateKeep', limits.rotateKeep, 0);
    const maxLineBytes =
      limits.maxLineBytes === undefined
        ? this.maxLineBytes
        : positiveInt('maxLineBytes', limits.maxLineBytes, 64);
    this.rotateBytes = rotateBytes;
    this.rotateKeep = rotateKeep;
    this.maxLineBytes = maxLineBytes;
    this.rotateBlockedUntil = 0;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('LogTailer.start() may be called once');
    this.state = 'running';
    try {
      const src = await this.open();
      const size = fstatSync(src.fd).size;
      const end = this.historyEnd === undefined ? size : Math.min(size, this.historyEnd);
      src.pos = await historyStart(src.fd, end, {
        lines: this.historyLines,
        maxLineBytes: this.maxLineBytes,
        buf: this.buf,
      });
      this.src = src;
      // History alone first, so the lines after its end get sequence numbers after historySeq.
      await this.readToEof(src, false, end);
      this.historyLastSeq = this.seq;
      this.wakeups.start();
      await this.flush();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.wakeups.stop();
    // Passes check the state between chunks, so this waits for at most one chunk.
    await this.pumping?.catch(() => {});
    for (const s of [this.src, ...this.orphans]) if (s) closeQuietly(s.fd);
    this.src = null;
    this.orphans = [];
  }

  /** Reads everything written so far; resolves after a pass that started after this call. */
  flush(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    this.pending = true;
    if (!this.pumping) this.pumping = this.pump();
    return this.pumping;
  }

  /**
   * false: stop following appends through fs.watch and poll at pollMs instead; true: watch again
   * (reading what came meanwhile at once). While containerd boots it writes its log a line at a
   * time, and every inotify event wakes this process; on 2 cores those wake-ups slowed its boot,
   * while nobody needs the boot lines before it answers or exits (configError flushes).
   */
  setWatching(on: boolean): void {
    this.wakeups.setWatching(on);
  }

  private kick(): void {
    if (this.state !== 'running') return;
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

  private async open(): Promise<Source> {
    // 'a+' creates the file like the supervisor's writer would (0600, append) and gives a
    // read/write fd: reads are positional, and ftruncate needs write access for rotation.
    const fd = await new Promise<number>((resolve, reject) => {
      open(this.file, 'a+', 0o600, (err, fd) => (err ? reject(err) : resolve(fd)));
    });
    const st = fstatSync(fd);
    const lines = new LineAssembler({
      maxLineBytes: () => this.maxLineBytes,
      nextSeq: () => ++this.seq,
    });
    return { fd, ino: st.ino, dev: st.dev, pos: 0, lines, grewAt: Date.now() };
  }

  /** One look at the files: follow replacement and truncation, read to EOF, rotate. */
  private async pass(): Promise<void> {
    let src = this.src as Source;
    const st = await statOrNull(this.file);
    this.pathMissing = st === null;
    if (st && (st.ino !== src.ino || st.dev !== src.dev)) {
      // Replaced. The daemon still writes to the file it holds open, so keep following that.
      await this.readToEof(src, false);
      if (this.state !== 'running') return;
      // Its writer may just be quiet: give it a grace period from the swap on.
      src.grewAt = Date.now();
      this.orphans.push(src);
      while (this.orphans.length > MAX_ORPHANS) this.release(this.orphans.shift() as Source);
      src = await this.open();
      this.src = src;
      this.wakeups.rewatch();
    }
    for (const o of [...this.orphans]) {
      if (this.state !== 'running') return;
      await this.readToEof(o, false);
    }
    if (this.state !== 'running') return;
    // Path gone (deleted): the writer still appends to the inode our fd holds, so keep
    // reading that until a new file appears (the supervisor recreates it on respawn).
    await this.readToEof(src, st !== null);
    if (this.orphans.length) await this.releaseIdleOrphans();
    this.wakeups.recheck();
  }

  /**
   * Lets go of orphans that went quiet and that no other open file descriptor holds any more
   * (the /proc scan runs only for a quiet orphan, at most once per ORPHAN_IDLE_MS).
   */
  private async releaseIdleOrphans(): Promise<void> {
    const now = Date.now();
    for (const o of [...this.orphans]) {
      if (now - o.grewAt < ORPHAN_IDLE_MS || (await heldElsewhere(o.fd))) continue;
      // Read once more: a last write may have landed after the previous read.
      await this.readToEof(o, false);
      if (now - o.grewAt < ORPHAN_IDLE_MS) continue;
      this.orphans = this.orphans.filter((x) => x !== o);
      this.release(o);
    }
  }

  private release(o: Source): void {
    this.emit(o.lines.finish());
    closeQuietly(o.fd);
  }

  private mayRotate(size: number): boolean {
    // size > 0: with rotateBytes 0 an empty file would otherwise "rotate" forever.
    return size > 0 && size >= this.rotateBytes && Date.now() >= this.rotateBlockedUntil;
  }

  /** Reads and emits chunk by chunk until a read returns nothing (or `until`), yielding between chunks. */
  private async readToEof(src: Source, allowRotate: boolean, until?: number): Promise<void> {
    const size = fstatSync(src.fd).size;
    if (size < src.pos) {
      // Truncated by someone else. The writer's O_APPEND fd now writes from 0. Lines
      // written between their truncate and our next look past our old offset are skipped:
      // no way to tell them from old content.
      this.emit(src.lines.finish());
      src.pos = 0;
    }
    if (allowRotate && this.mayRotate(size)) await this.rotate(src);
    for (;;) {
      if (this.state !== 'running') return;
      const want =
        until === undefined ? this.chunkBytes : Math.min(this.chunkBytes, until - src.pos);
      if (want <= 0) break;
      const n = await readAt(src.fd, this.buf, want, src.pos);
      if (n === 0) break;
      src.pos += n;
      src.grewAt = Date.now();
      this.emit(src.lines.push(this.buf.subarray(0, n)));
      // Checked per chunk, not only at EOF: a writer that never pauses would otherwise
      // keep us from ever reaching EOF and the file would grow without bound.
      if (allowRotate && this.mayRotate(fstatSync(src.fd).size)) await this.rotate(src);
      // A flood must not starve the engine's timers (health checks, restart policy).
      await yieldToLoop();
    }
  }

  /**
   * Rotates the live file (log-rotate.ts: bounded copytruncate), then parses the part of the copy
   * not read yet. Parsing from the copy (instead of draining the live file first) means a writer
   * faster than our parser cannot postpone the rotation forever. When the reader lagged behind
   * more than the copy keeps, a warn line in the stream says how much was skipped.
   */
  private async rotate(src: Source): Promise<void> {
    let copy;
    try {
      copy = await copyTruncate(this.file, src.fd, {
        capBytes: this.rotateBytes + ROTATE_COPY_SLACK_BYTES,
        maxLineBytes: this.maxLineBytes,
        buf: this.buf,
      });
    } catch (err) {
      this.rotateBlockedUntil = Date.now() + ROTATE_RETRY_MS;
      this.onError(err as Error);
      return;
    }
    // Only the file we are reading is rotated: a replaced or deleted path is next pass's job.
    if (!copy) return;
    const { tmp, from, end } = copy;

    // Truncated: from here on the copy is the only home of [from, end).
    let at = src.pos;
    src.pos = 0;
    const name = basename(this.file);
    if (at < from) {
      this.emit(src.lines.finish());
      this.emitNotice(
        `[cdesk] skipped ${formatBytes(from - at)} of ${name}: it grew faster than it could be read (rotation keeps the newest ${formatBytes(end - from)})`,
      );
      at = from;
    } else if (from > 0) {
      this.emitNotice(
        `[cdesk] ${name} had grown to ${formatBytes(end)}: its rotated copy keeps the newest ${formatBytes(end - from)}`,
      );
    }
    try {
      await this.readCopy(src, tmp, at - from, end - from);
    } catch (err) {
      this.onError(err as Error);
    }
    try {
      await shiftArchives(this.file, tmp, this.rotateKeep);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Parses bytes [at, end) of the rotated copy `tmp` as the rest of `src`'s lines. */
  private async readCopy(src: Source, tmp: string, at: number, end: number): Promise<void> {
    const fd = await new Promise<number>((resolve, reject) => {
      open(tmp, 'r', (err, fd) => (err ? reject(err) : resolve(fd)));
    });
    try {
      while (at < end && this.state === 'running') {
        const n = await readAt(fd, this.buf, Math.min(this.chunkBytes, end - at), at);
        if (n === 0) break;
        at += n;
        this.emit(src.lines.push(this.buf.subarray(0, n)));
        await yieldToLoop();
      }
    } finally {
      closeQuietly(fd);
    }
  }

  /** A line of our own in the stream (e.g. what rotation had to skip), so a gap is never silent. */
  private emitNotice(msg: string): void {
    const line = parseLogLine(msg, ++this.seq, Date.now());
    line.level = 'warn';
    this.emit([line]);
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
