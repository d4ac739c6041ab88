// How the start of a tar archive is judged, in words a person can act on: shared by the image
// importer (containerd/images/tar.ts) and the headless upload, which refuses a body that is not an
// archive from its first header rather than after staging all of it.
import { constants, gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

/** The bytes of one tar header: what tarHeadProblem needs to judge an archive's start. */
export const TAR_BLOCK = 512;

/** gzip's magic number: such an archive (`docker save | gzip`) is read through gunzip. */
export const isGzip = (head: Buffer) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/** A compressed archive the importer cannot read, named from its first bytes (null: not one). */
function compressedWhy(head: Buffer): string | null {
  // Only after one gunzip (a gzip-compressed archive is read through it): compressed twice.
  if (isGzip(head)) return 'the input is gzip-compressed twice (gunzip it once first)';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528)
    return 'the input is zstd-compressed, not a tar archive (decompress it first: zstd -d FILE)';
  return null;
}

/**
 * tar-stream's error, in our words: `entries` is how many entries were read before it, `head` the
 * input's first bytes.
 */
export function tarErrorMessage(err: unknown, entries: number, head: Buffer): string {
  const why = err instanceof Error ? err.message : String(err);
  if (entries === 0) {
    const compressed = compressedWhy(head);
    if (compressed) return compressed;
    if (/invalid tar header|unknown format/i.test(why))
      return 'the input is not a tar archive (its first header is not a tar header)';
  }
  if (/unexpected end/i.test(why)) return 'the archive is truncated';
  return `the archive is corrupt (${why})`;
}

/**
 * Why an archive starting with `head` (its first TAR_BLOCK bytes, or all of a shorter input)
 * would be refused by the importer, or null when its first header is one tar-stream reads (or a
 * zero block, which tells nothing yet). The importer's parser judges it, so an upload is refused
 * early exactly when its load would be refused later.
 */
export function tarHeadProblem(head: Buffer): Promise<string | null> {
  if (isGzip(head)) {
    // The importer reads it through gunzip: judge the tar header inside, when the compressed
    // start holds a whole one.
    let inner: Buffer;
    try {
      inner = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      return Promise.resolve(
        `the gzip-compressed input is corrupt (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    if (isGzip(inner)) return Promise.resolve(compressedWhy(inner));
    return inner.length < TAR_BLOCK ? Promise.resolve(null) : tarHeadProblem(inner);
  }
  return new Promise((resolve) => {
    const x = tar.extract();
    let settled = false;
    const settle = (why: string | null) => {
      if (settled) return;
      settled = true;
      resolve(why);
      x.destroy();
    };
    x.on('entry', () => settle(null));
    x.on('error', (err: Error) => settle(tarErrorMessage(err, 0, head)));
    x.on('finish', () => settle(null));
    x.on('close', () => settle(null));
    x.end(head.subarray(0, TAR_BLOCK));
  });
}
