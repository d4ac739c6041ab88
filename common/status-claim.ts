// What any surface may claim about containerd from its status: a failed newest health check beats
// the engine's "running" (the engine changes state only after N failures). The window's badge and
// `cdesk status` both read it, so they never disagree.
import type { DaemonStatus, HealthEvent } from './states';

export interface FailingCheck {
  failures: number;
  result: string;
  at: number;
}

/**
 * The newest liveness check, if it failed after the daemon last became running: the engine only
 * changes state after N failures, but the first failure already means "not known to be healthy".
 * `health` is the samples a surface holds (the window's chart); without them, status.lastHealth.
 */
export function failingCheck(
  status: DaemonStatus,
  health: readonly HealthEvent[] = [],
): FailingCheck | null {
  const last = health[health.length - 1];
  const lh = status.lastHealth;
  const newest =
    last && (!lh || last.at >= lh.at)
      ? { ok: last.ok, at: last.at, result: last.result, failures: last.failures }
      : lh
        ? { ok: lh.ok, at: lh.at, result: lh.result, failures: lh.ok ? 0 : 1 }
        : null;
  if (!newest || newest.ok) return null;
  if (status.runningSince != null && newest.at < status.runningSince) return null;
  return { failures: Math.max(1, newest.failures), result: newest.result, at: newest.at };
}

/** "health check failed 1 of 3 (TIMEOUT)"; without the limit, "health check failed (TIMEOUT)". */
export function failingCheckText(f: FailingCheck, of?: number): string {
  return of
    ? `health check failed ${Math.min(f.failures, of)} of ${of} (${f.result})`
    : `health check failed (${f.result})`;
}

/**
 * The state to show and why: the daemon's own, except "unhealthy" while it is running but its
 * newest check failed.
 */
export function claimedState(
  status: DaemonStatus,
  health: readonly HealthEvent[] = [],
  of?: number,
): { state: DaemonStatus['state']; reason: string; failing: FailingCheck | null } {
  const failing = status.state === 'running' ? failingCheck(status, health) : null;
  if (!failing) return { state: status.state, reason: status.reason, failing };
  return { state: 'unhealthy', reason: failingCheckText(failing, of), failing };
}
