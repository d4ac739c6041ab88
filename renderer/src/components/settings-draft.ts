// Converts between settings and the form's draft (strings and booleans keyed by dotted name).
import type { FieldError, Settings } from '../../../common/settings';
import { ALL_FIELDS, type FieldSpec } from './settings-fields';

export type Draft = Record<string, string | boolean>;

function getPath(obj: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1] as string] = value;
}

export function toDraft(s: Settings): Draft {
  const d: Draft = {};
  for (const f of ALL_FIELDS) {
    const v = getPath(s, f.name);
    if (f.kind === 'bool') d[f.name] = v === true;
    else if (f.kind === 'list') d[f.name] = Array.isArray(v) ? v.join(', ') : '';
    else d[f.name] = v === null || v === undefined ? '' : String(v);
  }
  return d;
}

function convert(f: FieldSpec, raw: string | boolean): { value: unknown } | { error: string } {
  if (f.kind === 'bool') return { value: raw === true };
  const text = String(raw).trim();
  switch (f.kind) {
    case 'path':
      return { value: text === '' ? null : text };
    case 'list':
      return { value: text === '' ? [] : text.split(/[\s,]+/).filter(Boolean) };
    case 'number': {
      if (text === '') return { error: 'enter a number' };
      const n = Number(text);
      return Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    default:
      return { value: text };
  }
}

/** The draft as a settings object, plus errors for inputs that are not even numbers. */
export function fromDraft(d: Draft): { candidate: Record<string, unknown>; errors: FieldError[] } {
  const candidate: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const f of ALL_FIELDS) {
    const c = convert(f, d[f.name] ?? '');
    if ('error' in c) errors.push({ field: f.name, message: c.error });
    else setPath(candidate, f.name, c.value);
  }
  return { candidate, errors };
}

/** Only what changed, keeping nested groups nested (settings:set takes a partial). */
export function diffSettings(current: Settings, next: Settings): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const f of ALL_FIELDS) {
    const a = getPath(current, f.name);
    const b = getPath(next, f.name);
    if (JSON.stringify(a) !== JSON.stringify(b)) setPath(patch, f.name, b);
  }
  return patch;
}

/** Server field names may carry the command's "patch." prefix; the form uses the bare name. */
export function normaliseField(field: string): string {
  return field.startsWith('patch.') ? field.slice('patch.'.length) : field;
}
