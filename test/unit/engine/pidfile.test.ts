// Tests for the pidfile: storage, corruption, and telling our daemon from a stranger or a corpse.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it, expect } from 'vitest';
import {
  checkIdentity,
  identityOf,
  readPidfile,
  removePidfile,
  writePidfile,
  type PidfileEntry,
} from '../../../main/engine/pidfile';
import { readExe, readStartTime, type ProcReader } from '../../../main/engine/proc';

const tmpDirs: string[] = [];
const children: ChildProcess[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdesk-pid-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const EXE = '/usr/bin/containerd';
const CONFIG = '/run/cdesk/containerd.toml';
const entry: PidfileEntry = {
  pid: 4242,
  startTime: '123456',
  exe: EXE,
  configPath: CONFIG,
  writtenAt: 1_700_000_000_000,
};

describe('pidfile storage', () => {
  it('round-trips an entry, mode 0600', async () => {
    const f = path.join(tmp(), 'containerd.pid');
    await writePidfile(f, entry);
    expect(await readPidfile(f)).toEqual(entry);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(f))).toEqual(['containerd.pid']);
  });

  it('returns null when missing', async () => {
    expect(await readPidfile(path.join(tmp(), 'none.pid'))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['not JSON', '4242\n'],
    ['a JSON number', '4242'],
    ['missing fields', JSON.stringify({ pid: 4242 })],
    ['a bad pid', JSON.stringify({ ...entry, pid: -1 })],
    ['a non-numeric start time', JSON.stringify({ ...entry, startTime: 'soon' })],
  ])('returns "corrupt" for %s', async (_name, text) => {
    const f = path.join(tmp(), 'containerd.pid');
    fs.writeFileSync(f, text);
    expect(await readPidfile(f)).toBe('corrupt');
  });

  it('removes, and ignores an already-missing file', async () => {
    const f = path.join(tmp(), 'containerd.pid');
    await writePidfile(f, entry);
    await removePidfile(f);
    expect(fs.existsSync(f)).toBe(false);
    await expect(removePidfile(f)).resolves.toBeUndefined();
  });
});

/** A fake /proc showing one process; fields can be overridden per test. */
function fakeProc(
  p: Partial<{
    alive: boolean;
    start: string | null;
    exe: string | null;
    argv: string[] | null;
    state: string | null;
  }> = {},
): ProcReader {
  const v = {
    alive: true,
    start: '123456',
    exe: EXE,
    argv: [EXE, '--config', CONFIG],
    state: 'S',
    ...p,
  };
  return {
    isAlive: () => v.alive,
    readStartTime: () => v.start,
    readExe: () => v.exe,
    readCmdline: () => v.argv,
    readState: () => v.state,
  };
}
const expected = { exe: EXE, configPath: CONFIG };

describe('checkIdentity (fake /proc)', () => {
  it('matches our daemon', () => {
    expect(checkIdentity(entry, expected, fakeProc())).toBe('match');
  });

  it('accepts --config=PATH', () => {
    const proc = fakeProc({ argv: [EXE, `--config=${CONFIG}`] });
    expect(checkIdentity(entry, expected, proc)).toBe('match');
  });

  it('is dead when the pid is gone or a zombie', () => {
    expect(checkIdentity(entry, expected, fakeProc({ alive: false }))).toBe('dead');
    expect(checkIdentity(entry, expected, fakeProc({ state: 'Z', argv: [] }))).toBe('dead');
  });

  it.each([
    ['another start time (pid reused)', { start: '999' }],
    ['another executable', { exe: '/usr/bin/python3' }],
    ['an unreadable executable', { exe: null }],
    ['no --config', { argv: [EXE] }],
    ['another config', { argv: [EXE, '--config', '/other.toml'] }],
    ['the path without --config', { argv: [EXE, CONFIG] }],
    ['an unreadable stat', { state: null }],
  ])('is a mismatch for %s', (_name, p) => {
    expect(checkIdentity(entry, expected, fakeProc(p))).toBe('mismatch');
  });

  it('is a mismatch when the pidfile names another exe than expected', () => {
    expect(checkIdentity({ ...entry, exe: '/opt/containerd' }, expected, fakeProc())).toBe(
      'mismatch',
    );
    const other = { exe: '/opt/containerd', configPath: CONFIG };
    expect(checkIdentity(entry, other, fakeProc())).toBe('mismatch');
  });

  it('is a mismatch when the pidfile names another config than expected', () => {
    expect(checkIdentity({ ...entry, configPath: '/x.toml' }, expected, fakeProc())).toBe(
      'mismatch',
    );
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(cmd: string, args: string[]): ChildProcess {
  const c = spawn(cmd, args, { stdio: 'ignore' });
  children.push(c);
  return c;
}

describe('checkIdentity (real /proc)', () => {
  it('matches a live process identified with identityOf', async () => {
    const config = path.join(tmp(), 'x.toml');
    // node ignores arguments after `--`, so this looks like `… --config FILE` in /proc.
    const c = start(process.execPath, [
      '-e',
      'setTimeout(() => {}, 30000)',
      '--',
      '--config',
      config,
    ]);
    const node = fs.realpathSync(process.execPath);
    await until(() => readExe(c.pid!) === node);
    const id = identityOf(c.pid!, config);
    expect(id).toMatchObject({ pid: c.pid, exe: node, configPath: config });
    expect(checkIdentity(id!, { exe: node, configPath: config })).toBe('match');
    // The same process is a stranger to a different expected config.
    expect(checkIdentity(id!, { exe: node, configPath: '/other.toml' })).toBe('mismatch');
  });

  it('never matches a live process that is not our daemon', async () => {
    const c = start('/bin/sleep', ['30']);
    await until(
      () => readExe(c.pid!) !== null && readExe(c.pid!) !== fs.realpathSync(process.execPath),
    );
    const pid = c.pid!;
    const real = {
      pid,
      startTime: readStartTime(pid)!,
      exe: EXE,
      configPath: CONFIG,
      writtenAt: 0,
    };
    expect(checkIdentity(real, expected)).toBe('mismatch');
    expect(checkIdentity({ ...real, startTime: '1' }, expected)).toBe('mismatch');
  });

  it('is dead for an exited process', async () => {
    const c = start('/bin/true', []);
    await new Promise((r) => c.on('exit', r));
    expect(identityOf(c.pid!, CONFIG)).toBeNull();
    expect(checkIdentity({ ...entry, pid: c.pid! }, expected)).toBe('dead');
  });
});
