// Which URLs count as "our app": the packaged renderer directory (file://) or the dev-server origin.
import { pathToFileURL } from 'node:url';

/**
 * One trusted place. A `file://` entry is a directory prefix (it must end with "/"): any file
 * under it is ours. Any other entry is an exact web origin, e.g. "http://localhost:5173".
 */
export type AllowedOrigin = string;

/** Parse a URL, or null when it is not one. */
function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The allowed origins for this launch: the renderer directory, plus the dev server in development. */
export function appOrigins(opts: {
  rendererDir: string;
  devServerUrl?: string | null;
}): AllowedOrigin[] {
  const dirUrl = pathToFileURL(opts.rendererDir).href;
  const out: AllowedOrigin[] = [dirUrl.endsWith('/') ? dirUrl : `${dirUrl}/`];
  if (opts.devServerUrl && isLoopbackHttpUrl(opts.devServerUrl)) {
    out.push(new URL(opts.devServerUrl).origin);
  }
  return out;
}

/** Only a loopback http(s) dev server may be trusted: anything else would hand the contract to a remote page. */
export function isLoopbackHttpUrl(url: string): boolean {
  const u = parse(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return false;
  return u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
}

/** True when `url` lies inside one of the allowed origins. */
export function urlIsAllowed(url: string, allowed: readonly AllowedOrigin[]): boolean {
  const u = parse(url);
  if (!u) return false;
  return allowed.some((entry) => {
    const a = parse(entry);
    if (!a) return false;
    if (a.protocol === 'file:') {
      // URL parsing has already resolved "..", so a prefix test on the pathname is sound;
      // a host ("file://evil/...") would be a UNC share on Windows, never ours.
      return (
        u.protocol === 'file:' &&
        u.host === '' &&
        a.pathname.endsWith('/') &&
        u.pathname.startsWith(a.pathname)
      );
    }
    // Opaque origins ("null": about:, data:, blob: of an opaque page, devtools://) never match.
    return u.origin !== 'null' && u.origin === a.origin;
  });
}
