// One exec stream seen from the page (a terminal tab): start, stdin with credit, output acked once
// shown, resizes, and how it ended. Transport-neutral: anything that implements StreamClient.
import type { ContractClient, ContractError } from '../../../common/contract';
import {
  chunks,
  encodeFrame,
  EXEC_START,
  EXEC_WINDOW_BYTES,
  isStreamClient,
  type ExecEndInfo,
  type ExecStartPayload,
  type ExecStarted,
  type ServerFrame,
  type StreamClient,
} from '../../../common/exec-stream';

export interface ExecSessionEvents {
  /** Output bytes; call `done` once they are shown, which returns the credit to the app. */
  output(bytes: Uint8Array, fd: 1 | 2, done: () => void): void;
  end(end: ExecEndInfo): void;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Whether this transport can carry a terminal (the WebSocket and Electron IPC can; a test's fake may not). */
export function canExec(client: ContractClient): boolean {
  return isStreamClient(client);
}

export class ExecSession {
  private stream: number | string | null = null;
  private send: ((text: string) => boolean) | null = null;
  private ended = false;
  /** stdin bytes sent and not yet acknowledged; typing past the window waits in `queued`. */
  private unacked = 0;
  private queued: Uint8Array[] = [];
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly client: StreamClient,
    private readonly on: ExecSessionEvents,
  ) {}

  /** Start the process; resolves to its pid, or the error that stopped it. */
  async start(
    payload: ExecStartPayload,
  ): Promise<{ ok: true; value: ExecStarted } | { ok: false; error: ContractError }> {
    const opened = this.client.openStream(EXEC_START, payload, (f) => this.frame(f));
    this.send = opened.send;
    const r = await opened.result;
    if (!r.ok) {
      this.ended = true;
      return r;
    }
    const v = r.value as ExecStarted;
    this.stream = v.stream;
    this.flush();
    return { ok: true, value: v };
  }

  /** Keys typed (or pasted) into the terminal. */
  write(text: string): void {
    if (this.ended) return;
    this.queued.push(...chunks(this.encoder.encode(text)));
    this.flush();
  }

  resize(cols: number, rows: number): void {
    if (this.stream === null || this.ended || cols < 1 || rows < 1) return;
    this.send?.(encodeFrame({ stream: this.stream, op: 'resize', cols, rows }));
  }

  /** Close the stream: the app kills the process. */
  close(): void {
    if (this.stream === null || this.ended) return;
    this.send?.(encodeFrame({ stream: this.stream, op: 'close' }));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private flush(): void {
    if (this.stream === null || !this.send) return;
    while (this.queued.length && this.unacked < EXEC_WINDOW_BYTES) {
      const piece = this.queued.shift()!;
      this.unacked += piece.length;
      this.send(encodeFrame({ stream: this.stream, op: 'in', data: toBase64(piece) }));
    }
  }

  private frame(f: ServerFrame): void {
    if (this.ended) return;
    if (f.op === 'out') {
      const bytes = fromBase64(f.data);
      this.on.output(bytes, f.fd, () => {
        if (!this.ended)
          this.send?.(encodeFrame({ stream: f.stream, op: 'ack', bytes: bytes.length }));
      });
    } else if (f.op === 'ack') {
      this.unacked = Math.max(0, this.unacked - f.bytes);
      this.flush();
    } else {
      this.ended = true;
      this.queued = [];
      this.on.end(f.end);
    }
  }
}
