// Atomic file replacement (temp file + fsync + rename): readers never see a partial file; fsyncs optional.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteOptions {
  /**
   * false: skip both fsyncs (file and directory). Readers still see the old or the new content,
   * never a partial one, but after a power cut the file may be the old one or empty. For files
   * rebuilt on every launch (containerd's config), where two fsyncs only delay the spawn.
   */
  durable?: boolean;
}

/** Temp names: pid + a per-process counter are unique on the machine; 'wx' refuses anything else. */
let tmpSeq = 0;

/** Write a file so readers see the old or the new content, never a partial one. */
export async function writeFileAtomic(
  file: string,
  data: string,
  mode = 0o600,
  { durable = true }: WriteOptions = {},
): Promise<void> {
  const dir = dirname(file);
  const tmp = join(
    dir,
    `.${basename(file)}.${process.pid}.${++tmpSeq}.${Date.now().toString(36)}.tmp`,
  );
  let handle: FileHandle | undefined;
  try {
    // 'wx': never follow or reuse something already at the temp name.
    handle = await open(tmp, 'wx', mode);
    await handle.writeFile(data, 'utf8');
    if (durable) await handle.sync();
    // chmod explicitly: the open() mode is filtered by the umask.
    await handle.chmod(mode);
    const done = handle;
    handle = undefined;
    await done.close();
    await rename(tmp, file);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  if (!durable) return;
  // Persist the rename itself; best effort (some filesystems refuse fsync on directories).
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // ignored: the data is written; only durability across a power cut is weaker
  }
}
