// ContractClient over a WebSocket to the headless server: JSON frames, reconnect with backoff.
//
// Frames (one JSON object per WebSocket text message):
//   client → server  {"id": <int>, "cmd": <CommandName>, "payload": <object>}
//   server → client  {"id": <int>, "result": {"ok": true, "value": …} | {"ok": false, "error": {…}}}
//   server → client  {"event": <EventName>, "payload": <EventPayloads[event]>}
import type {
  AnyEvent,
  CommandName,
  CommandPayload,
  CommandResults,
  ContractClient,
  Result,
} from '../../../common/contract';
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
}

type Pending = {
  name: CommandName;
  resolve: (r: Result<unknown>) => void;
  frame: string;
  sent: boolean;
};

const OPEN = 1;

export class WsClient implements ContractClient, ConnectionAware {
  private socket: SocketLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: AnyEvent) => void>();
  private readonly connListeners = new Set<(s: ConnectionState) => void>();
  private state: ConnectionState = 'connecting';
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  private readonly factory: SocketFactory;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly url: string,
    opts: WsClientOptions = {},
  ) {
    this.factory = opts.socketFactory ?? ((u) => new WebSocket(u));
    this.initialBackoffMs = opts.initialBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.connect();
  }

  invoke<C extends CommandName>(
    name: C,
    payload: CommandPayload<C>,
  ): Promise<Result<CommandResults[C]>> {
    return new Promise((resolve) => {
      if (this.disposed) {
        resolve({ ok: false, error: disconnectedError('client closed') });
        return;
      }
      const id = this.nextId++;
      const frame = JSON.stringify({ id, cmd: name, payload });
      const p: Pending = { name, resolve: resolve as Pending['resolve'], frame, sent: false };
      this.pending.set(id, p);
      // Calls made while (re)connecting wait for the socket to open, or fail when it closes.
      if (this.socket && this.socket.readyState === OPEN) this.send(p);
    });
  }

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
    this.setState('connecting');
    let s: SocketLike;
    try {
      s = this.factory(this.url);
    } catch (e) {
      this.onDrop(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = s;
    s.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const p of this.pending.values()) if (!p.sent) this.send(p);
    };
    s.onmessage = (ev) => this.receive(ev.data);
    s.onerror = () => {
      // A close event always follows; that is where calls fail and the reconnect starts.
    };
    s.onclose = (ev) => {
      if (this.socket !== s) return;
      this.socket = null;
      this.onDrop(`socket closed, code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''}`);
    };
  }

  private onDrop(detail: string): void {
    this.failAll(detail);
    this.setState('closed');
    if (this.disposed) return;
    const base = Math.min(this.initialBackoffMs * 2 ** this.attempt, this.maxBackoffMs);
    this.attempt++;
    const delay = base * (0.8 + Math.random() * 0.4);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private send(p: Pending): void {
    p.sent = true;
    this.socket?.send(p.frame);
  }

  private failAll(detail: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.resolve({ ok: false, error: disconnectedError(detail) });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { id?: unknown; result?: unknown; event?: unknown; payload?: unknown };
    if (typeof m.id === 'number' && typeof m.result === 'object' && m.result !== null) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.resolve(m.result as Result<unknown>);
      return;
    }
    if (typeof m.event === 'string') {
      const e = { event: m.event, payload: m.payload } as AnyEvent;
      for (const l of [...this.listeners]) l(e);
    }
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of [...this.connListeners]) l(s);
  }
}
