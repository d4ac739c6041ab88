// Pure access checks for the headless server: token, Host (DNS rebinding), Origin, and the security headers.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Host names the server answers to; it listens on 127.0.0.1 only. */
const LOCAL_HOSTS = ['127.0.0.1', 'localhost'] as const;

/** A fresh access token: 32 random bytes, base64url (43 characters, URL-safe). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time token comparison. Both sides are hashed first so that neither the length of the
 * candidate nor where it differs from the token shows in the timing.
 */
export function tokenMatches(candidate: string | null | undefined, token: string): boolean {
  if (typeof candidate !== 'string' || candidate === '') return false;
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** True when the Host header names this server exactly (a rebound DNS name never does). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return LOCAL_HOSTS.some((h) => host.toLowerCase() === `${h}:${port}`);
}

/** True when the Origin is this server's own page (WebSocket upgrades must come from it). */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  return LOCAL_HOSTS.some((h) => origin === `http://${h}:${port}`);
}

/** The Content-Security-Policy for every response: same-origin only, the WebSocket on our port. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent on every response (no CORS headers, ever: the page is same-origin only). */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** The `token` query parameter of a request URL, or null. */
export function tokenFromUrl(url: URL): string | null {
  return url.searchParams.get('token');
}
