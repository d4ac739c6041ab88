// The container log writer as the runc shim starts it: stdout on fd 3, stderr on fd 4, and fd 5
// whose close means "ready" (the shim's Tasks/Create waits for it).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureLogger } from '../../../main/containerd/container-logger';
import { tempDir, until } from '../../helpers/engine';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Start the launcher with the shim's file descriptors; resolves once fd 5 reads EOF. */
function launch(launcher: string, file: string) {
  const child = spawn(launcher, ['file', file, 'max', '1048576', 'keep', '2'], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe', 'pipe', 'pipe'],
    env: {},
  });
  // Node types stdio as a 5-tuple; the shim's three extra descriptors are pipes 3, 4 and 5.
  const fds = child.stdio as unknown as (Readable | Writable | null)[];
  const ready = new Promise<void>((resolve) => {
    const r = fds[5] as Readable;
    r.on('data', () => undefined);
    r.on('end', resolve);
    r.on('close', resolve);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    ready,
    exited,
    stdout: fds[3] as Writable,
    stderr: fds[4] as Writable,
  };
}

describe('the log writer launcher', () => {
  it('says ready before the program starts, so the shim does not wait for it', async () => {
    const { dir, cleanup } = tempDir('cdlog-');
    cleanups.push(cleanup);
    // A stand-in "Node" that takes a long time to start: ready must not wait for it.
    const slow = join(dir, 'slow-node');
    writeFileSync(slow, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(slow, 0o700);
    const { launcher } = await ensureLogger(join(dir, 'bin'), slow);
    const l = launch(launcher, join(dir, 'c-json.log'));
    cleanups.push(() => l.child.kill('SIGKILL'));
    const outcome = await Promise.race([
      l.ready.then(() => 'ready'),
      l.exited.then(() => 'exited'),
      new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
    ]);
    expect(outcome).toBe('ready');
    expect(l.child.exitCode).toBeNull();
  });

  it("leaves an older version's program, which closes fd 5 itself, to that version's launcher", async () => {
    const { dir, cleanup } = tempDir('cdlog-');
    cleanups.push(cleanup);
    const old = join(dir, 'bin', 'cdesk-logger.cjs');
    await ensureLogger(join(dir, 'bin'));
    writeFileSync(old, '// an older program\n');
    const { launcher, script } = await ensureLogger(join(dir, 'bin'));
    expect(script).not.toBe(old);
    expect(readFileSync(old, 'utf8')).toBe('// an older program\n');
    expect(readFileSync(launcher, 'utf8')).toContain(script);
  });

  it('writes what the task printed before and after ready, streams tagged', async () => {
    const { dir, cleanup } = tempDir('cdlog-');
    cleanups.push(cleanup);
    const { launcher } = await ensureLogger(join(dir, 'bin'));
    const file = join(dir, 'c-json.log');
    const l = launch(launcher, file);
    cleanups.push(() => l.child.kill('SIGKILL'));
    // Written at once, as a task may before the logger's Node is up: the pipe keeps it.
    l.stdout.write('early line\n');
    await l.ready;
    l.stderr.write('on stderr\n');
    l.stdout.end('last line\n');
    l.stderr.end();
    expect(await l.exited).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((s) => JSON.parse(s) as { log: string; stream: string });
    expect(lines.filter((x) => x.stream === 'stdout').map((x) => x.log)).toEqual([
      'early line\n',
      'last line\n',
    ]);
    expect(lines.filter((x) => x.stream === 'stderr').map((x) => x.log)).toEqual(['on stderr\n']);
  });

  it('writes a line left without its newline once the task is quiet, as a partial line', async () => {
    const { dir, cleanup } = tempDir('cdlog-');
    cleanups.push(cleanup);
    const { launcher } = await ensureLogger(join(dir, 'bin'));
    const file = join(dir, 'c-json.log');
    const l = launch(launcher, file);
    cleanups.push(() => l.child.kill('SIGKILL'));
    await l.ready;
    // As a task that ends on `printf prompt`: the shim keeps the pipes open, no EOF comes.
    l.stdout.write('full\nprompt> ');
    const logged = () =>
      (existsSync(file) ? readFileSync(file, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((s) => (JSON.parse(s) as { log: string }).log);
    await until(() => logged().length === 2, 10_000, 'the partial line');
    expect(logged()).toEqual(['full\n', 'prompt> ']);
    l.stdout.write('answer\n');
    await until(() => logged().length === 3, 10_000, 'the rest of the line');
    expect(logged()).toEqual(['full\n', 'prompt> ', 'answer\n']);
  });
});
