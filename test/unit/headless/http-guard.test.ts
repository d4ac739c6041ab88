// The headless server's access checks: token comparison, Host and Origin allow-lists, headers.
import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  hostAllowed,
  newToken,
  originAllowed,
  securityHeaders,
  tokenMatches,
} from '../../../main/headless/http-guard';

describe('http-guard', () => {
  it('makes 32-byte base64url tokens, different every time', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(newToken()).not.toBe(a);
  });

  it('accepts only the exact token', () => {
    const t = newToken();
    expect(tokenMatches(t, t)).toBe(true);
    expect(tokenMatches(`${t}x`, t)).toBe(false);
    expect(tokenMatches(t.slice(1), t)).toBe(false);
    expect(tokenMatches('', t)).toBe(false);
    expect(tokenMatches(null, t)).toBe(false);
    expect(tokenMatches(undefined, t)).toBe(false);
  });

  it('accepts Host 127.0.0.1:PORT and localhost:PORT only', () => {
    expect(hostAllowed('127.0.0.1:4000', 4000)).toBe(true);
    expect(hostAllowed('localhost:4000', 4000)).toBe(true);
    expect(hostAllowed('LOCALHOST:4000', 4000)).toBe(true);
    expect(hostAllowed('127.0.0.1', 4000)).toBe(false);
    expect(hostAllowed('127.0.0.1:4001', 4000)).toBe(false);
    expect(hostAllowed('evil.example:4000', 4000)).toBe(false);
    expect(hostAllowed('localhost.evil.example:4000', 4000)).toBe(false);
    expect(hostAllowed(undefined, 4000)).toBe(false);
  });

  it('accepts the Origin of our own page only', () => {
    expect(originAllowed('http://127.0.0.1:4000', 4000)).toBe(true);
    expect(originAllowed('http://localhost:4000', 4000)).toBe(true);
    expect(originAllowed('https://127.0.0.1:4000', 4000)).toBe(false);
    expect(originAllowed('http://127.0.0.1:4001', 4000)).toBe(false);
    expect(originAllowed('http://evil.example', 4000)).toBe(false);
    expect(originAllowed('null', 4000)).toBe(false);
    expect(originAllowed(undefined, 4000)).toBe(false);
  });

  it('sends the full CSP with our port, nosniff, no-referrer and no CORS', () => {
    expect(contentSecurityPolicy(4000)).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:4000 ws://localhost:4000; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    const h = securityHeaders(4000);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['Referrer-Policy']).toBe('no-referrer');
    expect(Object.keys(h).some((k) => k.toLowerCase().startsWith('access-control-'))).toBe(false);
  });
});
