// One small file (/etc/passwd, /etc/group) from a prepared snapshot, before any task exists: the
// directories its mounts name are read in overlay order (upper, then each lower), as containerd's
// oci.WithUsername reads them from a temporary mount. Symlinks are not followed: on the host they
// would point at the host's files.
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';

export interface SnapshotMount {
  type: string;
  source: string;
  options: string[];
}

/** The most a file read here may be (a passwd file is a few KiB). */
export const ROOTFS_FILE_MAX_BYTES = 1 << 20;

/** The directories the mounts stack, topmost first; empty when the mounts are of a kind we do not read. */
export function layerDirs(mounts: SnapshotMount[]): string[] {
  if (mounts.length !== 1) return [];
  const m = mounts[0]!;
  if (m.type === 'bind' || (m.type === '' && m.options.includes('bind')) || m.type === 'rbind')
    return [m.source];
  if (m.type === 'overlay') {
    const opt = (k: string) =>
      m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1) ?? null;
    const upper = opt('upperdir');
    const lower = opt('lowerdir');
    return [...(upper ? [upper] : []), ...(lower ? lower.split(':') : [])];
  }
  return [];
}

export type RootfsRead =
  | { ok: true; text: string | null }
  | { ok: false; reason: 'symlink' | 'too-big' | 'unreadable'; path: string };

/** `file` (absolute, e.g. /etc/passwd) from the stacked dirs; text null when no layer has it. */
export async function readRootfsFile(dirs: string[], file: string): Promise<RootfsRead> {
  const parts = file.split('/').filter(Boolean);
  for (const dir of dirs) {
    let path = dir;
    let present = true;
    for (const [i, part] of parts.entries()) {
      path = join(path, part);
      const st = await lstat(path).catch(() => null);
      if (!st) {
        present = false;
        break;
      }
      // An overlay whiteout (a 0:0 character device) hides the name in every layer below.
      if (st.isCharacterDevice() && st.rdev === 0) return { ok: true, text: null };
      if (st.isSymbolicLink())
        return { ok: false, reason: 'symlink', path: `/${parts.slice(0, i + 1).join('/')}` };
      const last = i === parts.length - 1;
      if (!last && !st.isDirectory()) return { ok: true, text: null };
      if (last && !st.isFile()) return { ok: true, text: null };
      if (last && st.size > ROOTFS_FILE_MAX_BYTES)
        return { ok: false, reason: 'too-big', path: file };
    }
    if (!present) continue;
    try {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(ROOTFS_FILE_MAX_BYTES + 1);
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        if (bytesRead > ROOTFS_FILE_MAX_BYTES) return { ok: false, reason: 'too-big', path: file };
        return { ok: true, text: buf.subarray(0, bytesRead).toString('utf8') };
      } finally {
        await fh.close();
      }
    } catch {
      return { ok: false, reason: 'unreadable', path: file };
    }
  }
  return { ok: true, text: null };
}
