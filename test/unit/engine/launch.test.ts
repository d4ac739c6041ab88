// The Launcher's preparation of a spawn: the state-dir lock before any write, then directories and containerd's config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../../common/settings';
import { EngineError } from '../../../main/engine/errors';
import { Launcher } from '../../../main/engine/launch';
import { resolveLayout, type Layout } from '../../../main/engine/paths';
import { readStartTime } from '../../../main/engine/proc';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cdesk-launch-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function launcher(): Launcher {
  const l = new Launcher({ appDir: '/nonexistent', env: { PATH: '' } });
  cleanups.push(() => l.release());
  return l;
}

/** Settings in `dir`, with this Node as the "containerd" binary (prepare only checks it runs). */
function settingsIn(dir: string, patch: Partial<Settings> = {}): Settings {
  return {
    ...defaultSettings(),
    rootDir: path.join(dir, 'root'),
    stateDir: path.join(dir, 'state'),
    containerdPath: process.execPath,
    ...patch,
  };
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('Launcher.prepare', () => {
  it('takes the lock, creates the directories and writes the config 0600', async () => {
    const s = settingsIn(tmp());
    const layout: Layout = resolveLayout(s);
    const l = launcher();
    const r = await l.prepare(layout, s);
    expect(r).toEqual({ binary: fs.realpathSync(process.execPath), configFile: layout.configFile });
    expect(l.owns(layout.stateDir)).toBe(true);
    expect(mode(layout.stateDir)).toBe(0o700);
    expect(mode(layout.configFile)).toBe(0o600);
    expect(fs.readFileSync(layout.configFile, 'utf8')).toContain(layout.socket);
  });

  it('writes the config again for changed settings (a respawn uses the new ones)', async () => {
    const s = settingsIn(tmp());
    const layout = resolveLayout(s);
    const l = launcher();
    await l.prepare(layout, s);
    await l.prepare(layout, { ...s, logLevel: 'debug' });
    expect(fs.readFileSync(layout.configFile, 'utf8')).toMatch(/level = "debug"/);
  });

  it('refuses a state dir another launcher holds, and leaves its config alone', async () => {
    const s = settingsIn(tmp());
    const layout = resolveLayout(s);
    await launcher().prepare(layout, s);
    const before = fs.readFileSync(layout.configFile, 'utf8');
    // The lock file names this process, so a second owner must be a live other process.
    const lockFile = path.join(layout.stateDir, 'supervisor.lock');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: 1, startTime: readStartTime(1) }));
    const e = await rejection(launcher().prepare(layout, { ...s, logLevel: 'debug' }));
    expect(e.code).toBe('busy');
    expect(e.message).toContain('pid 1');
    expect(fs.readFileSync(layout.configFile, 'utf8')).toBe(before);
  });

  it('rejects a too-long socket path before touching the disk', async () => {
    const d = tmp();
    const s = settingsIn(d, { stateDir: path.join(d, 'x'.repeat(120)) });
    const e = await rejection(launcher().prepare(resolveLayout(s), s));
    expect(e.code).toBe('socket-path-too-long');
    expect(fs.existsSync(s.stateDir!)).toBe(false);
    expect(fs.existsSync(s.rootDir!)).toBe(false);
  });
});
