// Untrusted text read as one JSON object, the first step of every line or message parser.

/** The object `text` holds as JSON; null when it is not JSON or not an object (arrays included). */
export function jsonRecord(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}
