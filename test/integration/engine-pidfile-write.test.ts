// If the pidfile cannot be written, the child is killed and the engine stops with a hint (no loop).
import { describe, expect, it, vi } from 'vitest';
import { Supervisor } from '../../main/engine/supervisor';
import {
  alive,
  cleanupAfterEach,
  pidsWithArg,
  recorder,
  tempDir,
  testSettings,
} from '../helpers/engine';
import { FAKE_CONTAINERD } from '../helpers/fake-daemon';

vi.mock('../../main/engine/pidfile', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../main/engine/pidfile')>()),
  writePidfile: () => Promise.reject(new Error('EROFS: read-only file system')),
}));

const cleanups = cleanupAfterEach();

describe('pidfile write failure', () => {
  it('kills the spawned daemon and fails with a hint, without respawning', async () => {
    const t = tempDir();
    const settings = testSettings(t.dir, (s) => {
      s.containerdPath = FAKE_CONTAINERD;
    });
    const engine = new Supervisor({ settings });
    cleanups.push(t.cleanup, () => engine.shutdown({ leaveRunning: false }));
    const rec = recorder(engine);
    const s = await engine.start();
    expect(s.state).toBe('failed');
    expect(s.code).toBe('pidfile-write');
    expect(s.reason).toContain('EROFS');
    expect(s.hint).toMatch(/writable/);
    const spawned = rec.states().find((e) => e.code === 'spawned');
    expect(spawned?.pid).toBeGreaterThan(0);
    expect(alive(spawned!.pid!)).toBe(false);
    expect(pidsWithArg(`${settings.stateDir}/containerd.toml`)).toEqual([]);
    expect(rec.states().filter((e) => e.state === 'backoff')).toEqual([]);
  });
});
