// Session and webContents hardening: no new windows, no webviews, no foreign navigation, no permissions, a CSP header.
import type { Session, WebContents } from 'electron';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * May the window navigate from the app to `url`? Only to the app itself: the same file for a
 * packaged renderer (a single-page app never needs another), the same origin for a dev server.
 */
export function isAllowedNavigation(url: string, appUrl: string): boolean {
  const to = parse(url);
  const app = parse(appUrl);
  if (!to || !app) return false;
  if (app.protocol === 'file:') {
    return to.protocol === 'file:' && to.host === '' && to.pathname === app.pathname;
  }
  if (app.protocol !== 'http:' && app.protocol !== 'https:') return false;
  return to.origin === app.origin;
}

/**
 * Harden one webContents (every one, via app 'web-contents-created'): deny every new window —
 * the app has no external links, so nothing is handed to shell.openExternal — refuse webviews,
 * and block navigation and redirects away from the app.
 */
export function hardenWebContents(contents: WebContents, appUrl: () => string): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const guard = (event: { preventDefault(): void; url: string }): void => {
    if (!isAllowedNavigation(event.url, appUrl())) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Harden the session: deny every permission request and check, and send the renderer's CSP as
 * a header on http(s) responses (the dev server; file:// pages rely on the meta tag, which
 * carries the same policy — a unit test keeps them equal). The policy is an inline literal so
 * Electronegativity can evaluate it.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ],
      },
    });
  });
}
