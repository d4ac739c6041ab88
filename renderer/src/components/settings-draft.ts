// Converts between settings and the form's draft (text in the shown units, keyed by dotted name).
import { parseSettings, type FieldError, type Settings } from '../../../common/settings';
import { getPath, setPath, type Plain } from '../../../common/settings-paths';
import { fromShown, toShown } from '../../../common/settings-units';
import { ALL_FIELDS, shownUnit, type FieldSpec } from './settings-fields';

export type Draft = Record<string, string | boolean>;

export function toDraft(s: Settings): Draft {
  const d: Draft = {};
  for (const f of ALL_FIELDS) {
    const v = getPath(s, f.key).value;
    if (f.input === 'bool') d[f.key] = v === true;
    else if (f.input === 'list') d[f.key] = Array.isArray(v) ? v.join(', ') : '';
    else if (f.input === 'number' && typeof v === 'number') d[f.key] = toShown(v, shownUnit(f));
    else d[f.key] = v === null || v === undefined ? '' : String(v);
  }
  return d;
}

function convert(f: FieldSpec, raw: string | boolean): { value: unknown } | { error: string } {
  if (f.input === 'bool') return { value: raw === true };
  const text = String(raw).trim();
  switch (f.input) {
    case 'path':
      return { value: text === '' ? null : text };
    case 'list':
      return { value: text === '' ? [] : text.split(/[\s,]+/).filter(Boolean) };
    case 'number':
      return fromShown(text, shownUnit(f), f.unit ?? 'count');
    default:
      return { value: text };
  }
}

/** The draft as a settings object, plus errors for inputs that are not even numbers. */
export function fromDraft(d: Draft): { candidate: Plain; errors: FieldError[] } {
  const candidate: Plain = {};
  const errors: FieldError[] = [];
  for (const f of ALL_FIELDS) {
    const c = convert(f, d[f.key] ?? '');
    if ('error' in c) errors.push({ field: f.key, message: c.error });
    else setPath(candidate, f.key, c.value);
  }
  return { candidate, errors };
}

/** Check a draft with the shared validation: the settings, or every problem by field. */
export function validateDraft(
  d: Draft,
): { ok: true; value: Settings } | { ok: false; errors: FieldError[] } {
  const { candidate, errors } = fromDraft(d);
  const parsed = parseSettings(candidate);
  if (!errors.length && parsed.ok) return parsed;
  const seen = new Set(errors.map((e) => e.field));
  const rest = parsed.ok ? [] : parsed.errors.filter((e) => !seen.has(e.field));
  return { ok: false, errors: [...errors, ...rest] };
}

/** Only what changed, keeping nested groups nested (settings:set takes a partial). */
export function diffSettings(current: Settings, next: Settings): Plain {
  const patch: Plain = {};
  for (const f of ALL_FIELDS) {
    const a = getPath(current, f.key).value;
    const b = getPath(next, f.key).value;
    if (JSON.stringify(a) !== JSON.stringify(b)) setPath(patch, f.key, b);
  }
  return patch;
}

/** The dotted keys a patch sets. */
export function changedKeys(patch: Plain): string[] {
  return ALL_FIELDS.filter((f) => getPath(patch, f.key).found).map((f) => f.key);
}

/** Server field names may carry the command's "patch." prefix; the form uses the bare name. */
export function normaliseField(field: string): string {
  return field.startsWith('patch.') ? field.slice('patch.'.length) : field;
}
