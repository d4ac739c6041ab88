// One supervisor per state dir: the lock refuses a live owner and replaces a dead one.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../main/engine/errors';
import { readStartTime, readState } from '../../../main/engine/proc';
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

  it('replaces a lock whose owner is a zombie its parent never reaps', async () => {
    const file = lockFile();
    // `sleep 30` becomes the parent of the backgrounded `sleep 0.2` and never waits for it.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    cleanups.push(() => void parent.kill('SIGKILL'));
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const zombie = Number(line.toString().trim());
    for (let i = 0; i < 500 && readState(zombie) !== 'Z'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(readState(zombie)).toBe('Z');
    writeFileSync(file, JSON.stringify({ pid: zombie, startTime: readStartTime(zombie) }));
    const release = await acquireSupervisorLock(file);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const lockSrc = resolve(__dirname, '../../../main/engine/supervisor-lock.ts');
    const child = `
      const { acquireSupervisorLock } = await import(${JSON.stringify(lockSrc)});
      process.stdin.once('data', async () => {
        try { await acquireSupervisorLock(process.argv[1]); console.log('won'); }
        catch (e) { console.log(e.code === 'busy' ? 'lost' : 'error ' + e.message); }
        setTimeout(() => process.exit(0), 1000); // hold the lock while the others try
      });`;
    for (let round = 0; round < 2; round++) {
      const file = lockFile();
      writeFileSync(file, JSON.stringify({ pid: 999_999, startTime: '1' }));
      const takers = Array.from({ length: 4 }, () =>
        spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, file], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      cleanups.push(() => takers.forEach((t) => t.kill('SIGKILL')));
      const outputs = takers.map(async (t) => {
        let out = '';
        t.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        await once(t, 'exit');
        return out.trim();
      });
      // Every taker has loaded the lock module before any is told to go.
      await new Promise((r) => setTimeout(r, 3000));
      for (const t of takers) t.stdin!.write('go\n');
      const results = await Promise.all(outputs);
      expect(
        results.filter((r) => r === 'won'),
        results.join(', '),
      ).toHaveLength(1);
      expect(results.filter((r) => r === 'lost')).toHaveLength(3);
    }
  });
});
