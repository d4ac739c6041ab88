// The HTTP/2 unary gRPC client the health probes use, against an HTTP/2 server that misbehaves on
// demand (real containerd and the grpc-js fake daemon are the well-behaved peers elsewhere).
import http2 from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  codeForHttpStatus,
  GrpcCallError,
  readFields,
  UnaryChannel,
  unaryMessage,
} from '../../../main/shared/grpc-unary';
import { GRPC } from '../../../main/shared/grpc-status';

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void;

let dir = '';
let socket = '';
let server: http2.Http2Server | null = null;
let sessions = 0;
let handler: Handler = () => undefined;
const channels: UnaryChannel[] = [];

/** A gRPC message frame: uncompressed flag, 4-byte length, the bytes. */
const frame = (bytes: number[] | Buffer, flag = 0): Buffer => {
  const b = Buffer.from(bytes);
  const out = Buffer.alloc(5 + b.length);
  out[0] = flag;
  out.writeUInt32BE(b.length, 1);
  b.copy(out, 5);
  return out;
};

/** Answers like a gRPC server: headers, the body, then grpc-status in trailers. */
function reply(stream: http2.ServerHttp2Stream, body: Buffer, status = 0, message?: string): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () =>
    stream.sendTrailers({
      'grpc-status': String(status),
      ...(message ? { 'grpc-message': message } : {}),
    }),
  );
  stream.end(body);
}

beforeEach(async () => {
  dir = mkdtempSync('/tmp/cdu-');
  socket = join(dir, 'grpc.sock');
  sessions = 0;
  handler = (stream) => reply(stream, frame([0x08, 1]));
  server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    // Drain the request before answering, as a gRPC server reads the message first.
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      (stream as unknown as { body: Buffer }).body = Buffer.concat(chunks);
      handler(stream, headers);
    });
  });
  await new Promise<void>((r) => server!.listen(socket, r));
});

afterEach(async () => {
  for (const c of channels.splice(0)) c.close();
  await new Promise<void>((r) => {
    server?.close(() => r());
    // Sessions a test left open (a hung call) must not keep close() waiting.
    setTimeout(r, 200);
  });
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

function channel(maxReply = 1024): UnaryChannel {
  const c = new UnaryChannel(socket, maxReply);
  channels.push(c);
  return c;
}

const soon = (ms: number) => performance.now() + ms;

async function failure(p: Promise<unknown>): Promise<GrpcCallError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrpcCallError);
  return err as GrpcCallError;
}

describe('UnaryChannel', () => {
  it('sends a gRPC request (path, content type, trailers, deadline, framed body) and returns the reply', async () => {
    let seen: { headers: http2.IncomingHttpHeaders; body: Buffer } | null = null;
    handler = (stream, headers) => {
      seen = { headers, body: (stream as unknown as { body: Buffer }).body };
      reply(stream, frame([0x0a, 2, 0x68, 0x69]));
    };
    const out = await channel().call('/pkg.Svc/Method', Uint8Array.from([1, 2, 3]), soon(2000));
    expect([...out]).toEqual([0x0a, 2, 0x68, 0x69]);
    expect(seen!.headers[':method']).toBe('POST');
    expect(seen!.headers[':path']).toBe('/pkg.Svc/Method');
    expect(seen!.headers['content-type']).toBe('application/grpc');
    expect(seen!.headers.te).toBe('trailers');
    expect(seen!.headers['grpc-timeout']).toMatch(/^\d{1,8}m$/);
    expect(Number(String(seen!.headers['grpc-timeout']).slice(0, -1))).toBeLessThanOrEqual(2000);
    expect([...seen!.body]).toEqual([0, 0, 0, 0, 3, 1, 2, 3]);
  });

  it('reuses one connection for calls, in parallel too', async () => {
    const c = channel();
    await c.call('/a/b', new Uint8Array(0), soon(2000));
    await Promise.all([1, 2, 3].map(() => c.call('/a/b', new Uint8Array(0), soon(2000))));
    expect(sessions).toBe(1);
  });

  it('reports a status from the trailers, percent-decoding the message', async () => {
    handler = (stream) => reply(stream, Buffer.alloc(0), 5, 'no%20such%20thing');
    const err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(5);
    expect(err.details).toBe('no such thing');
  });

  it('reports a trailers-only answer (the status in the headers), e.g. an unknown method', async () => {
    handler = (stream) =>
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' },
        { endStream: true },
      );
    const err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.UNIMPLEMENTED);
  });

  it('maps an HTTP error without a gRPC status (a proxy, not a gRPC server)', async () => {
    handler = (stream) => stream.respond({ ':status': 503 }, { endStream: true });
    const err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.UNAVAILABLE);
    expect(err.details).toMatch(/HTTP status 503/);
  });

  it('refuses a reply over the byte limit, and drops the connection it came on', async () => {
    handler = (stream) => reply(stream, frame(Buffer.alloc(64 * 1024, 7)));
    const c = channel(1024);
    const err = await failure(c.call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/larger than 1024 bytes/);
    handler = (stream) => reply(stream, frame([0x08, 1]));
    expect([...(await c.call('/a/b', new Uint8Array(0), soon(2000)))]).toEqual([0x08, 1]);
    expect(sessions).toBe(2);
  });

  it('refuses a compressed reply and a reply without a status', async () => {
    handler = (stream) => reply(stream, frame([0x08, 1], 1));
    let err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.INTERNAL);
    expect(err.details).toMatch(/compressed/);
    handler = (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      stream.end(frame([0x08, 1]));
    };
    err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.INTERNAL);
    expect(err.details).toMatch(/without a gRPC status/);
  });

  it('reports UNAVAILABLE when the stream is reset before any answer', async () => {
    handler = (stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    const err = await failure(channel().call('/a/b', new Uint8Array(0), soon(2000)));
    expect(err.code).toBe(GRPC.UNAVAILABLE);
  });

  it('reports UNAVAILABLE at once when nothing listens', async () => {
    const c = new UnaryChannel(join(dir, 'nothing.sock'), 1024);
    channels.push(c);
    const t0 = performance.now();
    const err = await failure(c.call('/a/b', new Uint8Array(0), soon(5000)));
    expect(err.code).toBe(GRPC.UNAVAILABLE);
    expect(err.details).toMatch(/ENOENT/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('ends a call at its deadline and opens a new connection for the next', async () => {
    handler = () => undefined; // never answers
    const c = channel();
    const t0 = performance.now();
    const err = await failure(c.call('/a/b', new Uint8Array(0), soon(150)));
    expect(err.code).toBe(GRPC.DEADLINE_EXCEEDED);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    handler = (stream) => reply(stream, frame([0x08, 1]));
    await c.call('/a/b', new Uint8Array(0), soon(2000));
    expect(sessions).toBe(2);
  });

  it('rejects a deadline already past without sending anything', async () => {
    const err = await failure(channel().call('/a/b', new Uint8Array(0), soon(-1)));
    expect(err.code).toBe(GRPC.DEADLINE_EXCEEDED);
    expect(sessions).toBe(0);
  });

  it('cancels calls in flight and stays usable; after close every call is cancelled', async () => {
    handler = () => undefined;
    const c = channel();
    const pending = c.call('/a/b', new Uint8Array(0), soon(5000));
    await new Promise((r) => setTimeout(r, 50));
    c.cancelAll();
    expect((await failure(pending)).code).toBe(GRPC.CANCELLED);
    handler = (stream) => reply(stream, frame([0x08, 1]));
    await c.call('/a/b', new Uint8Array(0), soon(2000));
    handler = () => undefined;
    const hanging = c.call('/a/b', new Uint8Array(0), soon(5000));
    await new Promise((r) => setTimeout(r, 50));
    c.close();
    expect((await failure(hanging)).code).toBe(GRPC.CANCELLED);
    expect((await failure(c.call('/a/b', new Uint8Array(0), soon(2000)))).code).toBe(
      GRPC.CANCELLED,
    );
  });
});

describe('gRPC framing and status mapping', () => {
  it('takes exactly one uncompressed message from a reply body', () => {
    expect([...unaryMessage(frame([1, 2]))]).toEqual([1, 2]);
    expect([...unaryMessage(frame([]))]).toEqual([]);
    expect(() => unaryMessage(Buffer.alloc(0))).toThrow(/no message/);
    expect(() => unaryMessage(Buffer.concat([frame([1]), frame([2])]))).toThrow(/says 1 bytes/);
    expect(() => unaryMessage(frame([1, 2]).subarray(0, 6))).toThrow(/says 2 bytes but 1 came/);
  });

  it("maps HTTP statuses as gRPC's spec does", () => {
    expect(codeForHttpStatus(404)).toBe(GRPC.UNIMPLEMENTED);
    expect(codeForHttpStatus(429)).toBe(GRPC.UNAVAILABLE);
    expect(codeForHttpStatus(401)).toBe(GRPC.UNAUTHENTICATED);
    expect(codeForHttpStatus(500)).toBe(GRPC.UNKNOWN);
  });
});

describe('readFields', () => {
  it('reads varints (multi-byte too) and length-delimited fields; the last one wins', () => {
    const f = readFields(Buffer.from([0x08, 0xac, 0x02, 0x12, 2, 0x61, 0x62, 0x08, 5]));
    expect(f.get(1)).toBe(5);
    expect((f.get(2) as Buffer).toString()).toBe('ab');
    expect(readFields(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0x0f])).get(1)).toBe(2 ** 32 - 1);
  });

  it('skips fixed-width fields', () => {
    const f = readFields(Buffer.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4, 0x18, 9]));
    expect([...f.keys()]).toEqual([3]);
    expect(f.get(3)).toBe(9);
  });

  it('says what is wrong with a malformed message', () => {
    expect(() => readFields(Buffer.from([0x08]))).toThrow(/inside a varint/);
    expect(() => readFields(Buffer.from([0x08, ...Array(11).fill(0x80)]))).toThrow(/10 bytes/);
    expect(() => readFields(Buffer.from([0x12, 5, 1]))).toThrow(/field 2 runs past/);
    expect(() => readFields(Buffer.from([0x09, 1, 2]))).toThrow(/field 1 runs past/);
    expect(() => readFields(Buffer.from([0x0b]))).toThrow(/wire type 3/);
    expect(() => readFields(Buffer.from([0x00, 1]))).toThrow(/field number 0/);
  });
});
