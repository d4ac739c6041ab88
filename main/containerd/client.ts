// containerd's API on the daemon's channel: deadlines, namespace header, errors as InsideError.
import type {
  DaemonChannel,
  DuplexHandle,
  DuplexMethod,
  ServerStreamMethod,
  StreamHandle,
  UnaryMethod,
} from '../shared/daemon-channel';
import { fromGrpc } from './errors';

export type { StreamHandle } from '../shared/daemon-channel';

/** Default deadline of one unary call: a healthy containerd answers in milliseconds. */
const DEFAULT_TIMEOUT_MS = 5_000;

export interface CallOptions {
  /** containerd namespace (the `containerd-namespace` header); omit for global services. */
  namespace?: string;
  timeoutMs?: number;
  /** Lease holding what the call creates (content, snapshots) until the lease is deleted. */
  lease?: string;
  /** Cancels the call (it then fails with CANCELLED). */
  signal?: AbortSignal;
}

/** `/containerd.services.tasks.v1.Tasks/List` → `Tasks/List`, as errors name the call. */
function callName(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

/** Calls on one daemon's channel (the engine owns it and makes a new one per daemon). */
export class ContainerdClient {
  /** `where` names the socket in errors when the channel's own path is not the one to show (a forward's local end). */
  constructor(
    readonly channel: DaemonChannel,
    private readonly where?: string,
  ) {}

  get socket(): string {
    return this.where ?? this.channel.socket;
  }

  /** One unary call with a deadline; rejects with an InsideError that says what to do. */
  async call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    o: CallOptions = {},
  ): Promise<Res> {
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      return await this.channel.unary(method, request, {
        namespace: o.namespace,
        lease: o.lease,
        signal: o.signal,
        timeoutMs,
      });
    } catch (err) {
      throw fromGrpc(err, callName(method.path), this.socket, timeoutMs);
    }
  }

  /**
   * A server stream. `timeoutMs` bounds the whole stream (reads); omit it for a subscription,
   * which ends when containerd goes away (a hung daemon is the engine's to detect).
   */
  stream<Req, Res>(
    method: ServerStreamMethod<Req, Res>,
    request: Req,
    onData: (message: Res) => void,
    o: CallOptions = {},
  ): StreamHandle {
    const h = this.channel.serverStream(method, request, onData, {
      namespace: o.namespace,
      lease: o.lease,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
    });
    const what = callName(method.path);
    return {
      cancel: h.cancel,
      done: h.done.catch((err: unknown) => {
        throw fromGrpc(err, what, this.socket, o.timeoutMs ?? 0);
      }),
    };
  }

  /** Collect a bounded server stream into an array (reads, not subscriptions). */
  async collect<Req, Res>(
    method: ServerStreamMethod<Req, Res>,
    request: Req,
    o: CallOptions & { maxItems?: number } = {},
  ): Promise<Res[]> {
    const out: Res[] = [];
    const max = o.maxItems ?? 100_000;
    const h = this.stream(
      method,
      request,
      (m) => {
        if (out.length >= max)
          throw new Error(`${callName(method.path)} returned more than ${max} messages`);
        out.push(m);
      },
      { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS },
    );
    await h.done;
    return out;
  }

  /** A bidirectional stream (Content/Write); its errors are mapped like a unary call's. */
  duplex<Req, Res>(method: DuplexMethod<Req, Res>, o: CallOptions = {}): DuplexHandle<Req, Res> {
    const what = callName(method.path);
    const map = (err: unknown) => fromGrpc(err, what, this.socket, o.timeoutMs ?? 0);
    const h = this.channel.duplex(method, {
      namespace: o.namespace,
      lease: o.lease,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
    });
    return {
      send: (m) => h.send(m).catch((err: unknown) => Promise.reject(map(err))),
      next: () => h.next().catch((err: unknown) => Promise.reject(map(err))),
      end: h.end,
      cancel: h.cancel,
    };
  }
}
