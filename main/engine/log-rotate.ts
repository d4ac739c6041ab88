// Bounded copytruncate rotation of a log file whose writer keeps its O_APPEND fd: copy to file.1.tmp, truncate, shift the archives.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { isErrno, readAt, statOrNull, writeAll } from './file-io';

/**
 * A rotation copies at most rotateBytes + this: enough for what a busy writer adds while we
 * catch up, far less than the hundreds of MB a flood can pile up ahead of a lagging reader.
 */
export const ROTATE_COPY_SLACK_BYTES = 32 * 1024 * 1024;

/** What a rotation copied: bytes [from, end) of the old file, now in `tmp` from its offset 0. */
export interface RotatedCopy {
  tmp: string;
  from: number;
  end: number;
}

/**
 * copytruncate, bounded. containerd keeps its O_APPEND fd for its whole life, so the file
 * cannot be renamed away (the daemon would keep writing to the renamed file); its content
 * is copied to file.1.tmp and the live file truncated to 0. Only the newest `capBytes` are
 * copied (from a line start): when the reader lags behind a flood, the older part is dropped
 * instead of copied, so an archive is never larger than that cap plus what the chase below
 * appends (at most the cap again, else the rotation fails and is retried later).
 *
 * Order: copy [from, size) to file.1.tmp, then a synchronous chase appends whatever arrived
 * during the copy and, the moment a read returns EOF, ftruncates.
 *
 * Loss window: bytes written after the chase's final read returns EOF and before the
 * ftruncate land in neither file.1 nor the live view. Those are two back-to-back
 * synchronous syscalls with no JS in between, so the window is a few microseconds (more
 * if the scheduler preempts us between them on a loaded box: a 1000-writes/s writer lost
 * one whole write in ~150 rotations at load 8 on 2 cores). Only FALLOC_FL_COLLAPSE_RANGE
 * could close it, and Node has no binding for that.
 *
 * `fd` is our read/write fd on `file`; `buf` is scratch space (its length is the read size).
 * Null when the path no longer names the file `fd` reads (replaced or deleted): nothing done.
 * Throws after removing the temp copy; the live file is then untouched unless the failure came
 * after the truncate.
 */
export async function copyTruncate(
  file: string,
  fd: number,
  opts: { capBytes: number; maxLineBytes: number; buf: Buffer },
): Promise<RotatedCopy | null> {
  const { buf, capBytes } = opts;
  const st = await statOrNull(file);
  const own = fstatSync(fd);
  if (!st || st.ino !== own.ino || st.dev !== own.dev) return null;
  const tmp = `${file}.1.tmp`;
  let from = Math.max(0, st.size - capBytes);
  let end: number;
  try {
    if (from > 0) {
      from = await nextLineStart(fd, from, st.size, opts);
      end = from;
    } else {
      // The whole file fits the cap: the kernel copies it (fast). The writer only appends,
      // so the copy is a prefix of the file and its size says where the chase starts.
      await copyFile(file, tmp);
      end = (await stat(tmp)).size;
    }
    const tmpFd = openSync(tmp, from > 0 ? 'w' : 'a', 0o600);
    try {
      // A range (the newest part of a file over the cap), asynchronously: the engine keeps running.
      while (from > 0 && end < st.size) {
        const n = await readAt(fd, buf, Math.min(buf.length, st.size - end), end);
        if (n === 0) break;
        await writeAll(tmpFd, buf, n);
        end += n;
      }
      // The chase: synchronous, so nothing runs between the last EOF read and ftruncate.
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, end);
        if (n === 0) {
          ftruncateSync(fd, 0);
          break;
        }
        writeSync(tmpFd, buf, 0, n);
        end += n;
        if (end - st.size > capBytes) {
          throw new Error(`log writer outpaced rotation of ${file}; will retry`);
        }
      }
    } finally {
      closeSync(tmpFd);
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  return { tmp, from, end };
}

/**
 * Makes `tmp` file.1, after file.N-1 → file.N … file.1 → file.2 (the old file.N is overwritten:
 * dropped). With `keep` 0 the copy is removed instead.
 */
export async function shiftArchives(file: string, tmp: string, keep: number): Promise<void> {
  if (keep === 0) {
    await rm(tmp, { force: true });
    return;
  }
  for (let i = keep - 1; i >= 1; i--) {
    try {
      await rename(`${file}.${i}`, `${file}.${i + 1}`);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  await rename(tmp, `${file}.1`);
}

/** The offset just after the first newline at or after `at` (at itself when none is near). */
async function nextLineStart(
  fd: number,
  at: number,
  size: number,
  opts: { maxLineBytes: number; buf: Buffer },
): Promise<number> {
  const { buf } = opts;
  const limit = Math.min(size, at + Math.max(opts.maxLineBytes * 2, buf.length));
  for (let p = at; p < limit;) {
    const n = await readAt(fd, buf, Math.min(buf.length, limit - p), p);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) return p + nl + 1;
    p += n;
  }
  return at;
}
