// When to look at a log file again: fs.watch events (coalesced) backed by a poll, fast while the watch cannot see everything.
import { watch, type FSWatcher } from 'node:fs';

/**
 * The poll while watch (inotify) follows the file: it reports every append at once, so the
 * poll only backs it up. Polling at pollMs all the time cost an idle supervisor ~5 ms of CPU and
 * 12 wake-ups a second (strace: timer, stat, read every 250 ms).
 */
export const WATCHED_POLL_MS = 2_000;
/**
 * How long a watch event waits before its wake-up, so one read takes a burst of appends.
 * containerd writes its boot log a line at a time (~100 lines in ~100 ms): one read per line cost
 * ~10 ms of CPU while it booted. Lines still reach readers within this much of being written.
 */
export const WATCH_COALESCE_MS = 15;

export interface LogWakeupsOptions {
  file: string;
  /** The poll when the watch does not cover everything (no watch, or `watchSuffices` false). */
  pollMs: number;
  /** Look at the file now. */
  wake: () => void;
  /** Whether a watch on `file` sees every change that matters (e.g. no other file followed). */
  watchSuffices: () => boolean;
}

/**
 * Calls `wake` when `file` may have changed: on watch events (one call per WATCH_COALESCE_MS
 * burst) and on a poll, every pollMs, or every WATCHED_POLL_MS while the watch covers
 * everything. Timers and the watch never keep the process alive.
 */
export class LogWakeups {
  private running = false;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The wake-up a watch event scheduled; later events join it. */
  private soon: NodeJS.Timeout | null = null;
  /** setWatching(false): no fs.watch, polling at pollMs, until setWatching(true). */
  private quiet = false;
  /** The scheduled poll is the rare one (WATCHED_POLL_MS). */
  private pollSlow = false;

  constructor(private readonly opts: LogWakeupsOptions) {}

  start(): void {
    this.running = true;
    this.rewatch();
    this.schedulePoll();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unwatch();
  }

  /**
   * false: no fs.watch, poll at pollMs instead; true: watch again (waking at once for what came
   * meanwhile). Before start() it only sets how start() begins.
   */
  setWatching(on: boolean): void {
    if (this.quiet === !on) return;
    this.quiet = !on;
    if (!this.running) return;
    if (on) {
      this.rewatch();
      this.opts.wake();
    } else {
      this.unwatch();
    }
    this.schedulePoll();
  }

  /** Watches the file now at the path (after it was replaced), unless watching is off. */
  rewatch(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.quiet) return;
    try {
      const w = watch(this.opts.file, { persistent: false }, () => this.wakeSoon());
      // e.g. inotify limits or the file vanishing: the poll keeps us going.
      w.on('error', () => {
        w.close();
        if (this.watcher !== w) return;
        this.watcher = null;
        if (this.pollSlow && this.running) this.schedulePoll();
      });
      this.watcher = w;
    } catch {
      this.watcher = null;
    }
  }

  /** After a look at the files: when the watch stopped covering them, poll at the fast pace. */
  recheck(): void {
    if (this.pollSlow && !this.covered() && this.running) this.schedulePoll();
  }

  private covered(): boolean {
    return this.watcher !== null && this.opts.watchSuffices();
  }

  /** Closes the watch and drops the wake-up a watch event scheduled. */
  private unwatch(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
    this.watcher?.close();
    this.watcher = null;
  }

  /** A watch event: one wake-up WATCH_COALESCE_MS from the first event, for all that follow it. */
  private wakeSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      if (this.running) this.opts.wake();
    }, WATCH_COALESCE_MS);
    this.soon.unref();
  }

  /** (Re)schedules the next poll: rare while the watch covers everything, every pollMs when not. */
  private schedulePoll(): void {
    if (this.timer) clearTimeout(this.timer);
    const covered = this.covered();
    this.pollSlow = covered;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (!this.running) return;
        this.opts.wake();
        this.schedulePoll();
      },
      covered ? Math.max(this.opts.pollMs, WATCHED_POLL_MS) : this.opts.pollMs,
    );
    this.timer.unref();
  }
}
