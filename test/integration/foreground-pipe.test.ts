// `cdesk daemon run | head -2`, `cdesk serve --json | head -1` and a closed terminal (SIGHUP): the supervisor keeps supervising real containerd.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, requireContainerd, tempDir, until } from '../helpers/engine';
import { cdesk, CDESK, ROOT } from '../helpers/serve';

const have = requireContainerd();

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT });
});

const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

/** Spawns `cdesk ARGS`; `head(n)` resolves with the first n stdout lines, then closes the pipe's read end like `| head -n`. */
function spawnCdesk(args: string[]) {
  const child = spawn(process.execPath, [CDESK, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const head = (n: number) =>
    new Promise<string[]>((resolve) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString('utf8');
        const lines = buf.split('\n');
        if (lines.length > n) {
          child.stdout!.off('data', onData);
          // Close our end: the child's next write gets EPIPE, as when `head` exits.
          child.stdout!.destroy();
          resolve(lines.slice(0, n));
        }
      };
      child.stdout!.on('data', onData);
    });
  return { child, head, exit, stderr: () => err };
}

function pidOf(stateDir: string): number | null {
  try {
    return Number(readFileSync(join(stateDir, 'containerd.pid'), 'utf8').match(/\d+/)?.[0]);
  } catch {
    return null;
  }
}

describe.skipIf(!have)('foreground commands outlive their stdout and terminal', () => {
  it('`cdesk daemon run | head -2` keeps supervising: a killed containerd is respawned; SIGHUP is ignored, said once', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const state = join(t.dir, 's');
    const r = spawnCdesk(['daemon', 'run', '--state', state, '--root', join(t.dir, 'r')]);
    const lines = await r.head(2);
    expect(lines.join('\n')).toMatch(/starting|running/);
    await until(() => pidOf(state) !== null && alive(pidOf(state)!), 20_000, 'containerd up');
    const first = pidOf(state)!;
    // Its next state lines hit the closed pipe: they must not kill it.
    process.kill(first, 'SIGKILL');
    await until(
      () => pidOf(state) !== null && pidOf(state) !== first && alive(pidOf(state)!),
      20_000,
      'respawned containerd',
    );
    expect(r.child.exitCode).toBeNull();
    r.child.kill('SIGHUP');
    await until(() => /SIGHUP ignored/.test(r.stderr()), 5000, 'SIGHUP line');
    expect(r.stderr().match(/SIGHUP ignored/g)).toHaveLength(1);
    expect(r.child.exitCode).toBeNull();
    const second = pidOf(state)!;
    expect(alive(second)).toBe(true);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(alive(second)).toBe(false);
    expect(r.stderr()).not.toMatch(/EPIPE|Unhandled/);
  });

  it('`cdesk serve --json | head -1` keeps answering the CLI and ignores SIGHUP; `cdesk daemon logs -f | head -1` ends quietly', async () => {
    const t = tempDir('cds-');
    cleanups.push(t.cleanup);
    const control = join(t.dir, 'c.sock');
    const s = spawnCdesk([
      'serve',
      '--json',
      '--port',
      '0',
      '--state',
      join(t.dir, 's'),
      '--root',
      join(t.dir, 'r'),
      '--settings',
      join(t.dir, 'settings.json'),
      '--control',
      control,
    ]);
    const [first] = await s.head(1);
    expect(JSON.parse(first!)).toHaveProperty('url');
    // Start containerd: its state lines go to the closed stdout.
    const started = await cdesk(['daemon', 'start', '--wait', '--control', control]);
    expect(started.code).toBe(0);
    s.child.kill('SIGHUP');
    await until(() => /SIGHUP ignored/.test(s.stderr()), 5000, 'SIGHUP line');
    const st = await cdesk(['status', '--json', '--control', control]);
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout).state).toBe('running');
    expect(s.child.exitCode).toBeNull();
    // `cdesk daemon logs -f | head -1` ends quietly once its reader is gone (next lines: a restart's).
    const logs = spawnCdesk(['daemon', 'logs', '-f', '--control', control]);
    await logs.head(1);
    expect((await cdesk(['daemon', 'restart', '--control', control])).code).toBe(0);
    expect(await logs.exit).toBe(0);
    expect(logs.stderr()).toBe('');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.stderr()).not.toMatch(/EPIPE|Unhandled/);
  });
});
