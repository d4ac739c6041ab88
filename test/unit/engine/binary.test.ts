// Tests for finding the containerd binary: setting, then PATH, then next to the app; each error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { resolveContainerdBinary } from '../../../main/engine/binary';
import { EngineError } from '../../../main/engine/errors';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cdesk-bin-')));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fake containerd in `dir` (executable unless told otherwise). */
function fake(dir: string, fileMode = 0o755): string {
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, 'containerd');
  fs.writeFileSync(f, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(f, fileMode);
  return f;
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('resolveContainerdBinary', () => {
  it('uses the setting first, even when PATH has one', async () => {
    const d = tmp();
    const mine = fake(path.join(d, 'mine'));
    fake(path.join(d, 'bin'));
    const got = await resolveContainerdBinary({
      setting: mine,
      pathEnv: path.join(d, 'bin'),
      appDir: d,
    });
    expect(got).toBe(mine);
  });

  it('returns the realpath of a symlinked setting', async () => {
    const d = tmp();
    const real = fake(path.join(d, 'real'));
    const link = path.join(d, 'link');
    fs.symlinkSync(real, link);
    expect(await resolveContainerdBinary({ setting: link, pathEnv: '', appDir: d })).toBe(real);
  });

  it('searches PATH in order, skipping directories, non-executables and relative entries', async () => {
    const d = tmp();
    fs.mkdirSync(path.join(d, 'a', 'containerd'), { recursive: true });
    fake(path.join(d, 'b'), 0o644);
    const c = fake(path.join(d, 'c'));
    fake(path.join(d, 'd'));
    fake(path.join(d, 'app'));
    const pathEnv = [
      '',
      'relative',
      path.join(d, 'a'),
      path.join(d, 'b'),
      path.join(d, 'c'),
      path.join(d, 'd'),
    ].join(':');
    expect(
      await resolveContainerdBinary({ setting: null, pathEnv, appDir: path.join(d, 'app') }),
    ).toBe(c);
  });

  it('falls back to the app directory', async () => {
    const d = tmp();
    const app = fake(path.join(d, 'app'));
    const got = await resolveContainerdBinary({
      setting: null,
      pathEnv: path.join(d, 'empty'),
      appDir: path.join(d, 'app'),
    });
    expect(got).toBe(app);
    expect(path.isAbsolute(got)).toBe(true);
  });

  it('binary-missing lists where it looked and how to install', async () => {
    const d = tmp();
    fake(path.join(d, 'b'), 0o644);
    const e = await failure(
      resolveContainerdBinary({
        setting: null,
        pathEnv: `${path.join(d, 'a')}:${path.join(d, 'b')}`,
        appDir: path.join(d, 'app'),
      }),
    );
    expect(e.code).toBe('binary-missing');
    expect(e.message).toContain(path.join(d, 'a'));
    expect(e.message).toContain(path.join(d, 'app'));
    expect(e.message).toContain(`${path.join(d, 'b', 'containerd')} (not executable)`);
    expect(e.hint).toContain('apt install containerd');
    expect(e.hint).toContain('--containerd');
  });

  it('binary-missing for a setting that does not exist', async () => {
    const d = tmp();
    const f = path.join(d, 'nope');
    const e = await failure(resolveContainerdBinary({ setting: f, pathEnv: '', appDir: d }));
    expect(e.code).toBe('binary-missing');
    expect(e.message).toContain(f);
  });

  it('binary-is-directory for a setting naming a directory', async () => {
    const d = tmp();
    const e = await failure(resolveContainerdBinary({ setting: d, pathEnv: '', appDir: d }));
    expect(e.code).toBe('binary-is-directory');
    expect(e.message).toContain(d);
  });

  it('binary-not-executable for a setting without x permission', async () => {
    const d = tmp();
    const f = fake(path.join(d, 'x'), 0o644);
    const e = await failure(resolveContainerdBinary({ setting: f, pathEnv: '', appDir: d }));
    expect(e.code).toBe('binary-not-executable');
    expect(e.message).toContain(f);
    expect(e.hint).toContain('chmod +x');
  });

  it('binary-not-executable for a setting that is not a regular file', async () => {
    const d = tmp();
    const e = await failure(
      resolveContainerdBinary({ setting: '/dev/null', pathEnv: '', appDir: d }),
    );
    expect(e.code).toBe('binary-not-executable');
  });
});
