// The one typed wrapper over Electron IPC: checks the sender, validates the command, returns results as data.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import {
  parseCommand,
  type AnyEvent,
  type ContractError,
  type Result,
} from '../../common/contract';
import { urlIsAllowed, type AllowedOrigin } from './origins';

/** The single invoke channel (renderer → main). */
export const INVOKE_CHANNEL = 'contract:invoke';
/** The single event channel (main → renderer). */
export const EVENT_CHANNEL = 'contract:event';

/** What the wrapper needs from the app host's service. */
export interface IpcService {
  handle(name: string, payload: unknown): Promise<Result<unknown>>;
  subscribe(fn: (e: AnyEvent) => void): () => void;
}

/** A sender reduced to the plain values the trust decision needs. */
export interface SenderInfo {
  /** The message came from the top-level frame, not an iframe. */
  isMainFrame: boolean;
  /** The sending frame's URL ("" when the frame is gone). */
  url: string;
}

export interface IpcOptions {
  isTrustedSender(sender: SenderInfo): boolean;
}

/** Trust only the main frame of a page loaded from one of our own origins. */
export function senderAllowed(
  sender: SenderInfo,
  allowedOrigins: readonly AllowedOrigin[],
): boolean {
  return sender.isMainFrame && urlIsAllowed(sender.url, allowedOrigins);
}

/** Reduce an invoke event to SenderInfo; a destroyed or navigated-away frame is never the main frame. */
export function senderInfoOf(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
): SenderInfo {
  const frame = event.senderFrame;
  if (!frame) return { isMainFrame: false, url: '' };
  return { isMainFrame: frame === event.sender.mainFrame, url: frame.url };
}

function failure(code: string, message: string, hint: string): Result<never> {
  const error: ContractError = { code, message, hint };
  return { ok: false, error };
}

/** Handle one invoke: sender check, payload validation, then the service; never throws. */
export async function handleInvoke(
  service: Pick<IpcService, 'handle'>,
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  name: unknown,
  payload: unknown,
): Promise<Result<unknown>> {
  const sender = senderInfoOf(event);
  if (!opts.isTrustedSender(sender)) {
    return failure(
      'forbidden-sender',
      `refused a command from ${sender.isMainFrame ? 'a page' : 'a sub-frame'} at ${JSON.stringify(sender.url)}`,
      'only the Containerd Desktop window may send commands; reload the window',
    );
  }
  const parsed = parseCommand(name, payload);
  if (!parsed.ok) return parsed;
  try {
    return await service.handle(parsed.name, parsed.payload);
  } catch (err) {
    return failure(
      'internal',
      `${parsed.name} failed: ${err instanceof Error ? err.message : String(err)}`,
      'see the app log (Help → logs folder) and report the problem if it persists',
    );
  }
}

/** Register the invoke handler; returns a function that removes it. */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: Pick<IpcService, 'handle'>,
  opts: IpcOptions,
): () => void {
  ipcMain.handle(INVOKE_CHANNEL, (event, name: unknown, payload: unknown) =>
    handleInvoke(service, opts, event, name, payload),
  );
  return () => ipcMain.removeHandler(INVOKE_CHANNEL);
}

/** Channels libraries register on import (electron-log/main): the renderer must have only ours. */
export const FOREIGN_CHANNELS: readonly string[] = ['__ELECTRON_LOG__'];

/** Remove other IPC listeners and handlers so contract:invoke is the only way into main. */
export function removeForeignIpc(
  ipcMain: Pick<IpcMain, 'removeAllListeners' | 'removeHandler'>,
  channels: readonly string[] = FOREIGN_CHANNELS,
): void {
  for (const channel of channels) {
    ipcMain.removeAllListeners(channel);
    ipcMain.removeHandler(channel);
  }
}

/** Forward every service event to the current window (if any); returns the unsubscribe function. */
export function forwardEvents(
  service: Pick<IpcService, 'subscribe'>,
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null,
): () => void {
  return service.subscribe((e) => {
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(EVENT_CHANNEL, e);
  });
}
