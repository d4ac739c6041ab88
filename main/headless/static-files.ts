// Maps a request path to a file inside the built renderer: no traversal, no listings, known types only.
import * as fsp from 'node:fs/promises';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The Content-Type for a file name, or null for a type we do not serve. */
export function contentTypeFor(file: string): string | null {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? null;
}

export type Resolved =
  { ok: true; file: string; type: string } | { ok: false; status: 403 | 404; reason: string };

/**
 * Resolve a URL pathname to a regular file under `root` (already real-pathed). Refuses encoded
 * separators, dot segments, NUL, hidden files and anything whose real path leaves `root`.
 */
export async function resolveStatic(root: string, pathname: string): Promise<Resolved> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 403, reason: 'malformed path' };
  }
  const segments = decoded.split('/').filter((s) => s !== '');
  if (
    decoded.includes('\0') ||
    decoded.includes('\\') ||
    segments.some((s) => s === '.' || s === '..' || s.startsWith('.'))
  ) {
    return { ok: false, status: 403, reason: 'path not allowed' };
  }
  const type = contentTypeFor(decoded);
  if (!type || segments.length === 0) return { ok: false, status: 404, reason: 'not found' };
  const candidate = path.join(root, ...segments);
  let real: string;
  try {
    real = await fsp.realpath(candidate);
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  if (!real.startsWith(root + path.sep))
    return { ok: false, status: 403, reason: 'path not allowed' };
  const st = await fsp.stat(real).catch(() => null);
  // Directories are never listed.
  if (!st?.isFile()) return { ok: false, status: 404, reason: 'not found' };
  return { ok: true, file: real, type };
}
