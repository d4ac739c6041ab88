// The control socket's framing: the one envelope (common/rpc.ts) as newline-delimited JSON.
import { MAX_REQUEST_BYTES } from '../../common/rpc';

/** Longest request line the server accepts. */
export const MAX_LINE_BYTES = MAX_REQUEST_BYTES;

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
