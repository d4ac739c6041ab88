// The settings form's sections and fields, derived from the settings table (common/settings-table.ts).
import { SETTING_ROWS, SETTINGS_GROUPS, type KeyedRow } from '../../../common/settings-table';
import { DEFAULT_SHOWN, type ShownUnit } from '../../../common/settings-units';

/** One field: a table row (key, label, help, unit, input kind…). */
export type FieldSpec = KeyedRow;

export interface FieldGroup {
  id: string;
  title: string;
  fields: FieldSpec[];
}

export const FORM_GROUPS: FieldGroup[] = SETTINGS_GROUPS.map((g) => ({
  id: g.id,
  title: g.title,
  fields: SETTING_ROWS.filter((r) => r.group === g.id),
}));

export const ALL_FIELDS: readonly FieldSpec[] = FORM_GROUPS.flatMap((g) => g.fields);

/** The unit a number field is shown and typed in ('' for plain counts). */
export function shownUnit(f: FieldSpec): ShownUnit {
  return f.shownIn ?? (f.unit ? DEFAULT_SHOWN[f.unit] : '');
}

const UNIT_WORDS: Record<ShownUnit, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  MiB: 'MiB',
  KiB: 'KiB',
  '%': '%',
  '': '',
};

/** The shown unit in words ("seconds"), '' for plain counts. */
export function unitWords(f: FieldSpec): string {
  return UNIT_WORDS[shownUnit(f)];
}

/** The field's accessible name: label and unit ("Longest backoff delay (seconds)"). */
export function fieldLabel(f: FieldSpec): string {
  const u = unitWords(f);
  return u ? `${f.label} (${u})` : f.label;
}
