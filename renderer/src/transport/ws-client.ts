// ContractClient over a WebSocket to the headless server: the one envelope (common/rpc.ts) as JSON
// text frames, calls matched by the shared RpcCalls, reconnect with backoff.
import type { AnyEvent, ContractClient } from '../../../common/contract';
import {
  isStreamFrame,
  parseServerFrame,
  type ServerFrame,
  type StreamClient,
} from '../../../common/exec-stream';
import { asResult, RpcCalls } from '../../../common/rpc-client';
import { disconnectedError, type ConnectionAware, type ConnectionState } from './connection';

/** The subset of the browser WebSocket this client uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  socketFactory?: SocketFactory;
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs (±20 % jitter). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Asked after a connection fails before opening: a browser hides the upgrade's HTTP status, so
   * this tells a refused token (`refused`) from a server that is away (anything else).
   */
  checkAccess?: () => Promise<'ok' | 'refused' | 'unreachable'>;
}

const OPEN = 1;

export class WsClient implements ContractClient, ConnectionAware, StreamClient {
  private socket: SocketLike | null = null;
  private readonly calls = new RpcCalls();
  /** Frames of calls made while (re)connecting, sent once the socket opens. */
  private readonly unsent = new Map<number, string>();
  private readonly listeners = new Set<(e: AnyEvent) => void>();
  /** Open exec streams by request id: their frames bypass the call table. */
  private readonly streams = new Map<number | string, (f: ServerFrame) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly factory: SocketFactory;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly checkAccess: WsClientOptions['checkAccess'];

  constructor(
    private readonly url: string,
    opts: WsClientOptions = {},
  ) {
    this.factory = opts.socketFactory ?? ((u) => new WebSocket(u));
    this.initialBackoffMs = opts.initialBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.checkAccess = opts.checkAccess;
    this.connect();
  }

  invoke: ContractClient['invoke'] = (name, payload) => {
    if (this.disposed)
      return Promise.resolve({ ok: false, error: disconnectedError('client closed') });
    const call = this.calls.start(name, payload);
    if (call.frame !== null) {
      // Calls made while (re)connecting wait for the socket to open, or fail when it closes.
      if (this.socket && this.socket.readyState === OPEN) this.socket.send(call.frame);
      else this.unsent.set(call.id, call.frame);
    }
    return asResult(name, payload, call.result);
  };

  openStream: StreamClient['openStream'] = (cmd, payload, onFrame) => {
    const call = this.calls.start(cmd, payload);
    const socket = this.socket;
    // A stream lives on one connection: it is not queued for a reconnect.
    if (call.frame !== null) {
      if (this.disposed || !socket || socket.readyState !== OPEN)
        this.calls.fail(call.id, disconnectedError('not connected'));
      else {
        this.streams.set(call.id, onFrame);
        socket.send(call.frame);
      }
    }
    const result = call.result.then((r) => {
      if (!r.ok) this.streams.delete(call.id);
      return r;
    });
    return {
      result,
      send: (text) => {
        if (this.socket !== socket || !socket || socket.readyState !== OPEN) return false;
        socket.send(text);
        return true;
      },
    };
  };

  subscribe(listener: (e: AnyEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.connListeners.add(listener);
    listener(this.state);
    return () => this.connListeners.delete(listener);
  }

  /** Close for good: no reconnect; pending calls fail. */
  close(): void {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close(1000, 'client closed');
    }
    this.failAll('client closed');
    this.setState('closed');
  }

  private connect(): void {
    this.reconnectTimer = null;
    // A refused page stays refused while it retries, so the message does not flicker.
    if (this.state !== 'refused') this.setState('connecting');
    let s: SocketLike;
    try {
      s = this.factory(this.url);
    } catch (e) {
      this.onDrop(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = s;
    let opened = false;
    s.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState('open');
      for (const frame of this.unsent.values()) s.send(frame);
      this.unsent.clear();
    };
    s.onmessage = (ev) => this.receive(ev.data);
    s.onerror = () => {
      // A close event always follows; that is where calls fail and the reconnect starts.
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = null;
      this.onDrop(`socket closed, code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`);
      if (!opened) this.askWhyRefused();
    };
  }

  private askWhyRefused(): void {
    const check = this.checkAccess;
    if (!check) return;
    void check()
      .catch(() => 'unreachable' as const)
      .then((answer) => {
        if (this.disposed || this.state === 'open') return;
        if (answer === 'refused') this.setState('refused');
        else if (this.state === 'refused') this.setState('closed');
      });
  }

  private onDrop(detail: string): void {
    this.failAll(detail);
    if (this.state !== 'refused') this.setState('closed');
    if (this.disposed) return;
    const base = Math.min(this.initialBackoffMs * 2 ** this.attempt, this.maxBackoffMs);
    this.attempt++;
    const delay = base * (0.8 + Math.random() * 0.4);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private failAll(detail: string): void {
    this.unsent.clear();
    // Streams die with their connection: say so, so no terminal is left frozen.
    const open = [...this.streams];
    this.streams.clear();
    for (const [stream, onFrame] of open)
      onFrame({
        stream,
        op: 'end',
        end: { kind: 'cut-off', message: `the link to the app dropped (${detail})` },
      });
    this.calls.failAll(disconnectedError(detail));
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    if (isStreamFrame(data)) {
      const f = parseServerFrame(data);
      if (f) this.streams.get(f.stream)?.(f);
      if (f?.op === 'end') this.streams.delete(f.stream);
      return;
    }
    const e = this.calls.receive(data);
    if (e) for (const l of [...this.listeners]) l(e);
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of [...this.connListeners]) l(s);
  }
}
