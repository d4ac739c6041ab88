// Unary gRPC calls over HTTP/2 on a unix socket (our minimal client, h2c.ts), and the protobuf
// wire reading their tiny replies need. The supervisor's health and version probes use this, not
// grpc-js or node:http2: loading grpc-js + protobufjs (~40 ms of CPU), or node:http2 with the tls,
// crypto and http modules it loads (~15 ms), while containerd boots slowed its boot and held back
// the first probe (issue 8). The views inside containerd still use grpc-js (client.ts).
import { performance } from 'node:perf_hooks';
import { GRPC } from './grpc-status';
import { H2Connection, type ClientStream, type HeaderFields, type StreamEvents } from './h2c';

/** A call that ended without a reply message: the gRPC status code and its details. */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(details);
    this.name = 'GrpcCallError';
  }
}

/** The gRPC code for a reply whose HTTP status is not 200 (gRPC's http-grpc-status-mapping). */
export function codeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GRPC.INTERNAL;
    case 401:
      return GRPC.UNAUTHENTICATED;
    case 403:
      return GRPC.PERMISSION_DENIED;
    case 404:
      return GRPC.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC.UNAVAILABLE;
    default:
      return GRPC.UNKNOWN;
  }
}

/**
 * The one message of a unary reply's body (5-byte length-prefixed frames). Throws GrpcCallError
 * INTERNAL for anything else: no message, two messages, a compressed one (we never offer any
 * compression), a length that does not match.
 */
export function unaryMessage(body: Buffer): Buffer {
  if (body.length < 5) throw new GrpcCallError(GRPC.INTERNAL, 'reply carried no message');
  if (body[0] !== 0)
    throw new GrpcCallError(GRPC.INTERNAL, 'reply was compressed (none was offered)');
  const len = body.readUInt32BE(1);
  if (len !== body.length - 5)
    throw new GrpcCallError(
      GRPC.INTERNAL,
      `reply frame says ${len} bytes but ${body.length - 5} came`,
    );
  return body.subarray(5);
}

const frame = (message: Uint8Array): Buffer => {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
};

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec); a bad escape is kept as sent. */
function decodeGrpcMessage(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface Pending {
  cancel(why: string): void;
}

/**
 * One HTTP/2 connection to a unix socket for unary gRPC calls, made on the first call and again
 * after it closes, fails, gets a GOAWAY, or a call on it times out (a new connection is cheap on a
 * local socket, and a stalled one is never reused). Replies are bounded by `maxReplyBytes`. The
 * connection never keeps the process alive by itself; a call in flight does, through its deadline
 * timer.
 */
export class UnaryChannel {
  private conn: H2Connection | null = null;
  private readonly pending = new Set<Pending>();
  private closed = false;

  constructor(
    private readonly socketPath: string,
    private readonly maxReplyBytes: number,
  ) {}

  /**
   * Calls `path` (/package.Service/Method) with an encoded request; resolves the encoded reply.
   * `deadlineAt` is monotonic ms (performance.now()). Rejects only with GrpcCallError.
   */
  call(path: string, request: Uint8Array, deadlineAt: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcCallError(GRPC.CANCELLED, 'channel closed'));
    const left = Math.floor(deadlineAt - performance.now());
    if (left <= 0)
      return Promise.reject(new GrpcCallError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded'));
    const conn = this.connection();
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      let httpStatus: number | null = null;
      let grpcStatus: number | null = null;
      let grpcMessage = '';
      const chunks: Buffer[] = [];
      let bytes = 0;
      let stream: ClientStream | null = null;
      const end = (result: Buffer | GrpcCallError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(entry);
        stream?.cancel();
        if (result instanceof GrpcCallError) reject(result);
        else resolve(result);
      };
      const entry: Pending = { cancel: (why) => end(new GrpcCallError(GRPC.CANCELLED, why)) };
      const timer = setTimeout(() => {
        end(new GrpcCallError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded'));
        // A connection that let a call run out is not trusted with the next one.
        this.drop(conn);
      }, left);
      this.pending.add(entry);
      const readStatus = (fields: HeaderFields) => {
        const s = field(fields, 'grpc-status');
        if (s !== undefined && /^\d+$/.test(s)) {
          grpcStatus = Number(s);
          grpcMessage = decodeGrpcMessage(field(fields, 'grpc-message'));
        }
      };
      const events: StreamEvents = {
        headers: (fields) => {
          if (httpStatus === null) httpStatus = Number(field(fields, ':status'));
          // The first block may be trailers-only (the status in it); a later one is the trailers.
          readStatus(fields);
        },
        data: (chunk) => {
          bytes += chunk.length;
          if (bytes > this.maxReplyBytes + 5) {
            end(
              new GrpcCallError(
                GRPC.RESOURCE_EXHAUSTED,
                `reply larger than ${this.maxReplyBytes} bytes`,
              ),
            );
            // A peer sending more than any reply may hold is not trusted with the next call.
            this.drop(conn);
            return;
          }
          chunks.push(chunk);
        },
        close: (rstCode, error) => {
          stream = null;
          if (grpcStatus === GRPC.OK && rstCode === null && error === null) {
            try {
              end(unaryMessage(Buffer.concat(chunks)));
            } catch (err) {
              end(err as GrpcCallError);
            }
          } else if (grpcStatus !== null && grpcStatus !== GRPC.OK) {
            end(new GrpcCallError(grpcStatus, grpcMessage || `gRPC status ${grpcStatus}`));
          } else if (httpStatus !== null && httpStatus !== 200) {
            end(new GrpcCallError(codeForHttpStatus(httpStatus), `HTTP status ${httpStatus}`));
          } else if (httpStatus === null) {
            // No answer at all: nothing listens, or the daemon went away mid-call.
            const why = error?.message ?? `stream closed (code ${rstCode ?? '?'})`;
            end(new GrpcCallError(GRPC.UNAVAILABLE, why));
          } else {
            const why =
              error?.message ?? (rstCode !== null ? `stream reset (code ${rstCode})` : '');
            end(new GrpcCallError(GRPC.INTERNAL, why || 'reply ended without a gRPC status'));
          }
        },
      };
      try {
        stream = conn.request(
          [
            [':method', 'POST'],
            [':scheme', 'http'],
            [':authority', 'localhost'],
            [':path', path],
            ['content-type', 'application/grpc'],
            ['te', 'trailers'],
            ['grpc-timeout', `${Math.min(left, 99_999_999)}m`],
          ],
          frame(request),
          events,
        );
      } catch (err) {
        // The connection takes no new request (it failed, or went away): the next call opens a new one.
        end(new GrpcCallError(GRPC.UNAVAILABLE, (err as Error).message));
        this.drop(conn);
        return;
      }
      // The stream may already be over (a connection that failed while we wrote).
      if (settled) stream.cancel();
    });
  }

  /** Cancels the calls in flight (they reject CANCELLED); the channel stays usable. */
  cancelAll(): void {
    for (const p of [...this.pending]) p.cancel('call cancelled');
  }

  /** Cancels the calls in flight and closes the connection; later calls reject CANCELLED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending]) p.cancel('channel closed');
    if (this.conn) this.drop(this.conn);
  }

  /** The open connection, or a new one. */
  private connection(): H2Connection {
    const open = this.conn;
    if (open?.usable) return open;
    const conn = new H2Connection(this.socketPath, (gone) => {
      // Closed, failed or going away: new calls go to a new connection.
      if (this.conn === gone) this.conn = null;
    });
    this.conn = conn;
    return conn;
  }

  /** Forgets `conn` (the next call connects anew) and closes it; its calls end with it. */
  private drop(conn: H2Connection): void {
    if (this.conn === conn) this.conn = null;
    conn.destroy();
  }
}

/** A header's value (the last one given); undefined when absent. */
function field(fields: HeaderFields, name: string): string | undefined {
  let out: string | undefined;
  for (const [n, v] of fields) if (n === name) out = v;
  return out;
}

// --- protobuf wire: the fields of a small message ---------------------------------------------

/** A field's last value: varints (wire type 0) as numbers, length-delimited fields as bytes. */
export type FieldValue = number | Buffer;

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= buf.length) throw new Error('message ends inside a varint');
    const b = buf[at + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, at + i + 1];
  }
  throw new Error('varint longer than 10 bytes');
}

/**
 * The fields of one encoded protobuf message by number (the last one wins, as protobuf merges).
 * Fixed-width fields are skipped; a malformed message throws an Error saying where.
 */
export function readFields(buf: Buffer): Map<number, FieldValue> {
  const out = new Map<number, FieldValue>();
  let at = 0;
  while (at < buf.length) {
    const [key, afterKey] = readVarint(buf, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new Error(`field number 0 at byte ${at}`);
    at = afterKey;
    if (wire === 0) {
      const [v, next] = readVarint(buf, at);
      out.set(field, v);
      at = next;
    } else if (wire === 2) {
      const [len, start] = readVarint(buf, at);
      if (start + len > buf.length) throw new Error(`field ${field} runs past the message`);
      out.set(field, buf.subarray(start, start + len));
      at = start + len;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > buf.length) throw new Error(`field ${field} runs past the message`);
    } else {
      throw new Error(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  return out;
}
