// The contract over WebSocket frames (the one envelope of common/rpc.ts): requests to
// service.handle, every service event to every client, each frame bounded in bytes. No protocol
// hello here, unlike the control socket: the page is served by this same process, and its token
// is fresh at each start, so a page from another build cannot reach this socket.
import type { RawData, WebSocket } from 'ws';
import {
  encodeReply,
  MAX_EVENT_BYTES,
  MAX_REPLY_BYTES,
  parseRequest,
  rpcError,
  type RequestId,
} from '../../common/rpc';
import type { Result } from '../../common/contract';
import { EXEC_START, isStreamFrame } from '../../common/exec-stream';
import { LOCAL_FILE_COMMANDS, localOnly } from '../../common/containerd-commands';
import { answerOnce } from '../shared/app-error';
import { inBulkTurn } from '../shared/bulk-turn';
import { createExecHub } from '../service/exec-hub';
import type { Service } from '../service/service';
import {
  createEventOutbox,
  MAX_OUTBOX_BYTES,
  outFrames,
  type EventOutbox,
} from '../shared/event-outbox';
import { createRequestQueue, overflowFailure } from '../shared/request-queue';

export interface WsBridgeOptions {
  service: Service;
  /**
   * Event bytes a page may have waiting (default 8 MiB); past it the oldest log lines are dropped
   * with one marker line. A page is never disconnected for being slow.
   */
  maxQueuedBytes?: number;
  /** Bad frames (not JSON, no id…) a client may send before it is disconnected. */
  maxBadFrames?: number;
  maxReplyBytes?: number;
  maxEventBytes?: number;
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

export function createWsBridge(opts: WsBridgeOptions): WsBridge {
  const { service } = opts;
  const maxReply = opts.maxReplyBytes ?? MAX_REPLY_BYTES;
  const maxEvent = opts.maxEventBytes ?? MAX_EVENT_BYTES;
  const maxQueued = opts.maxQueuedBytes ?? MAX_OUTBOX_BYTES;
  const maxBad = opts.maxBadFrames ?? 100;
  const logError = opts.logError ?? ((m, e) => console.error(m, e));
  /** Each open socket and the events waiting for it. */
  const sockets = new Map<WebSocket, EventOutbox>();

  // Never throws: a failed send only ends that socket. True when the frame was queued (then
  // `written` runs once it is written out or the socket fails). Replies go one at a time (the next
  // only once this one is written) and events wait in the socket's outbox, so nothing here grows.
  const sendRaw = (ws: WebSocket, text: string | Buffer, written?: () => void): boolean => {
    if (ws.readyState !== OPEN) return false;
    try {
      // Text frames always (the page parses JSON), also when the JSON comes as UTF-8 bytes.
      ws.send(text, { binary: false }, written && (() => written()));
      return true;
    } catch (err) {
      logError('websocket send failed', err);
      ws.terminate();
      return false;
    }
  };

  // One subscription for all clients: each event is serialised once (split to fit a frame).
  const off = service.subscribe((e) => {
    if (sockets.size === 0) return;
    const frames = outFrames(e, maxEvent, (why) =>
      logError('websocket event dropped', new Error(why)),
    );
    for (const outbox of sockets.values()) outbox.push(frames);
  });

  function accept(ws: WebSocket): void {
    const outbox = createEventOutbox({
      write: (data, written) => void sendRaw(ws, data, written),
      buffered: () => ws.bufferedAmount,
      maxQueuedBytes: maxQueued,
      maxEventBytes: maxEvent,
    });
    sockets.set(ws, outbox);
    let bad = 0;
    const reply = (id: RequestId | null, cmd: string, result: Result<unknown>) =>
      sendRaw(ws, encodeReply(id, cmd, result, maxReply));
    const refuse = (id: RequestId | null, result: Result<unknown>) => {
      reply(id, '(request)', result);
      if (++bad > maxBad) ws.close(1008, 'too many bad requests');
    };
    // Resolves once the page has taken what it was sent (or is gone): only then is its next
    // request worth computing (a reply can be 8 MiB).
    const replyTaken = (id: RequestId, cmd: string, result: Result<unknown>) =>
      new Promise<void>((resolve) => {
        const done = () => {
          ws.off('close', done);
          outbox.pump();
          resolve();
        };
        ws.once('close', done);
        if (!sendRaw(ws, encodeReply(id, cmd, result, maxReply), done)) done();
      });
    // Exec streams (the page's terminals): their frames bypass the request queue.
    const execs = createExecHub({
      start: service.execStarter('websocket'),
      send: (text) => void sendRaw(ws, text),
      logError,
    });
    const answer = async (text: string) => {
      if (ws.readyState !== OPEN) return;
      const parsed = parseRequest(text);
      if (!parsed.ok) return refuse(parsed.reply.id, parsed.reply.result);
      const { id, cmd, payload } = parsed.req;
      if (cmd === EXEC_START) {
        const started = await execs.start(id, payload);
        await replyTaken(id, cmd, started.result);
        return started.opened();
      }
      if (LOCAL_FILE_COMMANDS.has(cmd)) return replyTaken(id, cmd, localOnly(cmd));
      // The reply is encoded and handed to the socket in the request's turn; waiting for the
      // page to take it is not (a page that never reads would hold everyone's turn).
      let taken = Promise.resolve();
      await inBulkTurn(cmd, async () => {
        const result = await answerOnce(
          () => service.handle(cmd, payload),
          (err) => logError('websocket request failed', err),
        );
        taken = replyTaken(id, cmd, result);
      });
      return taken;
    };
    const requests = createRequestQueue({
      answer,
      // A Stop waiting out its grace must not hold up the page's Kill, lists or log reads.
      concurrency: 4,
      onOverflow: (why) => {
        reply(
          null,
          '(request)',
          overflowFailure(
            why,
            'Wait for the replies before sending more requests, then reconnect.',
          ),
        );
        // A page that is not reading would keep the connection and its queue: no closing handshake.
        ws.terminate();
      },
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary)
        return refuse(null, {
          ok: false,
          error: rpcError(
            'bad-request',
            'binary frames are not accepted',
            'send one JSON text frame per request: {"id":1,"cmd":"daemon:status","payload":{}}',
          ),
        });
      const text = data.toString();
      if (isStreamFrame(text)) return execs.receive(text);
      requests.push(text);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      void execs.closeAll();
      requests.clear();
      outbox.dispose();
      sockets.delete(ws);
    });
  }

  return {
    accept,
    get clients() {
      return sockets.size;
    },
    close() {
      off();
      for (const [ws, outbox] of sockets) {
        outbox.dispose();
        ws.close(1001, 'server shutting down');
      }
      sockets.clear();
    },
  };
}
