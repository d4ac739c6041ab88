import { describe, expect, it, vi } from 'vitest';
import { createQuitGuard, type QuitGuardDeps } from '../../../main/electron/quit-guard';

function deps(over: Partial<QuitGuardDeps> = {}) {
  const d = {
    leaveRunning: vi.fn(async () => false),
    dispose: vi.fn(async () => {}),
    exit: vi.fn(),
    log: vi.fn(),
    timeoutMs: 1000,
    ...over,
  };
  return d;
}

describe('createQuitGuard', () => {
  it('holds the first before-quit, stops containerd, then exits', async () => {
    const d = deps();
    const g = createQuitGuard(d);
    const event = { preventDefault: vi.fn() };
    g.onBeforeQuit(event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(g.quitting).toBe(true);
    await g.quit();
    expect(d.dispose).toHaveBeenCalledWith({ leaveRunning: false });
    expect(d.exit).toHaveBeenCalledWith(0);
  });

  it('leaves containerd running when the setting says so', async () => {
    const d = deps({ leaveRunning: vi.fn(async () => true) });
    await createQuitGuard(d).quit();
    expect(d.dispose).toHaveBeenCalledWith({ leaveRunning: true });
  });

  it('disposes once however many quits arrive (tray, SIGINT, SIGTERM)', async () => {
    const d = deps();
    const g = createQuitGuard(d);
    await Promise.all([g.quit(), g.quit(), g.quit()]);
    g.onBeforeQuit({ preventDefault: vi.fn() });
    expect(d.dispose).toHaveBeenCalledTimes(1);
    expect(d.exit).toHaveBeenCalledTimes(1);
  });

  it('does not hold a before-quit after dispose has finished', async () => {
    const g = createQuitGuard(deps());
    await g.quit();
    const event = { preventDefault: vi.fn() };
    g.onBeforeQuit(event);
    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('still exits (code 1) when dispose fails', async () => {
    const d = deps({ dispose: vi.fn(async () => Promise.reject(new Error('kill failed'))) });
    await createQuitGuard(d).quit();
    expect(d.exit).toHaveBeenCalledWith(1);
    expect(d.log).toHaveBeenCalledWith(expect.stringContaining('kill failed'));
  });

  it('gives up waiting after the timeout', async () => {
    vi.useFakeTimers();
    try {
      const d = deps({ dispose: vi.fn(() => new Promise<void>(() => {})), timeoutMs: 5000 });
      const done = createQuitGuard(d).quit();
      await vi.advanceTimersByTimeAsync(5000);
      await done;
      expect(d.exit).toHaveBeenCalledWith(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
