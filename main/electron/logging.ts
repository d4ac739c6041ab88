// The app's own log (electron-log): a size-capped file in the OS logs folder, plus the renderer's console.
import path from 'node:path';
import log from 'electron-log/main';
import type { WebContents } from 'electron';

/** Cap the app log at 5 MiB; electron-log keeps one rotated ".old" file beside it. */
export const APP_LOG_MAX_BYTES = 5 * 1024 * 1024;

export type AppLogger = typeof log;

/** Point electron-log at `<logsDir>/main.log` and catch uncaught errors into it. */
export function initLogging(logsDir: string): AppLogger {
  log.transports.file.resolvePathFn = () => path.join(logsDir, 'main.log');
  log.transports.file.maxSize = APP_LOG_MAX_BYTES;
  log.transports.file.level = 'info';
  log.transports.console.level = process.env.CDESK_DEBUG ? 'debug' : 'warn';
  // No electron-log preload or IPC: the renderer has no channel but the contract. Its console
  // reaches the log through forwardRendererConsole instead.
  log.errorHandler.startCatching({ showDialog: false });
  return log;
}

const LEVELS = { debug: 'debug', info: 'info', warning: 'warn', error: 'error' } as const;

/** Copy the renderer's console messages into the app log, tagged "renderer". */
export function forwardRendererConsole(contents: WebContents, logger: AppLogger): void {
  const scoped = logger.scope('renderer');
  contents.on('console-message', (event) => {
    const level = LEVELS[event.level] ?? 'info';
    scoped[level](`${event.message} (${event.sourceId}:${event.lineNumber})`);
  });
}
