// The CLI's layout as a user meets it through bin/cdesk.cjs: docker's verbs at the top, containerd
// under `cdesk daemon`, and every command line of the old layout that would now mean something
// else stopping with exit 2 and the new command named (nothing is contacted: no --control needed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CDESK, ensureBuilt, ROOT } from '../../helpers/serve';

beforeAll(() => ensureBuilt());

/** Run the built CLI with an unreachable control socket, so nothing could be acted on. */
function cdesk(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CDESK, ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: '/nonexistent-cdesk-layout' },
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cdesk --help', () => {
  it('lists the container and image verbs at the top and containerd under daemon', () => {
    const r = cdesk('--help');
    expect(r.code).toBe(0);
    const section = (title: string) => {
      const at = r.stdout.indexOf(`\n${title}:\n`);
      expect(at, title).toBeGreaterThan(-1);
      const body = r.stdout.slice(at + title.length + 3).split('\n\n')[0]!;
      return body.split('\n').map((l) => l.trim().split(/\s+/)[0]);
    };
    expect(section('containers')).toEqual([
      'run',
      'ps',
      'logs',
      'start',
      'stop',
      'restart',
      'kill',
      'rm',
      'inspect',
      'exec',
      'stats',
      'events',
    ]);
    expect(section('images')).toEqual(
      expect.arrayContaining([
        'images',
        'pull',
        'rmi',
        'load',
        'save',
        'login',
        'logout',
        'system',
      ]),
    );
    expect(section('containerd and the app')).toEqual(
      expect.arrayContaining(['daemon', 'status', 'settings', 'env', 'serve']),
    );
    expect(r.stdout).not.toMatch(/stop-task|^ +container |^ +config /m);
  });

  it('a typo names the nearest command (on a tie, the one of the same length)', () => {
    const r = cdesk('stauts');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cdesk: unknown command "stauts"; did you mean status\?/);
    expect(cdesk('demon', 'run').stderr).toMatch(/did you mean daemon\?/);
  });

  it('cdesk daemon --help lists run, start, stop, restart, logs, config', () => {
    const r = cdesk('daemon', '--help');
    expect(r.code).toBe(0);
    const verbs = [...r.stdout.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(verbs).toEqual(['run', 'start', 'stop', 'restart', 'logs', 'config']);
  });

  it("each moved command's help is the new one", () => {
    expect(cdesk('daemon', 'run', '--help').stdout).toMatch(/^usage: cdesk daemon run /);
    expect(cdesk('daemon', 'start', '--help').stdout).toMatch(/^usage: cdesk daemon start /);
    expect(cdesk('daemon', 'logs', '--help').stdout).toMatch(/^usage: cdesk daemon logs /);
    const run = cdesk('run', '--help');
    expect(run.stdout).toMatch(/^usage: cdesk run \[OPTIONS\] IMAGE/);
    expect(run.stdout).toContain('`cdesk daemon run`');
    expect(cdesk('stop', '--help').stdout).toMatch(/^usage: cdesk stop \[-t SECONDS\] CONTAINER/);
    expect(cdesk('kill', '--help').stdout).toMatch(/^usage: cdesk kill \[-s SIGNAL\] CONTAINER/);
    expect(cdesk('logs', '--help').stdout).toMatch(/^usage: cdesk logs .*CONTAINER/);
  });
});

describe('bin/cdesk.cjs routing', () => {
  it('`daemon run`, `run IMAGE` and `exec` take CommonJS fast paths; the other verbs the ES module CLI', () => {
    const loaded = (...args: string[]) => {
      const dir = mkdtempSync(join(tmpdir(), 'cd-route-'));
      try {
        const record = join(dir, 'loaded.txt');
        const r = spawnSync(
          process.execPath,
          ['--import', join(ROOT, 'test/unit/build/record-modules.mjs'), CDESK, ...args],
          { env: { ...process.env, CDESK_RECORD_MODULES: record }, encoding: 'utf8' },
        );
        expect(r.status, args.join(' ')).toBe(0);
        return readFileSync(record, 'utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const supervisor = loaded('daemon', 'run', '--help');
    expect(supervisor).toMatch(/dist\/cli-run\.cjs$/m);
    expect(supervisor).not.toMatch(/dist\/cli\.js$/m);
    for (const verb of ['run', 'exec']) {
      const container = loaded(verb, '--help');
      expect(container, verb).toMatch(/dist\/cli-container\.cjs$/m);
      expect(container, verb).not.toMatch(/dist\/cli\.js$/m);
      expect(container, verb).not.toMatch(/dist\/cli-run\.cjs$/m);
    }
    // After a global -H, main.ts takes it off: the ES module CLI handles the verb.
    expect(loaded('-H', 'nowhere', 'run', '--help')).toMatch(/dist\/cli\.js$/m);
    const listing = loaded('ps', '--help');
    expect(listing).toMatch(/dist\/cli\.js$/m);
    expect(listing).not.toMatch(/dist\/cli-container\.cjs$/m);
  });
});

describe('the old layout exits 2 naming the new command', () => {
  const cases: [args: string[], names: string][] = [
    [['run'], 'cdesk daemon run'],
    [['run', '--json', '--logs'], 'cdesk daemon run'],
    [['run', '--state', '/tmp/s', '--root', '/tmp/r', '--keep-running'], 'cdesk daemon run'],
    [['start'], 'cdesk daemon start'],
    [['start', '--wait', '--timeout', '30s'], 'cdesk daemon start'],
    [['stop', '--json'], 'cdesk daemon stop'],
    [['restart'], 'cdesk daemon restart'],
    [['logs'], 'cdesk daemon logs'],
    [['logs', '-f', '--level', 'warn'], 'cdesk daemon logs'],
    [['logs', '-n', '20', '--grep', 'error'], 'cdesk daemon logs'],
    [['config'], 'cdesk daemon config'],
    [['stop-task', 'web'], 'cdesk stop CONTAINER'],
    [['stop-task', 'web', '--signal', 'HUP'], 'cdesk kill -s SIGNAL CONTAINER'],
    [['container', 'run', '-d', 'busybox'], 'cdesk run'],
    [['container', 'logs', 'web'], 'cdesk logs'],
    [['container', 'rm', 'web'], 'cdesk rm'],
  ];
  for (const [args, names] of cases)
    it(`cdesk ${args.join(' ')} → ${names}`, () => {
      const r = cdesk(...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^cdesk ${args[0]}: moved: use `));
      expect(r.stderr).toContain(`\`${names}`);
    });

  it('the new forms with a container are not taken for the old ones (they reach for the app)', () => {
    for (const args of [
      ['start', 'web'],
      ['stop', 'web'],
      ['logs', 'web'],
      ['run', '-d', 'busybox'],
    ]) {
      const r = cdesk(...args);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr, args.join(' ')).toMatch(/no running Containerd Desktop/);
    }
  });
});

describe('the bin as a shell runs it (its own #! line)', () => {
  it("passes docker's --env-file to cdesk run instead of Node taking it as its own", () => {
    // Node 20 reads an --env-file anywhere on its command line unless a -- ends its options: with
    // a missing file it exits 9 ("node: FILE: not found") before cdesk runs.
    const r = spawnSync(CDESK, ['run', '--env-file', '/nonexistent/env', 'img'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: '/nonexistent-cdesk-layout' },
      timeout: 20_000,
    });
    expect(r.stderr).not.toMatch(/^node:/m);
    expect(r.stderr).toMatch(/--env-file \/nonexistent\/env: cannot read it \(ENOENT\)/);
    expect(r.status).toBe(2);
  });
});
