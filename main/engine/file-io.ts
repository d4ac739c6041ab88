// Small promise helpers over file descriptors and paths that node:fs/promises has no form of (positional reads on a plain fd).
import { closeSync, read, write, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Reads up to `len` bytes at `pos` into the start of `buf`; resolves with how many were read. */
export function readAt(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, len, pos, (err, n) => (err ? reject(err) : resolve(n)));
  });
}

/** Writes the first `len` bytes of `buf` at the fd's position, all of them. */
export function writeAll(fd: number, buf: Buffer, len: number): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buf, 0, len, null, (err, n) =>
      err
        ? reject(err)
        : n === len
          ? resolve()
          : writeAll(fd, buf.subarray(n), len - n).then(resolve, reject),
    );
  });
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}

/** The file's stats, or null when nothing is at the path. */
export async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}

/** Closes `fd`; one already closed is fine. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to release.
  }
}
