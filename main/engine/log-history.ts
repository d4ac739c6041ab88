// Where a log file's history starts: the offset of its last N complete lines, found by scanning back from the end.
import { readAt } from './file-io';

/**
 * The offset just after the newline that precedes the last `lines` complete lines of the first
 * `size` bytes of `fd` (0 when the file has fewer). Scans backwards a buffer at a time, so a large
 * file costs only its tail; gives up after `lines + 1` lines' worth of `maxLineBytes` (at least
 * 4 KiB each), returning the earliest line start found.
 */
export async function historyStart(
  fd: number,
  size: number,
  opts: { lines: number; maxLineBytes: number; buf: Buffer },
): Promise<number> {
  const { buf } = opts;
  const need = opts.lines + 1; // the last complete line's own newline, then one per line
  const maxScan = (opts.lines + 1) * Math.max(opts.maxLineBytes, 4096);
  let found = 0;
  let earliest = -1;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = await readAt(fd, buf, end - start, start);
    const view = buf.subarray(0, n);
    let i = view.lastIndexOf(10);
    while (i >= 0) {
      found++;
      earliest = start + i + 1;
      if (found === need) return earliest;
      i = i === 0 ? -1 : view.lastIndexOf(10, i - 1);
    }
    end = start;
    if (size - end > maxScan) return earliest >= 0 ? earliest : size;
  }
  // Fewer lines than asked for: the whole file is history.
  return 0;
}
