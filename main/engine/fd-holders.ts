// Whether another open file descriptor on the machine still refers to a file we hold: the writer of a log file that was moved aside.
import { fstatSync, type Stats } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';

/**
 * True when some open file descriptor other than our `fd` refers to the same file (a writer
 * that still has it open). Scans /proc/PID/fd links (cheap string compares, a stat only on a
 * name match). Without /proc it answers false.
 */
export async function heldElsewhere(fd: number): Promise<boolean> {
  let target: string;
  let own: Stats;
  try {
    target = await readlink(`/proc/self/fd/${fd}`);
    own = fstatSync(fd);
  } catch {
    return false;
  }
  const self = String(process.pid);
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const dir = `/proc/${pid}/fd`;
    const fds = await readdir(dir).catch(() => [] as string[]);
    for (const n of fds) {
      if (pid === self && n === String(fd)) continue;
      const link = await readlink(`${dir}/${n}`).catch(() => '');
      if (link !== target) continue;
      const st = await stat(`${dir}/${n}`).catch(() => null);
      if (st && st.ino === own.ino && st.dev === own.dev) return true;
    }
  }
  return false;
}
