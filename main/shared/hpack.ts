// HPACK (RFC 7541) for the minimal HTTP/2 client the health probes use (h2c.ts): node:http2 loads
// tls, crypto and http, ~15 ms of CPU while containerd boots (issue 8). Replies are decoded in
// full (Go's grpc server and nghttp2 use the dynamic table and Huffman); requests are sent as plain
// literals that never touch the peer's dynamic table, so there is no encoder state to keep.

/** A malformed or over-limit header block: the connection must be dropped (COMPRESSION_ERROR). */
export class HpackError extends Error {
  constructor(message: string) {
    super(`HPACK: ${message}`);
    this.name = 'HpackError';
  }
}

/** RFC 7541 Appendix A, index 1 first. */
const STATIC: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/**
 * Code lengths of RFC 7541 Appendix B, symbols 0–255 then EOS (256). The code is canonical (codes
 * run in order of length, then symbol), so the lengths alone fix every code.
 */
export const HUFFMAN_BITS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5,
  6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6,
  7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23,
  23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22,
  22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22,
  23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27,
  27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25,
  24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
];

const EOS = 256;

/**
 * Canonical decoding tables, built on first use from the lengths alone (a few hundred steps; a
 * bit tree took ~2 ms of interpreted start-up while containerd booted, issue 8): per code length,
 * how many symbols have it, the first code of that length, and where its symbols start in
 * `sorted` (all symbols ordered by length, then symbol).
 */
interface Canonical {
  count: Int32Array;
  first: Int32Array;
  start: Int32Array;
  sorted: Uint16Array;
}
let canonical: Canonical | null = null;

function canonicalTables(): Canonical {
  if (canonical) return canonical;
  const count = new Int32Array(32);
  for (const bits of HUFFMAN_BITS) count[bits]!++;
  const start = new Int32Array(32);
  const first = new Int32Array(32);
  for (let len = 1; len < 32; len++) {
    start[len] = start[len - 1]! + count[len - 1]!;
    first[len] = (first[len - 1]! + count[len - 1]!) * 2;
  }
  const sorted = new Uint16Array(HUFFMAN_BITS.length);
  const next = start.slice();
  HUFFMAN_BITS.forEach((bits, sym) => (sorted[next[bits]!++] = sym));
  canonical = { count, first, start, sorted };
  return canonical;
}

/** Each symbol's code, right-aligned in HUFFMAN_BITS[symbol] bits (for tests). */
export function huffmanCodes(): number[] {
  const { first, start, sorted } = canonicalTables();
  const codes = new Array<number>(HUFFMAN_BITS.length).fill(0);
  sorted.forEach((sym, i) => {
    const len = HUFFMAN_BITS[sym]!;
    codes[sym] = first[len]! + (i - start[len]!);
  });
  return codes;
}

/** Huffman-decodes a string literal (RFC 7541 §5.2): canonical decoding, a bit at a time. */
export function huffmanDecode(bytes: Buffer): Buffer {
  const { count, first, start, sorted } = canonicalTables();
  const out = Buffer.alloc(Math.floor((bytes.length * 8) / 5)); // no code is shorter than 5 bits
  let n = 0;
  let code = 0; // the bits read since the last whole symbol
  let len = 0;
  for (const byte of bytes) {
    for (let i = 7; i >= 0; i--) {
      code = code * 2 + ((byte >> i) & 1);
      len++;
      // Codes of one length are consecutive from first[len]; the prefix of a longer code is past
      // them (the code is canonical and complete), so this range check decides at every bit.
      const at = code - first[len]!;
      if (at >= 0 && at < count[len]!) {
        const sym = sorted[start[len]! + at]!;
        if (sym === EOS) throw new HpackError('Huffman string holds the EOS symbol');
        out[n++] = sym;
        code = 0;
        len = 0;
      }
    }
  }
  if (len > 7) throw new HpackError(`Huffman padding of ${len} bits (at most 7)`);
  if (code !== 2 ** len - 1) throw new HpackError('Huffman padding is not all ones');
  return out.subarray(0, n);
}

/** Larger integers are refused: no length or index we accept comes near. */
const MAX_INT = 0x7fffffff;

/** A cursor over one header block; every read past its end is an HpackError. */
class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly maxListBytes: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  peek(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw new HpackError('header block ends inside a field');
    return b;
  }

  byte(): number {
    const b = this.peek();
    this.pos++;
    return b;
  }

  /** An integer with an N-bit prefix (§5.1); the byte's flag bits above the prefix are ignored. */
  int(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.byte() & max;
    if (value < max) return value;
    for (let shift = 0; shift <= 28; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if (value > MAX_INT) throw new HpackError(`integer over ${MAX_INT}`);
      if (b < 0x80) return value;
    }
    throw new HpackError('integer longer than 5 continuation bytes');
  }

  /** A string literal (§5.2), refused when its decoded length is over `room`. */
  string(room: number): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const len = this.int(7);
    if (len > this.buf.length - this.pos)
      throw new HpackError(`string of ${len} bytes runs past the end of the header block`);
    const raw = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    const bytes = huffman ? huffmanDecode(raw) : raw;
    if (bytes.length > room) throw new HpackError(`header list over ${this.maxListBytes} bytes`);
    return bytes.toString('latin1');
  }
}

/** An entry's size in the dynamic table and in a header list (RFC 7541 §4.1, RFC 7540 §6.5.2). */
const entrySize = (name: string, value: string): number => name.length + value.length + 32;

/** Decodes header blocks of one connection (the dynamic table lives across blocks). */
export class HpackDecoder {
  /** The dynamic table, oldest first: HPACK index 62 is its last entry. */
  private readonly table: (readonly [string, string])[] = [];
  private tableBytes = 0;
  private tableMax: number;

  /**
   * `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE we advertise. `maxListBytes`: the most one
   * decoded block may hold, counted as RFC 7540 §6.5.2 does (name + value + 32 per field).
   */
  constructor(
    private readonly maxTableSize = 4096,
    private readonly maxListBytes = 16384,
  ) {
    this.tableMax = maxTableSize;
  }

  /** The dynamic table, newest first, and its size (§4.1): for tests and diagnostics. */
  dynamicTable(): { entries: [string, string][]; size: number } {
    const entries = this.table.map(([n, v]): [string, string] => [n, v]).reverse();
    return { entries, size: this.tableBytes };
  }

  /**
   * Decodes one complete header block (HEADERS and CONTINUATION fragments joined) into latin1
   * names and values. Throws HpackError on anything malformed or over maxListBytes.
   */
  decode(block: Buffer): [name: string, value: string][] {
    const r = new Reader(block, this.maxListBytes);
    const fields: [string, string][] = [];
    let listBytes = 0;
    const room = (name = ''): number => this.maxListBytes - listBytes - entrySize(name, '');
    while (!r.done) {
      const first = r.peek();
      let name: string;
      let value: string;
      if (first & 0x80) {
        // §6.1 indexed header field
        [name, value] = this.entry(r.int(7));
      } else if (first & 0x40) {
        // §6.2.1 literal with incremental indexing
        const index = r.int(6);
        name = index === 0 ? r.string(room()) : this.entry(index)[0];
        value = r.string(room(name));
      } else if (first & 0x20) {
        // §6.3 dynamic table size update, allowed only before the block's first field (§4.2)
        if (fields.length > 0) throw new HpackError('table size update after a header field');
        const size = r.int(5);
        if (size > this.maxTableSize)
          throw new HpackError(`table size update to ${size} (over ${this.maxTableSize})`);
        this.tableMax = size;
        this.evictFor(0);
        continue;
      } else {
        // §6.2.2 without indexing (0000) and §6.2.3 never indexed (0001)
        const index = r.int(4);
        name = index === 0 ? r.string(room()) : this.entry(index)[0];
        value = r.string(room(name));
      }
      listBytes += entrySize(name, value);
      if (listBytes > this.maxListBytes)
        throw new HpackError(`header list over ${this.maxListBytes} bytes`);
      if ((first & 0xc0) === 0x40) this.add(name, value);
      fields.push([name, value]);
    }
    return fields;
  }

  private entry(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    const e =
      index <= STATIC.length
        ? STATIC[index - 1]
        : this.table[this.table.length - (index - STATIC.length)];
    if (e === undefined)
      throw new HpackError(
        `index ${index} beyond the ${STATIC.length} static and ${this.table.length} dynamic entries`,
      );
    return e;
  }

  /** Adds an entry (§4.4): evicts the oldest to make room; one larger than the table empties it. */
  private add(name: string, value: string): void {
    const size = entrySize(name, value);
    this.evictFor(size);
    if (size > this.tableMax) return;
    this.table.push([name, value]);
    this.tableBytes += size;
  }

  /** Evicts the oldest entries until `size` more bytes fit (or the table is empty). */
  private evictFor(size: number): void {
    while (this.tableBytes + size > this.tableMax) {
      const old = this.table.shift();
      if (old === undefined) break;
      this.tableBytes -= entrySize(old[0], old[1]);
    }
  }
}

/** The length of an integer with an N-bit prefix (§5.1). */
function intLength(value: number, prefixBits: number): number {
  let rest = value - ((1 << prefixBits) - 1);
  if (rest < 0) return 1;
  let length = 2;
  for (; rest >= 128; rest = Math.floor(rest / 128)) length++;
  return length;
}

/** Writes an integer with an N-bit prefix (§5.1) at `pos`; returns the position after it. */
function writeInt(out: Buffer, pos: number, value: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[pos] = value;
    return pos + 1;
  }
  out[pos++] = max;
  let rest = value - max;
  while (rest >= 128) {
    out[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[pos] = rest;
  return pos + 1;
}

/**
 * One header block for a request: every field a literal without indexing, new name (0x00), no
 * Huffman, so it never touches the peer's dynamic table. Names must be lowercase and every
 * character latin1 (the caller's duty).
 */
export function encodeHeaders(fields: [name: string, value: string][]): Buffer {
  let size = 0;
  for (const [name, value] of fields)
    size += 1 + intLength(name.length, 7) + name.length + intLength(value.length, 7) + value.length;
  const out = Buffer.alloc(size);
  let pos = 0;
  for (const [name, value] of fields) {
    out[pos++] = 0x00;
    for (const s of [name, value]) {
      pos = writeInt(out, pos, s.length, 7);
      pos += out.write(s, pos, 'latin1');
    }
  }
  return out;
}
