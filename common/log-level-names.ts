// The one list of log levels, without zod: the type, severity order, containerd's own levels, UI and CLI choices (log-levels.ts adds the zod enum).

/**
 * Every level a parsed line can carry, least severe first. 'unknown' is last: it is not a
 * level containerd writes (Go panic stacks, runc chatter, anything not a logrus line).
 */
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'panic',
  'unknown',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type DropLast<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? H : never;

/** The levels containerd itself accepts for `[debug] level` (settings' logLevel): all but 'unknown'. */
export const CONTAINERD_LOG_LEVELS = LOG_LEVELS.slice(0, -1) as unknown as Readonly<
  DropLast<typeof LOG_LEVELS>
>;
export type ContainerdLogLevel = (typeof CONTAINERD_LOG_LEVELS)[number];

/**
 * Severity order for filtering, by position in LOG_LEVELS, except 'unknown', which ranks with
 * 'info': it shows in the default view and with debug/trace filters, and is hidden once the
 * user asks for warnings and worse. Ranking it higher would flood a "warnings only" view with
 * every stray stdout line; lower would hide it by default.
 */
export const LEVEL_RANK: Readonly<Record<LogLevel, number>> = Object.freeze(
  Object.fromEntries(
    LOG_LEVELS.map((l, i) => [l, l === 'unknown' ? LOG_LEVELS.indexOf('info') : i]),
  ) as Record<LogLevel, number>,
);

/** True when `level` passes a "`min` and worse" filter (min 'unknown' filters like 'info'). */
export function levelAtLeast(level: LogLevel, min: LogLevel): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[min];
}

/** Levels a person picks as "this and worse" (UI select, `cdesk daemon logs --level`): 'unknown' is not one. */
export const LEVEL_CHOICES: readonly ContainerdLogLevel[] = CONTAINERD_LOG_LEVELS;

/** The UI's level filter: 'all' or a minimum level. */
export type LevelFilter = 'all' | ContainerdLogLevel;
export const LEVEL_FILTERS: readonly LevelFilter[] = ['all', ...LEVEL_CHOICES];

/** Maps a level name a logger wrote (logrus, plus 'warning' and upper case) to a LogLevel. */
const KNOWN: ReadonlySet<string> = new Set(CONTAINERD_LOG_LEVELS);

export function normaliseLevel(s: string): LogLevel {
  if (KNOWN.has(s)) return s as LogLevel;
  if (s === 'warning') return 'warn';
  const lower = s.toLowerCase();
  return lower === s ? 'unknown' : normaliseLevel(lower);
}
