// `cdesk daemon logs` and `cdesk logs` flags: --since and --level parsed against the one log model; lines are matched by the shared filter.
import { DURATION_FORMS, parseDuration } from '../../common/duration';
import { LEVEL_CHOICES, type ContainerdLogLevel } from '../../common/log-level-names';
import { UsageError } from './args';

/**
 * A duration before `now` ("500ms", "5m", "1d", "1h30m"; a unit is required, a bare "5" could
 * mean anything) or an ISO date; epoch ms.
 */
export function parseSince(value: string, now = Date.now()): number {
  const t = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  const rel = Number.isNaN(t) ? parseDuration(value, { bare: null }) : null;
  const at = !Number.isNaN(t) ? t : rel && 'value' in rel && rel.value >= 0 ? now - rel.value : NaN;
  // Log times are epoch ms: a moment before 1970 is no filter the app can take.
  if (at < 0)
    throw new UsageError(
      `--since ${value} is before 1970-01-01; give a shorter time ago (like 30d) or a later ISO date`,
    );
  if (!Number.isNaN(at)) return at;
  throw new UsageError(
    `--since must be an ISO date (2024-05-01 or 2024-05-01T10:00:00Z) or a time ago with a unit, like ${DURATION_FORMS} (got "${value}")`,
  );
}

/** The level names --level takes (shown in usage and errors). */
export const LEVEL_FLAG_CHOICES = LEVEL_CHOICES.join(', ');

export function parseLevel(value: string): ContainerdLogLevel {
  const found = LEVEL_CHOICES.find((l) => l === value);
  if (!found) throw new UsageError(`--level must be one of ${LEVEL_FLAG_CHOICES} (got "${value}")`);
  return found;
}
