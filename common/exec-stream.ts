// Exec as a stream in the one envelope: the start request, the stdio frames each way and their flow
// control. Plain TS (no zod, no Node): the CLI, the page and main all read and write these frames.
//
//   client → server  {"id": 7, "cmd": "exec:start", "payload": {namespace, id, args, tty, stdin, …}}
//   server → client  {"id": 7, "result": {"ok": true, "value": {"stream": 7, "execId": "…", "pid": 42}}}
//   server → client  {"stream": 7, "op": "out", "fd": 1, "data": "<base64>"}
//   client → server  {"stream": 7, "op": "ack", "bytes": 4096}        (output consumed)
//   client → server  {"stream": 7, "op": "in", "data": "<base64>"}
//   server → client  {"stream": 7, "op": "ack", "bytes": 3}           (stdin written)
//   client → server  {"stream": 7, "op": "eof"} | {"op": "resize", "cols", "rows"} | {"op": "close"}
//   server → client  {"stream": 7, "op": "end", "end": {"kind": "exit", "code": 0}}
//
// Flow control is by credit: a side sends data only while the bytes the other side has not yet
// acknowledged stay under EXEC_WINDOW_BYTES, so a reader that stops reading pauses the process
// (its output FIFO fills and its writes block), and nothing grows without bound on any transport.
import type { ContractError, Result } from './contract';

/** The command that starts an exec stream (not a plain request: its reply opens the stream). */
export const EXEC_START = 'exec:start';

/** Unacknowledged bytes allowed in flight per direction per stream. */
export const EXEC_WINDOW_BYTES = 256 * 1024;
/** Largest data piece of one frame (before base64; a frame stays far below the request limit). */
export const EXEC_CHUNK_BYTES = 32 * 1024;
/** Streams one connection may have open at once. */
export const EXEC_MAX_STREAMS = 16;

export interface ExecStartPayload {
  namespace: string;
  id: string;
  args: string[];
  tty?: boolean;
  stdin?: boolean;
  env?: string[];
  cwd?: string;
  user?: string;
  cols?: number;
  rows?: number;
  /** A saved host's name: run it there, over the app's link (absent or "local": this machine). */
  host?: string;
}

export interface ExecStarted {
  stream: number | string;
  execId: string;
  pid: number;
}

export type ExecEndInfo =
  | { kind: 'exit'; code: number }
  | { kind: 'cut-off'; message: string }
  | { kind: 'error'; error: ContractError };

export type ClientFrame =
  | { stream: number | string; op: 'in'; data: string }
  | { stream: number | string; op: 'ack'; bytes: number }
  | { stream: number | string; op: 'eof' }
  | { stream: number | string; op: 'resize'; cols: number; rows: number }
  | { stream: number | string; op: 'close' };

export type ServerFrame =
  | { stream: number | string; op: 'out'; fd: 1 | 2; data: string }
  | { stream: number | string; op: 'ack'; bytes: number }
  | { stream: number | string; op: 'end'; end: ExecEndInfo };

/** Cheap test before JSON.parse: stream frames start with this (as written by encodeFrame). */
const PREFIX = '{"stream":';

export function encodeFrame(f: ClientFrame | ServerFrame): string {
  return JSON.stringify(f);
}

function objectOf(text: string): Record<string, unknown> | null {
  if (!text.startsWith(PREFIX)) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const isId = (v: unknown): v is number | string =>
  (typeof v === 'number' && Number.isSafeInteger(v)) ||
  (typeof v === 'string' && v.length > 0 && v.length <= 100);
const isCount = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;

/** True when `text` is meant as a stream frame (so it is not a request), valid or not. */
export function isStreamFrame(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** A client's frame, or null when it is malformed (the server ends that stream). */
export function parseClientFrame(text: string): ClientFrame | null {
  const o = objectOf(text);
  if (!o || !isId(o.stream)) return null;
  const stream = o.stream;
  switch (o.op) {
    case 'in':
      return typeof o.data === 'string' && o.data.length <= ((EXEC_CHUNK_BYTES + 2) / 3) * 4 + 4
        ? { stream, op: 'in', data: o.data }
        : null;
    case 'ack':
      return isCount(o.bytes, EXEC_WINDOW_BYTES * 4) ? { stream, op: 'ack', bytes: o.bytes } : null;
    case 'eof':
    case 'close':
      return { stream, op: o.op };
    case 'resize':
      return isCount(o.cols, 10_000) && isCount(o.rows, 10_000)
        ? { stream, op: 'resize', cols: o.cols, rows: o.rows }
        : null;
    default:
      return null;
  }
}

/** The server's frame, or null for anything else. */
export function parseServerFrame(text: string): ServerFrame | null {
  const o = objectOf(text);
  if (!o || !isId(o.stream)) return null;
  const stream = o.stream;
  if (o.op === 'out' && (o.fd === 1 || o.fd === 2) && typeof o.data === 'string')
    return { stream, op: 'out', fd: o.fd, data: o.data };
  if (o.op === 'ack' && isCount(o.bytes, Number.MAX_SAFE_INTEGER))
    return { stream, op: 'ack', bytes: o.bytes };
  if (o.op === 'end' && typeof o.end === 'object' && o.end !== null)
    return { stream, op: 'end', end: o.end as ExecEndInfo };
  return null;
}

/** Split `bytes` into frame-sized pieces. */
export function chunks(bytes: Uint8Array, max = EXEC_CHUNK_BYTES): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += max) out.push(bytes.subarray(i, i + max));
  return out;
}

/**
 * A client that can carry streams (the page's WebSocket, the CLI's socket): `open` sends the
 * exec:start request; the reply settles `result`; the stream's frames go to `onFrame` until its
 * `end`; `send` writes one client frame and says whether the transport took it.
 */
export interface StreamClient {
  openStream(
    cmd: string,
    payload: unknown,
    onFrame: (f: ServerFrame) => void,
  ): { result: Promise<Result<unknown>>; send(text: string): boolean };
}

export function isStreamClient(c: unknown): c is StreamClient {
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof (c as { openStream?: unknown }).openStream === 'function'
  );
}
