// Status bookkeeping: restart causes over 24 h, the version per binary, notices that expire, paths.
import { describe, expect, it } from 'vitest';
import { initialLife } from '../../../main/engine/lifecycle';
import { resolveLayout } from '../../../main/engine/paths';
import { StatusBook } from '../../../main/engine/status-book';

const layout = resolveLayout({ rootDir: '/r', stateDir: '/s' });
const HOUR = 3600_000;

describe('StatusBook', () => {
  it('counts restarts by cause over the last 24 h only', () => {
    const b = new StatusBook();
    const now = Date.now();
    b.countRestart('crash', now - 25 * HOUR);
    b.countRestart('crash', now - 2 * HOUR);
    b.countRestart('hang', now - HOUR);
    b.countRestart('user', now);
    expect(b.restartCauses(now)).toEqual({ crash: 1, hang: 1, user: 1 });
    expect(b.restarts).toBe(4);
  });

  it('shows the version only while running, and only for the binary that reported it', () => {
    const b = new StatusBook();
    b.binary = '/usr/bin/containerd';
    b.setVersion('/usr/bin/containerd', { version: '1.6.20', revision: 'x' });
    const running = { ...initialLife(), phase: 'running' as const };
    expect(b.snapshot(running, layout).version).toEqual({ version: '1.6.20', revision: 'x' });
    expect(b.snapshot(initialLife(), layout).version).toBeNull();
    b.binary = '/opt/other/containerd';
    expect(b.snapshot(running, layout).version).toBeNull();
  });

  it('a notice is the hint for a minute unless the state has its own', () => {
    const b = new StatusBook();
    b.setNotice('reading the log failed', Date.now());
    expect(b.snapshot(initialLife(), layout).hint).toBe('reading the log failed');
    const failed = { ...initialLife(), phase: 'failed' as const, hint: 'press Start' };
    expect(b.snapshot(failed, layout).hint).toBe('press Start');
    b.setNotice('old', Date.now() - 61_000);
    expect(b.snapshot(initialLife(), layout).hint).toBeNull();
  });

  it("paths: root is containerd's own root, state the folder with config, pidfile and log", () => {
    const p = new StatusBook().snapshot(initialLife(), layout).paths;
    expect(p).toEqual({
      socket: '/s/containerd.sock',
      config: '/s/containerd.toml',
      pidfile: '/s/containerd.pid',
      log: '/s/containerd.log',
      root: '/r/daemon',
      state: '/s',
    });
  });
});
