// The sandboxed preload: exposes a small frozen `window.cdesk` (invoke + subscribe) over the one contract channel pair.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AnyEvent, CommandName, ContractClient, Result } from '../common/contract';
import { isCommandName } from './command-names';

// Mirrors main/electron/ipc.ts; the preload bundle cannot import main-process code.
const INVOKE_CHANNEL = 'contract:invoke';
const EVENT_CHANNEL = 'contract:event';

function failure(code: string, message: string, hint: string): Result<never> {
  return { ok: false, error: { code, message, hint } };
}

async function invoke(name: unknown, payload: unknown): Promise<Result<unknown>> {
  if (!isCommandName(name)) {
    return failure(
      'unknown-command',
      `unknown command ${JSON.stringify(name)}`,
      'use a command from the contract',
    );
  }
  try {
    return (await ipcRenderer.invoke(INVOKE_CHANNEL, name, payload ?? {})) as Result<unknown>;
  } catch (err) {
    return failure(
      'ipc-failed',
      `${name as CommandName}: ${err instanceof Error ? err.message : String(err)}`,
      'the app may be shutting down; reload the window or restart the app',
    );
  }
}

function subscribe(listener: (e: AnyEvent) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('cdesk.subscribe needs a function');
  // Hand the renderer the event data only, never the IpcRendererEvent (it carries the sender).
  const wrapped = (_event: IpcRendererEvent, e: AnyEvent) => listener(e);
  ipcRenderer.on(EVENT_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  };
}

const api: ContractClient = Object.freeze({
  invoke: invoke as ContractClient['invoke'],
  subscribe,
});

contextBridge.exposeInMainWorld('cdesk', api);
