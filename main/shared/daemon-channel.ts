// One gRPC connection to one containerd (its unix socket) that health, version and the API share,
// as containerd's own Go client does. Calls take the generated method definitions (./api).
import { Client, credentials, Metadata, status, type ChannelOptions } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { GRPC_MAX_MESSAGE } from './limits';

/** A generated unary method definition (e.g. `TasksService.list`). */
export interface UnaryMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** A generated server-streaming method definition (e.g. `EventsService.subscribe`). */
export interface ServerStreamMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: true;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

/** A generated bidirectional-streaming method definition (e.g. `ContentService.write`). */
export interface DuplexMethod<Req, Res> {
  readonly path: string;
  readonly requestStream: true;
  readonly responseStream: true;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(value: Buffer): Res;
}

export interface ChannelCallOptions {
  /** containerd namespace (the `containerd-namespace` header); omit for global services. */
  namespace?: string;
  /** Lease id (the `containerd-lease` header): what the call creates is held by that lease. */
  lease?: string;
  /** Deadline of the call (a stream: of the whole stream); none when omitted. */
  timeoutMs?: number;
  /** Cancels the call: it then fails with CANCELLED. */
  signal?: AbortSignal;
}

export interface StreamHandle {
  cancel(): void;
  /** Resolves when the stream ends (or is cancelled); rejects with the call's ServiceError. */
  done: Promise<void>;
}

/**
 * Short reconnect backoff (grpc-js's 1 s → 120 s default kept calls failing for seconds after a
 * respawn) and no keepalive pings: containerd 1.6 answers short keepalives with GOAWAY
 * too_many_pings. A hung daemon is found by deadlines and the engine's liveness checks instead.
 * containerd sends up to 16 MiB (its own default); grpc-js alone would stop at 4 MiB.
 */
const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.max_receive_message_length': GRPC_MAX_MESSAGE,
  'grpc.max_send_message_length': GRPC_MAX_MESSAGE,
  'grpc.use_local_subchannel_pool': 1,
  'grpc.enable_retries': 0,
  'grpc.enable_channelz': 0,
};

/** A failed call's error as grpc-js gives it (a code and details), as opposed to any other throw. */
export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && typeof (err as ServiceError).code === 'number';
}

/** The error a call on a closed channel fails with (shaped like grpc-js's own). */
function closedError(path: string): ServiceError {
  return Object.assign(new Error(`${path}: the connection to containerd was closed`), {
    code: status.CANCELLED,
    details: 'the connection to containerd was closed',
    metadata: new Metadata(),
  });
}

export interface DuplexHandle<Req, Res> {
  send(message: Req): Promise<void>;
  next(): Promise<Res | null>;
  end(): void;
  cancel(): void;
}

/** One connection per daemon; `reset()` redials (no inherited backoff), `close()` ends it for good. */
export class DaemonChannel {
  readonly socket: string;
  private client: Client | null = null;
  private closed = false;
  /** Calls in flight: closing a grpc-js channel does not end them, reset() and close() do. */
  private readonly calls = new Set<{ cancel(): void }>();

  constructor(socket: string) {
    if (!socket.startsWith('/'))
      throw new Error(`containerd socket must be an absolute path, got ${socket}`);
    this.socket = socket;
  }

  private connection(): Client {
    // `unix:///abs`: a bare path would be taken as a DNS name, `unix://x` as a relative path.
    this.client ??= new Client(
      `unix://${this.socket}`,
      credentials.createInsecure(),
      CHANNEL_OPTIONS,
    );
    return this.client;
  }

  private static metadata(o: ChannelCallOptions): Metadata {
    const md = new Metadata();
    if (o.namespace) md.set('containerd-namespace', o.namespace);
    if (o.lease) md.set('containerd-lease', o.lease);
    return md;
  }

  /** What every grpc-js call takes first: path, codecs, request, namespace header, deadline. */
  private static callArgs<Req, Res>(
    method: UnaryMethod<Req, Res> | ServerStreamMethod<Req, Res>,
    request: Req,
    o: ChannelCallOptions,
  ) {
    const md = DaemonChannel.metadata(o);
    return [
      method.path,
      (v: Req) => method.requestSerialize(v),
      (b: Buffer) => method.responseDeserialize(b),
      request,
      md,
      o.timeoutMs === undefined ? {} : { deadline: Date.now() + o.timeoutMs },
    ] as const;
  }

  /** One unary call; rejects with the call's ServiceError (code, details). */
  unary<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    o: ChannelCallOptions = {},
  ): Promise<Res> {
    if (this.closed) return Promise.reject(closedError(method.path));
    if (o.signal?.aborted) return Promise.reject(closedError(method.path));
    return new Promise<Res>((resolve, reject) => {
      const call = this.connection().makeUnaryRequest(
        ...DaemonChannel.callArgs(method, request, o),
        (err, res) => {
          this.calls.delete(call);
          o.signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve(res as Res);
        },
      );
      this.calls.add(call);
      const onAbort = () => call.cancel();
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A server stream: `onData` gets each message; a throw from it cancels the stream and rejects
   * `done` with that error. Cancelling resolves `done`.
   */
  serverStream<Req, Res>(
    method: ServerStreamMethod<Req, Res>,
    request: Req,
    onData: (message: Res) => void,
    o: ChannelCallOptions = {},
  ): StreamHandle {
    if (this.closed)
      return { cancel: () => undefined, done: Promise.reject(closedError(method.path)) };
    const call = this.connection().makeServerStreamRequest(
      ...DaemonChannel.callArgs(method, request, o),
    );
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      call.cancel();
    };
    this.calls.add(call);
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: Res) => {
        if (cancelled) return;
        try {
          onData(m);
        } catch (err) {
          cancel();
          reject(err);
        }
      });
      call.on('error', (err: ServiceError) => (cancelled ? resolve() : reject(err)));
      call.on('end', () => resolve());
    });
    o.signal?.addEventListener('abort', cancel, { once: true });
    void done.then(
      () => this.calls.delete(call),
      () => this.calls.delete(call),
    );
    return { cancel, done };
  }

  /**
   * A bidirectional stream: `send` writes one message (resolves once grpc-js took it, so a
   * writer waits for flow control), `next` reads the next answer (null once the server ended),
   * `end` half-closes. Errors (and `cancel`, the signal) reject the pending and later calls.
   */
  duplex<Req, Res>(
    method: DuplexMethod<Req, Res>,
    o: ChannelCallOptions = {},
  ): DuplexHandle<Req, Res> {
    if (this.closed) throw closedError(method.path);
    const call = this.connection().makeBidiStreamRequest(
      method.path,
      (v: Req) => method.requestSerialize(v),
      (b: Buffer) => method.responseDeserialize(b),
      DaemonChannel.metadata(o),
      o.timeoutMs === undefined ? {} : { deadline: Date.now() + o.timeoutMs },
    );
    this.calls.add(call);
    const queue: Res[] = [];
    let failure: unknown = null;
    let ended = false;
    let waiter: { resolve: (m: Res | null) => void; reject: (e: unknown) => void } | null = null;
    // A write's callback may never come once the call has failed (the server ended it with an
    // error, e.g. its disk is full, or it was cancelled): such sends fail with the call.
    const sending = new Set<(err: unknown) => void>();
    const settle = () => {
      if (failure) for (const fail of [...sending]) fail(failure);
      if (!waiter) return;
      const w = waiter;
      if (queue.length) {
        waiter = null;
        w.resolve(queue.shift()!);
      } else if (failure) {
        waiter = null;
        w.reject(failure);
      } else if (ended) {
        waiter = null;
        w.resolve(null);
      }
    };
    const finish = () => this.calls.delete(call);
    call.on('data', (m: Res) => {
      queue.push(m);
      settle();
    });
    call.on('error', (err: unknown) => {
      failure ??= err;
      finish();
      settle();
    });
    call.on('end', () => {
      ended = true;
      finish();
      settle();
    });
    const cancel = () => {
      failure ??= closedError(method.path);
      call.cancel();
      settle();
    };
    o.signal?.addEventListener('abort', cancel, { once: true });
    return {
      send: (m: Req) =>
        new Promise<void>((resolve, reject) => {
          if (failure) return reject(failure);
          const fail = (err: unknown) => {
            sending.delete(fail);
            reject(err);
          };
          sending.add(fail);
          call.write(m, (err?: unknown) => {
            sending.delete(fail);
            if (err) reject(err);
            else resolve();
          });
        }),
      next: () =>
        new Promise<Res | null>((resolve, reject) => {
          if (waiter) return reject(new Error(`${method.path}: next() while a read is pending`));
          waiter = { resolve, reject };
          settle();
        }),
      end: () => call.end(),
      cancel,
    };
  }

  /**
   * Work done for this channel over another connection (the pulls' thread dials its own) ends
   * with it: reset() and close() call `cancel` as they cancel the calls in flight. Returns the
   * undo, for when that work is done.
   */
  track(work: { cancel(): void }): () => void {
    if (this.closed) {
      work.cancel();
      return () => undefined;
    }
    this.calls.add(work);
    return () => this.calls.delete(work);
  }

  /** Drops the connection (calls in flight fail with CANCELLED); the next call dials afresh. */
  reset(): void {
    for (const call of [...this.calls]) call.cancel();
    this.calls.clear();
    this.client?.close();
    this.client = null;
  }

  close(): void {
    this.closed = true;
    this.reset();
  }
}
