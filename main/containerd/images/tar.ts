// Image archives (`docker save`, OCI layout tars, gzip-compressed or not) read and written with
// tar-stream: each entry's bytes pass through as chunks, so an archive of any size is never held
// in memory.
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { isGzip, tarErrorMessage } from '../../shared/tar-head';

export interface TarEntry {
  /** The path inside the archive, without a leading `./`. */
  name: string;
  type: tar.Header['type'];
  size: number;
  /** The entry's bytes, as chunks; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

/** The input is not a readable tar archive (not one, corrupt, or cut short). */
export class TarError extends Error {}

/** tar-stream's words for a bad archive, in ours. */
function archiveError(err: unknown, entries: number, head: Buffer): TarError {
  return new TarError(tarErrorMessage(err, entries, head));
}

const isZlibError = (err: unknown) =>
  typeof (err as { code?: unknown } | null)?.code === 'string' &&
  (err as { code: string }).code.startsWith('Z_');

/**
 * The archive's entries in order. Throws TarError for input that is not a tar archive or ends
 * early; an error of the source itself (a file that cannot be read) is thrown as it is.
 */
export async function* readTar(
  src: AsyncIterable<Buffer | Uint8Array | string>,
): AsyncGenerator<TarEntry> {
  let sourceError: unknown = null;
  const chunks = (async function* () {
    try {
      for await (const s of src)
        yield typeof s === 'string'
          ? Buffer.from(s)
          : Buffer.isBuffer(s)
            ? s
            : Buffer.from(s.buffer, s.byteOffset, s.byteLength);
    } catch (err) {
      sourceError = err;
      throw err;
    }
  })();
  // Enough of the start to tell a gzip-compressed archive (`docker save | gzip`), which is read
  // through gunzip as docker load does.
  const start: Buffer[] = [];
  for (let got = 0; got < 2;) {
    const next = await chunks.next();
    if (next.done) break;
    start.push(next.value);
    got += next.value.length;
  }
  const first = Buffer.concat(start);
  const gzipped = isGzip(first);
  const source = Readable.from(
    (async function* () {
      if (first.length) yield first;
      yield* chunks;
    })(),
  );
  // The first bytes of the tar stream, to name what the input is when it is not a tar archive.
  let head = Buffer.alloc(0);
  const headOf = new Transform({
    transform(b: Buffer, _enc, done) {
      if (head.length < 4) head = Buffer.concat([head, b.subarray(0, 4 - head.length)]);
      done(null, b);
    },
  });
  const extract = tar.extract();
  const sink = extract as unknown as Writable;
  // The iterator below reports the archive's errors; this only must not go unhandled.
  const feeding = (
    gzipped ? pipeline(source, createGunzip(), headOf, sink) : pipeline(source, headOf, sink)
  ).catch(() => undefined);
  const tarError = (err: unknown, entries: number, at: Buffer): TarError =>
    gzipped && isZlibError(err)
      ? new TarError(
          `the gzip-compressed input is corrupt or cut short (${(err as Error).message})`,
        )
      : archiveError(err, entries, at);
  let entries = 0;
  try {
    for await (const entry of extract) {
      entries++;
      const h = entry.header;
      yield {
        name: h.name.replace(/^\.\//, ''),
        type: h.type,
        size: h.size,
        body: (async function* () {
          try {
            // A streamx Readable: its chunks are Buffers.
            for await (const b of entry as AsyncIterable<Buffer>) yield b;
          } catch (err) {
            throw sourceError ?? tarError(err, entries, head);
          }
        })(),
      };
      // What the consumer did not read goes by, so the next entry can be parsed.
      entry.resume();
    }
  } catch (err) {
    if (sourceError) throw sourceError;
    throw tarError(err, entries, head);
  } finally {
    source.destroy();
    await feeding;
  }
  if (sourceError) throw sourceError;
  if (entries === 0) throw new TarError('the input is empty or not a tar archive');
}

/** A tar writer whose entries are written one after another, each with backpressure. */
export interface TarWriter {
  /** A regular file of `size` bytes, given as chunks. */
  file(name: string, size: number, body: AsyncIterable<Buffer> | Buffer): Promise<void>;
  directory(name: string): Promise<void>;
  /** Ends the archive; resolves once every byte reached `out`. */
  finish(): Promise<void>;
}

/** An entry being written (a streamx Writable). */
type Sink = ReturnType<tar.Pack['entry']>;

export function writeTar(out: Writable): TarWriter {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as Readable, out);
  // Surfaced by finish() (or by the write that waits on it): never unhandled.
  done.catch(() => undefined);
  const drained = (s: Sink) =>
    new Promise<void>((resolve, reject) => {
      const ok = () => {
        s.off('error', fail);
        resolve();
      };
      const fail = (err: Error) => {
        s.off('drain', ok);
        reject(err);
      };
      s.once('drain', ok);
      s.once('error', fail);
    });
  /** One entry: its chunks written with backpressure; resolves once tar-stream took it whole. */
  async function add(
    header: Parameters<tar.Pack['entry']>[0],
    chunks: AsyncIterable<Buffer> | Buffer[],
  ): Promise<void> {
    let settle!: (err?: Error | null) => void;
    const written = new Promise<void>((ok, fail) => {
      settle = (err) => (err ? fail(err) : ok());
    });
    written.catch(() => undefined);
    const stream = pack.entry(header, (err) => settle(err));
    stream.on('error', (err: Error) => settle(err));
    for await (const b of chunks)
      if (!stream.write(b)) {
        // The loser of each race settles later: it must not become an unhandled rejection.
        const d = drained(stream);
        d.catch(() => undefined);
        await Promise.race([d, done]);
      }
    // streamx's end() takes an optional last chunk; there is none.
    stream.end(undefined);
    await Promise.race([written, done]);
  }
  return {
    file: (name, size, body) =>
      add({ name, size, type: 'file', mode: 0o644 }, Buffer.isBuffer(body) ? [body] : body),
    directory: (name) => add({ name, type: 'directory', mode: 0o755 }, []),
    async finish() {
      pack.finalize();
      await done;
    },
  };
}
