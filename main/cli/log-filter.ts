// `cdesk logs` flags: --since and --level parsed against the one log model; lines are matched by the shared filter.
import { LEVEL_CHOICES, type ContainerdLogLevel } from '../../common/log-levels';
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

/** The level names --level takes (shown in usage and errors). */
export const LEVEL_FLAG_CHOICES = LEVEL_CHOICES.join(', ');

export function parseLevel(value: string): ContainerdLogLevel {
  const found = LEVEL_CHOICES.find((l) => l === value);
  if (!found) throw new UsageError(`--level must be one of ${LEVEL_FLAG_CHOICES} (got "${value}")`);
  return found;
}
