// The sandboxed preload: exposes a small frozen `window.cdesk` (ContractClient: invoke + subscribe)
// over one IPC channel per contract command, and `exec` for terminals (exec streams). The command names come from main (which derives them
// from the contract) on first use, so this bundle neither re-lists them nor carries zod.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AnyEvent, CommandName, ContractClient, Result } from '../common/contract';
import type { ExecPort } from '../common/ipc-exec';
import {
  IPC_IMAGE_LOAD_CHANNEL,
  IPC_IMAGE_SAVE_CHANNEL,
  type ImageFilesApi,
} from '../common/image-files';
import {
  failure,
  IPC_COMMANDS_CHANNEL,
  IPC_EVENT_CHANNEL,
  ipcChannel,
  parseMessage,
  transportFailure,
} from '../common/rpc';
import { execPort } from './exec-port';

let commands: Promise<ReadonlySet<string>> | null = null;

/** The contract's command names, asked from main once (retried after a failure). */
function commandNames(): Promise<ReadonlySet<string>> {
  commands ??= ipcRenderer.invoke(IPC_COMMANDS_CHANNEL).then(
    (names: unknown) =>
      new Set(Array.isArray(names) ? names.filter((n) => typeof n === 'string') : []),
    (err: unknown) => {
      commands = null;
      throw err;
    },
  );
  return commands;
}

async function invoke(name: unknown, payload: unknown): Promise<Result<unknown>> {
  try {
    const known = await commandNames();
    if (typeof name !== 'string' || !known.has(name))
      return failure(
        'unknown-command',
        `unknown command ${String(JSON.stringify(name)).slice(0, 100)}`,
        `use one of: ${[...known].join(', ')}`,
      );
    const text: unknown = await ipcRenderer.invoke(ipcChannel(name as CommandName), payload ?? {});
    const msg = typeof text === 'string' ? parseMessage(text) : null;
    if (msg && 'result' in msg) return msg.result;
    return { ok: false, error: transportFailure(name, new Error('unreadable reply from the app')) };
  } catch (err) {
    return { ok: false, error: transportFailure(String(name), err) };
  }
}

function subscribe(listener: (e: AnyEvent) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('cdesk.subscribe needs a function');
  // Hand the renderer the event data only, never the IpcRendererEvent (it carries the sender).
  const wrapped = (_event: IpcRendererEvent, text: unknown) => {
    const msg = typeof text === 'string' ? parseMessage(text) : null;
    if (msg && 'event' in msg) listener(msg);
  };
  ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  };
}

const api: ContractClient & { exec: ExecPort } = Object.freeze({
  invoke: invoke as ContractClient['invoke'],
  subscribe,
  // The container page's terminals: exec streams with the same frames as the WebSocket's.
  exec: execPort(ipcRenderer),
});

contextBridge.exposeInMainWorld('cdesk', api);

/** Load and Save of image archives: main shows the file dialog, so these take no path. */
async function fileRequest(
  channel: string,
  what: string,
  payload: unknown,
): Promise<Result<never>> {
  try {
    const text: unknown = await ipcRenderer.invoke(channel, payload);
    const msg = typeof text === 'string' ? parseMessage(text) : null;
    if (msg && 'result' in msg) return msg.result as Result<never>;
    return { ok: false, error: transportFailure(what, new Error('unreadable reply from the app')) };
  } catch (err) {
    return { ok: false, error: transportFailure(what, err) };
  }
}

const files: ImageFilesApi = Object.freeze({
  loadImage: (namespace: string, loadId: string) =>
    fileRequest(IPC_IMAGE_LOAD_CHANNEL, 'image load', { namespace, loadId }),
  saveImage: (namespace: string, names: string[]) =>
    fileRequest(IPC_IMAGE_SAVE_CHANNEL, 'image save', { namespace, names }),
});

contextBridge.exposeInMainWorld('cdeskFiles', files);
