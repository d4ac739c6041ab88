// `cdesk daemon run` as a user runs it: real containerd, signals, adoption after a crash, bad flags.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, StateEvent } from '../../common/states';
import { alive, pidsWithArg, requireContainerd, tempDir, until } from '../helpers/engine';
import { CDESK, ensureBuilt } from '../helpers/serve';

const have = requireContainerd();

beforeAll(() => ensureBuilt());

interface Run {
  child: ChildProcess;
  events: EngineEvent[];
  stderr: () => string;
  exit: Promise<number | null>;
}

const runs: Run[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const r of runs.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  for (const c of cleanups.splice(0)) c();
});

function cdeskRun(args: string[]): Run {
  const child = spawn('node', [CDESK, 'daemon', 'run', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: EngineEvent[] = [];
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      events.push(JSON.parse(buf.slice(0, i)) as EngineEvent);
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const run = { child, events, stderr: () => err, exit };
  runs.push(run);
  return run;
}

const states = (r: Run) => r.events.filter((e): e is StateEvent => e.type === 'state');
const running = (r: Run) => states(r).find((e) => e.state === 'running');

describe.skipIf(!have)('cdesk daemon run', () => {
  it('runs containerd, and SIGTERM stops it cleanly with exit code 0', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const r = cdeskRun(['--state', join(t.dir, 's'), '--root', join(t.dir, 'r')]);
    await until(() => !!running(r), 20_000, 'running');
    const pid = running(r)!.pid!;
    expect(alive(pid)).toBe(true);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(states(r).at(-1)!.state).toBe('stopped');
    expect(existsSync(join(t.dir, 's', 'containerd.pid'))).toBe(false);
  });

  it('SIGTERM while containerd boots and the engine still loads leaves no containerd behind', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const config = join(t.dir, 's', 'containerd.toml');
    const r = cdeskRun(['--state', join(t.dir, 's'), '--root', join(t.dir, 'r')]);
    // containerd is spawned before the Supervisor module loads (the head start): signal
    // as soon as it exists, before `run` has announced anything.
    await until(() => pidsWithArg(config).length === 1, 20_000, 'containerd spawned');
    const [pid] = pidsWithArg(config);
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(alive(pid!)).toBe(false);
    expect(pidsWithArg(config)).toEqual([]);
    expect(states(r).at(-1)?.state).toBe('stopped');
    expect(existsSync(join(t.dir, 's', 'containerd.pid'))).toBe(false);
  });

  it('killed with SIGKILL, a second run adopts the same containerd and keeps its logs', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const args = ['--state', join(t.dir, 's'), '--root', join(t.dir, 'r'), '--logs'];
    const first = cdeskRun(args);
    await until(() => !!running(first), 20_000, 'first running');
    const pid = running(first)!.pid!;
    const firstLogs = first.events.flatMap((e) => (e.type === 'log' ? e.lines : []));
    await until(() => first.events.some((e) => e.type === 'log'), 5000, 'first log lines');
    first.child.kill('SIGKILL');
    await first.exit;
    expect(alive(pid)).toBe(true);

    const second = cdeskRun(args);
    await until(() => !!running(second), 20_000, 'second running');
    expect(running(second)!.pid).toBe(pid);
    expect(states(second).some((e) => e.code === 'adopted')).toBe(true);
    expect(pidsWithArg(join(t.dir, 's', 'containerd.toml'))).toEqual([pid]);
    // The log file outlived the first supervisor: the second one reads it back.
    await until(() => second.events.some((e) => e.type === 'log'), 5000, 'second log lines');
    const secondRaw = new Set(
      second.events.flatMap((e) => (e.type === 'log' ? e.lines.map((l) => l.raw) : [])),
    );
    const earlier = firstLogs.length ? firstLogs : [];
    expect(earlier.length).toBeGreaterThan(0);
    expect(earlier.some((l) => secondRaw.has(l.raw))).toBe(true);

    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
    expect(alive(pid)).toBe(false);
  });

  it('--keep-running leaves containerd up for the next run', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const args = ['--state', join(t.dir, 's'), '--root', join(t.dir, 'r')];
    const first = cdeskRun([...args, '--keep-running']);
    await until(() => !!running(first), 20_000, 'running');
    const pid = running(first)!.pid!;
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(alive(pid)).toBe(true);
    // The last line names the daemon left behind and where to adopt it from.
    expect(first.events.at(-1)).toEqual({
      type: 'left-running',
      pid,
      pidfile: join(t.dir, 's', 'containerd.pid'),
      stateDir: join(t.dir, 's'),
    });
    const second = cdeskRun(args);
    await until(() => !!running(second), 20_000, 'adopted');
    expect(running(second)!.pid).toBe(pid);
    second.child.kill('SIGTERM');
    await second.exit;
    expect(alive(pid)).toBe(false);
  });

  it('a missing binary ends with exit code 1 and a hint', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const r = cdeskRun([
      '--state',
      join(t.dir, 's'),
      '--root',
      join(t.dir, 'r'),
      '--containerd',
      '/nope/containerd',
    ]);
    expect(await r.exit).toBe(1);
    const failed = states(r).find((e) => e.state === 'failed')!;
    expect(failed.code).toBe('binary-missing');
    expect(failed.hint).toMatch(/install/);
  });
});

describe('cdesk daemon run usage errors', () => {
  for (const [args, msg] of [
    [['--bogus'], /unknown option --bogus/],
    [['--state'], /--state needs a value/],
    [['--log-level', 'loud'], /--log-level/],
    [['--liveness-failures', 'x'], /--liveness-failures must be a whole number/],
    [['--hang-policy', 'pray'], /--hang-policy/],
    [['extra'], /unexpected argument "extra"/],
  ] as const) {
    it(`rejects ${args.join(' ')} with exit code 2`, () => {
      let status = 0;
      let stderr = '';
      try {
        execFileSync('node', [CDESK, 'daemon', 'run', ...args], { stdio: 'pipe' });
      } catch (e) {
        const err = e as { status: number; stderr: Buffer };
        status = err.status;
        stderr = err.stderr.toString();
      }
      expect(status).toBe(2);
      expect(stderr).toMatch(msg);
    });
  }
  it('--help prints usage and exits 0', () => {
    const out = execFileSync('node', [CDESK, 'daemon', 'run', '--help']).toString();
    expect(out).toMatch(/--keep-running/);
  });
});

describe.skipIf(!have)('cdesk daemon run, one per state dir', () => {
  it('a second run on the same state dir exits 1 naming the owner, and touches nothing', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const args = ['--state', join(t.dir, 's'), '--root', join(t.dir, 'r')];
    const pidfile = join(t.dir, 's', 'containerd.pid');
    const first = cdeskRun(args);
    await until(() => !!running(first), 20_000, 'first running');
    const pid = running(first)!.pid!;
    const before = readFileSync(pidfile, 'utf8');

    const second = cdeskRun(args);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toContain(
      `another Containerd Desktop (pid ${first.child.pid}) already supervises`,
    );
    expect(second.stderr()).toMatch(/→ .*--state/);
    expect(states(second)).toEqual([]);
    // The loser left the winner's files alone: same pidfile, same socket, same daemon.
    expect(readFileSync(pidfile, 'utf8')).toBe(before);
    expect(existsSync(join(t.dir, 's', 'containerd.sock'))).toBe(true);
    expect(alive(pid)).toBe(true);

    // And the pidfile still works: after the first supervisor dies, a new run adopts its daemon.
    first.child.kill('SIGKILL');
    await first.exit;
    const third = cdeskRun(args);
    await until(() => !!running(third), 20_000, 'third running');
    expect(running(third)!.pid).toBe(pid);
    expect(running(third)!.code).toBe('adopted');
    third.child.kill('SIGTERM');
    expect(await third.exit).toBe(0);
    expect(alive(pid)).toBe(false);
  });
});
