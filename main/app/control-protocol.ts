// The control socket's wire format: newline-delimited JSON, request/response by id plus pushed events.
import type { AnyEvent, Result } from '../../common/contract';

/** Longest request line the server accepts. */
export const MAX_LINE_BYTES = 64 * 1024;

export interface ControlRequest {
  id: number | string;
  cmd: string;
  payload?: unknown;
}

/** Subscribe this connection to every event (the answer is `{subscribed: true}`). */
export const SUBSCRIBE = 'events:subscribe';
export const UNSUBSCRIBE = 'events:unsubscribe';

export type ControlResponse = { id: number | string | null; result: Result<unknown> };
export type ControlMessage = ControlResponse | AnyEvent;

/**
 * Splits a byte stream into lines. `onOverflow` fires when a line grows past `maxBytes` without a
 * newline (the caller closes the connection: the rest of that line cannot be framed reliably).
 */
export function lineSplitter(
  onLine: (line: string) => void,
  onOverflow: () => void,
  maxBytes = Infinity,
): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  return (chunk) => {
    if (overflowed) return;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (size + piece.length > maxBytes) {
        overflowed = true;
        onOverflow();
        return;
      }
      const line = Buffer.concat([...parts, piece]).toString('utf8');
      parts = [];
      size = 0;
      start = nl + 1;
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    const rest = chunk.subarray(start);
    if (size + rest.length > maxBytes) {
      overflowed = true;
      onOverflow();
      return;
    }
    if (rest.length) {
      parts.push(rest);
      size += rest.length;
    }
  };
}
