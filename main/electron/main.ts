// Electron entry: single instance, app log, app host, window, IPC, tray, notifications and a quit that never orphans containerd.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// BrowserWindow under another name: window.ts's parameter must keep the name BrowserWindow in the
// bundle for Electronegativity to audit its options (the gate checks that it does).
import {
  app,
  BrowserWindow as ElectronWindow,
  dialog,
  ipcMain,
  Notification,
  session,
  shell,
} from 'electron';
import type { AnyEvent } from '../../common/contract';
import type { DaemonStatus } from '../../common/states';
import { createAppHost } from '../host/host';
import { defaultHostsFile } from '../hosts/hosts-file';
import { boundHeapGrowth } from '../shared/heap-growth';
import { forwardEvents, registerIpc, removeForeignIpc, senderAllowed } from './ipc';
import { IPC_TRANSPORT, registerExecIpc } from './ipc-exec';
import { electronDialogs, registerFileIpc } from './ipc-files';
import { forwardRendererConsole, initLogging } from './logging';
import { INITIAL_NOTIFY_MEMORY, notificationFor, type NotifyMemory } from './notifications';
import { appOrigins } from './origins';
import { createQuitGuard } from './quit-guard';
import { hardenSession, hardenWebContents } from './security';
import { devServerUrl, shellPaths } from './shell-paths';
import { createTray, type TrayController } from './tray';
import { hostRoute, trackPull, type TrayAction, type TrayPull } from './tray-menu';
import { createMainWindow, focusWindow, openRoute } from './window';

const distDir = path.dirname(fileURLToPath(import.meta.url));
const paths = shellPaths({
  distDir,
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
});
const devUrl = devServerUrl(app.isPackaged, process.env);
const appUrl = devUrl ?? pathToFileURL(paths.rendererIndex).href;
const allowedOrigins = appOrigins({ rendererDir: paths.rendererDir, devServerUrl: devUrl });

app.enableSandbox();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, () => appUrl));

if (!app.requestSingleInstanceLock()) {
  // Another instance owns containerd; it focuses its window on 'second-instance'.
  app.exit(0);
} else {
  void launch().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error('Containerd Desktop failed to start:', err);
    dialog.showErrorBox('Containerd Desktop could not start', message);
    app.exit(1);
  });
}

async function launch(): Promise<void> {
  boundHeapGrowth();
  const log = initLogging(app.getPath('logs'));
  log.info(
    `Containerd Desktop ${app.getVersion()} (Electron ${process.versions.electron}) starting`,
  );
  await app.whenReady();
  hardenSession(session.defaultSession);

  const host = await createAppHost({
    mode: 'electron',
    appVersion: app.getVersion(),
    // Saved hosts (`cdesk host add`): a link to each, listed in the window and the tray.
    hostsFile: defaultHostsFile(),
    log: {
      warn: (m) => log.warn(m),
      error: (m, err) => log.error(m, err),
      info: (m) => log.info(m),
    },
  });
  const { service } = host;
  let win: ElectronWindow | null = null;
  let tray: TrayController | null = null;
  let status: DaemonStatus = host.engine.status();
  let inFlight = 0;
  let notifyMemory: NotifyMemory = INITIAL_NOTIFY_MEMORY;

  const guard = createQuitGuard({
    leaveRunning: async () => host.settings.get().onQuit === 'leave-running',
    dispose: async (opts) => {
      offEvents();
      offIpc();
      offExec();
      offFileIpc();
      if (hostsTimer) clearTimeout(hostsTimer);
      tray?.destroy();
      tray = null;
      await host.dispose(opts);
    },
    exit: (code) => app.exit(code),
    log: (m) => log.info(m),
    timeoutMs: host.settings.get().stopGraceMs + 30_000,
  });
  app.on('before-quit', (event) => guard.onBeforeQuit(event));
  process.on('SIGINT', () => void guard.quit());
  process.on('SIGTERM', () => void guard.quit());
  app.on('window-all-closed', () => void guard.quit());

  const showWindow = () => {
    if (win && !win.isDestroyed()) focusWindow(win);
    else {
      win = createMainWindow(ElectronWindow, {
        preload: paths.preload,
        devServerUrl: devUrl,
        rendererIndex: paths.rendererIndex,
        hideOnClose: () => tray !== null && !guard.quitting,
        onCreated: (w) => {
          forwardRendererConsole(w.webContents, log);
          w.on('closed', () => (win = null));
        },
      });
    }
  };
  app.on('second-instance', showWindow);

  removeForeignIpc(ipcMain);
  const offIpc = registerIpc(ipcMain, service, {
    isTrustedSender: (sender) => senderAllowed(sender, allowedOrigins),
  });
  const offExec = registerExecIpc(ipcMain, {
    isTrustedSender: (sender) => senderAllowed(sender, allowedOrigins),
    starter: service.execStarter(IPC_TRANSPORT),
    logError: (m, e) => log.error(m, e),
  });
  // Load and Save: main shows the file dialog; the page never names a path.
  const offFileIpc = registerFileIpc(
    ipcMain,
    service,
    electronDialogs(dialog, () => app.getPath('downloads')),
    { isTrustedSender: (sender) => senderAllowed(sender, allowedOrigins) },
  );
  const offEvents = forwardEvents(service, () =>
    win && !win.isDestroyed() ? win.webContents : null,
  );

  const notify = (title: string, body: string) => {
    if (!host.settings.get().notifications || !Notification.isSupported()) return;
    const n = new Notification({ title, body });
    n.on('click', showWindow);
    n.show();
  };

  // Running pulls (the window's, the CLI's) get a line in the tray menu.
  let pulls: ReadonlyMap<string, TrayPull> = new Map();
  service.subscribe((e: AnyEvent) => {
    if (e.event !== 'image:pull-progress') return;
    pulls = trackPull(pulls, e.payload);
    tray?.setPulls([...pulls.values()]);
  });

  service.subscribe((e: AnyEvent) => {
    if (e.event !== 'daemon:state') return;
    status = e.payload.status;
    tray?.update(status, inFlight > 0);
    if (e.payload.transition) {
      const r = notificationFor(e.payload.transition, notifyMemory);
      notifyMemory = r.memory;
      if (r.notification) notify(r.notification.title, r.notification.body);
    }
  });

  // Saved hosts get a line each in the tray (read from hosts:list, at most a few times a second).
  let hostsTimer: NodeJS.Timeout | null = null;
  const refreshHosts = () => {
    if (hostsTimer || !host.hosts) return;
    hostsTimer = setTimeout(() => {
      hostsTimer = null;
      void service.invoke('hosts:list', {}).then((r) => {
        if (r.ok) tray?.setHosts(r.value.hosts);
      });
    }, 250);
  };
  service.subscribe((e: AnyEvent) => {
    if (e.event === 'hosts:changed' || e.event === 'daemon:state') refreshHosts();
  });

  const command = async (name: 'daemon:start' | 'daemon:stop' | 'daemon:restart') => {
    inFlight++;
    tray?.update(status, true);
    try {
      const r = await service.invoke(name, {});
      if (!r.ok) {
        log.warn(`${name}: ${r.error.message} (${r.error.hint})`);
        notify(`${name} failed`, `${r.error.message}\n${r.error.hint}`);
      }
    } finally {
      inFlight--;
      tray?.update(status, inFlight > 0);
    }
  };

  const onTrayAction = (action: TrayAction, hostName?: string) => {
    switch (action) {
      case 'start':
        return void command('daemon:start');
      case 'stop':
        return void command('daemon:stop');
      case 'restart':
        return void command('daemon:restart');
      case 'open-window':
        return showWindow();
      case 'open-host':
        showWindow();
        if (win && !win.isDestroyed()) openRoute(win, hostRoute(hostName));
        return;
      case 'open-logs':
        return void shell.openPath(host.info().logsDir);
      case 'quit':
        return app.quit();
    }
  };

  tray = createTray(paths.iconsDir, status, onTrayAction, (m) => log.warn(m), {
    onQuit: () => host.settings.get().onQuit,
  });
  refreshHosts();
  showWindow();
  if (host.settings.get().autoStart) void command('daemon:start');
}
