// The main window: one locked-down BrowserWindow showing the renderer; closing hides it while a tray exists.
import type {
  BrowserWindow as ElectronBrowserWindow,
  BrowserWindowConstructorOptions,
} from 'electron';

/** The BrowserWindow class, injected so tests can check the options without the Electron binary. */
export type BrowserWindowClass = new (
  options: BrowserWindowConstructorOptions,
) => ElectronBrowserWindow;

export interface WindowOptions {
  preload: string;
  /** Load this URL (dev server) instead of the packaged file. */
  devServerUrl: string | null;
  rendererIndex: string;
  /** Hide instead of closing (true while a tray exists and no quit is under way). */
  hideOnClose: () => boolean;
  onCreated: (win: ElectronBrowserWindow) => void;
}

/**
 * Create the window; it shows itself once the first paint is ready. The parameter is named
 * BrowserWindow and webPreferences is an inline literal so Electronegativity audits this call.
 */
export function createMainWindow(
  BrowserWindow: BrowserWindowClass,
  opts: WindowOptions,
): ElectronBrowserWindow {
  const win = new BrowserWindow({
    width: 1120,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Containerd Desktop',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click would otherwise try to open links in a new window.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => {
    if (opts.hideOnClose()) {
      event.preventDefault();
      win.hide();
    }
  });
  opts.onCreated(win);
  if (opts.devServerUrl) void win.loadURL(opts.devServerUrl);
  else void win.loadFile(opts.rendererIndex);
  return win;
}

/** Bring a window to the front (restoring it if minimised). */
export function focusWindow(win: ElectronBrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Show the window on a page by its route ("#/overview"): a fragment change of the page already
 * loaded (the renderer routes on hashchange), so nothing reloads.
 */
export function openRoute(win: ElectronBrowserWindow, hash: string): void {
  const wc = win.webContents;
  const go = () => {
    const base = wc.getURL().split('#')[0];
    if (base) void win.loadURL(`${base}${hash}`).catch(() => undefined);
  };
  if (wc.isLoading()) wc.once('did-finish-load', go);
  else go();
  focusWindow(win);
}
