// Pure restart-policy decisions: what follows an exit, how long to back off, when to give up.
import { formatDuration, type DurationStyle } from '../../common/duration';
import type { HealthSettings, RestartSettings } from '../../common/settings';

/** What the policy remembers between runs (monotonic ms). */
export interface PolicyMemory {
  /** Backoff exponent: grows with each delayed respawn, reset by a long healthy run. */
  attempt: number;
  /** Monotonic times of recent failed starts, for the crash-loop breaker. */
  failedStarts: number[];
  /** Monotonic times of recent exits of successful but short runs, for flap detection. */
  quickExits: number[];
  /** Exits since the last long healthy run, and when the first of them happened (for the reason). */
  streak: { count: number; since: number } | null;
}

export const freshMemory = (): PolicyMemory => ({
  attempt: 0,
  failedStarts: [],
  quickExits: [],
  streak: null,
});

/** One finished run as the policy sees it. */
export interface RunSummary {
  /** Monotonic time the run ended. */
  endedAt: number;
  /** How long the run was healthy (SERVING and alive) before it ended; null if never SERVING. */
  healthyForMs: number | null;
  /** How long the process had been up (from spawn or adoption) while still answering. */
  uptimeMs: number;
}

export type ExitDecision =
  | {
      action: 'respawn';
      delayMs: number;
      memory: PolicyMemory;
      /** Whether the run counted as a failed start (toward the breaker). */
      failedStart: boolean;
      /** Set when short successful runs keep ending: "crashed 7 times in 3 min". */
      flapping: string | null;
    }
  | { action: 'fail'; memory: PolicyMemory; failuresInWindow: number };

/** Backoff before attempt n (0-based): initial × 2ⁿ, capped, with ± jitter (random in [0,1)). */
export function backoffDelay(s: RestartSettings, attempt: number, random: number): number {
  const base = Math.min(s.backoffMaxMs, s.backoffInitialMs * 2 ** Math.min(attempt, 40));
  const jitter = 1 + s.backoffJitter * (2 * random - 1);
  return Math.max(0, Math.round(Math.min(s.backoffMaxMs * (1 + s.backoffJitter), base * jitter)));
}

/**
 * A start succeeded when the daemon reached SERVING and stayed up at least minUptimeMs from its
 * spawn (as supervisord's startsecs and PM2's min_uptime count it).
 */
export function startSucceeded(s: RestartSettings, run: RunSummary): boolean {
  return run.healthyForMs !== null && run.uptimeMs >= s.minUptimeMs;
}

/** Durations in reasons: two units are enough to read ("500ms", "1s 234ms", "3m 2s"). */
export const REASON_DURATION: DurationStyle = { parts: 2 };

/**
 * Decide what follows an unplanned exit (or a hang kill):
 * - a failed start (never SERVING, or dead within minUptimeMs) counts toward the breaker
 *   (breakerMaxFailures within breakerWindowMs → fail) and backs off exponentially;
 * - a successful run is respawned at once, unless more than flapExits such runs ended within
 *   flapWindowMs, each healthy < resetAfterHealthyMs: then it backs off, but never fails;
 * - a run healthy ≥ resetAfterHealthyMs forgets all earlier trouble.
 */
export function decideAfterExit(
  s: RestartSettings,
  mem: PolicyMemory,
  run: RunSummary,
  random: number,
): ExitDecision {
  const now = run.endedAt;
  const longHealthy = run.healthyForMs !== null && run.healthyForMs >= s.resetAfterHealthyMs;
  const base: PolicyMemory = longHealthy
    ? freshMemory()
    : {
        attempt: mem.attempt,
        failedStarts: mem.failedStarts.filter((t) => t > now - s.breakerWindowMs),
        quickExits: mem.quickExits.filter((t) => t > now - s.flapWindowMs),
        streak: mem.streak,
      };
  const streak = { count: (base.streak?.count ?? 0) + 1, since: base.streak?.since ?? now };

  if (!startSucceeded(s, run)) {
    const failedStarts = [...base.failedStarts, now];
    const memory = { ...base, failedStarts, streak, attempt: base.attempt + 1 };
    if (failedStarts.length >= s.breakerMaxFailures) {
      return { action: 'fail', memory, failuresInWindow: failedStarts.length };
    }
    const delayMs = backoffDelay(s, base.attempt, random);
    return { action: 'respawn', delayMs, memory, failedStart: true, flapping: null };
  }
  if (longHealthy) {
    return { action: 'respawn', delayMs: 0, memory: base, failedStart: false, flapping: null };
  }
  const quickExits = [...base.quickExits, now];
  if (quickExits.length <= s.flapExits) {
    const memory = { ...base, quickExits, streak };
    return { action: 'respawn', delayMs: 0, memory, failedStart: false, flapping: null };
  }
  const delayMs = backoffDelay(s, base.attempt, random);
  const memory = { ...base, quickExits, streak, attempt: base.attempt + 1 };
  const flapping = `crashed ${streak.count} times in ${formatDuration(now - streak.since, REASON_DURATION)}; next try in ${formatDuration(delayMs, REASON_DURATION)}`;
  return { action: 'respawn', delayMs, memory, failedStart: false, flapping };
}

/** Liveness bookkeeping: consecutive failures and whether the daemon now counts as hung. */
export function livenessStep(
  failures: number,
  ok: boolean,
  threshold: number,
): { failures: number; hung: boolean; recovered: boolean } {
  if (ok) return { failures: 0, hung: false, recovered: failures > 0 };
  const next = failures + 1;
  return { failures: next, hung: next >= threshold, recovered: false };
}

/**
 * Delay before the next liveness check, start to start: the normal interval while checks pass;
 * after a failure the quick recheck (never slower than the interval), so a hang is confirmed in
 * about one interval plus the failures' deadlines. A check that already took longer goes at once.
 */
export function nextCheckDelay(h: HealthSettings, failures: number, tookMs: number): number {
  const period =
    failures > 0 ? Math.min(h.livenessRecheckMs, h.livenessIntervalMs) : h.livenessIntervalMs;
  return Math.max(0, Math.round(period - tookMs));
}

/** Describe an exit for people: "exited with code 1", "killed by SIGKILL". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited (status unknown: adopted process)';
  return `exited with code ${code}`;
}
