// Headless mode's server: the built renderer over HTTP and the contract over WebSocket, on 127.0.0.1 only.
//
// Access: the page (`/`, `/index.html`) and the WebSocket (`/ws`) need `?token=<token>`; the token is
// 32 random bytes (kept across restarts in the token file), compared in constant time. The hashed
// JS/CSS assets are served without it: they are the public app bundle and hold no data. Every
// request must name this server in its Host header (DNS-rebinding defence) and WebSocket upgrades
// must come from our own Origin. No CORS headers are ever sent.
import * as fsp from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { MAX_REQUEST_BYTES } from '../../common/rpc';
import { AppError } from '../shared/app-error';
import type { Service } from '../service/service';
import {
  hostAllowed,
  newToken,
  originAllowed,
  securityHeaders,
  tokenFromUrl,
  tokenMatches,
} from './http-guard';
import { createImageTransfer, type ImageTransfer } from './image-transfer';
import { resolveStatic } from './static-files';
import { createWsBridge } from './ws-bridge';

/** The listen address: loopback only, never a wildcard. */
export const LISTEN_HOST = '127.0.0.1';
/** The default port of `cdesk serve` (documented in its help); `--port` changes it. */
export const DEFAULT_PORT = 47474;
/** Largest WebSocket message a client may send (a request is a few hundred bytes). */
export const MAX_WS_MESSAGE = MAX_REQUEST_BYTES;
/**
 * Connections that are not an authenticated WebSocket (page and asset loads, anything unknown) open
 * at once, so local processes cannot take every file descriptor: one more closes the oldest that
 * has no request being answered. A browser uses about six per origin.
 */
export const MAX_PRE_AUTH_CONNECTIONS = 32;
/** Such a connection idle this long (no bytes either way) is closed; so is one still sending headers. */
export const PRE_AUTH_IDLE_MS = 10_000;

export interface HttpServerOptions {
  service: Service;
  /** The built renderer (dist/renderer) holding index.html. */
  staticDir: string;
  /** 0 picks a free port. */
  port: number;
  /** The token to accept (the one a previous start kept on disk); default a fresh random one. */
  token?: string;
  /** Defaults MAX_PRE_AUTH_CONNECTIONS and PRE_AUTH_IDLE_MS (tests use small values). */
  maxPreAuthConnections?: number;
  preAuthIdleMs?: number;
  /** Reply and event caps (defaults MAX_REPLY_BYTES, MAX_EVENT_BYTES; tests use small values). */
  maxReplyBytes?: number;
  maxEventBytes?: number;
  /** Event bytes a page may have waiting before its oldest log lines are dropped (default 8 MiB). */
  maxQueuedBytes?: number;
  logError?: (message: string, err: unknown) => void;
  /**
   * Where image uploads and saves are staged (a folder in the app's own state dir); without it the
   * page's Load and Save are not served.
   */
  transferDir?: string;
  /** The largest upload (default MAX_UPLOAD_BYTES; tests use small values). */
  maxUploadBytes?: number;
}

export interface HttpServer {
  readonly port: number;
  readonly token: string;
  /** The page address with the token, e.g. http://127.0.0.1:47474/?token=… */
  readonly url: string;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new AppError(
            'port-in-use',
            `port ${port} on ${LISTEN_HOST} is already in use`,
            'Another program (or another `cdesk serve`) is using it: stop it, or pass another --port (--port 0 picks a free one).',
            { cause: err },
          ),
        );
      } else {
        reject(
          new AppError(
            'listen-failed',
            `cannot listen on ${LISTEN_HOST}:${port}: ${err.code ?? err.message}`,
            'Pass another --port (ports below 1024 need privileges; --port 0 picks a free one).',
            { cause: err },
          ),
        );
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: LISTEN_HOST, exclusive: true });
  });
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  const token = opts.token ?? newToken();
  let root: string;
  try {
    root = await fsp.realpath(opts.staticDir);
    await fsp.access(path.join(root, 'index.html'));
  } catch (err) {
    throw new AppError(
      'renderer-missing',
      `the built renderer is missing (${path.join(opts.staticDir, 'index.html')})`,
      'Build it first: `npm run build` in the containerd-desktop folder.',
      { cause: err },
    );
  }
  let port = opts.port;
  const bridge = createWsBridge({
    service: opts.service,
    logError,
    maxReplyBytes: opts.maxReplyBytes,
    maxEventBytes: opts.maxEventBytes,
    maxQueuedBytes: opts.maxQueuedBytes,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });

  const send = (
    res: http.ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, {
      ...securityHeaders(port),
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(buf.length),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(res.req.method === 'HEAD' ? undefined : buf);
  };
  const refuse = (res: http.ServerResponse, status: number, reason: string) =>
    send(res, status, `${status === 403 ? 'Forbidden' : 'Not found'}: ${reason}\n`);

  const transfer: ImageTransfer | null = opts.transferDir
    ? createImageTransfer({
        service: opts.service,
        dir: opts.transferDir,
        maxUploadBytes: opts.maxUploadBytes,
        headers: () => securityHeaders(port),
      })
    : null;
  const transferRoutes: Record<string, keyof Omit<ImageTransfer, 'close'>> = {
    'POST /images/load': 'load',
    'POST /images/save': 'prepareSave',
    'GET /images/download': 'download',
  };

  /**
   * The page's image archives: the token as for the page; a POST must also come from our own
   * Origin (browsers send it on every POST), so another site cannot submit a form to it.
   */
  async function onTransfer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    route: keyof Omit<ImageTransfer, 'close'>,
  ): Promise<void> {
    const refuseBody = (status: number, reason: string) => {
      res.setHeader('Connection', 'close');
      refuse(res, status, reason);
      req.resume();
    };
    if (!tokenMatches(tokenFromUrl(url), token)) return refuseBody(403, 'missing or wrong token');
    if (req.method === 'POST' && !originAllowed(req.headers.origin, port))
      return refuseBody(403, `Origin must be http://127.0.0.1:${port} or http://localhost:${port}`);
    if (!transfer) return refuseBody(404, 'image load and save are not served by this server');
    await transfer[route](req, res, url);
  }

  async function onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port))
      return refuse(res, 403, `Host must be 127.0.0.1:${port} or localhost:${port}`);
    if (!req.url?.startsWith('/')) return refuse(res, 403, 'bad request target');
    const url = new URL(req.url, `http://${LISTEN_HOST}:${port}`);
    const route = transferRoutes[`${req.method} ${url.pathname}`];
    if (route && Object.hasOwn(transferRoutes, `${req.method} ${url.pathname}`))
      return onTransfer(req, res, url, route);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'Method not allowed: only GET and HEAD\n', { Allow: 'GET, HEAD' });
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!tokenMatches(tokenFromUrl(url), token))
        return refuse(res, 403, 'missing or wrong token; open the URL `cdesk serve` printed');
      const html = await fsp.readFile(path.join(root, 'index.html'));
      return send(res, 200, html, { 'Content-Type': 'text/html; charset=utf-8' });
    }
    if (url.pathname === '/ws') return send(res, 426, 'Upgrade required: /ws is a WebSocket\n');
    const r = await resolveStatic(root, url.pathname);
    if (!r.ok) return refuse(res, r.status, r.reason);
    const body = await fsp.readFile(r.file);
    // Assets carry a content hash in their names; revalidating is cheap on loopback.
    send(res, 200, body, { 'Content-Type': r.type, 'Cache-Control': 'no-cache' });
  }

  const idleMs = opts.preAuthIdleMs ?? PRE_AUTH_IDLE_MS;
  const maxPreAuth = opts.maxPreAuthConnections ?? MAX_PRE_AUTH_CONNECTIONS;
  // Node checks headersTimeout only every connectionsCheckingInterval (30 s by default), which let a
  // slow client live ~27 s instead of 10: check often enough to make the timeout real.
  const server = http.createServer(
    { connectionsCheckingInterval: Math.min(1000, idleMs / 2) },
    (req, res) => {
      onRequest(req, res).catch((err) => {
        logError('headless request failed', err);
        if (!res.headersSent) send(res, 500, 'Internal error\n');
        else res.destroy();
      });
    },
  );
  // Requests are tiny; slow or oversized ones are not ours.
  server.headersTimeout = idleMs;
  // Pages and assets have no body; the one request that does is an authenticated upload, which may
  // take minutes: a stalled one still ends on the socket's idle timeout below.
  server.requestTimeout = opts.transferDir ? 0 : 3 * idleMs;
  server.keepAliveTimeout = Math.min(5000, idleMs);
  server.maxHeadersCount = 64;

  /** Sockets not (yet) an authenticated WebSocket: capped in number, closed when idle. */
  const preAuth = new Set<Duplex>();
  /** Those with a request being answered (a page or asset on its way). */
  const answering = new WeakSet<Duplex>();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    answering.add(req.socket);
    res.once('close', () => answering.delete(req.socket));
  });
  server.on('connection', (sock: Socket) => {
    if (preAuth.size >= maxPreAuth) {
      // Full: the oldest connection with no request being answered makes room (the set keeps
      // arrival order). First come, first served would let anyone who holds 32 idle connections
      // keep the owner, who has the token, out; this way a newcomer always gets in.
      let victim: Duplex | undefined;
      for (const s of preAuth) {
        if (!answering.has(s)) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        sock.destroy();
        return;
      }
      preAuth.delete(victim);
      victim.destroy();
    }
    preAuth.add(sock);
    sock.setTimeout(idleMs, () => sock.destroy());
    sock.once('close', () => preAuth.delete(sock));
  });

  const refuseUpgrade = (socket: Duplex, status: 403 | 404, reason: string) => {
    const body = `${status === 403 ? 'Forbidden' : 'Not found'}: ${reason}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
        'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    if (!hostAllowed(req.headers.host, port))
      return refuseUpgrade(socket, 403, `Host must be 127.0.0.1:${port} or localhost:${port}`);
    const url = new URL(req.url ?? '/', `http://${LISTEN_HOST}:${port}`);
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found');
    if (!originAllowed(req.headers.origin, port))
      return refuseUpgrade(
        socket,
        403,
        `Origin must be http://127.0.0.1:${port} or http://localhost:${port}`,
      );
    if (!tokenMatches(tokenFromUrl(url), token))
      return refuseUpgrade(socket, 403, 'missing or wrong token');
    // Authenticated: no longer counted, and idle is normal for a page that just listens for events.
    preAuth.delete(socket);
    if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
    wss.handleUpgrade(req, socket, head, (ws) => bridge.accept(ws));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  try {
    await listen(server, port);
  } catch (err) {
    bridge.close();
    wss.close();
    throw err;
  }
  const addr = server.address();
  if (addr && typeof addr === 'object') port = addr.port;
  server.on('error', (err) => logError('headless server error', err));

  let closed: Promise<void> | null = null;
  return {
    port,
    token,
    url: `http://${LISTEN_HOST}:${port}/?token=${token}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        void transfer?.close();
        bridge.close();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
