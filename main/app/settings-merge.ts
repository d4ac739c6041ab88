// Pure helpers for settings patches: unknown-key checks and the deep merge (null clears, arrays replace).
import type { FieldError } from '../../common/settings';

export type Plain = Record<string, unknown>;

export function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Keys of `patch` that do not exist in `shape` (the defaults), as dotted field errors.
 * Checked before merging so a typo is named ("restart.backofMaxMs") and `__proto__` never merges.
 */
export function unknownKeys(patch: Plain, shape: Plain, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const field = prefix + key;
    if (!Object.hasOwn(shape, key)) {
      const known = Object.keys(shape).join(', ');
      errors.push({
        field,
        message: `unknown setting; known ${prefix ? 'keys here' : 'settings'}: ${known}`,
      });
      continue;
    }
    const sub = shape[key];
    if (isPlain(sub) && isPlain(value)) errors.push(...unknownKeys(value, sub, `${field}.`));
  }
  return errors;
}

/** Merge `patch` over `base`: nested objects merge key by key, anything else (null, arrays) replaces. */
export function deepMerge(base: Plain, patch: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const cur = out[key];
    const next = isPlain(cur) && isPlain(value) ? deepMerge(cur, value) : value;
    // defineProperty, not assignment: a "__proto__" key stays data and never swaps the prototype.
    Object.defineProperty(out, key, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Build `{a: {b: value}}` from a dotted key "a.b". */
export function patchFromDotted(key: string, value: unknown): Plain {
  const parts = key.split('.');
  let patch: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) patch = { [parts[i]!]: patch };
  return patch as Plain;
}

/** Read a dotted key; `found: false` when any segment is missing. */
export function getDotted(obj: unknown, key: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (!isPlain(cur) || !Object.hasOwn(cur, part)) return { found: false };
    cur = cur[part];
  }
  return { found: true, value: cur };
}
