// Unary gRPC calls over HTTP/2 on a unix socket with node:http2 alone, and the protobuf wire
// reading their tiny replies need. The supervisor's health and version probes use this, not
// grpc-js: loading grpc-js + protobufjs (~40 ms of CPU) while containerd boots slowed its boot and
// held back the first probe (issue 8). The views inside containerd still use grpc-js (client.ts).
import type * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { GRPC } from './grpc-status';

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

// require(), not import(): in `cdesk run`'s CommonJS bundle an import() would start Node's ES
// module loader just for this, while containerd boots (issue 8). Made on first use too: this
// module loads before the spawn.
let requireHere: NodeJS.Require | null = null;

/** node:http2, loaded on first use (it is not needed by commands that never probe). */
export function loadHttp2(): Promise<typeof http2> {
  return new Promise((resolve) => {
    requireHere ??= createRequire(import.meta.url);
    resolve(requireHere('node:http2') as typeof http2);
  });
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
 * after it closes, fails or a call on it times out (a new connection is cheap on a local socket,
 * and a stalled one is never reused). Replies are bounded by `maxReplyBytes`. The connection never
 * keeps the process alive by itself; a call in flight does, through its deadline timer.
 */
export class UnaryChannel {
  private session: http2.ClientHttp2Session | null = null;
  private readonly pending = new Set<Pending>();
  private closed = false;
  /** Bumped by cancelAll so a call still waiting for node:http2 is cancelled too. */
  private epoch = 0;

  constructor(
    private readonly socketPath: string,
    private readonly maxReplyBytes: number,
  ) {}

  /**
   * Calls `path` (/package.Service/Method) with an encoded request; resolves the encoded reply.
   * `deadlineAt` is monotonic ms (performance.now()). Rejects only with GrpcCallError.
   */
  async call(path: string, request: Uint8Array, deadlineAt: number): Promise<Buffer> {
    const epoch = this.epoch;
    if (this.closed) throw new GrpcCallError(GRPC.CANCELLED, 'channel closed');
    const h2 = await loadHttp2();
    if (this.closed) throw new GrpcCallError(GRPC.CANCELLED, 'channel closed');
    if (epoch !== this.epoch) throw new GrpcCallError(GRPC.CANCELLED, 'call cancelled');
    const left = Math.floor(deadlineAt - performance.now());
    if (left <= 0) throw new GrpcCallError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded');
    const session = this.connection(h2);
    return new Promise<Buffer>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${Math.min(left, 99_999_999)}m`,
        });
      } catch (err) {
        // The session is closing (GOAWAY, a failed connect): the next call opens a new one.
        this.drop(session);
        reject(new GrpcCallError(GRPC.UNAVAILABLE, (err as Error).message));
        return;
      }
      let settled = false;
      let httpStatus: number | null = null;
      let grpcStatus: number | null = null;
      let grpcMessage = '';
      let failure: Error | null = null;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const end = (result: Buffer | GrpcCallError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(entry);
        if (!stream.closed) stream.close(h2.constants.NGHTTP2_CANCEL);
        if (result instanceof GrpcCallError) reject(result);
        else resolve(result);
      };
      const entry: Pending = { cancel: (why) => end(new GrpcCallError(GRPC.CANCELLED, why)) };
      const timer = setTimeout(() => {
        // A connection that let a call run out is not trusted with the next one.
        this.drop(session);
        end(new GrpcCallError(GRPC.DEADLINE_EXCEEDED, 'deadline exceeded'));
      }, left);
      this.pending.add(entry);
      const readStatus = (headers: http2.IncomingHttpHeaders) => {
        const s = headers['grpc-status'];
        if (typeof s === 'string' && /^\d+$/.test(s)) {
          grpcStatus = Number(s);
          grpcMessage = decodeGrpcMessage(headers['grpc-message']);
        }
      };

      stream.on('response', (headers) => {
        httpStatus = Number(headers[':status']);
        readStatus(headers); // a trailers-only reply carries its status here
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > this.maxReplyBytes + 5) {
          // A peer sending more than any reply may hold is not trusted with the next call.
          this.drop(session);
          end(
            new GrpcCallError(
              GRPC.RESOURCE_EXHAUSTED,
              `reply larger than ${this.maxReplyBytes} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err: Error) => {
        failure ??= err;
      });
      stream.on('close', () => {
        if (grpcStatus === GRPC.OK) {
          try {
            end(unaryMessage(Buffer.concat(chunks)));
          } catch (err) {
            end(err as GrpcCallError);
          }
        } else if (grpcStatus !== null) {
          end(new GrpcCallError(grpcStatus, grpcMessage || `gRPC status ${grpcStatus}`));
        } else if (httpStatus !== null && httpStatus !== 200) {
          end(new GrpcCallError(codeForHttpStatus(httpStatus), `HTTP status ${httpStatus}`));
        } else if (httpStatus === null) {
          // No answer at all: nothing listens, or the daemon went away mid-call.
          const why = failure?.message ?? `stream closed (code ${stream.rstCode ?? '?'})`;
          end(new GrpcCallError(GRPC.UNAVAILABLE, why));
        } else {
          end(
            new GrpcCallError(
              GRPC.INTERNAL,
              failure?.message ?? `reply ended without a gRPC status (code ${stream.rstCode})`,
            ),
          );
        }
      });
      stream.end(frame(request));
    });
  }

  /** Cancels the calls in flight (they reject CANCELLED); the channel stays usable. */
  cancelAll(): void {
    this.epoch++;
    for (const p of [...this.pending]) p.cancel('call cancelled');
  }

  /** Cancels the calls in flight and closes the connection; later calls reject CANCELLED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.epoch++;
    for (const p of [...this.pending]) p.cancel('channel closed');
    if (this.session) this.drop(this.session);
  }

  /** The open connection, or a new one. */
  private connection(h2: typeof http2): http2.ClientHttp2Session {
    const open = this.session;
    if (open && !open.closed && !open.destroyed) return open;
    const session = h2.connect('http://localhost', {
      createConnection: () => connect(this.socketPath),
      settings: { enablePush: false },
    });
    // Errors reach the calls through their streams' close; the connection is dropped with them.
    session.on('error', () => this.drop(session));
    session.on('goaway', () => this.drop(session, false));
    session.on('close', () => this.drop(session, false));
    session.unref();
    this.session = session;
    return session;
  }

  /** Forgets `session` (the next call connects anew) and, unless it is closing itself, destroys it. */
  private drop(session: http2.ClientHttp2Session, destroy = true): void {
    if (this.session === session) this.session = null;
    if (destroy && !session.destroyed) session.destroy();
  }
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
