// Chooses the transport: the preload API inside Electron, else a WebSocket to the headless server.
import type { ContractClient } from '../../../common/contract';
import { preloadClient } from './preload-client';
import { wsUrlFor } from './token';
import { WsClient } from './ws-client';

export function pickTransport(win: Window = window): ContractClient {
  if (win.cdesk) return preloadClient(win.cdesk);
  return new WsClient(wsUrlFor(win.location));
}
