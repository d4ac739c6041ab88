// The preload's exec port (window.cdesk.exec): start a stream, send its frames, hear the replies.
// Only strings cross; the page never sees an IpcRendererEvent.
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import {
  IPC_EXEC_FRAME_CHANNEL,
  IPC_EXEC_OUT_CHANNEL,
  IPC_EXEC_START_CHANNEL,
  MAX_IPC_EXEC_FRAME_CHARS,
  type ExecPort,
} from '../common/ipc-exec';

export function execPort(
  ipc: Pick<IpcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>,
): ExecPort {
  return Object.freeze({
    start(id: number, payload: unknown): Promise<unknown> {
      if (typeof id !== 'number' || !Number.isSafeInteger(id))
        return Promise.reject(new TypeError('cdesk.exec.start needs an integer stream id'));
      return ipc.invoke(IPC_EXEC_START_CHANNEL, id, payload ?? {});
    },
    send(text: string): void {
      if (typeof text !== 'string' || text.length > MAX_IPC_EXEC_FRAME_CHARS)
        throw new TypeError('cdesk.exec.send takes one frame as text');
      ipc.send(IPC_EXEC_FRAME_CHANNEL, text);
    },
    onFrame(listener: (text: string) => void): () => void {
      if (typeof listener !== 'function')
        throw new TypeError('cdesk.exec.onFrame needs a function');
      const wrapped = (_event: IpcRendererEvent, text: unknown) => {
        if (typeof text === 'string') listener(text);
      };
      ipc.on(IPC_EXEC_OUT_CHANNEL, wrapped);
      return () => {
        ipc.removeListener(IPC_EXEC_OUT_CHANNEL, wrapped);
      };
    },
  });
}
