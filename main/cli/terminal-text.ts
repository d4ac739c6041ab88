// Text from containerd or its log made safe for a terminal: a name or a line must not be able to
// move the cursor, retitle the window, clear the screen or break a table row.

/** C0/C1 controls (tab kept), DEL, and bidi overrides that could disguise a line on a terminal. */
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal may still act on. */
const UNSAFE_JSON = /[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, w: number) => c.charCodeAt(0).toString(16).padStart(w, '0');

/** Escapes instead of control bytes. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_TEXT, (c) =>
    c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`,
  );
}

/** JSON text with the controls JSON.stringify leaves raw written as \u escapes (still valid JSON). */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(UNSAFE_JSON, (c) => `\\u${hex(c, 4)}`);
}

/** A copy of `value` with every string in it (keys too) escaped for a terminal. */
export function escapeStringsForTerminal<T>(value: T): T {
  if (typeof value === 'string') return escapeForTerminal(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => escapeStringsForTerminal(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [escapeForTerminal(k), escapeStringsForTerminal(v)]),
    ) as T;
  }
  return value;
}

/** Whether output is escaped: a terminal unless told (tests pass it). */
export const stdoutIsTerminal = (tty?: boolean): boolean => tty ?? process.stdout.isTTY === true;
