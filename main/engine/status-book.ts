// Status bookkeeping: health history, restart times and causes, version, last exit; builds DaemonStatus.
import type { DaemonStatus, ExitInfo, HealthEvent } from '../../common/states';
import type { History } from './history-file';
import type { LifeState, RestartCause } from './lifecycle';
import type { Layout } from './paths';

const HEALTH_HISTORY = 300;
const DAY_MS = 24 * 3600 * 1000;
/** A problem that stopped recurring this long ago is no longer shown. */
const NOTICE_MS = 60_000;

export class StatusBook {
  readonly samples: HealthEvent[] = [];
  private readonly restartsAt: Array<{ at: number; cause: RestartCause }> = [];
  restarts = 0;
  lastExit: ExitInfo | null = null;
  lastHealth: DaemonStatus['lastHealth'] = null;
  /** Version of the running daemon; kept per binary so a respawn shows it at once. */
  private versionOf: { binary: string; v: { version: string; revision: string } } | null = null;
  binary: string | null = null;
  runningSince: number | null = null;
  /** A problem outside the lifecycle (e.g. the log tailer failing), shown as the hint for a while. */
  private notice: { text: string; at: number } | null = null;
  since = Date.now();

  /** Show `text` as the status hint for NOTICE_MS (unless the state has a hint of its own). */
  setNotice(text: string, at = Date.now()): void {
    this.notice = { text, at };
  }

  private currentNotice(now = Date.now()): string | null {
    return this.notice && now - this.notice.at < NOTICE_MS ? this.notice.text : null;
  }

  recordHealth(e: HealthEvent): void {
    this.lastHealth = { at: e.at, ok: e.ok, result: e.result, latencyMs: e.latencyMs };
    this.samples.push(e);
    if (this.samples.length > HEALTH_HISTORY) this.samples.shift();
  }

  countRestart(cause: RestartCause, at = Date.now()): void {
    this.restarts++;
    this.restartsAt.push({ at, cause });
    while (this.restartsAt.length > HEALTH_HISTORY) this.restartsAt.shift();
  }

  /** What outlives the app (history-file.ts): restart times and causes, health samples. */
  history(): History {
    return { restarts: [...this.restartsAt], samples: [...this.samples] };
  }

  /** Put a previous app's history before ours (the counter since this app started stays ours). */
  restore(h: History): void {
    const firstOwn = this.samples[0]?.at ?? Infinity;
    this.samples.unshift(...h.samples.filter((e) => e.at < firstOwn));
    while (this.samples.length > HEALTH_HISTORY) this.samples.shift();
    const firstRestart = this.restartsAt[0]?.at ?? Infinity;
    this.restartsAt.unshift(...h.restarts.filter((r) => r.at < firstRestart));
    while (this.restartsAt.length > HEALTH_HISTORY) this.restartsAt.shift();
    const last = this.samples[this.samples.length - 1];
    if (!this.lastHealth && last)
      this.lastHealth = {
        at: last.at,
        ok: last.ok,
        result: last.result,
        latencyMs: last.latencyMs,
      };
  }

  restartTimes(): number[] {
    return this.restartsAt.map((r) => r.at);
  }

  /** Restarts in the last 24 h by cause. */
  restartCauses(now = Date.now()): { crash: number; hang: number; user: number } {
    const out = { crash: 0, hang: 0, user: 0 };
    for (const r of this.restartsAt) if (r.at > now - DAY_MS) out[r.cause]++;
    return out;
  }

  setVersion(binary: string, v: { version: string; revision: string }): void {
    this.versionOf = { binary, v };
  }

  /** The version known for the binary now in use, if any. */
  knownVersion(): { version: string; revision: string } | null {
    return this.versionOf && this.versionOf.binary === this.binary ? this.versionOf.v : null;
  }

  snapshot(life: LifeState, layout: Layout): DaemonStatus {
    const live = life.phase === 'running' || life.phase === 'unhealthy';
    return {
      state: life.phase,
      reason: life.reason,
      code: life.code,
      pid: life.pid,
      adopted: life.adopted,
      runningSince: live ? this.runningSince : null,
      since: this.since,
      restarts: this.restarts,
      restartCauses: this.restartCauses(),
      lastExit: this.lastExit,
      lastHealth: this.lastHealth,
      version: live ? this.knownVersion() : null,
      hint: life.hint ?? this.currentNotice(),
      retryInMs: life.retryInMs,
      paths: {
        socket: layout.socket,
        config: layout.configFile,
        pidfile: layout.pidFile,
        log: layout.logFile,
        // containerd's own root; `state` stays the folder with config, pidfile, socket and log.
        root: layout.daemonRoot,
        state: layout.stateDir,
      },
    };
  }
}
