// Settings checked and filled from the table's plain row data, no zod: `cdesk run` validates its options this way before it spawns containerd (issue 8).
import type { FieldError } from './settings-keys';
import { setPath, type Plain } from './settings-paths';
import {
  ABSOLUTE_PATH_MESSAGE,
  isRow,
  SETTINGS_RULES,
  SETTINGS_TABLE,
  type KeyedRow,
  type SettingsTable,
  type TableSettings,
} from './settings-table';
import { formatAmount } from './settings-units';

// Each message is the one parseSettings gives for the same value (settings.ts, humanMessage); a
// unit test compares the two over every row and a spread of good and bad values.

const isString = (v: unknown): v is string => typeof v === 'string';

function checkNumber(row: KeyedRow, v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
  const r = row.range;
  if (!r) return null;
  if (r.int && !Number.isInteger(v)) return 'must be a whole number';
  const amount = (n: number) => (row.unit ? formatAmount(n, row.unit) : String(n));
  if (v < r.min) return `must be at least ${amount(r.min)}`;
  if (v > r.max) return `must be at most ${amount(r.max)}`;
  return null;
}

/** The first problem with `value` for `row` (field and message, as parseSettings names it), or null. */
export function checkSettingValue(row: KeyedRow, value: unknown): FieldError | null {
  const at = (message: string | null, field = row.key) => (message ? { field, message } : null);
  switch (row.input) {
    case 'number':
      return at(checkNumber(row, value));
    case 'bool':
      return at(typeof value === 'boolean' ? null : 'must be a boolean');
    case 'select':
      return at(
        row.options?.includes(value as string)
          ? null
          : `must be one of: ${(row.options ?? []).join(', ')}`,
      );
    case 'path':
      if (value === null) return null;
      if (!isString(value)) return at('must be a string');
      if (value === '') return at('must not be empty');
      return at(value.startsWith('/') ? null : ABSOLUTE_PATH_MESSAGE);
    case 'list': {
      if (!Array.isArray(value)) return at('must be a array');
      for (const [i, item] of value.entries()) {
        const field = `${row.key}.${i}`;
        if (!isString(item)) return at('must be a string', field);
        if (item === '') return at('must not be empty', field);
      }
      return null;
    }
  }
}

function fill(t: SettingsTable): Plain {
  const out: Plain = {};
  // structuredClone: no two results share a default array.
  for (const [k, v] of Object.entries(t))
    out[k] = isRow(v) ? structuredClone(v.default as unknown) : fill(v);
  return out;
}

/** The defaults, fully filled in, in table order: what `settingsSchema.parse({})` gives. */
export function tableDefaults(): TableSettings {
  return fill(SETTINGS_TABLE as SettingsTable) as TableSettings;
}

/**
 * The defaults with `values` (dotted key → value) on top, each checked by its row and then the
 * rules across settings; the first problem instead, named by field.
 */
export function settingsWith(
  values: ReadonlyArray<readonly [KeyedRow, unknown]>,
): { ok: true; value: TableSettings } | { ok: false; error: FieldError } {
  const s = tableDefaults();
  for (const [row, v] of values) {
    const error = checkSettingValue(row, v);
    if (error) return { ok: false, error };
    setPath(s as unknown as Plain, row.key, v);
  }
  const broken = SETTINGS_RULES.find((r) => !r.holds(s));
  if (broken) return { ok: false, error: { field: broken.field, message: broken.message } };
  return { ok: true, value: s };
}
