// Reading a small file we own (settings, saved hosts) without trusting its size: never more than a bound.
import type { FileHandle } from 'node:fs/promises';

/**
 * The open file's bytes from its start, or null when it holds more than `max` (it may grow
 * while read, so the size from stat is not enough).
 */
export async function readAtMost(fh: FileHandle, max: number): Promise<Buffer | null> {
  const buf = Buffer.alloc(max + 1);
  let got = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) return buf.subarray(0, got);
    got += bytesRead;
    if (got > max) return null;
  }
}
