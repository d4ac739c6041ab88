// containerd's log as the engine sees it: one tailer on the durable log file feeding the ring.
import type { Settings } from '../../common/settings';
import type { LogLine } from '../../common/states';
import { LogRing } from './log-ring';
import { LogTailer } from './log-tail';
import type { LogPage, LogQuery } from './types';

/** Patterns containerd prints when it rejects its configuration (never worth a retry loop). */
// containerd prints its fatal error as `containerd: <error>`; TOML decode errors carry "(line, col)".
const CONFIG_ERROR =
  /failed to load TOML|invalid (plugin )?config|unsupported config version|^containerd: .*(\(\d+, \d+\)|can't convert|toml)/i;

/** Lines a single logs:read answers with when the caller sets no limit. */
const DEFAULT_LIMIT = 1000;

export class DaemonLogs {
  private readonly ring: LogRing;
  private tailer: LogTailer | null = null;
  private file: string | null = null;
  private settings: Settings;
  private readonly watchers = new Set<(lines: LogLine[]) => void>();
  private watching = true;

  constructor(
    settings: Settings,
    private readonly onLines: (lines: LogLine[]) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.settings = settings;
    this.ring = new LogRing({ maxLines: settings.logRingLines, maxBytes: settings.logRingBytes });
  }

  get lastSeq(): number {
    return this.ring.lastSeq;
  }

  /**
   * Follow `file` (once per file: a respawn keeps the same tailer and its sequence numbers).
   * `historyEnd`: containerd already writes to it from that byte on (spawned before the engine
   * followed its log); resolves to the sequence number of the last line before that point.
   */
  async follow(file: string, historyEnd?: number): Promise<number> {
    if (this.tailer && this.file === file) return this.ring.lastSeq;
    await this.tailer?.stop();
    const t = new LogTailer({
      file,
      historyEnd,
      rotateBytes: this.settings.logRotateBytes,
      rotateKeep: this.settings.logRotateKeep,
      maxLineBytes: this.settings.logLineMaxBytes,
      onLines: (lines) => {
        this.ring.push(lines);
        for (const w of this.watchers) w(lines);
        this.onLines(lines);
      },
      onError: (err) => this.onError(err),
    });
    this.tailer = t;
    this.file = file;
    t.setWatching(this.watching);
    await t.start();
    return historyEnd === undefined ? this.ring.lastSeq : t.historySeq;
  }

  /** While a containerd boots: poll its log instead of waking on every line (LogTailer.setWatching). */
  setWatching(on: boolean): void {
    this.watching = on;
    this.tailer?.setWatching(on);
  }

  /** Log settings apply at once (ring size in lines and bytes, rotation, line cap). */
  reconfigure(s: Settings): void {
    const old = this.settings;
    this.settings = s;
    if (old.logRingLines !== s.logRingLines || old.logRingBytes !== s.logRingBytes) {
      this.ring.configure({ maxLines: s.logRingLines, maxBytes: s.logRingBytes });
    }
    this.tailer?.configure({
      rotateBytes: s.logRotateBytes,
      rotateKeep: s.logRotateKeep,
      maxLineBytes: s.logLineMaxBytes,
    });
  }

  /** Resolves true when a line matching `re` arrives within `ms`, false otherwise. */
  waitForLine(re: RegExp, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let watcher: ((lines: LogLine[]) => void) | undefined;
    return new Promise<boolean>((resolve) => {
      watcher = (lines) => {
        if (lines.some((l) => re.test(l.raw))) resolve(true);
      };
      this.watchers.add(watcher);
      timer = setTimeout(() => resolve(false), ms);
    }).finally(() => {
      clearTimeout(timer);
      this.watchers.delete(watcher!);
    });
  }

  /** Reads what the log holds so far (a read error is the tailer's onError, not the caller's). */
  async flush(): Promise<void> {
    await this.tailer?.flush().catch(() => undefined);
  }

  /** containerd's own words if a run that never became healthy rejected its config. */
  async configError(sinceSeq: number): Promise<string | null> {
    if (!this.tailer) return null;
    await this.flush();
    const { lines } = this.ring.query({ sinceSeq, limit: 200 });
    const hit = lines.find((l) => CONFIG_ERROR.test(l.raw));
    return hit ? hit.msg : null;
  }

  /**
   * containerd's own last word before it exited: its `containerd: …` line (how it reports the
   * error it exits with, e.g. "failed to get listener for main endpoint: is a directory"), else
   * its last fatal, panic or error line since `sinceSeq`. Cut to a few hundred characters.
   */
  async exitError(sinceSeq: number): Promise<string | null> {
    if (!this.tailer) return null;
    await this.flush();
    const { lines } = this.ring.query({ sinceSeq, limit: 200 });
    const last = (test: (l: LogLine) => boolean) => lines.findLast(test) ?? null;
    const hit =
      last((l) => l.raw.startsWith('containerd: ')) ??
      last((l) => l.level === 'fatal' || l.level === 'panic') ??
      last((l) => l.level === 'error');
    if (!hit) return null;
    const text = hit.level === 'unknown' ? hit.raw.replace(/^containerd: /, '') : hit.msg;
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  }

  /** One page: the newest `limit` matches, cut to `maxBytes`; nextSeq continues a cut page. */
  read(q: LogQuery): LogPage {
    const page = this.ring.query({
      sinceSeq: q.sinceSeq,
      sinceTime: q.sinceTime,
      minLevel: q.level,
      text: q.text,
      limit: q.limit ?? DEFAULT_LIMIT,
      maxBytes: q.maxBytes,
    });
    return { lines: page.lines, lastSeq: this.ring.lastSeq, nextSeq: page.nextSeq };
  }

  async stop(): Promise<void> {
    const t = this.tailer;
    this.tailer = null;
    this.file = null;
    await t?.stop();
  }
}
