// Small formatting helpers for durations, times and exits.
import { ELAPSED, formatDuration as formatWith } from '../../../common/duration';
import type { ExitInfo } from '../../../common/states';

/** Uptimes and ages, as the CLI and tray write them: 3723000 → "1h 2m 3s"; under a minute → "42s". */
export function formatDuration(ms: number): string {
  return formatWith(ms, ELAPSED);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local time of day with milliseconds, for log rows. */
export function formatClock(epochMs: number): string {
  const t = new Date(epochMs);
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
}

/** "07:44:05": when a frozen figure was true ("as of 07:44:05"). */
export function formatHMS(epochMs: number): string {
  return formatClock(epochMs).slice(0, 8);
}

/** Local date and time, for "last exit at". */
export function formatDateTime(epochMs: number): string {
  const t = new Date(epochMs);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${formatClock(epochMs).slice(0, 8)}`;
}

/** "exit code 1", "signal SIGKILL", or both. */
export function formatExit(exit: ExitInfo): string {
  const parts: string[] = [];
  if (exit.signal) parts.push(`signal ${exit.signal}`);
  if (exit.code !== null) parts.push(`exit code ${exit.code}`);
  return parts.length ? parts.join(', ') : 'unknown';
}
