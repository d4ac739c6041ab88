// The control socket (unix, 0600) the CLI talks to: a hello each way, then NDJSON requests to the
// service and pushed events.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import net from 'node:net';
import nodePath from 'node:path';
import type { AnyEvent } from '../../common/contract';
import {
  encodeReply,
  helloFrame,
  helloVersion,
  MAX_EVENT_BYTES,
  MAX_REPLY_BYTES,
  parseRequest,
  PROTOCOL_VERSION,
  protocolMismatch,
  rpcError,
  SUBSCRIBE,
  UNSUBSCRIBE,
  type RequestId,
  type RpcResponse,
} from '../../common/rpc';
import { EXEC_START, isStreamFrame } from '../../common/exec-stream';
import { AppError, answerOnce } from '../shared/app-error';
import { inBulkTurn } from '../shared/bulk-turn';
import { createExecHub } from '../service/exec-hub';
import { ensureControlDir } from './control-paths';
import { lineSplitter, MAX_LINE_BYTES } from './control-protocol';
import type { Service } from '../service/service';
import { MAX_SOCKET_PATH } from '../shared/limits';
import {
  createEventOutbox,
  MAX_OUTBOX_BYTES,
  outFrames,
  type EventOutbox,
  type OutFrame,
} from '../shared/event-outbox';
import { createRequestQueue, overflowFailure } from '../shared/request-queue';
import { socketAnswers } from '../shared/socket-probe';

export interface ControlServerOptions {
  path: string;
  service: Service;
  maxLineBytes?: number;
  /** Largest reply; a bigger answer becomes a reply-too-large error (default MAX_REPLY_BYTES). */
  maxReplyBytes?: number;
  /** Largest event line; log batches are split to fit (default MAX_EVENT_BYTES). */
  maxEventBytes?: number;
  /**
   * Event bytes a subscriber may have waiting (default 8 MiB); past it the oldest log lines are
   * dropped and one marker line says so. A follower is never disconnected for being slow.
   */
  maxQueuedBytes?: number;
  /** Connections open at once; one more is refused (each may hold a partial line and a backlog). */
  maxConnections?: number;
  /** The hello, and each request once begun, must arrive whole within this (ms). */
  lineTimeoutMs?: number;
  /** A connection with nothing in flight and no subscription is closed after this (ms). */
  idleTimeoutMs?: number;
  /** Reply bytes all connections together may leave unread (default MAX_UNREAD_REPLY_BYTES). */
  maxUnreadReplyBytes?: number;
  /** Idle or not reading this long (ms), a connection yields its place when all are taken. */
  reclaimAfterMs?: number;
  logError?: (message: string, err: unknown) => void;
}

export interface ControlServer {
  readonly path: string;
  /** Stop listening, drop clients, and remove the socket file if it is still ours. */
  close(): Promise<void>;
}

/** Defaults of the per-connection bounds above. */
export const MAX_CONTROL_CONNECTIONS = 64;
export const CONTROL_LINE_TIMEOUT_MS = 10_000;
export const CONTROL_IDLE_TIMEOUT_MS = 5 * 60_000;
/**
 * Reply bytes all peers together may leave unread; past it the connection that stopped reading
 * first is closed. (Each reply is bounded and a peer gets its next only once it read the last,
 * but 64 peers that never read would otherwise pin 64 whole replies.)
 */
export const MAX_UNREAD_REPLY_BYTES = 64 * 1024 * 1024;
/** A connection idle (or not reading) this long gives its place up to a new one when all are taken. */
export const RECLAIM_AFTER_MS = 250;
/** How long a connection that found every place taken waits for one before it is refused. */
export const ARRIVAL_WAIT_MS = 2000;

const IN_USE_HINT =
  'Another Containerd Desktop is running and owns this socket: use it (cdesk status), quit it, or pass another --control path.';

function listenOnce(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // A 0177 umask makes the socket 0600 from the moment it exists.
    // (Worker threads cannot change the umask; the socket is then chmod-ed before it is published.)
    let old: number | null;
    try {
      old = process.umask(0o177);
    } catch {
      old = null;
    }
    try {
      server.listen(path);
    } finally {
      if (old !== null) process.umask(old);
    }
  });
}

/**
 * Publish the listening socket `tmp` at `path` with link(2), which fails if `path` exists: two
 * instances can never both win, and a live instance's socket is never replaced.
 */
async function publish(tmp: string, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fsp.link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new AppError(
          'control-listen',
          `cannot create the control socket ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          'Check that its folder is writable by you, or pass another --control path.',
          { cause: err },
        );
      }
    }
    const st = await fsp.lstat(path).catch(() => null);
    if (st && !st.isSocket()) {
      throw new AppError(
        'control-path-taken',
        `the control socket path ${path} exists and is not a socket`,
        'Move that file away or pass another --control path.',
      );
    }
    if (attempt > 0 || (st && (await socketAnswers(path, 1000, true)))) {
      throw new AppError('control-in-use', `the control socket ${path} is in use`, IN_USE_HINT);
    }
    // Nothing answers: a leftover from a crashed instance. Reclaim it.
    await fsp.rm(path, { force: true });
  }
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { path, service } = opts;
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const maxReply = opts.maxReplyBytes ?? MAX_REPLY_BYTES;
  const maxEvent = opts.maxEventBytes ?? MAX_EVENT_BYTES;
  const maxQueued = opts.maxQueuedBytes ?? MAX_OUTBOX_BYTES;
  const maxConns = opts.maxConnections ?? MAX_CONTROL_CONNECTIONS;
  const lineTimeout = opts.lineTimeoutMs ?? CONTROL_LINE_TIMEOUT_MS;
  const idleTimeout = opts.idleTimeoutMs ?? CONTROL_IDLE_TIMEOUT_MS;
  const maxUnread = opts.maxUnreadReplyBytes ?? MAX_UNREAD_REPLY_BYTES;
  const reclaimAfter = opts.reclaimAfterMs ?? RECLAIM_AFTER_MS;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  // The temporary name is as long as the folder plus 14 bytes; both must fit.
  if (
    Buffer.byteLength(path) > MAX_SOCKET_PATH ||
    Buffer.byteLength(nodePath.dirname(path)) + 14 > MAX_SOCKET_PATH
  ) {
    throw new AppError(
      'control-path-too-long',
      `the control socket path ${path} is ${Buffer.byteLength(path)} bytes; unix sockets allow ${MAX_SOCKET_PATH}`,
      'Pass a shorter --control path (or set XDG_RUNTIME_DIR to a shorter folder).',
    );
  }
  await ensureControlDir(path);
  const conns = new Set<net.Socket>();
  const server = net.createServer((sock) => serve(sock));
  // Listen on a private temporary name, fix its mode, then publish it under the real name. Node
  // unlinks the *listening* name on close, so closing never removes a socket another instance owns.
  const tmp = nodePath.join(nodePath.dirname(path), `.${randomBytes(4).toString('hex')}.sock`);
  let ours: Stats;
  try {
    await listenOnce(server, tmp).catch((err: NodeJS.ErrnoException) => {
      throw new AppError(
        'control-listen',
        `cannot listen on the control socket ${path}: ${err.code ?? err.message}`,
        'Check that its folder is writable by you, or pass another --control path.',
        { cause: err },
      );
    });
    await fsp.chmod(tmp, 0o600);
    await publish(tmp, path);
    ours = await fsp.lstat(path);
    await fsp.rm(tmp, { force: true });
  } catch (err) {
    await new Promise((resolve) => server.close(resolve));
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  server.on('error', (err) => logError('control socket error', err));

  /** Connections that asked for events; each event is encoded once for all of them. */
  const subscribers = new Set<EventOutbox>();
  let offEvents: (() => void) | null = null;
  const onEvent = (e: AnyEvent) => {
    const frames: OutFrame[] = outFrames(e, maxEvent, (why) =>
      logError('control socket event dropped', new Error(why)),
    );
    for (const outbox of [...subscribers]) outbox.push(frames);
  };

  /**
   * Connections waiting for nothing or for their peer to read, oldest first, with since when:
   * the ones that give way when places or memory run out, so that holding connections open and
   * never reading locks no one else out.
   */
  const idleSince = new Map<net.Socket, number>();
  /** Connections whose peer has a reply it does not read. */
  const notReading = new Set<net.Socket>();

  /** Connections waiting for their turn at a big read, with since when (they may give way too). */
  const queuedSince = new Map<net.Socket, number>();

  /**
   * Close one connection to make a place: one whose peer is not reading what it was sent (the
   * earliest), else the one idle or queued the longest if that was long enough.
   */
  function reclaimOne(): boolean {
    let oldest: net.Socket | null = null;
    for (const sock of notReading) {
      oldest = sock;
      break;
    }
    let since = performance.now() - reclaimAfter;
    // Maps keep insertion order: the first entry of each is its oldest.
    for (const map of oldest ? [] : [idleSince, queuedSince]) {
      for (const [sock, t] of map) {
        if (t <= since) [oldest, since] = [sock, t];
        break;
      }
    }
    if (!oldest) return false;
    idleSince.delete(oldest);
    queuedSince.delete(oldest);
    notReading.delete(oldest);
    conns.delete(oldest);
    oldest.destroy();
    return true;
  }

  /** Close peers that stopped reading, the earliest first, until their unread replies fit. */
  function boundUnread(): void {
    let unread = 0;
    for (const sock of notReading) unread += sock.writableLength;
    for (const sock of [...notReading]) {
      if (unread <= maxUnread) return;
      unread -= sock.writableLength;
      notReading.delete(sock);
      sock.destroy();
    }
  }

  /** Connections that arrived when every place was taken, waiting (briefly) for one. */
  const arrivals: { sock: net.Socket; deadline: number }[] = [];
  let admitTimer: NodeJS.Timeout | null = null;

  function refuse(sock: net.Socket): void {
    // Told as the answer to its hello, so cdesk prints it.
    sock.end(
      `${encodeReply(null, '(hello)', {
        ok: false,
        error: rpcError(
          'busy',
          `the app already has ${maxConns} control connections open, none idle; this one is closed`,
          'Stop other cdesk commands that follow (cdesk daemon logs -f, cdesk logs -f, cdesk events), then try again.',
        ),
      })}\n`,
    );
    setTimeout(() => sock.destroy(), 1000).unref();
  }

  /** Give free (or reclaimed) places to waiting arrivals, oldest first; refuse the expired. */
  function admit(): void {
    if (admitTimer) clearTimeout(admitTimer);
    admitTimer = null;
    const now = performance.now();
    while (arrivals.length > 0) {
      const { sock, deadline } = arrivals[0]!;
      if (sock.destroyed) arrivals.shift();
      else if (conns.size < maxConns || reclaimOne()) serve(arrivals.shift()!.sock);
      else if (deadline <= now) refuse(arrivals.shift()!.sock);
      else break;
    }
    // Idle connections become reclaimable with time: look again soon.
    if (arrivals.length > 0) {
      admitTimer = setTimeout(admit, Math.max(10, reclaimAfter / 4));
      admitTimer.unref();
    }
  }

  function serve(sock: net.Socket): void {
    sock.on('error', () => undefined);
    if (conns.size >= maxConns && !reclaimOne()) {
      // A crowd's first moments: nobody has been idle long enough to give way yet. Its data
      // waits in the socket unread meanwhile; the arrivals are as bounded as the places.
      if (arrivals.length >= maxConns) return refuse(sock);
      arrivals.push({ sock, deadline: performance.now() + ARRIVAL_WAIT_MS });
      if (!admitTimer) admit();
      return;
    }
    conns.add(sock);
    // Handlers whose work lasts only while its sender is there watch this: a pull or a load is
    // cancelled, an attached run --rm's container is left to the app, once the connection closes.
    const closed = new AbortController();
    const caller = { gone: closed.signal };
    let subscribed: EventOutbox | null = null;
    let greeted = false;
    // Never throws: a failed write only ends this connection.
    // Replies are bounded without a check here: one at a time, the next only once this is read.
    const send = (text: string, written?: () => void) => {
      if (sock.destroyed || !sock.writable) return;
      try {
        sock.write(`${text}\n`, written);
      } catch (err) {
        logError('control socket write failed', err);
        sock.destroy();
      }
    };
    const reply = (id: RequestId | null, cmd: string, result: RpcResponse['result']) =>
      send(encodeReply(id, cmd, result, maxReply));
    const unsubscribe = () => {
      if (subscribed) {
        subscribers.delete(subscribed);
        subscribed.dispose();
      }
      subscribed = null;
      if (subscribers.size === 0 && offEvents) {
        offEvents();
        offEvents = null;
      }
    };
    // The peer has read what it was sent, or the connection is gone: only then is its next
    // request worth computing (a reply can be 8 MiB).
    // Waiting for the peer to read a reply: as idle as waiting for nothing (it holds the reply).
    let stalled = false;
    const drained = () =>
      sock.destroyed || !sock.writableNeedDrain
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            stalled = true;
            notReading.add(sock);
            refreshTimer();
            boundUnread();
            const done = () => {
              sock.off('drain', done);
              sock.off('close', done);
              stalled = false;
              notReading.delete(sock);
              refreshTimer();
              resolve();
            };
            sock.on('drain', done);
            sock.on('close', done);
          });
    // Exec streams: their frames bypass the request queue (a shell may run for hours).
    const execs = createExecHub({
      start: service.execStarter('control socket'),
      send: (text) => send(text),
      logError,
      onSizeChange: () => refreshTimer(),
    });
    const answer = async (line: string) => {
      if (sock.destroyed) return;
      const parsed = parseRequest(line);
      if (!parsed.ok) {
        send(encodeReply(parsed.reply.id, '(request)', parsed.reply.result));
        return drained();
      }
      const { id, cmd, payload } = parsed.req;
      if (cmd === SUBSCRIBE) {
        if (!subscribed) {
          // Events wait here, not in the socket, so a slow follower loses old lines, not memory.
          subscribed = createEventOutbox({
            write: (data, written) => {
              if (sock.destroyed || !sock.writable) return;
              sock.write(data);
              sock.write('\n', written);
            },
            buffered: () => sock.writableLength,
            maxQueuedBytes: maxQueued,
            maxEventBytes: maxEvent,
          });
          subscribers.add(subscribed);
          offEvents ??= service.subscribe(onEvent);
        }
        reply(id, cmd, { ok: true, value: { subscribed: true } });
      } else if (cmd === EXEC_START) {
        const started = await execs.start(id, payload);
        if (sock.destroyed) return;
        reply(id, cmd, started.result);
        started.opened();
      } else if (cmd === UNSUBSCRIBE) {
        unsubscribe();
        reply(id, cmd, { ok: true, value: { subscribed: false } });
      } else {
        await inBulkTurn(
          cmd,
          async () => {
            const result = await answerOnce(
              () => service.handle(cmd, payload, caller),
              (err) => logError('control request failed', err),
            );
            if (!sock.destroyed) reply(id, cmd, result);
          },
          (waiting) =>
            waiting ? queuedSince.set(sock, performance.now()) : queuedSince.delete(sock),
        );
      }
      return drained();
    };
    const requests = createRequestQueue({
      answer,
      onIdle: () => refreshTimer(),
      onOverflow: (why) => {
        reply(
          null,
          '(request)',
          overflowFailure(why, 'Read the replies before sending more requests, then reconnect.'),
        );
        // A peer that is not reading would keep a half-closed connection and its queue forever.
        if (sock.writableNeedDrain) sock.destroy();
        else sock.destroySoon();
      },
    });
    const onLine = (line: string) => {
      if (line.trim() === '' || sock.destroyed || !sock.writable) return;
      if (!greeted) {
        const theirs = helloVersion(line);
        if (theirs === PROTOCOL_VERSION) {
          greeted = true;
          return send(helloFrame());
        }
        // id null: a client from before versions fails every pending call with it and prints it.
        const code = theirs === 0 ? 'bad-request' : 'protocol-mismatch';
        send(
          encodeReply(null, '(hello)', {
            ok: false,
            error: protocolMismatch(theirs, PROTOCOL_VERSION, code),
          }),
        );
        sock.end();
        return;
      }
      if (isStreamFrame(line)) return execs.receive(line);
      requests.push(line);
    };
    // Memory held per connection is bounded in bytes, and time bounds how long it is held: a
    // line (or the hello) must arrive whole soon after it begins, and a connection that waits for
    // nothing is closed. A subscriber may be quiet for hours.
    let partial = false;
    let lineDone = false;
    let timer: NodeJS.Timeout | null = null;
    let timerKind: 'line' | 'idle' | null = null;
    const clearTimer = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      timerKind = null;
    };
    const refreshTimer = () => {
      if (sock.destroyed || !sock.writable) return clearTimer();
      const want =
        !greeted || partial
          ? 'line'
          : subscribed || execs.size > 0 || (!requests.idle && !stalled)
            ? null
            : ('idle' as const);
      const restart = want === 'line' && lineDone;
      lineDone = false;
      if (want !== 'idle') idleSince.delete(sock);
      else if (!idleSince.has(sock)) idleSince.set(sock, performance.now());
      if (want === timerKind && !restart) return;
      clearTimer();
      if (!want) return;
      timerKind = want;
      timer = setTimeout(
        () => {
          // A peer that stopped reading would never let end() finish.
          if (want === 'idle') return void (sock.writableNeedDrain ? sock.destroy() : sock.end());
          reply(null, '(request)', {
            ok: false,
            error: rpcError(
              'bad-request',
              `no complete ${greeted ? 'request' : 'hello'} line within ${lineTimeout} ms; connection closed`,
              'Send each request as one whole JSON line, then reconnect.',
            ),
          });
          // end() lets the reply out before the close; a peer that never reads is cut a little later.
          sock.end();
          setTimeout(() => sock.destroy(), 1000).unref();
        },
        want === 'line' ? lineTimeout : idleTimeout,
      );
      timer.unref();
    };
    const onOverflow = () => {
      reply(null, '(request)', {
        ok: false,
        error: rpcError(
          'request-too-large',
          `request line longer than ${maxLine} bytes; connection closed`,
          'Send smaller requests (one JSON object per line), then reconnect.',
        ),
      });
      sock.destroySoon();
    };
    const split = lineSplitter(
      (line) => {
        lineDone = true;
        onLine(line);
      },
      onOverflow,
      maxLine,
    );
    sock.on('drain', () => subscribed?.pump());
    sock.on('data', (chunk: Buffer) => {
      split(chunk);
      if (chunk.length > 0) partial = chunk[chunk.length - 1] !== 10;
      refreshTimer();
    });
    refreshTimer();
    sock.on('close', () => {
      closed.abort();
      idleSince.delete(sock);
      queuedSince.delete(sock);
      if (arrivals.length > 0) setImmediate(admit);
      notReading.delete(sock);
      clearTimer();
      requests.clear();
      unsubscribe();
      void execs.closeAll();
      conns.delete(sock);
    });
  }

  return {
    path,
    async close() {
      offEvents?.();
      offEvents = null;
      subscribers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const sock of conns) sock.destroy();
      if (admitTimer) clearTimeout(admitTimer);
      for (const { sock } of arrivals.splice(0)) sock.destroy();
      await closed;
      // Only remove the file if it is still the one we bound (a later instance may have reclaimed it).
      const st = await fsp.lstat(path).catch(() => null);
      if (st && st.ino === ours.ino && st.dev === ours.dev) await fsp.rm(path, { force: true });
    },
  };
}
