// The tray icon: renders tray-menu.ts's plain template with Electron, asks before stop/restart/quit
// while containers run (confirmFor decides), and routes clicks to actions.
import path from 'node:path';
import { dialog, Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { confirmFor } from '../../common/confirm';
import type { DaemonStatus } from '../../common/states';
import {
  hostLine,
  pullLabel,
  trayIconFor,
  trayMenuTemplate,
  trayTooltip,
  type MenuItemSpec,
  type TrayAction,
  type TrayHost,
  type TrayPull,
} from './tray-menu';

export interface TrayController {
  update(status: DaemonStatus, busy: boolean): void;
  /** Running pulls; the menu is rebuilt only when a line's text changes. */
  setPulls(pulls: readonly TrayPull[]): void;
  /** The hosts (hosts:list rows); the menu is rebuilt only when a line's text changes. */
  setHosts(hosts: readonly TrayHost[]): void;
  destroy(): void;
}

export interface TrayOptions {
  /** The current "On quit" setting (quitting asks only when it stops containerd). */
  onQuit?: () => 'stop' | 'leave-running';
}

/** Create the tray, or null where the desktop has no tray (the window then quits on close). */
export function createTray(
  iconsDir: string,
  initial: DaemonStatus,
  onAction: (action: TrayAction, host?: string) => void,
  log: (message: string) => void,
  opts: TrayOptions = {},
): TrayController | null {
  const icon = (status: DaemonStatus) =>
    nativeImage.createFromPath(path.join(iconsDir, trayIconFor(status.state)));
  let tray: Tray;
  try {
    tray = new Tray(icon(initial));
  } catch (err) {
    log(`no system tray: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
  let last = { status: initial, busy: false };
  let pulls: readonly TrayPull[] = [];
  let hosts: readonly TrayHost[] = [];
  const act = async (action: TrayAction, host?: string) => {
    const ask = confirmFor(action, last.status, opts.onQuit?.() ?? 'stop');
    if (ask) {
      const r = await dialog.showMessageBox({
        type: 'question',
        message: ask.message,
        detail: ask.detail,
        buttons: [ask.confirmLabel, 'Cancel'],
        defaultId: 1,
        cancelId: 1,
      });
      if (r.response !== 0) return;
    }
    onAction(action, host);
  };
  const render = (item: MenuItemSpec): MenuItemConstructorOptions => {
    if (item.type === 'separator') return { type: 'separator' };
    if (item.type === 'submenu')
      return { id: item.id, label: item.label, submenu: item.items.map(render) };
    const { action, host } = item;
    return {
      id: item.id,
      label: item.label,
      enabled: item.enabled,
      click: action ? () => void act(action, host) : undefined,
    };
  };
  const update = (status: DaemonStatus, busy: boolean) => {
    if (tray.isDestroyed()) return;
    last = { status, busy };
    const now = Date.now();
    tray.setImage(icon(status));
    tray.setToolTip(trayTooltip(status, now, pulls));
    tray.setContextMenu(
      Menu.buildFromTemplate(trayMenuTemplate(status, busy, now, pulls, hosts).map(render)),
    );
  };
  update(initial, false);
  // The state line shows uptime; refresh it now and then so it does not go stale.
  const timer = setInterval(() => update(last.status, last.busy), 30_000);
  timer.unref();
  return {
    update,
    setPulls(next) {
      const text = (l: readonly TrayPull[]) => l.map(pullLabel).join('\n');
      if (text(next) === text(pulls)) return;
      pulls = next;
      update(last.status, last.busy);
    },
    setHosts(next) {
      const now = Date.now();
      const text = (l: readonly TrayHost[]) => l.map((h) => hostLine(h, now)).join('\n');
      if (text(next) === text(hosts)) return;
      hosts = next;
      update(last.status, last.busy);
    },
    destroy: () => {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
