// The supervisor engine: a thin runner that feeds events to the lifecycle reducer and performs its effects.
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommandResults } from '../../common/contract';
import type { Settings } from '../../common/settings';
import type { DaemonStatus, EngineEvent, ExitInfo, StateEvent } from '../../common/states';
import { DaemonLogs } from './daemon-logs';
import { killHung, terminate, type DaemonHandle } from './daemon-process';
import { EngineError } from './errors';
import type { HeadStart } from './head-start';
import { adoptFromPidfile } from './adopt';
import { historyFilePath, readHistory, writeHistory } from './history-file';
import { readStartedAt } from './proc';
import { waitForServing } from './health';
import { DaemonChannel } from '../shared/daemon-channel';
import { renderConfigFor } from './config';
import { Launcher } from './launch';
import { initialLife, reduce, type Effect, type LifeEvent, type LifeState } from './lifecycle';
import { Liveness, type CheckResult } from './liveness';
import { resolveLayout, type Layout } from './paths';
import { StatusBook } from './status-book';
import type { Engine, LogPage, LogQuery } from './types';

export interface SupervisorOptions {
  settings: Settings;
  /** Folder of the app, searched for a bundled containerd after PATH. */
  appDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Random source for backoff jitter (tests pin it). */
  random?: () => number;
  /** Where the engine reports problems outside the lifecycle (log tailer errors). */
  log?: (message: string) => void;
  /**
   * A launch begun before this engine was loaded (`cdesk daemon run`, engine/head-start.ts): its
   * launcher (and lock) becomes ours, and its containerd is the first run's spawn.
   */
  headStart?: HeadStart;
}

/** containerd's last line of a SIGUSR1 stack dump. */
const DUMP_END = /END goroutine stack dump/;

/** How long a first start waits for containerd's version before announcing `running`. */
const VERSION_WAIT_MS = 500;

/** Health samples reach the history file at most this often (a restart is written within 0.5 s). */
const HISTORY_WRITE_MS = 5000;

export class Supervisor implements Engine {
  private settings: Settings;
  private layout: Layout;
  private readonly env: NodeJS.ProcessEnv;
  private readonly random: () => number;
  private readonly log: (message: string) => void;
  private readonly emitter = new EventEmitter();
  private readonly launcher: Launcher;
  private readonly logs: DaemonLogs;
  private readonly book = new StatusBook();
  private readonly liveness = new Liveness();
  /** The current daemon's gRPC connection: health, version and the containerd API share it. */
  private daemonChannel: DaemonChannel | null = null;

  private life: LifeState = initialLife();
  private queue: LifeEvent[] | null = null;
  private daemon: DaemonHandle | null = null;
  private launching: Promise<void> | null = null;
  /** File removals in flight; a launch waits for them so it never loses its fresh pidfile. */
  private fileOps: Promise<void> = Promise.resolve();
  private respawnTimer: NodeJS.Timeout | null = null;
  private startupAbort: AbortController | null = null;
  private runStartSeq = 0;
  private detaching = false;
  /** A head start's containerd, until the first launch takes it over (or discards it). */
  private head: HeadStart | null;
  /** The previous app's history is read once, at the first launch. */
  private historyLoaded = false;
  /** The history file's next write (one at a time, at most every HISTORY_WRITE_MS). */
  private historyTimer: NodeJS.Timeout | null = null;
  private historyWrites: Promise<void> = Promise.resolve();

  constructor(opts: SupervisorOptions) {
    this.settings = opts.settings;
    this.env = opts.env ?? process.env;
    this.random = opts.random ?? Math.random;
    this.log = opts.log ?? ((m) => process.stderr.write(`containerd-desktop: ${m}\n`));
    this.layout = resolveLayout(this.settings, this.env);
    this.launcher =
      opts.headStart?.launcher ??
      new Launcher({ appDir: opts.appDir ?? dirname(process.execPath), env: this.env });
    this.head = opts.headStart?.spawned ? opts.headStart : null;
    this.logs = new DaemonLogs(
      this.settings,
      (lines) => this.emit({ type: 'log', lines }),
      (err) => this.onLogError(err),
    );
    this.emitter.setMaxListeners(0);
  }

  // ---- public surface -------------------------------------------------------------------

  status(): DaemonStatus {
    return this.book.snapshot(this.life, this.layout);
  }

  channel(): DaemonChannel | null {
    return this.daemonChannel;
  }

  onEvent(fn: (e: EngineEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  async claim(): Promise<void> {
    const layout = resolveLayout(this.settings, this.env);
    await this.launcher.claim(layout);
    if (!this.daemon) this.layout = layout;
  }

  start(): Promise<DaemonStatus> {
    this.dispatch({ type: 'start' });
    return this.settled();
  }

  stop(): Promise<DaemonStatus> {
    this.dispatch({ type: 'stop', reason: 'stopped by request' });
    return this.settled();
  }

  restart(): Promise<DaemonStatus> {
    this.dispatch({ type: 'restart' });
    return this.settled();
  }

  applySettings(s: Settings): void {
    // Paths change at the next launch (the running daemon keeps its files); the rest at once.
    this.settings = s;
    this.logs.reconfigure(s);
    this.dispatch({ type: 'settings' });
  }

  readLogs(q: LogQuery): LogPage {
    return this.logs.read(q);
  }

  healthHistory(): CommandResults['health:history'] {
    return { samples: [...this.book.samples], restarts: this.book.restartTimes() };
  }

  async configPreview(): Promise<CommandResults['config:preview']> {
    const layout = resolveLayout(this.settings, this.env);
    const toml = await renderConfigFor(layout, this.settings);
    return { toml, path: layout.configFile, overridesFile: this.settings.overridesFile };
  }

  async shutdown(opts: { leaveRunning: boolean }): Promise<void> {
    if (opts.leaveRunning) {
      this.dispatch({ type: 'detach' });
    } else if (this.life.phase !== 'stopped' && this.life.phase !== 'failed') {
      await this.stop();
    }
    await this.launching;
    await this.fileOps;
    // Never started: a head start's containerd must not outlive us unsupervised.
    const unused = this.head?.spawned;
    this.head = null;
    if (unused) await this.abandon(unused.daemon);
    this.cancelTimers();
    this.dropChannel();
    // While we still hold the state dir: the history is ours to write.
    await this.flushHistory();
    await this.logs.stop();
    await this.launcher.release();
  }

  // ---- the runner -----------------------------------------------------------------------

  /** Feed one event to the reducer; events raised while effects run are queued, never nested. */
  private dispatch(e: LifeEvent): void {
    if (this.queue) {
      this.queue.push(e);
      return;
    }
    this.queue = [e];
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next);
    } finally {
      this.queue = null;
    }
  }

  private step(e: LifeEvent): void {
    const prev = this.life;
    const { state, effects } = reduce(prev, e, this.settings);
    this.life = state;
    if (state.phase !== prev.phase || state.reason !== prev.reason || state.code !== prev.code) {
      this.announce(prev, e);
    }
    for (const f of effects) this.perform(f);
  }

  private announce(prev: LifeState, e: LifeEvent): void {
    const s = this.life;
    const at = Date.now();
    const live = (p: string) => p === 'running' || p === 'unhealthy';
    if (live(s.phase) && !live(prev.phase)) {
      // An adopted daemon has been up since its process started, not since we found it.
      const started = s.adopted && s.pid ? readStartedAt(s.pid) : null;
      this.book.runningSince = started !== null && started <= at ? started : at;
    }
    this.book.since = at;
    const ev: StateEvent = {
      type: 'state',
      state: s.phase,
      prev: prev.phase,
      reason: s.reason,
      code: s.code,
      at,
      pid: s.pid ?? (e.type === 'exited' ? null : prev.pid),
    };
    if (e.type === 'exited') ev.exit = e.exit;
    if (s.retryInMs !== null) ev.retryInMs = s.retryInMs;
    if (s.hint !== null) ev.hint = s.hint;
    this.emit(ev);
  }

  private perform(f: Effect): void {
    switch (f.kind) {
      case 'launch': {
        const p = this.runLaunch(f.run, f.adopt).finally(() => {
          if (this.launching === p) this.launching = null;
        });
        this.launching = p;
        return;
      }
      case 'terminate':
        if (this.daemon) void terminate(this.daemon, this.settings.stopGraceMs);
        return;
      case 'kill':
        this.daemon?.signal('SIGKILL');
        return;
      case 'kill-hung':
        if (this.daemon) {
          const dumped = (ms: number) => this.logs.waitForLine(DUMP_END, ms);
          void killHung(this.daemon, this.settings.hangDumpWaitMs, dumped);
        }
        return;
      case 'schedule-check': {
        const h = this.settings.health;
        this.liveness.schedule(f.delayMs, h.livenessTimeoutMs, (r) => this.onCheck(f.run, r));
        return;
      }
      case 'stop-checks':
        this.dropChannel();
        this.startupAbort?.abort();
        return;
      case 'schedule-respawn': {
        this.cancelTimers();
        const due = () => {
          this.respawnTimer = null;
          this.dispatch({ type: 'respawn-due', run: f.run });
        };
        if (f.delayMs === 0) queueMicrotask(due);
        else this.respawnTimer = setTimeout(due, f.delayMs);
        return;
      }
      case 'cancel-respawn':
        this.cancelTimers();
        return;
      case 'cleanup':
        void this.cleanup(f.run);
        return;
      case 'remove-pidfile': {
        const layout = this.layout;
        this.fileOps = this.fileOps
          .then(() => this.launcher.removeFiles(layout, { socket: false }))
          .catch(() => undefined);
        return;
      }
      case 'detach': {
        this.detaching = true;
        const d = this.daemon;
        this.daemon = null;
        d?.detach();
        this.dropChannel();
        this.startupAbort?.abort();
        return;
      }
      case 'count-restart':
        this.book.countRestart(f.cause);
        this.saveHistory(500);
        return;
    }
  }

  private cancelTimers(): void {
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
  }

  private current(run: number): boolean {
    return this.life.run === run && this.life.wanted;
  }

  /** Whether the head start's spawn was made for `layout` with the settings in use now. */
  private fits(h: NonNullable<HeadStart['spawned']>, layout: Layout): boolean {
    const l = h.layout;
    return (
      this.head?.settings === this.settings &&
      l.socket === layout.socket &&
      l.configFile === layout.configFile &&
      l.logFile === layout.logFile &&
      l.pidFile === layout.pidFile
    );
  }

  private async runLaunch(run: number, mayAdopt: boolean): Promise<void> {
    // containerd's log is read by polling, not on every line, until this launch is over (its
    // start-up probe done, adopted, failed or cancelled): see LogTailer.setWatching.
    this.logs.setWatching(false);
    try {
      await this.fileOps;
      const layout = resolveLayout(this.settings, this.env);
      this.layout = layout;
      await this.loadHistoryOnce(layout);
      // The first launch takes a head start's containerd over, or discards one made for other settings.
      const head = this.head?.spawned ?? null;
      const fits = head !== null && this.fits(head, layout);
      this.head = null;
      if (head && !fits) await this.abandon(head.daemon);
      if (head && fits) {
        this.book.binary = head.binary;
        // containerd has been writing since the spawn: its lines so far are this run's, not history.
        try {
          this.runStartSeq = await this.logs.follow(layout.logFile, head.logOffset);
        } catch (err) {
          // Not attached yet, so not watched: it must not outlive the failed launch.
          await this.abandon(head.daemon);
          throw err;
        }
        await this.tookOver(head.daemon, run, layout, head.binary, head.now);
        return;
      }
      const { binary, configFile } = await this.launcher.prepare(layout, this.settings);
      this.book.binary = binary;
      await this.logs.follow(layout.logFile);
      if (!this.current(run)) return;

      const adopted =
        mayAdopt && (await adoptFromPidfile(layout, binary, configFile, () => this.current(run)));
      if (adopted) {
        const d = adopted.daemon;
        this.useChannel(adopted.channel);
        if (!this.book.knownVersion()) await this.fetchVersion(binary, VERSION_WAIT_MS);
        if (!this.current(run)) {
          this.dropChannel();
          await this.abandon(d);
          return;
        }
        // Watched from here on: an exit during adoption is a crash like any other.
        this.attach(d, run);
        this.recordStartup(adopted.latencyMs);
        this.dispatch({ type: 'adopted', run, pid: d.pid, now: performance.now() });
        return;
      }
      if (!this.current(run)) return;

      this.runStartSeq = this.logs.lastSeq;
      const d = await this.launcher.spawn(layout, binary, configFile);
      await this.tookOver(d, run, layout, binary, performance.now());
    } catch (err) {
      this.dispatch({ type: 'launch-failed', run, ...describeLaunchError(err) });
    } finally {
      this.logs.setWatching(true);
    }
  }

  /** A containerd we just spawned (`now`: when) becomes this run's: pidfile, then the start-up probe. */
  private async tookOver(
    d: DaemonHandle,
    run: number,
    layout: Layout,
    binary: string,
    now: number,
  ): Promise<void> {
    if (!this.current(run)) {
      await this.abandon(d);
      return;
    }
    this.attach(d, run);
    this.dispatch({ type: 'spawned', run, pid: d.pid, now });
    // The pidfile is written while containerd boots; `running` waits for both.
    const recorded = this.launcher.recordPid(layout, d).then(
      () => null,
      (err: unknown) => err,
    );
    const ready = this.probeStartup(d, run, layout, binary, recorded);
    const err = await recorded;
    if (err) {
      // Not a crash to recover from: forget the daemon first so its exit is not one.
      if (this.daemon === d) this.daemon = null;
      this.startupAbort?.abort();
      d.signal('SIGKILL');
      await d.exited;
      throw err;
    }
    await ready;
  }

  /** A daemon a cancelled launch got hold of: kill what we spawned; an adopted one stays if we quit. */
  private async abandon(d: DaemonHandle): Promise<void> {
    if (!d.adopted) {
      d.signal('SIGKILL');
      await d.exited;
    } else if (this.detaching || d.hasExited()) {
      d.detach();
    } else {
      await terminate(d, this.settings.stopGraceMs);
      d.detach();
    }
  }

  private attach(d: DaemonHandle, run: number): void {
    this.daemon = d;
    void d.exited.then((info) => this.onExit(d, run, info));
  }

  private async probeStartup(
    d: DaemonHandle,
    run: number,
    layout: Layout,
    binary: string,
    recorded: Promise<unknown>,
  ): Promise<void> {
    const ac = new AbortController();
    this.startupAbort = ac;
    const h = this.settings.health;
    const channel = new DaemonChannel(layout.socket);
    const r = await waitForServing(channel, {
      budgetMs: h.startupBudgetMs,
      intervalMs: h.startupProbeIntervalMs,
      signal: ac.signal,
      isAlive: () => !d.hasExited(),
    });
    const stillOurs = () => this.daemon === d && !ac.signal.aborted && this.life.run === run;
    if (!stillOurs() || !r.ok) channel.close();
    if (!stillOurs()) return;
    if (!r.ok) {
      if (r.reason === 'timeout') {
        this.dispatch({ type: 'startup-timeout', run, budgetMs: h.startupBudgetMs, last: r.last });
      }
      return; // 'exited' comes through onExit
    }
    const now = performance.now();
    this.useChannel(channel);
    const known = this.book.knownVersion();
    // The first start learns the version before announcing `running` (one event, complete).
    if (!known) await this.fetchVersion(binary, VERSION_WAIT_MS);
    // The boot lines were only polled for while it booted: they come before `running`, as they
    // would had they been followed live.
    this.logs.setWatching(true);
    await this.logs.flush();
    if ((await recorded) !== null || !stillOurs()) return;
    this.recordStartup(r.latencyMs);
    this.dispatch({ type: 'serving', run, now });
    if (known) void this.fetchVersion(binary, 2000);
  }

  /** The daemon's connection from now on (one per daemon: a respawn gets a new one). */
  private useChannel(channel: DaemonChannel): void {
    if (this.daemonChannel !== channel) this.daemonChannel?.close();
    this.daemonChannel = channel;
    this.liveness.open(channel);
  }

  /** The daemon is gone or going: no more checks, and calls still in flight end. */
  private dropChannel(): void {
    this.liveness.close();
    this.daemonChannel?.close();
    this.daemonChannel = null;
  }

  private async fetchVersion(binary: string, timeoutMs: number): Promise<void> {
    const v = await this.liveness.version(timeoutMs);
    if (v) this.book.setVersion(binary, v);
  }

  private recordStartup(latencyMs: number): void {
    this.recordHealth({
      type: 'health',
      at: Date.now(),
      phase: 'startup',
      ok: true,
      result: 'SERVING',
      latencyMs,
      failures: 0,
    });
  }

  private onCheck(run: number, r: CheckResult): void {
    if (this.life.run !== run) return;
    const failures = r.ok ? 0 : this.life.failures + 1;
    this.recordHealth({
      type: 'health',
      at: Date.now(),
      phase: 'liveness',
      ok: r.ok,
      result: r.result,
      latencyMs: r.latencyMs,
      failures,
      ...(r.detail ? { detail: r.detail } : {}),
    });
    this.dispatch({
      type: 'check',
      run,
      now: r.now,
      ok: r.ok,
      result: r.result,
      tookMs: r.latencyMs,
    });
  }

  private async onExit(d: DaemonHandle, run: number, exit: ExitInfo): Promise<void> {
    if (this.daemon !== d) return;
    this.daemon = null;
    const now = performance.now();
    this.book.lastExit = exit;
    this.dropChannel();
    this.startupAbort?.abort();
    const neverHealthy = this.life.healthyAt === null && this.life.run === run && this.life.wanted;
    const configError = neverHealthy ? await this.logs.configError(this.runStartSeq) : null;
    // A start that never answered: containerd's own last error says why better than an exit code.
    const lastError =
      neverHealthy && !configError ? await this.logs.exitError(this.runStartSeq) : null;
    this.dispatch({
      type: 'exited',
      run,
      now,
      exit,
      configError,
      lastError,
      random: this.random(),
    });
  }

  private async cleanup(run: number): Promise<void> {
    // A launch in flight finishes (or discards what it spawned) before files are touched.
    await this.launching;
    const layout = this.layout;
    this.fileOps = this.fileOps
      .then(() => this.launcher.removeFiles(layout, { socket: true }))
      .catch(() => undefined);
    await this.fileOps;
    this.dispatch({ type: 'cleaned', run });
  }

  private onLogError(err: Error): void {
    const file = this.layout.logFile;
    const text = `reading ${file} failed (${err.message}); the live log may miss lines until it recovers — check the file's permissions and free space`;
    this.book.setNotice(text);
    this.log(text);
  }

  private recordHealth(e: Extract<EngineEvent, { type: 'health' }>): void {
    this.book.recordHealth(e);
    this.emit(e);
    this.saveHistory(HISTORY_WRITE_MS);
  }

  private async loadHistoryOnce(layout: Layout): Promise<void> {
    if (this.historyLoaded) return;
    this.historyLoaded = true;
    const h = await readHistory(historyFilePath(layout.stateDir), this.log);
    if (h) this.book.restore(h);
  }

  /** Write the history within `delayMs` (an earlier pending write stands). */
  private saveHistory(delayMs: number): void {
    if (!this.historyLoaded) return;
    if (this.historyTimer) {
      if (delayMs >= HISTORY_WRITE_MS) return;
      clearTimeout(this.historyTimer);
    }
    this.historyTimer = setTimeout(() => void this.flushHistory(), delayMs);
    this.historyTimer.unref();
  }

  private flushHistory(): Promise<void> {
    if (this.historyTimer) clearTimeout(this.historyTimer);
    this.historyTimer = null;
    if (!this.historyLoaded) return this.historyWrites;
    const file = historyFilePath(this.layout.stateDir);
    const h = this.book.history();
    this.historyWrites = this.historyWrites
      .then(() => writeHistory(file, h))
      .catch((err: unknown) =>
        this.log(
          `could not write ${file}: ${(err as Error).message}; restart history stays in memory`,
        ),
      );
    return this.historyWrites;
  }

  /** Resolves at the next settled state: running, failed, or stopped with nothing pending. */
  private settled(): Promise<DaemonStatus> {
    const done = () => {
      const s = this.life;
      return (
        s.phase === 'running' ||
        s.phase === 'failed' ||
        (s.phase === 'stopped' && !s.wanted && s.startAfterStop === null)
      );
    };
    if (done()) return Promise.resolve(this.status());
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.type === 'state' && done()) {
          off();
          resolve(this.status());
        }
      });
    });
  }

  private emit(e: EngineEvent): void {
    for (const fn of this.emitter.listeners('event') as Array<(e: EngineEvent) => void>) {
      try {
        fn(e);
      } catch {
        // A broken listener must not break the engine.
      }
    }
  }
}

function describeLaunchError(err: unknown): { code: string; message: string; hint: string } {
  if (err instanceof EngineError) return { code: err.code, message: err.message, hint: err.hint };
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    code: 'internal',
    message: `could not start containerd: ${e.message}`,
    hint: 'see the app log for details, then start containerd again',
  };
}
