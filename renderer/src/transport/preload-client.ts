// ContractClient over the preload API (Electron window): a thin typed wrapper, with exec streams.
import type { ContractClient } from '../../../common/contract';
import type { StreamClient } from '../../../common/exec-stream';
import { ipcStreamOpener } from '../../../common/ipc-exec';
import { transportFailure } from '../../../common/rpc';
import { asResult } from '../../../common/rpc-client';
import type { CdeskApi } from './preload-api';

export function preloadClient(api: CdeskApi): ContractClient | (ContractClient & StreamClient) {
  const client: ContractClient = {
    invoke: (name, payload) =>
      asResult(
        name,
        payload,
        // The preload answers errors as data; a rejection means IPC itself broke.
        api.invoke(name, payload).catch((e: unknown) => ({
          ok: false as const,
          error: transportFailure(name, e),
        })),
      ),
    subscribe: (listener) => api.subscribe(listener),
  };
  // Terminals ride the preload's exec port when it has one.
  return api.exec ? { ...client, openStream: ipcStreamOpener(api.exec) } : client;
}
