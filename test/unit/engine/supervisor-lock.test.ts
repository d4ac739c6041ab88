// One supervisor per state dir: the lock refuses a live owner and replaces a dead one.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../main/engine/errors';
import { readStartTime } from '../../../main/engine/proc';
import { acquireSupervisorLock } from '../../../main/engine/supervisor-lock';
import { tempDir } from '../../helpers/engine';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function lockFile(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return join(t.dir, 'supervisor.lock');
}

describe('acquireSupervisorLock', () => {
  it('takes a free lock and releases it', async () => {
    const file = lockFile();
    const release = await acquireSupervisorLock(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses while another live process holds it, naming its pid', async () => {
    const file = lockFile();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(() => void other.kill('SIGKILL'));
    await new Promise((r) => other.once('spawn', r));
    writeFileSync(file, JSON.stringify({ pid: other.pid, startTime: readStartTime(other.pid!) }));
    const err = await acquireSupervisorLock(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('busy');
    expect((err as EngineError).message).toContain(String(other.pid));
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(other.pid);
  });

  it('replaces a lock whose owner is gone or whose pid was recycled', async () => {
    for (const owner of [
      { pid: 999_999, startTime: '1' },
      { pid: process.ppid, startTime: 'not-its-start-time' },
      'garbage',
    ]) {
      const file = lockFile();
      writeFileSync(file, typeof owner === 'string' ? owner : JSON.stringify(owner));
      const release = await acquireSupervisorLock(file);
      expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
      await release();
    }
  });
});
