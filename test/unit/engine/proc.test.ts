// Tests for the /proc readers against real processes: self, dead, stopped, zombie, odd names.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import { isAlive, readCmdline, readExe, readStartTime, readState } from '../../../main/engine/proc';

const children: ChildProcess[] = [];
const tmpDirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function start(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(c);
  return c;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The pid of a process that exited and has been reaped. */
async function deadPid(): Promise<number> {
  const c = start('/bin/true', []);
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

describe('proc readers on this process', () => {
  it('reads our own identity', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(readStartTime(process.pid)).toMatch(/^\d+$/);
    expect(readStartTime(process.pid)).toBe(readStartTime(process.pid));
    expect(readExe(process.pid)).toBe(fs.realpathSync(process.execPath));
    expect(readCmdline(process.pid)).toEqual(expect.arrayContaining([process.argv[1]]));
    expect(['R', 'S']).toContain(readState(process.pid));
  });

  it('never treats 0, negative or fractional numbers as pids', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) {
      expect(isAlive(pid)).toBe(false);
      expect(readStartTime(pid)).toBeNull();
      expect(readExe(pid)).toBeNull();
      expect(readCmdline(pid)).toBeNull();
      expect(readState(pid)).toBeNull();
    }
  });
});

describe('proc readers on other processes', () => {
  it('returns false/null for a dead pid', async () => {
    const pid = await deadPid();
    expect(isAlive(pid)).toBe(false);
    expect(readStartTime(pid)).toBeNull();
    expect(readExe(pid)).toBeNull();
    expect(readCmdline(pid)).toBeNull();
    expect(readState(pid)).toBeNull();
  });

  it('reads argv and sees a stopped process as T', async () => {
    const c = start('/bin/sleep', ['30']);
    const pid = c.pid!;
    await until(() => readExe(pid) === fs.realpathSync('/bin/sleep'));
    expect(readCmdline(pid)).toEqual(['/bin/sleep', '30']);
    process.kill(pid, 'SIGSTOP');
    await until(() => readState(pid) === 'T');
    process.kill(pid, 'SIGCONT');
    await until(() => readState(pid) === 'S');
  });

  it('sees an unreaped child as a zombie that is still "alive"', async () => {
    // sh forks `sleep 0` and then becomes `sleep 30`, which never reaps it.
    const c = start('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 30']);
    const out = await new Promise<string>((r) =>
      c.stdout!.once('data', (b: Buffer) => r(String(b))),
    );
    const zombie = Number(out.trim());
    await until(() => readState(zombie) === 'Z');
    expect(isAlive(zombie)).toBe(true);
    expect(readCmdline(zombie)).toEqual([]);
  });

  it('parses stat after the last ")" when the command name has spaces and parens', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdesk-proc-'));
    tmpDirs.push(d);
    const odd = path.join(d, 'a) R (b c');
    fs.copyFileSync('/bin/sleep', odd);
    fs.chmodSync(odd, 0o755);
    const c = start(odd, ['30']);
    const pid = c.pid!;
    await until(() => readExe(pid) === odd);
    expect(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).toContain('(a) R (b c)');
    // Cutting at the first ')' would read the fake " R " in the name as the state.
    await until(() => readState(pid) === 'S');
    expect(readStartTime(pid)).toMatch(/^\d+$/);
    // Started after us: clock ticks since boot can only be later.
    expect(Number(readStartTime(pid))).toBeGreaterThanOrEqual(Number(readStartTime(process.pid)));
  });
});
