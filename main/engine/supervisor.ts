// The supervisor engine: keeps one containerd alive, owns its state and emits every change.
import { EventEmitter } from 'node:events';
import { readFile, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommandResults } from '../../common/contract';
import type { Settings } from '../../common/settings';
import type {
  DaemonState,
  DaemonStatus,
  EngineEvent,
  ExitInfo,
  HealthEvent,
  StateEvent,
} from '../../common/states';
import { resolveContainerdBinary } from './binary';
import { buildConfig, ensureDirs, loadOverrides, prepareConfig, renderConfigToml } from './config';
import { adoptDaemon, spawnDaemon, type DaemonHandle } from './daemon-process';
import { EngineError, isPermanent } from './errors';
import { HealthClient, waitForServing } from './health';
import { LogRing } from './log-ring';
import { LogTailer } from './log-tail';
import { resolveLayout, type Layout } from './paths';
import { acquireSupervisorLock } from './supervisor-lock';
import { checkIdentity, readPidfile, removePidfile, writePidfile } from './pidfile';
import {
  decideAfterExit,
  describeExit,
  freshMemory,
  livenessStep,
  type PolicyMemory,
} from './policy';
import type { Engine, LogQuery } from './types';

export interface SupervisorOptions {
  settings: Settings;
  /** Folder of the app, searched for a bundled containerd after PATH. */
  appDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Random source for backoff jitter (tests pin it). */
  random?: () => number;
}

const SETTLED: ReadonlySet<DaemonState> = new Set(['running', 'failed', 'stopped']);
const HEALTH_HISTORY = 300;
/** How long an adoption candidate gets to answer the health check. */
const ADOPT_HEALTH_BUDGET_MS = 2000;

/** Whether the daemon exits within `ms`; the timer is cleared so it never holds the process. */
function exitedWithin(d: DaemonHandle, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([d.exited.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

/** Patterns containerd prints when it rejects its configuration (never worth a retry loop). */
// containerd prints its fatal error as `containerd: <error>`; TOML decode errors carry "(line, col)".
const CONFIG_ERROR =
  /failed to load TOML|invalid (plugin )?config|unsupported config version|^containerd: .*(\(\d+, \d+\)|can't convert|toml)/i;

export class Supervisor implements Engine {
  private settings: Settings;
  private layout: Layout;
  private readonly appDir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly random: () => number;
  private readonly emitter = new EventEmitter();

  private state: DaemonState = 'stopped';
  private reason = 'not started';
  private code = 'init';
  private since = Date.now();
  private hint: string | null = null;
  private retryInMs: number | null = null;

  private daemon: DaemonHandle | null = null;
  private runHealthyAt: number | null = null;
  private runningSinceWall: number | null = null;
  private lastOkAt: number | null = null;
  private runStartSeq = 0;
  private killReason: string | null = null;
  private restarts = 0;
  private lastExit: ExitInfo | null = null;
  private lastHealth: DaemonStatus['lastHealth'] = null;
  private version: DaemonStatus['version'] = null;
  private memory: PolicyMemory = freshMemory();

  /** Whether the user wants containerd running; false stops every automatic respawn. */
  private wanted = false;
  /** Bumped by every user action; async work started under an older epoch bails out. */
  private epoch = 0;
  private launching: Promise<void> | null = null;
  private respawnTimer: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  private livenessFailures = 0;
  private health: HealthClient | null = null;
  private startupAbort: AbortController | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly ring: LogRing;
  private tailer: LogTailer | null = null;
  private tailerFile: string | null = null;
  private readonly samples: HealthEvent[] = [];
  private readonly restartTimes: number[] = [];
  private writtenConfig: { path: string; toml: string } | null = null;
  private releaseLock: (() => Promise<void>) | null = null;

  constructor(opts: SupervisorOptions) {
    this.settings = opts.settings;
    this.appDir = opts.appDir ?? dirname(process.execPath);
    this.env = opts.env ?? process.env;
    this.random = opts.random ?? Math.random;
    this.layout = resolveLayout(this.settings, this.env);
    this.ring = new LogRing(this.settings.logRingLines);
    this.emitter.setMaxListeners(0);
  }

  // ---- public surface -------------------------------------------------------------------

  status(): DaemonStatus {
    const l = this.layout;
    return {
      state: this.state,
      reason: this.reason,
      code: this.code,
      pid: this.daemon?.pid ?? null,
      adopted: this.daemon?.adopted ?? false,
      runningSince: this.runningSinceWall,
      since: this.since,
      restarts: this.restarts,
      lastExit: this.lastExit,
      lastHealth: this.lastHealth,
      version: this.version,
      hint: this.hint,
      retryInMs: this.retryInMs,
      paths: {
        socket: l.socket,
        config: l.configFile,
        pidfile: l.pidFile,
        log: l.logFile,
        root: l.rootDir,
        state: l.stateDir,
      },
    };
  }

  onEvent(fn: (e: EngineEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }

  start(): Promise<DaemonStatus> {
    return this.serial(async () => {
      if (this.wanted) return; // already starting, running or backing off: one daemon only
      this.wanted = true;
      this.memory = freshMemory();
      this.launch(this.epoch, 'start requested', 'start');
    }).then(() => this.settled());
  }

  stop(): Promise<DaemonStatus> {
    return this.serial(() => this.stopNow('stopped by request'));
  }

  async restart(): Promise<DaemonStatus> {
    await this.serial(() => this.stopNow('restarting'));
    this.restarts++;
    this.restartTimes.push(Date.now());
    return this.start();
  }

  applySettings(s: Settings): void {
    // Paths change at the next launch (the running daemon keeps its files); policy knobs at once.
    this.settings = s;
  }

  readLogs(q: LogQuery): CommandResults['logs:read'] {
    const lines = this.ring.query({
      sinceSeq: q.sinceSeq,
      sinceTime: q.sinceTime,
      minLevel: q.level,
      text: q.text,
      limit: q.limit ?? 1000,
    });
    return { lines, lastSeq: this.ring.lastSeq };
  }

  healthHistory(): CommandResults['health:history'] {
    return { samples: [...this.samples], restarts: [...this.restartTimes] };
  }

  async configPreview(): Promise<CommandResults['config:preview']> {
    const layout = resolveLayout(this.settings, this.env);
    const overrides = await loadOverrides(this.settings.overridesFile);
    const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    const toml = renderConfigToml(buildConfig(layout, this.settings, ids, overrides));
    return { toml, path: layout.configFile, overridesFile: this.settings.overridesFile };
  }

  async shutdown(opts: { leaveRunning: boolean }): Promise<void> {
    if (opts.leaveRunning) {
      await this.serial(async () => {
        this.cancelAll();
        await this.launching;
        // Leave the daemon and its pidfile in place: the next launch adopts it.
        this.daemon?.detach();
        this.daemon = null;
        await this.unlock();
      });
    } else {
      await this.stop();
    }
    await this.tailer?.stop();
    this.tailer = null;
  }

  // ---- lifecycle ------------------------------------------------------------------------

  /** Run user actions one at a time so concurrent starts make one daemon. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private settled(): Promise<DaemonStatus> {
    if (SETTLED.has(this.state) && !this.launching) return Promise.resolve(this.status());
    return new Promise((resolve) => {
      const off = this.onEvent((e) => {
        if (e.type === 'state' && SETTLED.has(e.state)) {
          off();
          resolve(this.status());
        }
      });
    });
  }

  private cancelAll(): void {
    this.wanted = false;
    this.epoch++;
    if (this.respawnTimer) clearTimeout(this.respawnTimer);
    this.respawnTimer = null;
    this.startupAbort?.abort();
    this.stopLiveness();
  }

  private async stopNow(reason: string): Promise<DaemonStatus> {
    this.cancelAll();
    // A launch in flight finishes (or discards what it spawned) before we look at the daemon.
    await this.launching;
    const d = this.daemon;
    if (d && !d.hasExited()) {
      this.transition('stopping', `${reason}: sending SIGTERM to pid ${d.pid}`, 'stopping');
      await this.terminate(d);
    }
    this.daemon = null;
    this.closeHealth();
    await this.cleanupFiles();
    await this.unlock();
    this.transition('stopped', reason, 'stopped');
    return this.status();
  }

  /** SIGTERM (+SIGCONT so a stopped process can act on it), grace, then SIGKILL. */
  private async terminate(d: DaemonHandle): Promise<void> {
    d.signal('SIGTERM');
    d.signal('SIGCONT');
    if (await exitedWithin(d, this.settings.stopGraceMs)) return;
    d.signal('SIGKILL');
    await exitedWithin(d, 5000);
  }

  private launch(epoch: number, reason: string, code: string): void {
    this.transition('starting', reason, code);
    const p = this.doLaunch(epoch)
      .catch((err: unknown) => this.onLaunchError(epoch, err))
      .finally(() => {
        if (this.launching === p) this.launching = null;
      });
    this.launching = p;
  }

  private async doLaunch(epoch: number): Promise<void> {
    this.layout = resolveLayout(this.settings, this.env);
    const binary = await resolveContainerdBinary({
      setting: this.settings.containerdPath,
      pathEnv: this.env.PATH,
      appDir: this.appDir,
    });
    // The lock comes before any write: another supervisor's files must stay untouched.
    await ensureDirs(this.layout);
    this.releaseLock ??= await acquireSupervisorLock(join(this.layout.stateDir, 'supervisor.lock'));
    const configFile = await this.writeConfig();
    await this.ensureTailer();
    if (epoch !== this.epoch) return;
    if (await this.tryAdopt(binary, configFile, epoch)) return;
    if (epoch !== this.epoch) return;
    await this.clearSocket();
    this.runStartSeq = this.ring.lastSeq;
    const d = await spawnDaemon({
      binary,
      configFile,
      logFile: this.layout.logFile,
      env: this.env,
    });
    if (epoch !== this.epoch) {
      d.signal('SIGKILL');
      await d.exited;
      return;
    }
    this.attach(d);
    this.emitState('starting', `spawned pid ${d.pid}; waiting for the health check`, 'spawned');
    // The pidfile is written while containerd boots; readiness probing starts at once.
    const ready = this.probeStartup(d);
    try {
      await writePidfile(this.layout.pidFile, d.identity);
    } catch (err) {
      // Not a crash to recover from: detach first so the exit does not trigger a respawn.
      this.daemon = null;
      this.startupAbort?.abort();
      d.signal('SIGKILL');
      await d.exited;
      throw new EngineError(
        'pidfile-write',
        `could not write the pidfile ${this.layout.pidFile}: ${(err as Error).message}`,
        'check that the state directory is writable and has free space, then press Start',
      );
    }
    await ready;
  }

  /** Rewrite the config only when it would change: a respawn should not pay for an fsync. */
  private async writeConfig(): Promise<string> {
    const w = this.writtenConfig;
    if (w && w.path === this.layout.configFile) {
      const preview = await this.configPreview();
      const onDisk = await readFile(w.path, 'utf8').catch(() => null);
      if (preview.toml === w.toml && onDisk === w.toml) return w.path;
    }
    const { path, toml } = await prepareConfig(this.layout, this.settings);
    this.writtenConfig = { path, toml };
    return path;
  }

  private async ensureTailer(): Promise<void> {
    if (this.tailer && this.tailerFile === this.layout.logFile) return;
    await this.tailer?.stop();
    const t = new LogTailer({
      file: this.layout.logFile,
      rotateBytes: this.settings.logRotateBytes,
      rotateKeep: this.settings.logRotateKeep,
      onLines: (lines) => {
        this.ring.push(lines);
        this.emit({ type: 'log', lines });
      },
    });
    this.tailer = t;
    this.tailerFile = this.layout.logFile;
    await t.start();
  }

  /** Adopt a daemon named in the pidfile only if it is provably ours and answers health. */
  private async tryAdopt(binary: string, configFile: string, epoch: number): Promise<boolean> {
    const entry = await readPidfile(this.layout.pidFile);
    if (entry === null) return false;
    if (entry === 'corrupt') {
      await removePidfile(this.layout.pidFile);
      return false;
    }
    const verdict = checkIdentity(entry, { exe: binary, configPath: configFile });
    if (verdict !== 'match') {
      // Dead, or a live process that is not ours (pid reuse): forget it, never signal it.
      await removePidfile(this.layout.pidFile);
      return false;
    }
    const d = adoptDaemon(entry);
    const r = await waitForServing(this.layout.socket, {
      budgetMs: ADOPT_HEALTH_BUDGET_MS,
      intervalMs: 10,
      isAlive: () => !d.hasExited(),
    });
    if (epoch !== this.epoch) {
      d.detach();
      return true;
    }
    if (!r.ok) {
      // Ours but not answering: a hung daemon we own; replace it.
      d.signal('SIGKILL');
      await exitedWithin(d, 5000);
      d.detach();
      await removePidfile(this.layout.pidFile);
      return false;
    }
    this.attach(d);
    this.emitState('starting', `adopted running containerd (pid ${d.pid})`, 'adopted');
    this.onHealthy(d, r.latencyMs, 'adopted');
    return true;
  }

  /** Unlink a leftover socket only when nothing answers on it. */
  private async clearSocket(): Promise<void> {
    const path = this.layout.socket;
    const answered = await new Promise<boolean>((resolve) => {
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (answered) {
      throw new EngineError(
        'config-invalid',
        `another process is already serving on ${path}`,
        'stop the other containerd using this state directory, or choose another state directory',
      );
    }
    await unlink(path).catch(() => undefined);
  }

  private attach(d: DaemonHandle): void {
    this.daemon = d;
    this.runHealthyAt = null;
    this.lastOkAt = null;
    this.killReason = null;
    this.livenessFailures = 0;
    void d.exited.then((info) => this.onExit(d, info));
  }

  private async probeStartup(d: DaemonHandle): Promise<void> {
    const ac = new AbortController();
    this.startupAbort = ac;
    const h = this.settings.health;
    const r = await waitForServing(this.layout.socket, {
      budgetMs: h.startupBudgetMs,
      intervalMs: h.startupProbeIntervalMs,
      signal: ac.signal,
      isAlive: () => !d.hasExited(),
    });
    if (this.daemon !== d || ac.signal.aborted) return;
    if (r.ok) {
      this.onHealthy(d, r.latencyMs, 'spawned');
    } else if (r.reason === 'timeout') {
      this.killReason = `containerd did not answer the health check within ${h.startupBudgetMs} ms (last: ${r.last ?? 'no answer'})`;
      d.signal('SIGKILL');
    }
    // 'exited' is handled by onExit.
  }

  private onHealthy(d: DaemonHandle, latencyMs: number, how: 'spawned' | 'adopted'): void {
    const now = performance.now();
    this.runHealthyAt = now;
    this.lastOkAt = now;
    this.runningSinceWall = Date.now();
    this.recordHealth({
      type: 'health',
      at: Date.now(),
      phase: 'startup',
      ok: true,
      result: 'SERVING',
      latencyMs,
      failures: 0,
    });
    this.health = new HealthClient(this.layout.socket);
    this.transition(
      'running',
      how === 'adopted' ? `adopted pid ${d.pid}, healthy` : `healthy (pid ${d.pid})`,
      'healthy',
    );
    this.scheduleLiveness(d);
    void this.health
      .version(2000)
      .then((v) => {
        if (this.daemon === d) {
          this.version = v;
          this.emitState(this.state, this.reason, this.code);
        }
      })
      .catch(() => undefined);
  }

  private onLaunchError(epoch: number, err: unknown): void {
    if (epoch !== this.epoch) return;
    if (err instanceof EngineError && isPermanent(err)) {
      this.fail(err.code, err.message, err.hint);
      return;
    }
    if (
      err instanceof EngineError &&
      (err.code === 'spawn-failed' || err.code === 'pidfile-write')
    ) {
      this.fail(err.code, err.message, err.hint);
      return;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    this.fail(
      'internal',
      `could not start containerd: ${e.message}`,
      'see the app log for details, then press Start',
    );
  }

  private fail(code: string, reason: string, hint: string): void {
    this.wanted = false;
    this.stopLiveness();
    void this.unlock();
    this.transition('failed', reason, code, { hint });
  }

  private onExit(d: DaemonHandle, info: ExitInfo): void {
    if (this.daemon !== d) return;
    this.daemon = null;
    this.lastExit = info;
    this.stopLiveness();
    this.closeHealth();
    this.startupAbort?.abort();
    if (!this.wanted) return; // stop() owns the transitions
    void removePidfile(this.layout.pidFile);
    const now = performance.now();
    // Healthy until the exit, unless checks were already failing: then until the last good one.
    const healthyUntil =
      this.livenessFailures > 0 || this.killReason ? (this.lastOkAt ?? now) : now;
    const healthyForMs = this.runHealthyAt === null ? 0 : healthyUntil - this.runHealthyAt;
    const what = this.killReason ?? `containerd ${describeExit(info.code, info.signal)}`;
    const hung = this.killReason !== null && this.runHealthyAt !== null;
    const epoch = this.epoch;
    void this.classifyExit(this.runHealthyAt === null).then((configError) => {
      if (epoch !== this.epoch || !this.wanted) return;
      if (configError) {
        this.fail(
          'config-invalid',
          `containerd rejected its configuration: ${configError}`,
          `fix the overrides file (${this.settings.overridesFile ?? 'none set'}) or the settings, then press Start`,
        );
        return;
      }
      const dec = decideAfterExit(
        this.settings.restart,
        this.memory,
        { endedAt: now, healthyForMs },
        this.random(),
      );
      this.memory = dec.memory;
      if (dec.action === 'fail') {
        const mins = Math.round(this.settings.restart.breakerWindowMs / 60000);
        this.fail(
          'crash-loop',
          `${what}; ${dec.failuresInWindow} failed starts within ${mins} min, giving up`,
          'read the log for why containerd exits, fix the cause, then press Start to try again',
        );
        return;
      }
      // A hang was already waited out by the liveness checks: respawn without more delay.
      const delay = hung ? 0 : dec.delayMs;
      this.transition(
        'backoff',
        `${what}; ${delay ? `respawning in ${(delay / 1000).toFixed(1)} s` : 'respawning now'}`,
        hung ? 'hung' : 'exited',
        {
          exit: info,
          retryInMs: delay,
        },
      );
      const respawn = () => {
        this.respawnTimer = null;
        if (epoch !== this.epoch || !this.wanted) return;
        this.restarts++;
        this.restartTimes.push(Date.now());
        if (this.restartTimes.length > HEALTH_HISTORY) this.restartTimes.shift();
        this.launch(epoch, `respawning after: ${what}`, 'respawn');
      };
      if (delay === 0) respawn();
      else this.respawnTimer = setTimeout(respawn, delay);
    });
  }

  /** For a run that never became healthy: did containerd say its config is bad? */
  private async classifyExit(neverHealthy: boolean): Promise<string | null> {
    if (!neverHealthy || !this.tailer) return null;
    await this.tailer.flush().catch(() => undefined);
    const lines = this.ring.query({ sinceSeq: this.runStartSeq + 1, limit: 200 });
    const hit = lines.find((l) => CONFIG_ERROR.test(l.raw));
    return hit ? hit.msg : null;
  }

  // ---- liveness -------------------------------------------------------------------------

  private scheduleLiveness(d: DaemonHandle): void {
    this.stopLiveness();
    this.livenessTimer = setTimeout(
      () => void this.livenessTick(d),
      this.settings.health.livenessIntervalMs,
    );
  }

  private stopLiveness(): void {
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.livenessTimer = null;
  }

  private async livenessTick(d: DaemonHandle): Promise<void> {
    const h = this.settings.health;
    const client = this.health;
    if (this.daemon !== d || !client) return;
    const r = await client.check(h.livenessTimeoutMs);
    if (this.daemon !== d) return;
    const ok = r.result === 'SERVING';
    const step = livenessStep(this.livenessFailures, ok, h.livenessFailures);
    this.livenessFailures = step.failures;
    if (ok) this.lastOkAt = performance.now();
    this.recordHealth({
      type: 'health',
      at: Date.now(),
      phase: 'liveness',
      ok,
      result: r.result,
      latencyMs: r.latencyMs,
      failures: step.failures,
      ...(r.detail ? { detail: r.detail } : {}),
    });
    if (step.recovered && this.state === 'unhealthy') {
      this.transition('running', 'health checks pass again', 'recovered');
    }
    if (step.hung && this.state === 'running') {
      const why = `${step.failures} health checks failed in a row (last: ${r.result})`;
      this.transition('unhealthy', why, 'hung');
      if (this.settings.hangPolicy === 'restart') {
        await this.killHung(d, why);
        return;
      }
    }
    this.scheduleLiveness(d);
  }

  /** SIGUSR1 first so containerd dumps its goroutine stacks into the log, then SIGKILL. */
  private async killHung(d: DaemonHandle, why: string): Promise<void> {
    this.killReason = `containerd hung (${why})`;
    d.signal('SIGUSR1');
    if (await exitedWithin(d, this.settings.hangDumpWaitMs)) return;
    d.signal('SIGKILL');
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private recordHealth(e: HealthEvent): void {
    this.lastHealth = { at: e.at, ok: e.ok, result: e.result, latencyMs: e.latencyMs };
    this.samples.push(e);
    if (this.samples.length > HEALTH_HISTORY) this.samples.shift();
    this.emit(e);
  }

  private closeHealth(): void {
    this.health?.close();
    this.health = null;
  }

  private async unlock(): Promise<void> {
    const release = this.releaseLock;
    this.releaseLock = null;
    await release?.();
  }

  private async cleanupFiles(): Promise<void> {
    await removePidfile(this.layout.pidFile).catch(() => undefined);
    await this.clearSocket().catch(() => undefined);
  }

  private transition(
    state: DaemonState,
    reason: string,
    code: string,
    extra: { exit?: ExitInfo; retryInMs?: number; hint?: string } = {},
  ): void {
    if (state !== 'running' && state !== 'unhealthy') this.runningSinceWall = null;
    if (state === 'stopped' || state === 'backoff' || state === 'failed') this.version = null;
    this.emitState(state, reason, code, extra);
  }

  private emitState(
    state: DaemonState,
    reason: string,
    code: string,
    extra: { exit?: ExitInfo; retryInMs?: number; hint?: string } = {},
  ): void {
    const prev = this.state;
    this.state = state;
    this.reason = reason;
    this.code = code;
    this.since = Date.now();
    this.hint = extra.hint ?? null;
    this.retryInMs = extra.retryInMs ?? null;
    const ev: StateEvent = {
      type: 'state',
      state,
      prev,
      reason,
      code,
      at: this.since,
      pid: this.daemon?.pid ?? null,
      ...extra,
    };
    this.emit(ev);
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
