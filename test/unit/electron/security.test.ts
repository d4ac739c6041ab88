import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import {
  hardenSession,
  hardenWebContents,
  isAllowedNavigation,
} from '../../../main/electron/security';
import { createMainWindow, type BrowserWindowClass } from '../../../main/electron/window';
import { devServerUrl, shellPaths } from '../../../main/electron/shell-paths';

const APP = 'file:///opt/cdesk/resources/app.asar/dist/renderer/index.html';

describe('isAllowedNavigation', () => {
  it.each([
    [APP, APP],
    [`${APP}#/settings`, APP],
    [`${APP}?tab=logs`, APP],
    ['http://localhost:5173/logs', 'http://localhost:5173/'],
  ])('allows %s within the app', (url, app) => {
    expect(isAllowedNavigation(url, app)).toBe(true);
  });

  it.each([
    ['https://evil.example/', APP],
    ['file:///etc/passwd', APP],
    ['file:///opt/cdesk/resources/app.asar/dist/renderer/other.html', APP],
    ['file://evil/opt/cdesk/resources/app.asar/dist/renderer/index.html', APP],
    ['about:blank', APP],
    ['javascript:alert(1)', APP],
    ['data:text/html,hi', APP],
    ['http://localhost:5174/', 'http://localhost:5173/'],
    ['https://localhost:5173/', 'http://localhost:5173/'],
    ['not a url', APP],
    [APP, 'about:blank'],
  ])('blocks %s', (url, app) => {
    expect(isAllowedNavigation(url, app)).toBe(false);
  });
});

function fakeContents() {
  const listeners = new Map<string, (event: { preventDefault(): void; url: string }) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = {
    setWindowOpenHandler: (fn: typeof openHandler) => void (openHandler = fn),
    on: (name: string, fn: (event: { preventDefault(): void; url: string }) => void) => {
      listeners.set(name, fn);
      return contents;
    },
  };
  hardenWebContents(contents as unknown as WebContents, () => APP);
  const fire = (name: string, url = '') => {
    const event = { preventDefault: vi.fn(), url };
    listeners.get(name)?.(event);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { fire, open: (url: string) => openHandler?.({ url }), listeners };
}

describe('hardenWebContents', () => {
  it('denies every new window, even one to the app itself', () => {
    const c = fakeContents();
    expect(c.open('https://containerd.io/docs')).toEqual({ action: 'deny' });
    expect(c.open(APP)).toEqual({ action: 'deny' });
  });

  it.each(['will-navigate', 'will-redirect', 'will-frame-navigate'])(
    'blocks %s away from the app',
    (name) => {
      const c = fakeContents();
      expect(c.fire(name, 'https://evil.example/')).toBe(true);
      expect(c.fire(name, `${APP}#/logs`)).toBe(false);
    },
  );

  it('refuses every webview', () => {
    expect(fakeContents().fire('will-attach-webview')).toBe(true);
  });
});

function fakeSession() {
  const calls: Record<string, (...args: never[]) => unknown> = {};
  const session = {
    setPermissionRequestHandler: (fn: never) => void (calls.request = fn),
    setPermissionCheckHandler: (fn: never) => void (calls.check = fn),
    setDevicePermissionHandler: (fn: never) => void (calls.device = fn),
    webRequest: { onHeadersReceived: (fn: never) => void (calls.headers = fn) },
  };
  hardenSession(session as unknown as Session);
  return calls as Record<string, (...args: unknown[]) => unknown>;
}

/** Directive name → value, for comparing policies regardless of order and spacing. */
function directives(policy: string): Map<string, string> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name as string, values.join(' ')]),
  );
}

describe('hardenSession', () => {
  it('denies every permission request, check and device', () => {
    const h = fakeSession();
    const callback = vi.fn();
    h.request?.({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(h.check?.({}, 'notifications')).toBe(false);
    expect(h.device?.({})).toBe(false);
  });

  it('adds a CSP header with script-src self, keeping the other headers', () => {
    const h = fakeSession();
    const callback = vi.fn();
    h.headers?.({ responseHeaders: { 'X-Other': ['1'] } }, callback);
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['X-Other']).toEqual(['1']);
    const csp = directives(headers['Content-Security-Policy']?.[0] ?? '');
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
  });

  it("sends the same policy as the renderer's meta tag (plus what only a header can carry)", () => {
    const html = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeDefined();
    const h = fakeSession();
    const callback = vi.fn();
    h.headers?.({ responseHeaders: {} }, callback);
    const header = directives(
      callback.mock.calls[0]?.[0].responseHeaders['Content-Security-Policy'][0],
    );
    const fromMeta = directives(meta ?? '');
    for (const [name, value] of fromMeta) expect(header.get(name), name).toBe(value);
    const headerOnly = ['frame-ancestors', 'report-uri', 'sandbox'];
    for (const name of header.keys()) if (!fromMeta.has(name)) expect(headerOnly).toContain(name);
  });
});

describe('createMainWindow', () => {
  function fakeWindowClass() {
    const created: BrowserWindowConstructorOptions[] = [];
    const loaded: string[] = [];
    class FakeWindow {
      constructor(options: BrowserWindowConstructorOptions) {
        created.push(options);
      }
      once() {}
      on() {}
      loadFile(f: string) {
        loaded.push(`file:${f}`);
        return Promise.resolve();
      }
      loadURL(u: string) {
        loaded.push(`url:${u}`);
        return Promise.resolve();
      }
    }
    return { cls: FakeWindow as unknown as BrowserWindowClass, created, loaded };
  }

  const opts = {
    preload: '/app/dist/preload.cjs',
    devServerUrl: null,
    rendererIndex: '/app/dist/renderer/index.html',
    hideOnClose: () => true,
    onCreated: () => {},
  };

  it('creates an isolated, sandboxed window without Node and with web security on', () => {
    const f = fakeWindowClass();
    createMainWindow(f.cls, opts);
    expect(f.created[0]?.webPreferences).toMatchObject({
      preload: '/app/dist/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('loads the packaged file, or the dev server when given one', () => {
    const a = fakeWindowClass();
    createMainWindow(a.cls, opts);
    expect(a.loaded).toEqual(['file:/app/dist/renderer/index.html']);
    const b = fakeWindowClass();
    createMainWindow(b.cls, { ...opts, devServerUrl: 'http://localhost:5173/' });
    expect(b.loaded).toEqual(['url:http://localhost:5173/']);
  });
});

describe('shellPaths', () => {
  it('finds preload and renderer beside the bundle, icons in build/ when unpackaged', () => {
    expect(
      shellPaths({ distDir: '/src/app/dist', isPackaged: false, resourcesPath: '/x' }),
    ).toEqual({
      preload: '/src/app/dist/preload.cjs',
      rendererDir: '/src/app/dist/renderer',
      rendererIndex: '/src/app/dist/renderer/index.html',
      iconsDir: '/src/app/build/icons',
    });
  });

  it('finds icons in resources when packaged', () => {
    const p = shellPaths({
      distDir: '/opt/a/resources/app.asar/dist',
      isPackaged: true,
      resourcesPath: '/opt/a/resources',
    });
    expect(p.iconsDir).toBe('/opt/a/resources/icons');
  });
});

describe('devServerUrl', () => {
  it('is honoured only unpackaged and only on loopback', () => {
    const env = { CDESK_DEV_SERVER_URL: 'http://localhost:5173/' };
    expect(devServerUrl(false, env)).toBe('http://localhost:5173/');
    expect(devServerUrl(true, env)).toBeNull();
    expect(devServerUrl(false, { CDESK_DEV_SERVER_URL: 'http://evil.example/' })).toBeNull();
    expect(devServerUrl(false, {})).toBeNull();
  });
});
