// Pure restart-policy decisions: what to do after an exit, how long to back off, when to give up.
import type { RestartSettings } from '../../common/settings';

/** What the policy remembers between runs (monotonic ms). */
export interface PolicyMemory {
  /** Consecutive quick failures since the last long healthy run. */
  attempt: number;
  /** Monotonic times of recent failed runs, for the crash-loop breaker. */
  failures: number[];
}

export const freshMemory = (): PolicyMemory => ({ attempt: 0, failures: [] });

/** One finished run as the policy sees it. */
export interface RunSummary {
  /** Monotonic time the run ended. */
  endedAt: number;
  /** How long the run was healthy before it ended (0 if it never was). */
  healthyForMs: number;
}

export type ExitDecision =
  | { action: 'respawn'; delayMs: number; memory: PolicyMemory; counted: boolean }
  | { action: 'fail'; memory: PolicyMemory; failuresInWindow: number };

/** Backoff before attempt n (0-based): initial × 2ⁿ, capped, with ± jitter (random in [0,1)). */
export function backoffDelay(s: RestartSettings, attempt: number, random: number): number {
  const base = Math.min(s.backoffMaxMs, s.backoffInitialMs * 2 ** Math.min(attempt, 40));
  const jitter = 1 + s.backoffJitter * (2 * random - 1);
  return Math.max(0, Math.round(Math.min(s.backoffMaxMs * (1 + s.backoffJitter), base * jitter)));
}

/**
 * Decide what follows an unplanned exit (or a hang kill).
 * A run healthy for ≥ immediateIfHealthyForMs is respawned at once and not counted as a failure;
 * ≥ resetAfterHealthyMs also forgets earlier backoff. Any other run is a failed start: it counts
 * toward the breaker (breakerMaxFailures within breakerWindowMs → fail) and backs off.
 */
export function decideAfterExit(
  s: RestartSettings,
  mem: PolicyMemory,
  run: RunSummary,
  random: number,
): ExitDecision {
  const attempt = run.healthyForMs >= s.resetAfterHealthyMs ? 0 : mem.attempt;
  const windowStart = run.endedAt - s.breakerWindowMs;
  const recent = mem.failures.filter((t) => t > windowStart);
  if (run.healthyForMs >= s.immediateIfHealthyForMs) {
    return { action: 'respawn', delayMs: 0, memory: { attempt, failures: recent }, counted: false };
  }
  const failures = [...recent, run.endedAt];
  if (failures.length >= s.breakerMaxFailures) {
    return {
      action: 'fail',
      memory: { attempt: attempt + 1, failures },
      failuresInWindow: failures.length,
    };
  }
  return {
    action: 'respawn',
    delayMs: backoffDelay(s, attempt, random),
    memory: { attempt: attempt + 1, failures },
    counted: true,
  };
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

/** Describe an exit for people: "exited with code 1", "killed by SIGKILL". */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === null) return 'exited (status unknown: adopted process)';
  return `exited with code ${code}`;
}
