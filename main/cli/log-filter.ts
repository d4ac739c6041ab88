// Parses `cdesk logs` filters and applies them to streamed lines the same way the engine's log ring does.
import type { LogLevel, LogLine } from '../../common/states';
import { LOG_LEVELS, levelAtLeast } from '../../common/log-levels';
import { UsageError } from './args';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s" / "5m" / "2h" / "1d" before `now`, or an ISO date; epoch ms. */
export function parseSince(value: string, now = Date.now()): number {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const t = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) {
    throw new UsageError(
      `--since must be an ISO date (2024-05-01 or 2024-05-01T10:00:00Z) or a relative time like 30s, 5m, 2h, 1d (got "${value}")`,
    );
  }
  return t;
}

export function parseLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as string[]).includes(value)) {
    throw new UsageError(`--level must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  }
  return value as LogLevel;
}

export interface LineFilter {
  sinceTime?: number;
  level?: LogLevel;
  text?: string;
}

/** Same rules as the engine's LogRing query: time ≥ since, level or worse, case-insensitive text. */
export function matches(line: LogLine, f: LineFilter): boolean {
  if (f.sinceTime !== undefined && line.time < f.sinceTime) return false;
  if (f.level !== undefined && !levelAtLeast(line.level, f.level)) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    if (!line.raw.toLowerCase().includes(t) && !line.msg.toLowerCase().includes(t)) return false;
  }
  return true;
}
