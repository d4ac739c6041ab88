// Log level order and filtering, one rule for the engine's ring, the CLI and the log view.
import { CONTAINERD_LOG_LEVELS } from './settings';
import type { LogLevel } from './states';

/** Every level a parsed line can carry, least severe first ('unknown' last: it is not a level). */
export const LOG_LEVELS: LogLevel[] = [...CONTAINERD_LOG_LEVELS, 'unknown'];

/**
 * Severity order for filtering. 'unknown' (Go panic stacks, runc chatter, anything that is
 * not a logrus line) ranks with 'info': it shows in the default view and with debug/trace
 * filters, and is hidden once the user asks for warnings and worse. Ranking it higher would
 * flood a "warnings only" view with every stray stdout line; lower would hide it by default.
 */
export const LEVEL_RANK: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  unknown: 2,
  warn: 3,
  error: 4,
  fatal: 5,
  panic: 6,
};

/** True when `level` passes a "`min` and worse" filter (min 'unknown' filters like 'info'). */
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[min];
}
