import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultControlPath,
  ensureControlDir,
  unsafeFolderReason,
} from '../../../main/control-socket/control-paths';

describe('defaultControlPath', () => {
  it('uses XDG_RUNTIME_DIR', () => {
    expect(defaultControlPath({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u')).toBe(
      '/run/user/1000/containerd-desktop/control.sock',
    );
  });
  it('falls back to XDG_STATE_HOME, then ~/.local/state', () => {
    expect(defaultControlPath({ XDG_STATE_HOME: '/st' }, '/home/u')).toBe(
      '/st/containerd-desktop/control.sock',
    );
    expect(defaultControlPath({ XDG_RUNTIME_DIR: 'relative' }, '/home/u')).toBe(
      '/home/u/.local/state/containerd-desktop/control.sock',
    );
  });
});

describe('ensureControlDir', () => {
  it('creates the folder 0700; a world-writable default folder is refused, not changed', async () => {
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-paths-'));
    const sock = path.join(base, 'containerd-desktop', 'control.sock');
    await ensureControlDir(sock);
    expect((await fsp.stat(path.dirname(sock))).mode & 0o777).toBe(0o700);
    await fsp.chmod(path.dirname(sock), 0o777);
    await expect(ensureControlDir(sock)).rejects.toMatchObject({
      code: 'control-dir-unsafe',
      hint: expect.stringContaining(`chmod 700 ${path.dirname(sock)}`),
    });
    expect((await fsp.stat(path.dirname(sock))).mode & 0o777).toBe(0o777);
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('never follows a symbolic link planted at the folder: refused, the target untouched', async () => {
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'cdesk-paths-'));
    await fsp.chmod(base, 0o1777); // a shared runtime folder: sticky, anyone may create entries
    const target = path.join(base, 'elsewhere');
    await fsp.mkdir(target, { mode: 0o755 });
    await fsp.chmod(target, 0o755);
    const sock = path.join(base, 'containerd-desktop', 'control.sock');
    await fsp.symlink(target, path.dirname(sock));
    await expect(ensureControlDir(sock)).rejects.toMatchObject({
      code: 'control-dir-unsafe',
      message: expect.stringContaining('symbolic link'),
      hint: expect.stringContaining(`rm ${path.dirname(sock)}`),
    });
    expect((await fsp.stat(target)).mode & 0o777).toBe(0o755);
    expect(await fsp.readdir(target)).toEqual([]);
    await fsp.rm(base, { recursive: true, force: true });
  });

  it('fails at once, naming the folder, where no folder can be made (/proc)', async () => {
    // Node 20's recursive mkdir loops forever here; the test's own timeout would end it.
    const err = await ensureControlDir('/proc/cdesk-no-such/control.sock').catch((e: unknown) => e);
    expect((err as Error).message).toContain('/proc/cdesk-no-such');
  }, 10_000);
});

describe('unsafeFolderReason (the folder rule ssh-agent and tmux apply)', () => {
  it.each([
    ['ours, 0700', { uid: 1000, mode: 0o40700 }, null],
    ["root's, 0755", { uid: 0, mode: 0o40755 }, null],
    ['group-writable', { uid: 1000, mode: 0o40770 }, /its group/],
    ['world-writable', { uid: 1000, mode: 0o40777 }, /every user/],
    ["/tmp-like (root's, 1777)", { uid: 0, mode: 0o41777 }, /every user/],
    ["another user's", { uid: 1001, mode: 0o40700 }, /another user \(uid 1001\)/],
  ])('%s', (_what, st, want) => {
    const why = unsafeFolderReason(st, 1000);
    if (want === null) expect(why).toBeNull();
    else expect(why).toMatch(want);
  });
});
