// The one typed wrapper over Electron IPC: one handler per contract command (derived from the
// contract), the sender checked here, the payload validated once by the service. Replies and events
// cross as the same byte-bounded JSON envelope text as on the socket and the WebSocket.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { COMMAND_NAMES, type AnyEvent, type CommandName, type Result } from '../../common/contract';
import {
  encodeEvent,
  encodeReply,
  failure,
  IPC_COMMANDS_CHANNEL,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  MAX_EVENT_BYTES,
} from '../../common/rpc';
import { LOCAL_FILE_COMMANDS, localOnly } from '../../common/containerd-commands';
import { answerOnce } from '../shared/app-error';
import { urlIsAllowed, type AllowedOrigin } from './origins';

/** What the wrapper needs from the app host's service. */
export interface IpcService {
  handle(name: unknown, payload: unknown): Promise<Result<unknown>>;
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

function forbidden(sender: SenderInfo): Result<never> {
  return failure(
    'forbidden-sender',
    `refused a command from ${sender.isMainFrame ? 'a page' : 'a sub-frame'} at ${JSON.stringify(sender.url)}`,
    'only the Containerd Desktop window may send commands; reload the window',
  );
}

/**
 * One invoke of `name` as its reply crosses IPC: sender check, then the service (which
 * validates); the envelope's text, bounded like every other reply. Never throws.
 */
export async function invokeReply(
  service: Pick<IpcService, 'handle'>,
  opts: IpcOptions,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  name: CommandName,
  payload: unknown,
  maxReplyBytes?: number,
): Promise<string> {
  const sender = senderInfoOf(event);
  const result = !opts.isTrustedSender(sender)
    ? forbidden(sender)
    : LOCAL_FILE_COMMANDS.has(name)
      ? localOnly(name)
      : await answerOnce(() => service.handle(name, payload));
  return encodeReply(null, name, result, maxReplyBytes);
}

/** Every channel registerIpc handles: one per contract command, plus the command list. */
export function ipcChannels(): string[] {
  return [...COMMAND_NAMES.map(ipcChannel), IPC_COMMANDS_CHANNEL];
}

/** Register a handler per contract command (and the command list); returns a function that removes them. */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  service: Pick<IpcService, 'handle'>,
  opts: IpcOptions,
): () => void {
  for (const name of COMMAND_NAMES) {
    ipcMain.handle(ipcChannel(name), (event, payload: unknown) =>
      invokeReply(service, opts, event, name, payload),
    );
  }
  // The preload asks once which commands exist, so it never re-lists them (and bundles no zod).
  ipcMain.handle(IPC_COMMANDS_CHANNEL, (event) => {
    const sender = senderInfoOf(event);
    return opts.isTrustedSender(sender) ? [...COMMAND_NAMES] : [];
  });
  return () => {
    for (const channel of ipcChannels()) ipcMain.removeHandler(channel);
  };
}

/** Channels libraries register on import (electron-log/main): the renderer must have only ours. */
export const FOREIGN_CHANNELS: readonly string[] = ['__ELECTRON_LOG__'];

/** Remove other IPC listeners and handlers so the contract's channels are the only way into main. */
export function removeForeignIpc(
  ipcMain: Pick<IpcMain, 'removeAllListeners' | 'removeHandler'>,
  channels: readonly string[] = FOREIGN_CHANNELS,
): void {
  for (const channel of channels) {
    ipcMain.removeAllListeners(channel);
    ipcMain.removeHandler(channel);
  }
}

/**
 * Forward every service event to the current window (if any), bounded like the other transports'
 * frames (big log batches are split); returns the unsubscribe function.
 */
export function forwardEvents(
  service: Pick<IpcService, 'subscribe'>,
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | null,
  maxEventBytes = MAX_EVENT_BYTES,
): () => void {
  return service.subscribe((e) => {
    const wc = target();
    if (!wc || wc.isDestroyed()) return;
    for (const frame of encodeEvent(e, maxEventBytes)) {
      try {
        wc.send(IPC_EVENT_CHANNEL, frame);
      } catch {
        // The window went away between the check and the send.
      }
    }
  });
}
