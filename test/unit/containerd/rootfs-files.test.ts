// Reading /etc/passwd from a prepared snapshot's directories: overlay order, whiteouts, and no
// symlink followed out to the host's files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  layerDirs,
  readRootfsFile,
  ROOTFS_FILE_MAX_BYTES,
} from '../../../main/containerd/rootfs-files';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function layer(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'cd-rootfs-'));
  dirs.push(d);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(d, path, '..'), { recursive: true });
    writeFileSync(join(d, path), text);
  }
  return d;
}

describe('layerDirs', () => {
  it('reads overlay (upper first, then each lower) and bind mounts; nothing else', () => {
    expect(
      layerDirs([
        {
          type: 'overlay',
          source: 'overlay',
          options: ['index=off', 'workdir=/w', 'upperdir=/u', 'lowerdir=/l2:/l1'],
        },
      ]),
    ).toEqual(['/u', '/l2', '/l1']);
    expect(layerDirs([{ type: 'bind', source: '/snap/fs', options: ['rbind', 'rw'] }])).toEqual([
      '/snap/fs',
    ]);
    expect(layerDirs([{ type: 'ext4', source: '/dev/loop0', options: [] }])).toEqual([]);
  });
});

describe('readRootfsFile', () => {
  it('the topmost layer that has the file wins; none: null', async () => {
    const lower = layer({ 'etc/passwd': 'root:x:0:0::/:/bin/sh\n' });
    const upper = layer({ 'etc/passwd': 'app:x:1:1::/:/bin/sh\n' });
    const empty = layer({ 'bin/x': '' });
    expect(await readRootfsFile([empty, upper, lower], '/etc/passwd')).toEqual({
      ok: true,
      text: 'app:x:1:1::/:/bin/sh\n',
    });
    expect(await readRootfsFile([empty], '/etc/passwd')).toEqual({ ok: true, text: null });
  });

  it('a symlink (file or folder) is refused, never followed to the host', async () => {
    const l = layer({});
    mkdirSync(join(l, 'etc'));
    symlinkSync('/etc/passwd', join(l, 'etc', 'passwd'));
    expect(await readRootfsFile([l], '/etc/passwd')).toEqual({
      ok: false,
      reason: 'symlink',
      path: '/etc/passwd',
    });
    const l2 = layer({});
    symlinkSync('/etc', join(l2, 'etc'));
    expect(await readRootfsFile([l2], '/etc/passwd')).toEqual({
      ok: false,
      reason: 'symlink',
      path: '/etc',
    });
  });

  it('a whiteout in an upper layer hides the lower file', async () => {
    // mknod of a 0:0 character device needs root, as the tests run (containerd needs it too).
    const lower = layer({ 'etc/passwd': 'root:x:0:0::/:/bin/sh\n' });
    const upper = layer({});
    mkdirSync(join(upper, 'etc'));
    execFileSync('mknod', [join(upper, 'etc', 'passwd'), 'c', '0', '0']);
    expect(await readRootfsFile([upper, lower], '/etc/passwd')).toEqual({ ok: true, text: null });
  });

  it('a file past the byte bound is refused', async () => {
    const l = layer({ 'etc/passwd': 'x'.repeat(ROOTFS_FILE_MAX_BYTES + 1) });
    expect(await readRootfsFile([l], '/etc/passwd')).toMatchObject({
      ok: false,
      reason: 'too-big',
    });
  });
});
