// Exec streams over Electron IPC: one exec hub per page (the same hub as the socket and the
// WebSocket: validation, credit windows, logging with the transport), the sender checked on every
// message, and every process of a page killed when the page goes (closed, crashed, reloaded).
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import {
  IPC_EXEC_FRAME_CHANNEL,
  IPC_EXEC_OUT_CHANNEL,
  IPC_EXEC_START_CHANNEL,
  MAX_IPC_EXEC_FRAME_CHARS,
} from '../../common/ipc-exec';
import { EXEC_START } from '../../common/exec-stream';
import { encodeReply, failure } from '../../common/rpc';
import { createExecHub, type ExecHub, type ExecStarter } from '../service/exec-hub';
import { senderInfoOf, type IpcOptions } from './ipc';

/** The transport name every exec's log line carries. */
export const IPC_TRANSPORT = 'electron-ipc';

/** What this needs of a page's webContents. */
export interface ExecPage {
  readonly id: number;
  send(channel: string, text: string): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', fn: () => void): unknown;
  on(event: 'did-navigate' | 'render-process-gone', fn: () => void): unknown;
}

type Event = Pick<IpcMainInvokeEvent | IpcMainEvent, 'senderFrame'> & { sender: unknown };

export interface ExecIpcOptions extends IpcOptions {
  /** The service's starter for this transport (null: no containerd API here). */
  starter: ExecStarter | null;
  logError?: (message: string, err: unknown) => void;
}

/** Register the exec channels; returns a function that removes them and ends every stream. */
export function registerExecIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>,
  opts: ExecIpcOptions,
): () => void {
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const hubs = new Map<number, ExecHub>();
  const trusted = (event: Event) =>
    opts.isTrustedSender(senderInfoOf(event as Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>));

  const hubOf = (page: ExecPage): ExecHub => {
    const hub = hubs.get(page.id);
    if (hub) return hub;
    const made = createExecHub({
      start: opts.starter,
      send: (text) => {
        if (page.isDestroyed()) return;
        try {
          page.send(IPC_EXEC_OUT_CHANNEL, text);
        } catch {
          // The page went away between the check and the send.
        }
      },
      logError,
    });
    hubs.set(page.id, made);
    // The page's streams die with it: a reload or a crash leaves no process behind.
    const end = () => {
      if (hubs.get(page.id) !== made) return;
      hubs.delete(page.id);
      void made.closeAll();
    };
    page.once('destroyed', end);
    page.on('did-navigate', end);
    page.on('render-process-gone', end);
    return made;
  };

  const onStart = async (event: IpcMainInvokeEvent, id: unknown, payload: unknown) => {
    const sender = senderInfoOf(event);
    if (!opts.isTrustedSender(sender))
      return encodeReply(
        null,
        EXEC_START,
        failure(
          'forbidden-sender',
          `refused an exec from ${sender.isMainFrame ? 'a page' : 'a sub-frame'} at ${JSON.stringify(sender.url)}`,
          'only the Containerd Desktop window may start an exec; reload the window',
        ),
      );
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
      return encodeReply(
        null,
        EXEC_START,
        failure('bad-request', 'exec stream id must be a positive integer', 'reload the window'),
      );
    const started = await hubOf(event.sender as unknown as ExecPage).start(id, payload);
    // Frames printed at once may cross before the reply: the page holds them until it has it.
    started.opened();
    return encodeReply(id, EXEC_START, started.result);
  };

  const onFrame = (event: IpcMainEvent, text: unknown) => {
    if (!trusted(event)) return;
    if (typeof text !== 'string' || text.length > MAX_IPC_EXEC_FRAME_CHARS) return;
    hubs.get((event.sender as unknown as ExecPage).id)?.receive(text);
  };

  ipcMain.handle(IPC_EXEC_START_CHANNEL, onStart);
  ipcMain.on(IPC_EXEC_FRAME_CHANNEL, onFrame);
  return () => {
    ipcMain.removeHandler(IPC_EXEC_START_CHANNEL);
    ipcMain.removeListener(IPC_EXEC_FRAME_CHANNEL, onFrame);
    for (const hub of hubs.values()) void hub.closeAll();
    hubs.clear();
  };
}
