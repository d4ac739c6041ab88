// The minimal HTTP/2 client (h2c.ts) against a raw frame-level server that does what node:http2
// and containerd do only rarely: CONTINUATION, padding, pings, GOAWAY mid-call, a zero window,
// oversized or out-of-order frames, and a peer that stops reading. Well-behaved peers (node:http2's
// server, the grpc-js fake daemon, real containerd) are covered by grpc-unary, health and
// integration tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  H2_ERROR,
  H2Connection,
  type HeaderFields,
  type StreamEvents,
} from '../../../main/shared/h2c';
import { encodeHeaders, HpackDecoder } from '../../../main/shared/hpack';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** One server-side connection: the frames the client sent (after its preface), and a writer. */
class Peer {
  frames: Frame[] = [];
  private buf = Buffer.alloc(0);
  private prefaceSeen = false;
  private waiters: (() => void)[] = [];
  readonly decoder = new HpackDecoder();
  closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.read(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private read(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    if (!this.prefaceSeen) {
      if (this.buf.length < PREFACE.length) return;
      expect(this.buf.subarray(0, PREFACE.length).toString('latin1')).toBe(PREFACE);
      this.buf = this.buf.subarray(PREFACE.length);
      this.prefaceSeen = true;
    }
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) break;
      this.frames.push({
        type: this.buf[3]!,
        flags: this.buf[4]!,
        stream: this.buf.readUInt32BE(5),
        payload: Buffer.from(this.buf.subarray(9, 9 + len)),
      });
      this.buf = this.buf.subarray(9 + len);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until a frame matching `pred` has arrived (or the connection closed: null). */
  async until(pred: (f: Frame) => boolean, ms = 2000): Promise<Frame | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.frames.find(pred);
      if (hit) return hit;
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no such frame arrived');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
  }

  write(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }

  /** Server settings (none), as any server sends first. */
  settings(payload = Buffer.alloc(0)): void {
    this.write(frame(4, 0, 0, payload));
  }
}

let dir = '';
let server: Server | null = null;
let peers: Peer[] = [];
let socketPath = '';
const conns: H2Connection[] = [];

beforeEach(async () => {
  dir = mkdtempSync('/tmp/cdh2-');
  socketPath = join(dir, 's.sock');
  peers = [];
  server = createServer((sock) => peers.push(new Peer(sock)));
  await new Promise<void>((r) => server!.listen(socketPath, r));
});

afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  for (const p of peers) p.socket.destroy();
  await new Promise<void>((r) => server!.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function connection(onGone?: (c: H2Connection) => void): H2Connection {
  const c = new H2Connection(socketPath, onGone);
  conns.push(c);
  return c;
}

async function peer(): Promise<Peer> {
  for (let i = 0; i < 100 && peers.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  if (!peers[0]) throw new Error('no connection arrived');
  return peers[0];
}

interface Recorded {
  headers: { fields: HeaderFields; end: boolean }[];
  data: Buffer[];
  closed: Promise<{ rstCode: number | null; error: Error | null }>;
  events: StreamEvents;
}

function recorder(): Recorded {
  let done: (v: { rstCode: number | null; error: Error | null }) => void = () => undefined;
  const rec: Recorded = {
    headers: [],
    data: [],
    closed: new Promise((r) => (done = r)),
    events: {
      headers: (fields, end) => rec.headers.push({ fields, end }),
      data: (chunk) => rec.data.push(Buffer.from(chunk)),
      close: (rstCode, error) => done({ rstCode, error }),
    },
  };
  return rec;
}

const REQUEST: HeaderFields = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':authority', 'localhost'],
  [':path', '/a/b'],
];
const OK_HEADERS = encodeHeaders([
  [':status', '200'],
  ['content-type', 'application/grpc'],
]);
const TRAILERS = encodeHeaders([['grpc-status', '0']]);

describe('H2Connection', () => {
  it('opens with the preface and settings (push off), sends HEADERS then the body ending the stream', async () => {
    const c = connection();
    const rec = recorder();
    c.request(REQUEST, Buffer.from([1, 2, 3]), rec.events);
    const p = await peer();
    const settings = await p.until((f) => f.type === 4);
    // ENABLE_PUSH = 0 is among our settings.
    const pairs = [];
    for (let at = 0; at < settings!.payload.length; at += 6)
      pairs.push([settings!.payload.readUInt16BE(at), settings!.payload.readUInt32BE(at + 2)]);
    expect(pairs).toContainEqual([2, 0]);
    const headers = await p.until((f) => f.type === 1);
    expect(headers!.stream).toBe(1);
    expect(headers!.flags & 0x4).toBe(0x4);
    expect(p.decoder.decode(headers!.payload)).toEqual(REQUEST);
    const data = await p.until((f) => f.type === 0);
    expect([...data!.payload]).toEqual([1, 2, 3]);
    expect(data!.flags & 0x1).toBe(1);
    // Answer: headers, body, trailers.
    p.settings();
    p.write(
      frame(1, 0x4, 1, OK_HEADERS),
      frame(0, 0, 1, Buffer.from([9, 9])),
      frame(1, 0x5, 1, TRAILERS),
    );
    expect(await rec.closed).toEqual({ rstCode: null, error: null });
    expect(rec.headers.map((h) => h.end)).toEqual([false, true]);
    expect(rec.headers[1]!.fields).toEqual([['grpc-status', '0']]);
    expect(Buffer.concat(rec.data)).toEqual(Buffer.from([9, 9]));
    // Our settings were acknowledged by us in turn: the server's SETTINGS got an ACK.
    expect(await p.until((f) => f.type === 4 && (f.flags & 1) === 1)).not.toBeNull();
    expect(c.openStreams).toBe(0);
  });

  it('joins CONTINUATION frames, strips padding and the priority block, answers PING', async () => {
    const c = connection();
    const rec = recorder();
    c.request(REQUEST, Buffer.alloc(0), rec.events);
    const p = await peer();
    await p.until((f) => f.type === 0);
    const block = encodeHeaders([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['x-long', 'v'.repeat(300)],
    ]);
    // HEADERS: PADDED | PRIORITY, the block split in three.
    const first = Buffer.concat([
      Buffer.from([3]),
      Buffer.alloc(5),
      block.subarray(0, 10),
      Buffer.alloc(3),
    ]);
    p.write(
      frame(1, 0x8 | 0x20, 1, first),
      frame(9, 0, 1, block.subarray(10, 100)),
      frame(9, 0x4, 1, block.subarray(100)),
      frame(6, 0, 0, Buffer.from('12345678')),
      frame(0, 0x8, 1, Buffer.concat([Buffer.from([2]), Buffer.from([7, 7]), Buffer.alloc(2)])),
      frame(1, 0x5, 1, TRAILERS),
    );
    expect(await rec.closed).toEqual({ rstCode: null, error: null });
    expect(rec.headers[0]!.fields.find(([n]) => n === 'x-long')![1]).toBe('v'.repeat(300));
    expect(Buffer.concat(rec.data)).toEqual(Buffer.from([7, 7]));
    const pong = await p.until((f) => f.type === 6);
    expect(pong!.flags & 1).toBe(1);
    expect(pong!.payload.toString()).toBe('12345678');
    // The padded DATA frame's full length was given back, to the connection and the stream.
    const updates = p.frames.filter((f) => f.type === 8);
    expect(updates.some((f) => f.stream === 0 && f.payload.readUInt32BE(0) === 5)).toBe(true);
  });

  it('holds the body while the peer gives no window, sends it on WINDOW_UPDATE', async () => {
    const c = connection();
    const rec = recorder();
    const p0 = (async () => {
      const p = await peer();
      // INITIAL_WINDOW_SIZE = 0 before the request arrives.
      p.settings(Buffer.from([0, 4, 0, 0, 0, 0]));
      return p;
    })();
    const p = await p0;
    await new Promise((r) => setTimeout(r, 50));
    c.request(REQUEST, Buffer.from('hello'), rec.events);
    await p.until((f) => f.type === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.frames.filter((f) => f.type === 0)).toEqual([]);
    p.write(frame(8, 0, 1, Buffer.from([0, 0, 0, 3])));
    const firstPart = await p.until((f) => f.type === 0);
    expect(firstPart!.payload.toString()).toBe('hel');
    expect(firstPart!.flags & 1).toBe(0);
    p.write(frame(8, 0, 1, Buffer.from([0, 0, 0, 10])));
    await p.until((f) => f.type === 0 && (f.flags & 1) === 1);
    const body = Buffer.concat(p.frames.filter((f) => f.type === 0).map((f) => f.payload));
    expect(body.toString()).toBe('hello');
  });

  it('on GOAWAY: streams above its last id fail (REFUSED), lower ones finish, no new request', async () => {
    let gone = 0;
    const c = connection(() => gone++);
    const a = recorder();
    const b = recorder();
    c.request(REQUEST, Buffer.alloc(0), a.events);
    c.request(REQUEST, Buffer.alloc(0), b.events);
    const p = await peer();
    await p.until((f) => f.type === 0 && f.stream === 3);
    const goaway = Buffer.alloc(8);
    goaway.writeUInt32BE(1, 0);
    p.write(frame(7, 0, 0, goaway));
    expect((await b.closed).rstCode).toBe(H2_ERROR.REFUSED_STREAM);
    expect(gone).toBe(1);
    expect(c.usable).toBe(false);
    expect(() => c.request(REQUEST, Buffer.alloc(0), recorder().events)).toThrow(/going away/);
    p.write(frame(1, 0x5, 1, OK_HEADERS));
    expect(await a.closed).toEqual({ rstCode: null, error: null });
    // Nothing left to serve: the connection closes.
    await p.until(() => false, 2000).catch(() => null);
    expect(p.closed).toBe(true);
  });

  it('reports a reset stream with its code, and cancel() sends RST_STREAM(CANCEL)', async () => {
    const c = connection();
    const a = recorder();
    const b = recorder();
    c.request(REQUEST, Buffer.alloc(0), a.events);
    const sb = c.request(REQUEST, Buffer.alloc(0), b.events);
    const p = await peer();
    await p.until((f) => f.type === 0 && f.stream === 3);
    p.write(frame(3, 0, 1, Buffer.from([0, 0, 0, 7])));
    expect(await a.closed).toEqual({ rstCode: 7, error: null });
    sb.cancel();
    const rst = await p.until((f) => f.type === 3);
    expect(rst!.stream).toBe(3);
    expect(rst!.payload.readUInt32BE(0)).toBe(H2_ERROR.CANCEL);
    // Late frames for the cancelled stream are ignored (its header block is still decoded).
    p.write(frame(1, 0x5, 3, OK_HEADERS));
    await new Promise((r) => setTimeout(r, 50));
    expect(b.headers).toEqual([]);
    expect(c.usable).toBe(true);
  });

  const protocolErrors: [string, (p: Peer) => void, RegExp][] = [
    ['a frame over 16 KiB', (p) => p.write(frame(0, 0, 1, Buffer.alloc(16_385))), /frame of 16385/],
    [
      'DATA before HEADERS',
      (p) => p.write(frame(0, 0, 1, Buffer.from([1]))),
      /DATA before HEADERS/,
    ],
    ['a stream we never opened', (p) => p.write(frame(1, 0x4, 9, OK_HEADERS)), /stream 9/],
    ['PUSH_PROMISE', (p) => p.write(frame(5, 0x4, 1, Buffer.alloc(4))), /PUSH_PROMISE/],
    [
      'another frame inside a header block',
      (p) => p.write(frame(1, 0, 1, OK_HEADERS), frame(6, 0, 0, Buffer.alloc(8))),
      /header block interrupted/,
    ],
    [
      'a header block that never ends',
      (p) => {
        p.write(frame(1, 0, 1, Buffer.alloc(0)));
        for (let i = 0; i < 3; i++) p.write(frame(9, 0, 1, Buffer.alloc(16_000)));
      },
      /header block over/,
    ],
    [
      'a malformed header block',
      (p) => p.write(frame(1, 0x4, 1, Buffer.from([0x80]))),
      /bad header block/,
    ],
    ['a malformed SETTINGS', (p) => p.write(frame(4, 0, 0, Buffer.alloc(5))), /malformed SETTINGS/],
    ['a window update of 0', (p) => p.write(frame(8, 0, 0, Buffer.alloc(4))), /WINDOW_UPDATE of 0/],
  ];
  for (const [what, send, message] of protocolErrors)
    it(`drops the connection on ${what}, failing its streams and saying why (GOAWAY)`, async () => {
      let gone = 0;
      const c = connection(() => gone++);
      const rec = recorder();
      c.request(REQUEST, Buffer.alloc(0), rec.events);
      const p = await peer();
      await p.until((f) => f.type === 0);
      send(p);
      const closed = await rec.closed;
      expect(closed.error?.message).toMatch(message);
      expect(gone).toBe(1);
      expect(c.usable).toBe(false);
      const goaway = await p.until((f) => f.type === 7);
      expect(goaway?.payload.readUInt32BE(4)).toBeGreaterThan(0);
    });

  it('fails its streams with the socket error when nothing listens', async () => {
    const c = new H2Connection(join(dir, 'none.sock'));
    conns.push(c);
    const rec = recorder();
    c.request(REQUEST, Buffer.alloc(0), rec.events);
    const closed = await rec.closed;
    expect(closed.error?.message).toMatch(/ENOENT/);
    expect(c.usable).toBe(false);
  });

  it('drops a peer that floods pings but never reads, before our write buffer grows', async () => {
    const c = connection();
    const rec = recorder();
    c.request(REQUEST, Buffer.alloc(0), rec.events);
    const p = await peer();
    await p.until((f) => f.type === 0);
    p.socket.pause(); // stops reading our acks
    const ping = frame(6, 0, 0, Buffer.alloc(8));
    const flood = Buffer.concat(Array.from({ length: 4096 }, () => ping));
    for (let i = 0; i < 40 && !p.closed; i++) {
      p.socket.write(flood);
      await new Promise((r) => setTimeout(r, 5));
    }
    const closed = await rec.closed;
    expect(closed.error?.message).toMatch(/does not read/);
  });
});
