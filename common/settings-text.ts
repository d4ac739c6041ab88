// Settings values as terminal text: read a flag or `cdesk settings set` value, print one for people.
import type { SettingRow } from './settings-table';
import { formatAmount, formatAmountShort, parseAmount } from './settings-units';

const TRUE = new Set(['true', 'on', 'yes', '1']);
const FALSE = new Set(['false', 'off', 'no', '0']);

/**
 * Text to a value of the row's type; the schema still checks it (range, choices). Numbers take
 * units (30s, 10MiB; a bare number is the stored ms or bytes); `null` or nothing clears a
 * path; a list is comma-separated or a JSON array.
 */
export function parseSettingText(
  row: SettingRow,
  text: string,
): { value: unknown } | { error: string } {
  const t = text.trim();
  switch (row.input) {
    case 'path':
      return { value: t === '' || t === 'null' ? null : t };
    case 'number':
      return parseAmount(t, row.unit ?? 'count');
    case 'bool':
      if (TRUE.has(t.toLowerCase())) return { value: true };
      if (FALSE.has(t.toLowerCase())) return { value: false };
      return { error: 'must be true or false' };
    case 'list': {
      if (t.startsWith('[')) {
        try {
          const v: unknown = JSON.parse(t);
          return { value: v };
        } catch {
          return { error: 'must be a JSON array of strings, or names separated by commas' };
        }
      }
      return { value: t === '' ? [] : t.split(/[\s,]+/).filter(Boolean) };
    }
    default:
      return { value: t };
  }
}

/** A value in words: "30 s", "10 MiB", "20 %", "none", "a, b". */
export function formatSettingValue(row: SettingRow, value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'number' && row.unit) return formatAmount(value, row.unit);
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  return String(value);
}

/** A value as a flag takes it back ("30s", "10MiB", "restart"). */
export function formatSettingFlagValue(row: SettingRow, value: unknown): string {
  if (typeof value === 'number' && row.unit) return formatAmountShort(value, row.unit);
  return formatSettingValue(row, value);
}
