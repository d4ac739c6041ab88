// The preload API's shape as the renderer sees it (window.cdesk), declared here so the renderer needs no preload import.
import type { AnyEvent, CommandName, Result } from '../../../common/contract';

/** The frozen object the preload script exposes through contextBridge. */
export interface CdeskApi {
  invoke(name: CommandName, payload: unknown): Promise<Result<unknown>>;
  subscribe(listener: (e: AnyEvent) => void): () => void;
}

declare global {
  interface Window {
    cdesk?: CdeskApi;
  }
}
