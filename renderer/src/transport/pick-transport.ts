// Chooses the transport: the preload API inside Electron, else a WebSocket to the headless server.
import type { ContractClient } from '../../../common/contract';
import { preloadClient } from './preload-client';
import { tokenFromLocation, wsUrlFor } from './token';
import { WsClient } from './ws-client';

export function pickTransport(win: Window = window): ContractClient {
  if (win.cdesk) return preloadClient(win.cdesk);
  return new WsClient(wsUrlFor(win.location), { checkAccess: () => checkPageAccess(win) });
}

/** Ask the server whether this page's token is still good (the page itself needs the token). */
export async function checkPageAccess(win: Window): Promise<'ok' | 'refused' | 'unreachable'> {
  const token = tokenFromLocation(win.location) ?? '';
  try {
    const res = await win.fetch(`/?token=${encodeURIComponent(token)}`, {
      method: 'HEAD',
      cache: 'no-store',
      credentials: 'omit',
    });
    return res.status === 403 ? 'refused' : res.ok ? 'ok' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}
