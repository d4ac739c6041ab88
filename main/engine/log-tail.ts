// Follows containerd's durable log file (written through an O_APPEND fd we don't own): parses new lines in batches, cuts over-long lines, follows a replaced file, rotates by bounded copytruncate.
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  open,
  openSync,
  promises as fsp,
  read,
  readSync,
  watch,
  write,
  writeSync,
  type FSWatcher,
  type Stats,
} from 'node:fs';
import { basename } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { LogLine } from '../../common/states';
import { formatBytes } from '../../common/format-bytes';
import { collapseBinary, parseCutLine, parseLogLine } from './log-parse';

/** Lines longer than this (bytes) are cut with a visible marker, unless configured otherwise. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;
/**
 * A rotation copies at most rotateBytes + this: enough for what a busy writer adds while we
 * catch up, far less than the hundreds of MB a flood can pile up ahead of a lagging reader.
 */
export const ROTATE_COPY_SLACK_BYTES = 32 * 1024 * 1024;
/** After a failed rotation (disk full, permissions), wait this long before trying again. */
const ROTATE_RETRY_MS = 10_000;
/** A replaced file the daemon no longer writes to is let go after this long without growth. */
const ORPHAN_IDLE_MS = 2_000;
/** Replaced files followed at once at most (the oldest is let go first). */
const MAX_ORPHANS = 4;
/**
 * The poll while watch (inotify) follows the file: it reports every append at once, so the
 * poll only backs it up. Polling at pollMs all the time cost an idle supervisor ~5 ms of CPU and
 * 12 wake-ups a second (strace: timer, stat, read every 250 ms).
 */
const WATCHED_POLL_MS = 2_000;
/**
 * How long a watch event waits before its read, so one read takes a burst of appends. containerd
 * writes its boot log a line at a time (~100 lines in ~100 ms): one read per line cost ~10 ms of
 * CPU while it booted (issue 8). Lines still reach readers within this much of being written.
 */
const WATCH_COALESCE_MS = 15;

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
   * Where history ends when the writer started before the tailer (`cdesk run` spawns containerd
   * first and follows its log after): history is the lines before this byte offset, and what
   * follows is read as new. `historySeq` then tells the two apart. Default: the file's size at start.
   */
  historyEnd?: number;
  /** Bytes per read. Default 256 KiB. */
  chunkBytes?: number;
  /**
   * Poll interval when watch cannot cover the file (no watch, the path gone, a replaced file
   * still followed). Default 250 ms. With a working watch: at most every WATCHED_POLL_MS.
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

function readAt(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

function writeAll(fd: number, buf: Buffer, len: number): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buf, 0, len, null, (err, n) =>
      err
        ? reject(err)
        : n === len
          ? resolve()
          : writeAll(fd, buf.subarray(n), len - n).then(resolve, reject),
    );
  });
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fsp.stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** Largest cut ≤ `at` that does not split a UTF-8 sequence (never less than at - 3). */
function utf8Cut(buf: Buffer, at: number): number {
  if (at >= buf.length) return buf.length;
  let cut = at;
  while (cut > at - 3 && cut > 0 && ((buf[cut] as number) & 0xc0) === 0x80) cut--;
  return ((buf[cut] as number) & 0xc0) === 0x80 ? at : cut;
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
  /** Kept bytes of the current line (at most maxLineBytes), waiting for its newline. */
  partial: Buffer | null;
  /** Bytes of the current line past the kept head: dropped, reported in the cut marker. */
  skipped: number;
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
  private readonly pollMs: number;
  private readonly buf: Buffer;

  private state: 'new' | 'running' | 'stopped' = 'new';
  private src: Source | null = null;
  private orphans: Source[] = [];
  private seq = 0;
  private historyLastSeq = 0;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The read a watch event scheduled (WATCH_COALESCE_MS later); later events join it. */
  private soon: NodeJS.Timeout | null = null;
  /** setWatching(false): no fs.watch, polling at pollMs, until setWatching(true). */
  private quiet = false;
  /** The last pass found no file at the path (a new one there would not wake the watch). */
  private pathMissing = false;
  /** The scheduled poll is the rare one (WATCHED_POLL_MS). */
  private pollSlow = false;
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
    this.pollMs = opts.pollMs ?? 250;
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
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
      src.pos = await this.historyStart(src.fd, end);
      this.src = src;
      // History alone first, so the lines after its end get sequence numbers after historySeq.
      await this.readToEof(src, false, end);
      this.historyLastSeq = this.seq;
      this.watch();
      this.schedulePoll();
      await this.flush();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unwatch();
    // Passes check the state between chunks, so this waits for at most one chunk.
    await this.pumping?.catch(() => {});
    for (const s of [this.src, ...this.orphans]) if (s) closeFd(s.fd);
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
   * time, and every inotify event wakes this process; on 2 cores those wake-ups slowed its boot
   * (issue 8), while nobody needs the boot lines before it answers or exits (configError flushes).
   */
  setWatching(on: boolean): void {
    if (this.quiet === !on) return;
    this.quiet = !on;
    if (this.state !== 'running') return;
    if (on) {
      this.watch();
      this.kick();
    } else {
      this.unwatch();
    }
    this.schedulePoll();
  }

  /** Closes the watch and drops the read a watch event scheduled. */
  private unwatch(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    this.watcher?.close();
    this.watcher = null;
  }

  private kick(): void {
    this.flush().catch((err: unknown) => this.onError(err as Error));
  }

  /** A watch event: one read WATCH_COALESCE_MS from the first event, for all that follow it. */
  private kickSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      if (this.state === 'running') this.kick();
    }, WATCH_COALESCE_MS);
    // Like the watch itself (persistent: false), it must not keep a process alive.
    this.soon.unref();
  }

  /** Whether watch sees every change that matters: the file at the path, nothing else followed. */
  private watched(): boolean {
    return this.watcher !== null && !this.pathMissing && this.orphans.length === 0;
  }

  /** (Re)schedules the next poll: rare while the watch sees everything, every pollMs when not. */
  private schedulePoll(): void {
    if (this.timer) clearTimeout(this.timer);
    const watched = this.watched();
    this.pollSlow = watched;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (this.state !== 'running') return;
        this.kick();
        this.schedulePoll();
      },
      watched ? Math.max(this.pollMs, WATCHED_POLL_MS) : this.pollMs,
    );
    // Polling alone must not keep a CLI or test process alive.
    this.timer.unref();
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
    return { fd, ino: st.ino, dev: st.dev, pos: 0, partial: null, skipped: 0, grewAt: Date.now() };
  }

  private watch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.quiet) return;
    try {
      const w = watch(this.file, { persistent: false }, () => this.kickSoon());
      // e.g. inotify limits or the file vanishing: the poll keeps us going.
      w.on('error', () => {
        w.close();
        if (this.watcher !== w) return;
        this.watcher = null;
        if (this.pollSlow && this.state === 'running') this.schedulePoll();
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
  private async historyStart(fd: number, size: number): Promise<number> {
    const need = this.historyLines + 1; // the last complete line's own newline, then one per line
    const maxScan = (this.historyLines + 1) * Math.max(this.maxLineBytes, 4096);
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
      this.watch();
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
    // The watch stopped covering the file (gone, replaced): poll at the fast pace from now on.
    if (this.pollSlow && !this.watched() && this.state === 'running') this.schedulePoll();
  }

  /** Lets go of orphans that went quiet and that no other open file descriptor holds any more. */
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
    this.finishLine(o);
    closeFd(o.fd);
  }

  private mayRotate(src: Source, size: number): boolean {
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
      this.finishLine(src);
      src.pos = 0;
    }
    if (allowRotate && this.mayRotate(src, size)) await this.rotate(src);
    for (;;) {
      if (this.state !== 'running') return;
      const want =
        until === undefined ? this.chunkBytes : Math.min(this.chunkBytes, until - src.pos);
      if (want <= 0) break;
      const n = await readAt(src.fd, this.buf, want, src.pos);
      if (n === 0) break;
      src.pos += n;
      src.grewAt = Date.now();
      this.consume(src, this.buf.subarray(0, n));
      // Checked per chunk, not only at EOF: a writer that never pauses would otherwise
      // keep us from ever reaching EOF and the file would grow without bound.
      if (allowRotate && this.mayRotate(src, fstatSync(src.fd).size)) await this.rotate(src);
      // A flood must not starve the engine's timers (health checks, restart policy).
      await yieldToLoop();
    }
  }

  /**
   * copytruncate, bounded. containerd keeps its O_APPEND fd for its whole life, so the file
   * cannot be renamed away (the daemon would keep writing to the renamed file); its content
   * is copied to file.1 and the live file truncated to 0. Only the newest
   * rotateBytes + ROTATE_COPY_SLACK_BYTES (32 MiB) are copied: when the reader lags behind a
   * flood, the older part is dropped (a marker line in the live view says how much) instead
   * of copying and parsing hundreds of MB, so an archive is never larger than that cap plus
   * what the chase below appends (at most the cap again, else the rotation is retried).
   *
   * Order: copy [from, size) to file.1.tmp; a synchronous chase appends whatever arrived
   * during the copy and, the moment a read returns EOF, ftruncates; then the not-yet-parsed
   * part is parsed from the copy, and the archives shift. Parsing from the copy (instead of
   * draining the live file first) means a writer faster than our parser cannot postpone the
   * rotation forever.
   *
   * Loss window: bytes written after the chase's final read returns EOF and before the
   * ftruncate land in neither file.1 nor the live view. Those are two back-to-back
   * synchronous syscalls with no JS in between, so the window is a few microseconds (more
   * if the scheduler preempts us between them on a loaded box: a 1000-writes/s writer lost
   * one whole write in ~150 rotations at load 8 on 2 cores). Only FALLOC_FL_COLLAPSE_RANGE
   * could close it, and Node has no binding for that.
   */
  private async rotate(src: Source): Promise<void> {
    const st = await statOrNull(this.file);
    // Only rotate the file we are reading: a replaced or deleted path is next pass's job.
    if (!st || st.ino !== src.ino || st.dev !== src.dev) return;

    const copyCap = this.rotateBytes + ROTATE_COPY_SLACK_BYTES;
    const tmp = `${this.file}.1.tmp`;
    let from = Math.max(0, st.size - copyCap);
    let end: number;
    try {
      if (from > 0) {
        from = await this.nextLineStart(src.fd, from, st.size);
        end = from;
      } else {
        // The whole file fits the cap: the kernel copies it (fast). The writer only appends,
        // so the copy is a prefix of the file and its size says where the chase starts.
        await fsp.copyFile(this.file, tmp);
        end = (await fsp.stat(tmp)).size;
      }
      const tmpFd = openSync(tmp, from > 0 ? 'w' : 'a', 0o600);
      try {
        // A range (the newest part of a file over the cap), asynchronously: the engine keeps running.
        while (from > 0 && end < st.size) {
          const n = await readAt(src.fd, this.buf, Math.min(this.chunkBytes, st.size - end), end);
          if (n === 0) break;
          await writeAll(tmpFd, this.buf, n);
          end += n;
        }
        // The chase: synchronous, so nothing runs between the last EOF read and ftruncate.
        for (;;) {
          const n = readSync(src.fd, this.buf, 0, this.chunkBytes, end);
          if (n === 0) {
            ftruncateSync(src.fd, 0);
            break;
          }
          writeSync(tmpFd, this.buf, 0, n);
          end += n;
          if (end - st.size > copyCap) {
            throw new Error(`log writer outpaced rotation of ${this.file}; will retry`);
          }
        }
      } finally {
        closeSync(tmpFd);
      }
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      this.rotateBlockedUntil = Date.now() + ROTATE_RETRY_MS;
      this.onError(err as Error);
      return;
    }

    // Truncated: from here on the copy is the only home of [from, end).
    let at = src.pos;
    src.pos = 0;
    const name = basename(this.file);
    if (at < from) {
      this.finishLine(src);
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
      const tmpFd = openSync(tmp, 'r');
      try {
        while (at < end && this.state === 'running') {
          const n = await readAt(tmpFd, this.buf, Math.min(this.chunkBytes, end - at), at - from);
          if (n === 0) break;
          at += n;
          this.consume(src, this.buf.subarray(0, n));
          await yieldToLoop();
        }
      } finally {
        closeSync(tmpFd);
      }
    } catch (err) {
      this.onError(err as Error);
    }

    try {
      if (this.rotateKeep === 0) {
        await fsp.rm(tmp, { force: true });
        return;
      }
      // file.N-1 → file.N … file.1 → file.2 (the old file.N is overwritten: dropped), then
      // the fresh copy becomes file.1.
      for (let i = this.rotateKeep - 1; i >= 1; i--) {
        try {
          await fsp.rename(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
        }
      }
      await fsp.rename(tmp, `${this.file}.1`);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** The offset just after the first newline at or after `at` (at itself when none is near). */
  private async nextLineStart(fd: number, at: number, size: number): Promise<number> {
    const limit = Math.min(size, at + Math.max(this.maxLineBytes * 2, this.chunkBytes));
    for (let p = at; p < limit;) {
      const n = await readAt(fd, this.buf, Math.min(this.chunkBytes, limit - p), p);
      if (n === 0) break;
      const nl = this.buf.subarray(0, n).indexOf(10);
      if (nl >= 0) return p + nl + 1;
      p += n;
    }
    return at;
  }

  /**
   * Splits a chunk into lines and emits them as one batch. Runs of short complete lines are
   * decoded in one go; a line over maxLineBytes keeps only its head (the rest is counted,
   * never held), so one 20 MB line costs maxLineBytes of memory, not 20 MB.
   */
  private consume(src: Source, chunk: Buffer): void {
    const out: LogLine[] = [];
    const now = Date.now();
    const max = this.maxLineBytes;
    const n = chunk.length;
    let start = 0;
    while (start < n) {
      const nl = chunk.indexOf(10, start);
      if (src.partial || src.skipped) {
        // Continue the line that an earlier chunk began.
        const end = nl === -1 ? n : nl;
        this.appendPartial(src, chunk, start, end);
        if (nl === -1) break;
        this.finishLineInto(src, out, now);
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
      this.appendPartial(src, chunk, start, end);
      if (e === -1) break;
      this.finishLineInto(src, out, now);
      start = e + 1;
    }
    this.emit(out);
  }

  private appendPartial(src: Source, chunk: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len === 0) return;
    if (src.skipped > 0) {
      src.skipped += len;
      return;
    }
    const have = src.partial?.length ?? 0;
    const max = this.maxLineBytes;
    if (have + len <= max) {
      // Copied: the read buffer is reused for the next chunk.
      const piece = chunk.subarray(start, end);
      src.partial = src.partial ? Buffer.concat([src.partial, piece]) : Buffer.from(piece);
      return;
    }
    // Over the cap: keep the head up to a UTF-8 boundary, count the rest.
    const look = Math.min(end, start + (max - have) + 1);
    const joined = Buffer.concat(
      src.partial ? [src.partial, chunk.subarray(start, look)] : [chunk.subarray(start, look)],
    );
    const cut = utf8Cut(joined, max);
    src.partial = Buffer.from(joined.subarray(0, cut));
    src.skipped = have + len - cut;
  }

  private finishLineInto(src: Source, out: LogLine[], now: number): void {
    const head = src.partial;
    const skipped = src.skipped;
    src.partial = null;
    src.skipped = 0;
    if (!head) return;
    let text = head.toString('utf8');
    if (text.includes('\ufffd')) text = collapseBinary(text);
    if (skipped > 0) {
      out.push(parseCutLine(text, skipped, ++this.seq, now));
      return;
    }
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length > 0) out.push(parseLogLine(text, ++this.seq, now));
  }

  /** Emits a line that will never be completed (its file was replaced or truncated). */
  private finishLine(src: Source): void {
    const out: LogLine[] = [];
    this.finishLineInto(src, out, Date.now());
    this.emit(out);
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
      if (line.length > 0) out.push(parseLogLine(line, ++this.seq, now));
      if (nl === -1) return;
      s = nl + 1;
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

/**
 * True when some open file descriptor other than our `fd` refers to the same file (a writer
 * that still has it open). Scans /proc/PID/fd links (cheap string compares, a stat only on a
 * name match); runs only for a quiet orphan, at most once per ORPHAN_IDLE_MS. Without /proc
 * it answers false, and quiet orphans are let go.
 */
async function heldElsewhere(fd: number): Promise<boolean> {
  let target: string;
  let own: Stats;
  try {
    target = await fsp.readlink(`/proc/self/fd/${fd}`);
    own = fstatSync(fd);
  } catch {
    return false;
  }
  const self = String(process.pid);
  const pids = await fsp.readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const dir = `/proc/${pid}/fd`;
    const fds = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const n of fds) {
      if (pid === self && n === String(fd)) continue;
      const link = await fsp.readlink(`${dir}/${n}`).catch(() => '');
      if (link !== target) continue;
      const st = await fsp.stat(`${dir}/${n}`).catch(() => null);
      if (st && st.ino === own.ino && st.dev === own.dev) return true;
    }
  }
  return false;
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
