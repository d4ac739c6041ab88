// Tests for the engine's path layout: XDG/root defaults and the unix socket length limit.
import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../main/engine/errors';
import {
  MAX_SOCKET_PATH,
  checkSocketPath,
  defaultDirs,
  resolveLayout,
} from '../../../main/engine/paths';

const home = '/home/ann';

describe('defaultDirs', () => {
  it('uses /var/lib and /run for root', () => {
    expect(defaultDirs({ XDG_RUNTIME_DIR: '/run/user/0' }, 0, '/root')).toEqual({
      rootDir: '/var/lib/containerd-desktop',
      stateDir: '/run/containerd-desktop',
    });
  });

  it('prefers XDG_RUNTIME_DIR for state and XDG_DATA_HOME for data', () => {
    const env = {
      XDG_RUNTIME_DIR: '/run/user/1000',
      XDG_DATA_HOME: '/data',
      XDG_STATE_HOME: '/state',
    };
    expect(defaultDirs(env, 1000, home)).toEqual({
      rootDir: '/data/containerd-desktop',
      stateDir: '/run/user/1000/containerd-desktop',
    });
  });

  it('falls back to XDG_STATE_HOME without a runtime dir', () => {
    expect(defaultDirs({ XDG_STATE_HOME: '/state' }, 1000, home).stateDir).toBe(
      '/state/containerd-desktop',
    );
  });

  it('falls back to ~/.local when nothing is set', () => {
    expect(defaultDirs({}, 1000, home)).toEqual({
      rootDir: '/home/ann/.local/share/containerd-desktop',
      stateDir: '/home/ann/.local/state/containerd-desktop',
    });
  });

  it('ignores relative and empty XDG values', () => {
    const env = { XDG_RUNTIME_DIR: 'run', XDG_DATA_HOME: '', XDG_STATE_HOME: './state' };
    expect(defaultDirs(env, 1000, home)).toEqual({
      rootDir: '/home/ann/.local/share/containerd-desktop',
      stateDir: '/home/ann/.local/state/containerd-desktop',
    });
  });
});

describe('resolveLayout', () => {
  it('derives every path from the root and state dirs', () => {
    expect(resolveLayout({ rootDir: '/r', stateDir: '/s/' }, {}, 1000, home)).toEqual({
      rootDir: '/r',
      stateDir: '/s',
      daemonRoot: '/r/daemon',
      daemonState: '/s/daemon',
      configFile: '/s/containerd.toml',
      pidFile: '/s/containerd.pid',
      socket: '/s/containerd.sock',
      debugSocket: '/s/containerd-debug.sock',
      logFile: '/s/containerd.log',
    });
  });

  it('uses the defaults for unset dirs', () => {
    const l = resolveLayout({ rootDir: null, stateDir: '/s' }, { XDG_DATA_HOME: '/d' }, 1000, home);
    expect(l.rootDir).toBe('/d/containerd-desktop');
    expect(l.stateDir).toBe('/s');
  });

  it('makes every path absolute', () => {
    const l = resolveLayout({ rootDir: 'rel/root', stateDir: null }, {}, 1000, home);
    for (const p of Object.values(l)) expect(p.startsWith('/')).toBe(true);
  });
});

describe('checkSocketPath', () => {
  const ofLength = (n: number) => `/${'a'.repeat(n - 1)}`;

  it(`accepts ${MAX_SOCKET_PATH} bytes`, () => {
    expect(MAX_SOCKET_PATH).toBe(107);
    expect(() => checkSocketPath(ofLength(107))).not.toThrow();
  });

  it('rejects 108 bytes with the path, length, limit and a next step', () => {
    const p = ofLength(108);
    let err: unknown;
    try {
      checkSocketPath(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    const e = err as EngineError;
    expect(e.code).toBe('socket-path-too-long');
    expect(e.message).toContain(p);
    expect(e.message).toContain('108');
    expect(e.message).toContain('107');
    expect(e.hint).toMatch(/stateDir/);
    expect(e.hint).toMatch(/--state/);
  });

  it('counts bytes, not characters', () => {
    // 53 two-byte characters + '/' = 54 characters but 107 bytes; one more is 109.
    expect(() => checkSocketPath(`/${'é'.repeat(53)}`)).not.toThrow();
    expect(() => checkSocketPath(`/${'é'.repeat(54)}`)).toThrow(/109 bytes/);
  });
});
