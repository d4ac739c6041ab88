// The tray icon: renders tray-menu.ts's plain template with Electron, asks before stop/restart/quit
// while containers run (confirmFor decides), and routes clicks to actions.
import path from 'node:path';
import { dialog, Menu, Tray, nativeImage } from 'electron';
import { confirmFor } from '../../common/confirm';
import type { DaemonStatus } from '../../common/states';
import {
  pullLabel,
  trayIconFor,
  trayMenuTemplate,
  trayTooltip,
  type TrayAction,
  type TrayPull,
} from './tray-menu';

export interface TrayController {
  update(status: DaemonStatus, busy: boolean): void;
  /** Running pulls; the menu is rebuilt only when a line's text changes. */
  setPulls(pulls: readonly TrayPull[]): void;
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
  onAction: (action: TrayAction) => void,
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
  const act = async (action: TrayAction) => {
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
    onAction(action);
  };
  const update = (status: DaemonStatus, busy: boolean) => {
    if (tray.isDestroyed()) return;
    last = { status, busy };
    const now = Date.now();
    tray.setImage(icon(status));
    tray.setToolTip(trayTooltip(status, now, pulls));
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate(status, busy, now, pulls).map((item) =>
          item.type === 'separator'
            ? { type: 'separator' as const }
            : {
                id: item.id,
                label: item.label,
                enabled: item.enabled,
                click: item.action ? () => void act(item.action as TrayAction) : undefined,
              },
        ),
      ),
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
    destroy: () => {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
