// A streaming tar reader and writer, just what image archives need (ustar headers, pax `path` and
// `size` records, GNU long names, base-256 sizes). Hand-written because no tar library is a
// dependency of the app (the `tar` in node_modules is only transitive); each entry's bytes pass
// through as chunks, so an archive of any size is never held in memory.

const BLOCK = 512;
/** pax / GNU long-name records are small text; more is not an image archive. */
const MAX_META_BYTES = 64 * 1024;

export interface TarEntry {
  name: string;
  /** '0' regular file, '5' directory, '2' symlink, … (ustar typeflag). */
  type: string;
  size: number;
  /** The entry's bytes, as chunks; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

export class TarError extends Error {}

/** Pulls exact byte counts out of a chunk stream. */
class Bytes {
  private buf: Buffer[] = [];
  private have = 0;
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;
  constructor(src: AsyncIterable<Buffer | Uint8Array | string>) {
    this.it = src[Symbol.asyncIterator]();
  }
  private async fill(): Promise<boolean> {
    const n = await this.it.next();
    if (n.done) return false;
    const b = typeof n.value === 'string' ? Buffer.from(n.value) : Buffer.from(n.value);
    this.buf.push(b);
    this.have += b.length;
    return true;
  }
  /** Exactly n bytes, or null at a clean end of input before any of them. */
  async exact(n: number): Promise<Buffer | null> {
    while (this.have < n) {
      if (!(await this.fill())) {
        if (this.have === 0) return null;
        throw new TarError(
          `the archive ends in the middle of a record (${this.have} of ${n} bytes)`,
        );
      }
    }
    const all = this.buf.length === 1 ? this.buf[0]! : Buffer.concat(this.buf, this.have);
    this.buf = all.length > n ? [all.subarray(n)] : [];
    this.have -= n;
    return all.subarray(0, n);
  }
  /** n bytes as the chunks that carry them (no copy of the whole). */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.have === 0 && !(await this.fill()))
        throw new TarError(`the archive is truncated (${left} bytes of an entry missing)`);
      const b = this.buf.shift()!;
      this.have -= b.length;
      if (b.length > left) {
        this.buf.unshift(b.subarray(left));
        this.have += b.length - left;
        yield b.subarray(0, left);
        left = 0;
      } else {
        left -= b.length;
        yield b;
      }
    }
  }
  async skip(n: number): Promise<void> {
    for await (const _ of this.take(n)) void _;
  }
}

function text(b: Buffer, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
}

function numeric(b: Buffer, at: number, len: number): number {
  const f = b.subarray(at, at + len);
  if (f[0]! & 0x80) {
    // base-256 (GNU, for sizes past 8 GiB)
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return v;
  }
  const s = text(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarError(`a tar header has a malformed number "${s}"`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  const want = text(h, 148, 8).trim();
  return /^[0-7]+$/.test(want) && parseInt(want, 8) === sum;
}

function paxRecords(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < b.length) {
    const sp = b.indexOf(0x20, at);
    if (sp < 0) break;
    const len = Number(b.subarray(at, sp).toString());
    if (!Number.isInteger(len) || len <= 0 || at + len > b.length) break;
    const rec = b.subarray(sp + 1, at + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/**
 * The archive's entries in order. Throws TarError for input that is not a tar archive (a bad
 * header checksum) or that ends early.
 */
export async function* readTar(
  src: AsyncIterable<Buffer | Uint8Array | string>,
): AsyncGenerator<TarEntry> {
  const r = new Bytes(src);
  let longName: string | null = null;
  let pax: Record<string, string> = {};
  let first = true;
  for (;;) {
    const h = await r.exact(BLOCK);
    if (!h) {
      if (first) throw new TarError('the input is empty');
      return;
    }
    if (h.every((x) => x === 0)) return; // end-of-archive marker
    if (!checksumOk(h))
      throw new TarError(
        first
          ? 'the input is not a tar archive (its first header is not a tar header)'
          : 'a tar header is corrupt (checksum mismatch)',
      );
    first = false;
    const type = String.fromCharCode(h[156] || 0x30);
    let size = numeric(h, 124, 12);
    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > MAX_META_BYTES) throw new TarError(`a tar metadata record of ${size} bytes`);
      const meta = (await r.exact(size + pad(size)))!.subarray(0, size);
      if (type === 'x') pax = paxRecords(meta);
      if (type === 'L') longName = text(meta, 0, meta.length);
      continue;
    }
    const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar')
      ? text(h, 345, 155)
      : '';
    let name = pax.path ?? longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    if (pax.size !== undefined) size = Number(pax.size);
    pax = {};
    longName = null;
    name = name.replace(/^\.\//, '');
    const hasData = type === '0' || type === '7' || type === '\0';
    const dataSize = hasData ? size : type === '5' || type === '2' || type === '1' ? 0 : size;
    let left = dataSize;
    const body = (async function* () {
      for await (const b of r.take(left)) {
        left -= b.length;
        yield b;
      }
    })();
    yield { name, type: type === '\0' ? '0' : type, size: dataSize, body };
    // What the consumer did not read (or stopped reading part way), then the padding.
    await r.skip(left + pad(dataSize));
  }
}

/** A ustar header for a regular file or directory (names ≤ 100 bytes, or split at a `/` into prefix). */
export function tarHeader(name: string, size: number, type: '0' | '5' = '0'): Buffer {
  const h = Buffer.alloc(BLOCK);
  let base = name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100)
      throw new TarError(`the name ${name} is too long for a tar header`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 8, 'latin1');
  h.write('0000000\0', 108, 8, 'latin1');
  h.write('0000000\0', 116, 8, 'latin1');
  if (size < 8 ** 11) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  else {
    // base-256 for 8 GiB and more
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = v % 256;
      v = Math.floor(v / 256);
    }
    h[124] = 0x80;
  }
  h.write('00000000000\0', 136, 12, 'latin1');
  h.write(type, 156, 1, 'latin1');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** The zero padding after an entry of `size` bytes. */
export const tarPadding = (size: number): Buffer => Buffer.alloc(pad(size));
/** Two zero blocks end an archive. */
export const tarEnd = (): Buffer => Buffer.alloc(BLOCK * 2);
