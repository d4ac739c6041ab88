// A small client for containerd's gRPC API over the supervised socket: deadlines, namespace header, errors as InsideError.
import type * as grpc from '@grpc/grpc-js';
import { fromGrpc } from './errors';
import { GRPC_MAX_MESSAGE } from '../shared/limits';
import { loadApi, type ContainerdServices, type LoadedApi } from '../shared/proto';

export type ServiceName = keyof ContainerdServices;

/** Default deadline of one unary call: a healthy containerd answers in milliseconds. */
const DEFAULT_TIMEOUT_MS = 5_000;
/** containerd sends up to 16 MiB (its own default); grpc-js would stop at 4 MiB. */
const MAX_RECEIVE = GRPC_MAX_MESSAGE;

/**
 * Short reconnect backoff (grpc-js's 1 s → 120 s default kept calls failing for seconds after a
 * respawn) and no keepalive pings: containerd 1.6 answers short keepalives with GOAWAY
 * too_many_pings. A hung daemon is found by deadlines and the engine's liveness checks instead.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.initial_reconnect_backoff_ms': 250,
  'grpc.max_reconnect_backoff_ms': 1000,
  'grpc.max_receive_message_length': MAX_RECEIVE,
  'grpc.max_send_message_length': 4 * 1024 * 1024,
  'grpc.use_local_subchannel_pool': 1,
  'grpc.enable_retries': 0,
  'grpc.enable_channelz': 0,
};

export interface CallOptions {
  /** containerd namespace (the `containerd-namespace` header); omit for global services. */
  namespace?: string;
  timeoutMs?: number;
}

export interface StreamHandle {
  cancel(): void;
  /** Resolves when the stream ends cleanly, rejects with an InsideError otherwise (not on cancel). */
  done: Promise<void>;
}

type Unary = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;
type ServerStream = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;

/** One connection to one containerd socket; `reset()` drops it (after a respawn) so calls reconnect at once. */
export class ContainerdClient {
  readonly socket: string;
  private api: LoadedApi | null = null;
  private channel: grpc.Channel | null = null;
  private clients = new Map<ServiceName, grpc.Client>();
  private closed = false;

  constructor(socket: string) {
    if (!socket.startsWith('/'))
      throw new Error(`containerd socket must be an absolute path, got ${socket}`);
    this.socket = socket;
  }

  /** Load the definitions (first call only; ~40–200 ms). */
  async ready(): Promise<LoadedApi> {
    this.api ??= await loadApi();
    return this.api;
  }

  private client(api: LoadedApi, name: ServiceName): grpc.Client {
    if (this.closed) throw new Error('containerd client closed');
    let c = this.clients.get(name);
    if (!c) {
      // `unix:///abs` — a bare path would be taken as a DNS name, `unix://x` as a relative path.
      this.channel ??= new api.grpc.Channel(
        `unix://${this.socket}`,
        api.grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      );
      c = new api.services[name](`unix://${this.socket}`, api.grpc.credentials.createInsecure(), {
        ...CHANNEL_OPTIONS,
        channelOverride: this.channel,
      });
      this.clients.set(name, c);
    }
    return c;
  }

  private meta(api: LoadedApi, ns: string | undefined): grpc.Metadata {
    const md = new api.grpc.Metadata();
    if (ns) md.set('containerd-namespace', ns);
    return md;
  }

  /** One unary call with a deadline; rejects with an InsideError that says what to do. */
  async call<T>(
    service: ServiceName,
    method: string,
    req: object,
    o: CallOptions = {},
  ): Promise<T> {
    const api = await this.ready();
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const what = `${service}/${method}`;
    const fn = (this.client(api, service) as unknown as Record<string, Unary>)[method];
    if (typeof fn !== 'function')
      throw new Error(`no method ${what} in the containerd definitions`);
    return new Promise<T>((resolve, reject) => {
      fn.call(
        this.client(api, service),
        req,
        this.meta(api, o.namespace),
        { deadline: Date.now() + timeoutMs },
        (err, res) =>
          err ? reject(fromGrpc(err, what, this.socket, timeoutMs)) : resolve(res as T),
      );
    });
  }

  /**
   * A server stream. `timeoutMs` bounds the whole stream (reads); omit it for a subscription,
   * which ends when containerd goes away (a hung daemon is the engine's to detect).
   */
  async stream<T>(
    service: ServiceName,
    method: string,
    req: object,
    onData: (msg: T) => void,
    o: CallOptions = {},
  ): Promise<StreamHandle> {
    const api = await this.ready();
    const what = `${service}/${method}`;
    const fn = (this.client(api, service) as unknown as Record<string, ServerStream>)[method];
    if (typeof fn !== 'function')
      throw new Error(`no method ${what} in the containerd definitions`);
    const callOpts: grpc.CallOptions = o.timeoutMs ? { deadline: Date.now() + o.timeoutMs } : {};
    const call = fn.call(this.client(api, service), req, this.meta(api, o.namespace), callOpts);
    let cancelled = false;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: unknown) => {
        try {
          onData(m as T);
        } catch (err) {
          cancelled = true;
          call.cancel();
          reject(fromGrpc(err, what, this.socket, o.timeoutMs ?? 0));
        }
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (cancelled) resolve();
        else reject(fromGrpc(err, what, this.socket, o.timeoutMs ?? 0));
      });
      call.on('end', () => resolve());
    });
    return {
      cancel() {
        cancelled = true;
        call.cancel();
      },
      done,
    };
  }

  /** Collect a bounded server stream into an array (reads, not subscriptions). */
  async collect<T>(
    service: ServiceName,
    method: string,
    req: object,
    o: CallOptions & { maxItems?: number } = {},
  ): Promise<T[]> {
    const out: T[] = [];
    const max = o.maxItems ?? 100_000;
    const h = await this.stream<T>(
      service,
      method,
      req,
      (m) => {
        if (out.length >= max)
          throw new Error(`${service}/${method} returned more than ${max} messages`);
        out.push(m);
      },
      { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    await h.done;
    return out;
  }

  /** Drop the connection so the next call dials afresh (after a respawn: no inherited backoff). */
  reset(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.channel?.close();
    this.channel = null;
  }

  close(): void {
    this.reset();
    this.closed = true;
  }
}
