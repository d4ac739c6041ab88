// One connection's requests, answered one at a time in arrival order, with a bounded backlog: a
// client that pipelines (and perhaps never reads) gets its turn, never everyone else's.

import type { Result } from '../../common/contract';
import { failure } from '../../common/rpc';

/** The last answer a connection gets when its backlog overflowed: why, and what to do instead. */
export function overflowFailure(why: string, hint: string): Result<never> {
  return failure('bad-request', `${why}; connection closed`, hint);
}

/** Requests a connection may have waiting behind the one being answered. */
export const MAX_PENDING_REQUESTS = 32;
/** Bytes of request text a connection may have waiting. */
export const MAX_PENDING_REQUEST_BYTES = 2 * 1024 * 1024;

export interface RequestQueueOptions {
  /**
   * Answer one request; resolves once the reply is handed to the transport and the peer has taken
   * what it was sent before (so a peer that does not read gets no further replies computed).
   */
  answer: (text: string) => Promise<void>;
  /** The backlog went over its bound: the caller closes the connection. */
  onOverflow: (why: string) => void;
  /** Called each time the last waiting request has been answered. */
  onIdle?: () => void;
  maxPending?: number;
  maxPendingBytes?: number;
  /**
   * Requests answered at once (default 1: strictly one after another). A window needs more: a
   * container's Stop may wait out a 10 s grace, and the Kill that escalates it (or any list)
   * must not queue behind it.
   */
  concurrency?: number;
}

export interface RequestQueue {
  push(text: string): void;
  /** Drop what waits (the connection closed). */
  clear(): void;
  /** Nothing is being answered or waits. */
  readonly idle: boolean;
}

export function createRequestQueue(opts: RequestQueueOptions): RequestQueue {
  const maxPending = opts.maxPending ?? MAX_PENDING_REQUESTS;
  const maxBytes = opts.maxPendingBytes ?? MAX_PENDING_REQUEST_BYTES;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const waiting: string[] = [];
  let bytes = 0;
  let running = 0;
  let closed = false;
  let scheduled = false;

  // Answering starts after the current chunk of input has been split into requests: a burst that
  // overflows the backlog is refused before any of it is computed (a 4 MiB log read is not cheap).
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      pump();
    });
  }

  function pump(): void {
    while (!closed && running < concurrency && waiting.length > 0) {
      const text = waiting.shift()!;
      bytes -= Buffer.byteLength(text);
      running++;
      void opts
        .answer(text)
        .catch(() => undefined)
        // Let other connections' requests and timers run between two of this one's.
        .then(() => new Promise((r) => setImmediate(r)))
        .then(() => {
          running--;
          if (!closed && running === 0 && waiting.length === 0) opts.onIdle?.();
          pump();
        });
    }
  }

  return {
    push(text) {
      if (closed) return;
      const size = Buffer.byteLength(text);
      if (waiting.length >= maxPending || bytes + size > maxBytes) {
        closed = true;
        waiting.length = 0;
        opts.onOverflow(
          `more than ${maxPending} requests or ${maxBytes} bytes of requests waiting on one connection`,
        );
        return;
      }
      waiting.push(text);
      bytes += size;
      schedule();
    },
    clear() {
      closed = true;
      waiting.length = 0;
    },
    get idle() {
      return running === 0 && waiting.length === 0;
    },
  };
}
