// Small formatting helpers for durations, times and exits.
import type { ExitInfo } from '../../../common/states';

/** 3723000 → "1h 2m 3s"; under a minute → "42s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Local time of day with milliseconds, for log rows. */
export function formatClock(epochMs: number): string {
  const t = new Date(epochMs);
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
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
