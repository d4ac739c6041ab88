// The tray icon: renders tray-menu.ts's plain template with Electron and routes clicks to actions.
import path from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { DaemonStatus } from '../../common/states';
import { trayIconFor, trayMenuTemplate, trayTooltip, type TrayAction } from './tray-menu';

export interface TrayController {
  update(status: DaemonStatus, busy: boolean): void;
  destroy(): void;
}

/** Create the tray, or null where the desktop has no tray (the window then quits on close). */
export function createTray(
  iconsDir: string,
  initial: DaemonStatus,
  onAction: (action: TrayAction) => void,
  log: (message: string) => void,
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
  const update = (status: DaemonStatus, busy: boolean) => {
    if (tray.isDestroyed()) return;
    last = { status, busy };
    const now = Date.now();
    tray.setImage(icon(status));
    tray.setToolTip(trayTooltip(status, now));
    tray.setContextMenu(
      Menu.buildFromTemplate(
        trayMenuTemplate(status, busy, now).map((item) =>
          item.type === 'separator'
            ? { type: 'separator' as const }
            : {
                id: item.id,
                label: item.label,
                enabled: item.enabled,
                click: item.action ? () => onAction(item.action as TrayAction) : undefined,
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
    destroy: () => {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
