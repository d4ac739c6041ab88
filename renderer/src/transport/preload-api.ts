// The preload API's shape as the renderer sees it (window.cdesk), declared here so the renderer needs no preload import.
import type { AnyEvent, CommandName, Result } from '../../../common/contract';
import type { ExecPort } from '../../../common/ipc-exec';

/** The frozen object the preload script exposes through contextBridge. */
export interface CdeskApi {
  invoke(name: CommandName, payload: unknown): Promise<Result<unknown>>;
  subscribe(listener: (e: AnyEvent) => void): () => void;
  /** Exec streams (terminals); absent in a preload from before they were carried over IPC. */
  exec?: ExecPort;
}

declare global {
  interface Window {
    cdesk?: CdeskApi;
  }
}
