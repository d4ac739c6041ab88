// A minimal HTTP/2 client connection (RFC 9113, cleartext with prior knowledge) on a unix
// socket, for the unary gRPC calls of grpc-unary.ts: the supervisor's health and version probes.
// node:http2 would do, but loading it loads tls, crypto and http too, ~15 ms of CPU that landed
// while containerd boots and slowed its boot (issue 8). A client of short unary calls needs little
// of HTTP/2: no server push, no priorities, requests of one small DATA frame. It still follows the
// protocol's rules a peer relies on (settings and ping acks, flow control both ways, GOAWAY,
// CONTINUATION, padding), and everything it buffers is bounded.
import { connect, type Socket } from 'node:net';
import { encodeHeaders, HpackDecoder, HpackError } from './hpack';

export type HeaderFields = [name: string, value: string][];

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;
const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

/** HTTP/2 error codes (RFC 9113 §7). */
export const H2_ERROR = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  FLOW_CONTROL_ERROR: 0x3,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const;

/** The frame size we accept (the protocol's default; we never raise it). */
const MAX_FRAME = 16_384;
/** One header block (HEADERS + CONTINUATION) may not grow past this before it is decoded. */
const MAX_HEADER_BLOCK = 32 * 1024;
/** Decoded headers of one block (HPACK's accounting); advertised as SETTINGS_MAX_HEADER_LIST_SIZE. */
const MAX_HEADER_LIST = 16 * 1024;
const DEFAULT_WINDOW = 65_535;
/** Flow-control windows and stream ids are 31-bit. */
const MAX_31_BIT = 2 ** 31 - 1;
/** Bytes we let wait in the socket's write buffer before giving up on the peer. */
const MAX_UNSENT = 256 * 1024;

/** What a stream reports: header blocks, data, and (once) its end. */
export interface StreamEvents {
  /** A header block: the response headers first; a later one is the trailers. */
  headers(fields: HeaderFields, endStream: boolean): void;
  data(chunk: Buffer): void;
  /**
   * The stream is over, exactly once: ended by the peer (END_STREAM: both null), reset by the
   * peer (`rstCode`), or failed with the connection (`error`). Not called after cancel().
   */
  close(rstCode: number | null, error: Error | null): void;
}

export interface ClientStream {
  readonly id: number;
  /** Resets the stream (CANCEL) unless it is over; no event follows. */
  cancel(): void;
}

interface OpenStream {
  id: number;
  events: StreamEvents;
  /** Peer's window for this stream (what we may still send). */
  sendWindow: number;
  /** The request body not yet sent (waiting for window), then null. */
  pendingBody: Buffer | null;
  gotHeaders: boolean;
}

/** A connection-level failure: every open stream closes with it. */
export class H2ConnectionError extends Error {
  constructor(
    message: string,
    readonly errorCode: number | null = null,
  ) {
    super(message);
    this.name = 'H2ConnectionError';
  }
}

function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return h;
}

function frame(type: number, flags: number, stream: number, payload?: Buffer): Buffer {
  const len = payload?.length ?? 0;
  const h = frameHeader(len, type, flags, stream);
  return payload && len ? Buffer.concat([h, payload]) : h;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * One HTTP/2 connection to a unix socket. Requests are sent as soon as the socket is asked for
 * (the preface and our settings go first; a server processes them in order). `onGone` is called
 * once when the connection can take no new request (closed, failed, or the peer sent GOAWAY).
 * The socket is unref()ed: an idle connection never keeps the process alive.
 */
export class H2Connection {
  private readonly socket: Socket;
  private readonly decoder = new HpackDecoder(4096, MAX_HEADER_LIST);
  private readonly streams = new Map<number, OpenStream>();
  private nextId = 1;
  private inbuf: Buffer = Buffer.alloc(0);
  /** The header block being collected: its stream, fragments and flags of its HEADERS frame. */
  private block: { stream: number; parts: Buffer[]; bytes: number; endStream: boolean } | null =
    null;
  private sendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  /** Set once no new request may start: the reason. */
  private goneReason: Error | null = null;
  private destroyed = false;

  constructor(
    socketPath: string,
    private readonly onGone: (conn: H2Connection) => void = () => undefined,
  ) {
    this.socket = connect(socketPath);
    this.socket.unref();
    const settings = Buffer.alloc(18);
    settings.writeUInt16BE(SETTINGS_ENABLE_PUSH, 0);
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(SETTINGS_HEADER_TABLE_SIZE, 6);
    settings.writeUInt32BE(4096, 8);
    settings.writeUInt16BE(SETTINGS_MAX_HEADER_LIST_SIZE, 12);
    settings.writeUInt32BE(MAX_HEADER_LIST, 14);
    this.send(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, settings)]));
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (err) => this.destroy(err));
    this.socket.on('close', () => this.destroy(new H2ConnectionError('connection closed')));
  }

  /**
   * Writes to the socket. A peer that does not read what we owe it (settings and ping acks,
   * window updates) while it keeps sending is dropped before our write buffer grows unbounded.
   */
  private send(buf: Buffer): void {
    if (this.destroyed) return;
    if (this.socket.writableLength > MAX_UNSENT) {
      this.destroy(new H2ConnectionError('the server does not read what we send'));
      return;
    }
    this.socket.write(buf);
  }

  /** Whether a new request may start on this connection. */
  get usable(): boolean {
    return this.goneReason === null;
  }

  /** Open streams (tests and the channel's bookkeeping). */
  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Starts a request: `fields` (pseudo-headers first, names lowercase) and the whole body, which
   * ends the stream. Throws H2ConnectionError when the connection takes no new request.
   */
  request(fields: HeaderFields, body: Buffer, events: StreamEvents): ClientStream {
    if (this.goneReason) throw this.goneReason;
    const block = encodeHeaders(fields);
    if (block.length > MAX_FRAME) throw new H2ConnectionError('request headers too large');
    const id = this.nextId;
    this.nextId += 2;
    if (id > MAX_31_BIT) {
      // Stream ids ran out (2^30 requests): this connection is done, the next one starts over.
      this.gone(new H2ConnectionError('stream ids exhausted'));
      throw this.goneReason!;
    }
    const s: OpenStream = {
      id,
      events,
      sendWindow: this.peerInitialWindow,
      pendingBody: body,
      gotHeaders: false,
    };
    this.streams.set(id, s);
    this.send(frame(HEADERS, END_HEADERS, id, block));
    this.flushBody(s);
    return {
      id,
      cancel: () => {
        if (this.streams.get(id) !== s) return;
        this.streams.delete(id);
        this.send(frame(RST_STREAM, 0, id, u32(H2_ERROR.CANCEL)));
        this.closeIfDrained();
      },
    };
  }

  /** Closes the socket; open streams close with `err` (or a plain "connection closed"). */
  destroy(err?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const why = err ?? new H2ConnectionError('connection closed');
    this.gone(why);
    this.socket.destroy();
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const s of open) s.events.close(null, why);
  }

  private gone(why: Error): void {
    if (this.goneReason) return;
    this.goneReason = why;
    this.onGone(this);
  }

  /** After GOAWAY, the socket closes once the streams the peer still serves are done. */
  private closeIfDrained(): void {
    if (this.goneReason && !this.destroyed && this.streams.size === 0) this.destroy();
  }

  /** Sends as much of a stream's body as both windows allow; the last frame ends the stream. */
  private flushBody(s: OpenStream): void {
    let body = s.pendingBody;
    if (body === null) return;
    while (body.length > 0) {
      const n = Math.min(body.length, MAX_FRAME, s.sendWindow, this.sendWindow);
      if (n <= 0) break;
      const last = n === body.length;
      this.send(frame(DATA, last ? END_STREAM : 0, s.id, body.subarray(0, n)));
      s.sendWindow -= n;
      this.sendWindow -= n;
      body = body.subarray(n);
      if (last) {
        s.pendingBody = null;
        return;
      }
    }
    if (body.length === 0) {
      // An empty body: END_STREAM on an empty DATA frame (flow control does not count it).
      this.send(frame(DATA, END_STREAM, s.id));
      s.pendingBody = null;
      return;
    }
    s.pendingBody = body;
  }

  private receive(chunk: Buffer): void {
    this.inbuf = this.inbuf.length ? Buffer.concat([this.inbuf, chunk]) : chunk;
    try {
      while (!this.destroyed && this.inbuf.length >= 9) {
        const length = this.inbuf.readUIntBE(0, 3);
        if (length > MAX_FRAME)
          throw new H2ConnectionError(
            `frame of ${length} bytes (at most ${MAX_FRAME})`,
            H2_ERROR.FRAME_SIZE_ERROR,
          );
        if (this.inbuf.length < 9 + length) break;
        const type = this.inbuf[3]!;
        const flags = this.inbuf[4]!;
        const stream = this.inbuf.readUInt32BE(5) & 0x7fffffff;
        const payload = this.inbuf.subarray(9, 9 + length);
        this.inbuf = this.inbuf.subarray(9 + length);
        this.onFrame(type, flags, stream, payload);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  /** A connection error: tell the peer (GOAWAY) when we can, then close. */
  private fail(err: unknown): void {
    const e =
      err instanceof H2ConnectionError
        ? err
        : err instanceof HpackError
          ? new H2ConnectionError(`bad header block: ${err.message}`, H2_ERROR.COMPRESSION_ERROR)
          : new H2ConnectionError(String((err as Error)?.message ?? err), H2_ERROR.PROTOCOL_ERROR);
    if (e.errorCode !== null) {
      // Last stream id 0: the server opens no streams of its own for us to have processed.
      const payload = Buffer.alloc(8);
      payload.writeUInt32BE(e.errorCode, 4);
      this.send(frame(GOAWAY, 0, 0, payload));
    }
    this.destroy(e);
  }

  private onFrame(type: number, flags: number, stream: number, payload: Buffer): void {
    // A header block in progress admits only its own CONTINUATION frames.
    if (this.block && (type !== CONTINUATION || stream !== this.block.stream))
      throw new H2ConnectionError('header block interrupted', H2_ERROR.PROTOCOL_ERROR);
    switch (type) {
      case DATA:
        return this.onData(flags, stream, payload);
      case HEADERS:
        return this.onHeaders(flags, stream, payload);
      case CONTINUATION:
        if (!this.block) throw new H2ConnectionError('stray CONTINUATION', H2_ERROR.PROTOCOL_ERROR);
        return this.addFragment(payload, (flags & END_HEADERS) !== 0);
      case RST_STREAM:
        return this.onReset(stream, payload);
      case SETTINGS:
        return this.onSettings(flags, stream, payload);
      case PING:
        if (stream !== 0 || payload.length !== 8)
          throw new H2ConnectionError('malformed PING', H2_ERROR.PROTOCOL_ERROR);
        if (!(flags & ACK)) this.send(frame(PING, ACK, 0, payload));
        return;
      case GOAWAY:
        return this.onGoaway(stream, payload);
      case WINDOW_UPDATE:
        return this.onWindowUpdate(stream, payload);
      case PUSH_PROMISE:
        throw new H2ConnectionError('PUSH_PROMISE with push disabled', H2_ERROR.PROTOCOL_ERROR);
      default:
        // PRIORITY and unknown frame types are ignored (RFC 9113 §4.1, §5.5).
        return;
    }
  }

  /** A stream id the peer may talk about: one we opened (open or already over). */
  private checkStreamId(stream: number, what: string): void {
    if (stream === 0 || stream % 2 === 0 || stream >= this.nextId)
      throw new H2ConnectionError(`${what} on stream ${stream}`, H2_ERROR.PROTOCOL_ERROR);
  }

  /** Strips padding (PADDED) from a DATA or HEADERS payload. */
  private unpad(flags: number, payload: Buffer, what: string): Buffer {
    if (!(flags & PADDED)) return payload;
    const pad = payload[0];
    if (pad === undefined || pad >= payload.length)
      throw new H2ConnectionError(`${what} padding too long`, H2_ERROR.PROTOCOL_ERROR);
    return payload.subarray(1, payload.length - pad);
  }

  private onData(flags: number, stream: number, payload: Buffer): void {
    this.checkStreamId(stream, 'DATA');
    // Give the whole frame (padding included) back at once: replies are bounded by the caller,
    // which drops a connection that sends more than any reply may hold.
    if (payload.length > 0) {
      const inc = u32(payload.length);
      const s = this.streams.get(stream);
      const endStream = (flags & END_STREAM) !== 0;
      this.send(
        s && !endStream
          ? Buffer.concat([frame(WINDOW_UPDATE, 0, 0, inc), frame(WINDOW_UPDATE, 0, stream, inc)])
          : frame(WINDOW_UPDATE, 0, 0, inc),
      );
    }
    const s = this.streams.get(stream);
    if (!s) return; // cancelled or over: ignored
    if (!s.gotHeaders)
      throw new H2ConnectionError(
        `DATA before HEADERS on stream ${stream}`,
        H2_ERROR.PROTOCOL_ERROR,
      );
    const data = this.unpad(flags, payload, 'DATA');
    if (data.length) s.events.data(data);
    if (flags & END_STREAM && this.streams.get(stream) === s) this.finish(s, null);
  }

  private onHeaders(flags: number, stream: number, payload: Buffer): void {
    this.checkStreamId(stream, 'HEADERS');
    let fragment = this.unpad(flags, payload, 'HEADERS');
    if (flags & PRIORITY) {
      if (fragment.length < 5)
        throw new H2ConnectionError('HEADERS priority truncated', H2_ERROR.PROTOCOL_ERROR);
      fragment = fragment.subarray(5);
    }
    this.block = { stream, parts: [], bytes: 0, endStream: (flags & END_STREAM) !== 0 };
    this.addFragment(fragment, (flags & END_HEADERS) !== 0);
  }

  private addFragment(fragment: Buffer, endHeaders: boolean): void {
    const b = this.block!;
    b.bytes += fragment.length;
    if (b.bytes > MAX_HEADER_BLOCK)
      throw new H2ConnectionError(
        `header block over ${MAX_HEADER_BLOCK} bytes`,
        H2_ERROR.PROTOCOL_ERROR,
      );
    b.parts.push(fragment);
    if (!endHeaders) return;
    this.block = null;
    // Decoded even for a stream we no longer follow: the decoder's table must stay in step.
    const fields = this.decoder.decode(b.parts.length === 1 ? b.parts[0]! : Buffer.concat(b.parts));
    const s = this.streams.get(b.stream);
    if (!s) return;
    s.gotHeaders = true;
    s.events.headers(fields, b.endStream);
    if (b.endStream && this.streams.get(b.stream) === s) this.finish(s, null);
  }

  private onReset(stream: number, payload: Buffer): void {
    if (payload.length !== 4)
      throw new H2ConnectionError('malformed RST_STREAM', H2_ERROR.FRAME_SIZE_ERROR);
    this.checkStreamId(stream, 'RST_STREAM');
    const s = this.streams.get(stream);
    if (s) this.finish(s, payload.readUInt32BE(0));
  }

  private onSettings(flags: number, stream: number, payload: Buffer): void {
    if (stream !== 0) throw new H2ConnectionError('SETTINGS on a stream', H2_ERROR.PROTOCOL_ERROR);
    if (flags & ACK) {
      if (payload.length)
        throw new H2ConnectionError('SETTINGS ack with a payload', H2_ERROR.FRAME_SIZE_ERROR);
      return;
    }
    if (payload.length % 6)
      throw new H2ConnectionError('malformed SETTINGS', H2_ERROR.FRAME_SIZE_ERROR);
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at);
      const value = payload.readUInt32BE(at + 2);
      if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (value > MAX_31_BIT)
          throw new H2ConnectionError('initial window too large', H2_ERROR.FLOW_CONTROL_ERROR);
        // The change applies to every open stream's window (RFC 9113 §6.9.2).
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.sendWindow += delta;
      } else if (id === SETTINGS_MAX_FRAME_SIZE && (value < MAX_FRAME || value > 2 ** 24 - 1)) {
        throw new H2ConnectionError('bad SETTINGS_MAX_FRAME_SIZE', H2_ERROR.PROTOCOL_ERROR);
      } else if (id === SETTINGS_ENABLE_PUSH && value > 1) {
        throw new H2ConnectionError('bad SETTINGS_ENABLE_PUSH', H2_ERROR.PROTOCOL_ERROR);
      }
      // Header table size: we never index what we send. Concurrency and list size: we open a
      // handful of small streams at most. Unknown settings are ignored.
    }
    this.send(frame(SETTINGS, ACK, 0));
    for (const s of [...this.streams.values()]) this.flushBody(s);
  }

  private onGoaway(stream: number, payload: Buffer): void {
    if (stream !== 0 || payload.length < 8)
      throw new H2ConnectionError('malformed GOAWAY', H2_ERROR.PROTOCOL_ERROR);
    const last = payload.readUInt32BE(0) & 0x7fffffff;
    const code = payload.readUInt32BE(4);
    this.gone(new H2ConnectionError(`the server is going away (GOAWAY code ${code})`, code));
    // Streams above `last` were never processed: they fail now; the others may still finish.
    for (const s of [...this.streams.values()])
      if (s.id > last) this.finish(s, H2_ERROR.REFUSED_STREAM);
    this.closeIfDrained();
  }

  private onWindowUpdate(stream: number, payload: Buffer): void {
    if (payload.length !== 4)
      throw new H2ConnectionError('malformed WINDOW_UPDATE', H2_ERROR.FRAME_SIZE_ERROR);
    const inc = payload.readUInt32BE(0) & 0x7fffffff;
    if (stream === 0) {
      if (inc === 0) throw new H2ConnectionError('WINDOW_UPDATE of 0', H2_ERROR.PROTOCOL_ERROR);
      this.sendWindow += inc;
      if (this.sendWindow > MAX_31_BIT)
        throw new H2ConnectionError('window over 2^31-1', H2_ERROR.FLOW_CONTROL_ERROR);
      for (const s of [...this.streams.values()]) this.flushBody(s);
      return;
    }
    this.checkStreamId(stream, 'WINDOW_UPDATE');
    const s = this.streams.get(stream);
    if (!s) return;
    if (inc === 0 || s.sendWindow + inc > MAX_31_BIT) {
      // A stream error: reset that stream alone.
      this.send(frame(RST_STREAM, 0, stream, u32(H2_ERROR.FLOW_CONTROL_ERROR)));
      this.finish(s, H2_ERROR.FLOW_CONTROL_ERROR);
      return;
    }
    s.sendWindow += inc;
    this.flushBody(s);
  }

  /** The stream is over (`rstCode` null: ended normally). */
  private finish(s: OpenStream, rstCode: number | null): void {
    this.streams.delete(s.id);
    s.events.close(rstCode, null);
    this.closeIfDrained();
  }
}
