// The contract over WebSocket frames: requests to service.handle, every service event to every client.
//
//   client → server  {"id": <int>, "cmd": <CommandName>, "payload": {…}}
//   server → client  {"id": <same>, "result": {"ok": true, "value": …} | {"ok": false, "error": {…}}}
//   server → client  {"event": <EventName>, "payload": …}
import type { RawData, WebSocket } from 'ws';
import type { ContractError, Result } from '../../common/contract';
import type { Service } from '../app/service';

export interface WsBridgeOptions {
  service: Service;
  /** A client this far behind (bytes queued) is dropped rather than buffered without end. */
  maxQueuedBytes?: number;
  /** Bad frames (not JSON, no id…) a client may send before it is disconnected. */
  maxBadFrames?: number;
  logError?: (message: string, err: unknown) => void;
}

export interface WsBridge {
  /** Serve one authenticated socket until it closes. */
  accept(ws: WebSocket): void;
  readonly clients: number;
  /** Close every socket (1001 going away) and stop listening to the service. */
  close(): void;
}

const OPEN = 1;

function badRequest(message: string): ContractError {
  return {
    code: 'bad-request',
    message,
    hint: 'Send one JSON text frame per request: {"id":1,"cmd":"daemon:status","payload":{}}.',
  };
}

export function createWsBridge(opts: WsBridgeOptions): WsBridge {
  const { service } = opts;
  const maxQueued = opts.maxQueuedBytes ?? 16 * 1024 * 1024;
  const maxBad = opts.maxBadFrames ?? 100;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const sockets = new Set<WebSocket>();

  const sendRaw = (ws: WebSocket, text: string) => {
    if (ws.readyState !== OPEN) return;
    if (ws.bufferedAmount > maxQueued) {
      // A page that stopped reading (frozen tab) must not grow our memory; it reconnects and re-reads.
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  // One subscription for all clients: each event is serialised once.
  const off = service.subscribe((e) => {
    if (sockets.size === 0) return;
    const text = JSON.stringify({ event: e.event, payload: e.payload });
    for (const ws of sockets) sendRaw(ws, text);
  });

  function accept(ws: WebSocket): void {
    sockets.add(ws);
    let bad = 0;
    const reply = (id: number | string | null, result: Result<unknown>) =>
      sendRaw(ws, JSON.stringify({ id, result }));
    const refuse = (id: number | string | null, message: string) => {
      reply(id, { ok: false, error: badRequest(message) });
      if (++bad > maxBad) ws.close(1008, 'too many bad requests');
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return refuse(null, 'binary frames are not accepted; send JSON text');
      let req: unknown;
      try {
        req = JSON.parse(data.toString());
      } catch (err) {
        return refuse(null, `request is not valid JSON: ${(err as Error).message}`);
      }
      const r = (
        typeof req === 'object' && req !== null && !Array.isArray(req) ? req : {}
      ) as Record<string, unknown>;
      const id = typeof r.id === 'number' || typeof r.id === 'string' ? r.id : null;
      if (id === null) return refuse(null, 'request needs an "id" (number)');
      if (typeof r.cmd !== 'string') return refuse(id, 'request needs a "cmd" (string)');
      service.handle(r.cmd, r.payload).then(
        (result) => reply(id, result),
        (err) => logError('websocket request failed', err),
      );
    });
    ws.on('error', () => undefined);
    ws.on('close', () => sockets.delete(ws));
  }

  return {
    accept,
    get clients() {
      return sockets.size;
    },
    close() {
      off();
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      sockets.clear();
    },
  };
}
