// ContractClient over the preload API (Electron window): a thin typed wrapper.
import type {
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  Result,
} from '../../../common/contract';
import type { CdeskApi } from './preload-api';

export function preloadClient(api: CdeskApi): ContractClient {
  return {
    async invoke<C extends CommandName>(
      name: C,
      payload: CommandPayload<C>,
    ): Promise<Result<CommandResults[C]>> {
      try {
        return (await api.invoke(name, payload)) as Result<CommandResults[C]>;
      } catch (e) {
        // Electron rejects only when IPC itself breaks; errors from handlers arrive as data.
        return {
          ok: false,
          error: {
            code: 'ipc-error',
            message: `${name} failed: ${e instanceof Error ? e.message : String(e)}`,
            hint: 'restart Containerd Desktop; if this keeps happening, collect diagnostics and report it',
          },
        };
      }
    },
    subscribe: (listener) => api.subscribe(listener),
  };
}
