// Dotted-path helpers for settings objects ("restart.backoffMaxMs"): read, write, flatten, merge.

export type Plain = Record<string, unknown>;

export function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own-property write: a "__proto__" key stays data and never swaps the prototype. */
function put(obj: Plain, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Read a dotted key; `found: false` when any segment is missing. */
export function getPath(obj: unknown, key: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (!isPlain(cur) || !Object.hasOwn(cur, part)) return { found: false };
    cur = cur[part];
  }
  return { found: true, value: cur };
}

/** Write a dotted key, creating (or replacing non-object) groups on the way. */
export function setPath(obj: Plain, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(cur, part) ? cur[part] : undefined;
    if (!isPlain(next)) put(cur, part, {});
    cur = cur[part] as Plain;
  }
  put(cur, parts[parts.length - 1]!, value);
}

/** Remove a dotted key; groups left empty are removed too. */
export function deletePath(obj: Plain, key: string): void {
  const [head, ...rest] = key.split('.');
  if (head === undefined || !Object.hasOwn(obj, head)) return;
  if (!rest.length) {
    delete obj[head];
    return;
  }
  const sub = obj[head];
  if (!isPlain(sub)) return;
  deletePath(sub, rest.join('.'));
  if (Object.keys(sub).length === 0) delete obj[head];
}

/** `{a: {b: value}}` from "a.b". */
export function patchFromPath(key: string, value: unknown): Plain {
  const out: Plain = {};
  setPath(out, key, value);
  return out;
}

/** Every leaf as a dotted key (arrays and null are leaves; an empty object is no leaf). */
export function flatten(obj: Plain, prefix = ''): Array<[string, unknown]> {
  return Object.entries(obj).flatMap(([k, v]): Array<[string, unknown]> =>
    isPlain(v) ? flatten(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  );
}

/** Merge `patch` over `base`: nested objects merge key by key, anything else (null, arrays) replaces. */
export function deepMerge(base: Plain, patch: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const cur = Object.hasOwn(out, key) ? out[key] : undefined;
    put(out, key, isPlain(cur) && isPlain(value) ? deepMerge(cur, value) : value);
  }
  return out;
}
