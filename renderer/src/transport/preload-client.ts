// ContractClient over the preload API (Electron window): a thin typed wrapper.
import type { ContractClient } from '../../../common/contract';
import { transportFailure } from '../../../common/rpc';
import { asResult } from '../../../common/rpc-client';
import type { CdeskApi } from './preload-api';

export function preloadClient(api: CdeskApi): ContractClient {
  return {
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
}
