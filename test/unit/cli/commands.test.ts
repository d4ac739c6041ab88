import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControlServer } from '../../../main/control-socket/control-server';
import type { SettingsStore } from '../../../main/service/settings-store';
import { UsageError } from '../../../main/cli/args';
import { run as config } from '../../../main/cli/cmd-daemon-config';
import { run as logs } from '../../../main/cli/cmd-daemon-logs';
import { run as restart } from '../../../main/cli/cmd-daemon-restart';
import { run as settingsCmd } from '../../../main/cli/cmd-settings';
import { run as start } from '../../../main/cli/cmd-daemon-start';
import { run as status } from '../../../main/cli/cmd-status';
import { run as stop } from '../../../main/cli/cmd-daemon-stop';
import { verbCommand } from '../../../main/cli/cmd-container-verbs';
import { captureIo as io, startControlHarness, type ControlHarness } from '../../helpers/cli-io';
import { FakeEngine, line } from '../service/fake-engine';

let h: ControlHarness;
let dir: string;
let sock: string;
let engine: FakeEngine;
let store: SettingsStore;
let server: ControlServer;

beforeEach(async () => {
  engine = new FakeEngine();
  h = await startControlHarness({ prefix: 'cdesk-cli-', engine });
  ({ dir, sock, store, server } = h);
});
afterEach(() => h.close());

describe('every command', () => {
  it('exits 3 with how to start an app when none is running', async () => {
    const o = io();
    expect(await status(['--control', path.join(dir, 'none.sock')], o)).toBe(3);
    expect(o.stderr).toMatch(/no running Containerd Desktop/);
    expect(o.stderr).toMatch(/open Containerd Desktop \(from a source checkout: `npm start`\)/);
    expect(o.stderr).toMatch(/cdesk serve/);
    expect(o.stderr).toMatch(/cdesk daemon run/);
  });

  it('prints help and exits 0 on --help, without connecting', async () => {
    for (const cmd of [status, start, stop, restart, logs, config, settingsCmd]) {
      const o = io();
      expect(await cmd(['--help'], o)).toBe(0);
      expect(o.stdout).toMatch(/^usage: cdesk /);
      expect(o.stdout).toMatch(/exit codes/);
    }
  });

  it("--help lists each option once: the command's own words, then the common ones it lacks", async () => {
    const modules = await Promise.all(
      [
        'status',
        'daemon-start',
        'daemon-stop',
        'daemon-restart',
        'daemon-logs',
        'daemon-config',
        'logs',
        'settings',
        'ps',
        'images',
        'plugins',
        'events',
        'env',
        'rmi',
        'pull',
        'login',
      ].map(async (name) => ({ name, mod: await import(`../../../main/cli/cmd-${name}`) })),
    );
    for (const verb of ['start', 'stop', 'restart', 'kill', 'rm', 'inspect'] as const)
      modules.push({ name: verb, mod: verbCommand(verb) });
    for (const { name, mod } of modules) {
      const o = io();
      expect(await (mod as { run: typeof status }).run(['--help'], o), name).toBe(0);
      const listed = [...o.stdout.matchAll(/^ +(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
      expect(
        listed.filter((f, i) => listed.indexOf(f) !== i),
        `${name}: listed twice`,
      ).toEqual([]);
      expect(listed, name).toEqual(expect.arrayContaining(['--control', '--json', '--help']));
    }
  });

  it('throws UsageError (exit 2 in main) on unknown flags and stray arguments', async () => {
    await expect(status(['--control', sock, '--bogus'], io())).rejects.toThrow(UsageError);
    await expect(stop(['--control', sock, 'now'], io())).rejects.toThrow(UsageError);
  });

  it('a command without arguments names a stray one before connecting; --help still answers', async () => {
    const none = path.join(dir, 'none.sock');
    for (const name of [
      'status',
      'daemon-start',
      'daemon-stop',
      'daemon-restart',
      'daemon-logs',
      'daemon-config',
      'ps',
      'images',
      'plugins',
      'events',
      'env',
      'dial-stdio',
    ]) {
      const { run } = (await import(`../../../main/cli/cmd-${name}`)) as { run: typeof status };
      await expect(run(['--control', none, 'extra'], io()), name).rejects.toThrow(
        /^unexpected argument extra$/,
      );
      expect(await run(['extra', '--help'], io()), name).toBe(0);
    }
  });
});

describe('status', () => {
  it('prints state, pid, uptime, restarts and health', async () => {
    engine.transition('running');
    const o = io();
    expect(await status(['--control', sock], o)).toBe(0);
    expect(o.stdout).toMatch(/state:\s+running/);
    expect(o.stdout).toMatch(/pid:\s+4242/);
    expect(o.stdout).toMatch(/uptime:\s+1m 5s/);
    expect(o.stdout).toMatch(/restarts:\s+0/);
  });

  it('--json prints the DaemonStatus', async () => {
    const o = io();
    expect(await status(['--control', sock, '--json'], o)).toBe(0);
    expect(JSON.parse(o.stdout)).toMatchObject({ state: 'stopped', pid: null });
  });
});

describe('start / stop / restart', () => {
  it('start exits 0 when running', async () => {
    const o = io();
    expect(await start(['--control', sock], o)).toBe(0);
    expect(o.stdout).toBe('containerd is running (pid 4242)\n');
  });

  it('start exits 1 when the daemon failed, showing the hint', async () => {
    engine.onStart = async () => {
      engine.transition('failed', 'binary-missing', 'containerd not found');
      engine.current = { ...engine.current, hint: 'install containerd' };
      return engine.current;
    };
    const o = io();
    expect(await start(['--control', sock], o)).toBe(1);
    expect(o.stdout).toMatch(/hint:\s+install containerd/);
  });

  it('start reports an engine error with its hint and exits 1', async () => {
    engine.onStart = async () => {
      throw Object.assign(
        new (await import('../../../main/engine/errors')).EngineError('busy', 'busy now', 'wait'),
      );
    };
    const o = io();
    expect(await start(['--control', sock], o)).toBe(1);
    expect(o.stderr).toBe('cdesk daemon start: busy now\n  hint: wait\n');
  });

  it('start --wait follows progress until running', async () => {
    engine.onStart = async () => {
      setTimeout(() => engine.transition('running', 'healthy', 'containerd is serving'), 50);
      return engine.transition('starting', 'spawned', 'spawned containerd');
    };
    const o = io();
    expect(await start(['--control', sock, '--wait'], o)).toBe(0);
    expect(o.stderr).toContain('starting: spawned containerd');
    expect(o.stderr).toContain('running: containerd is serving');
  });

  it('start --wait exits 1 on timeout', async () => {
    engine.onStart = async () => engine.transition('backoff');
    const o = io();
    expect(await start(['--control', sock, '--wait', '--timeout', '1'], o)).toBe(1);
    expect(o.stderr).toMatch(/not running after 1s/);
  });

  it('--timeout needs --wait', async () => {
    await expect(start(['--control', sock, '--timeout', '5'], io())).rejects.toThrow(/--wait/);
  });

  it('stop and restart exit 0 on the wanted state', async () => {
    expect(await stop(['--control', sock], io())).toBe(0);
    expect(await restart(['--control', sock], io())).toBe(0);
    expect(engine.calls).toEqual(['stop', 'restart']);
  });
});

describe('logs', () => {
  beforeEach(() => {
    engine.logs = [line(1), line(2, 'warn'), line(3)];
  });

  it('prints the raw lines', async () => {
    const o = io();
    expect(await logs(['--control', sock], o)).toBe(0);
    expect(o.stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(o.stdout).toContain('level=warn msg="line 2"');
  });

  it('passes --level, --grep, -n and a relative --since to the app', async () => {
    const before = Date.now();
    expect(
      await logs(
        ['--control', sock, '--level', 'warn', '--grep', 'x', '-n', '5', '--since', '5m'],
        io(),
      ),
    ).toBe(0);
    const q = JSON.parse(engine.calls[0]!.slice('readLogs '.length));
    expect(q).toMatchObject({ level: 'warn', text: 'x', limit: 5 });
    expect(before - 5 * 60_000 - q.sinceTime).toBeLessThanOrEqual(0);
    expect(Date.now() - 5 * 60_000 - q.sinceTime).toBeGreaterThanOrEqual(0);
  });

  it('refuses a --since before 1970 as a usage error, asking the app nothing', async () => {
    for (const since of ['99999999d', '1969-12-31']) {
      const err = await logs(['--control', sock, '--since', since], io()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(new RegExp(`--since ${since} is before 1970`));
    }
    expect(engine.calls).toEqual([]);
  });

  it('--tail N (as docker logs), -n and the older --lines all ask for the newest N lines', async () => {
    for (const flag of ['--tail', '-n', '--lines']) {
      engine.calls.length = 0;
      const o = io();
      expect(await logs(['--control', sock, flag, '2'], o), flag).toBe(0);
      expect(JSON.parse(engine.calls[0]!.slice('readLogs '.length)), flag).toMatchObject({
        limit: 2,
      });
      expect(o.stdout.trim().split('\n'), flag).toEqual([
        'level=warn msg="line 2"',
        'level=info msg="line 3"',
      ]);
    }
    const all = io();
    expect(await logs(['--control', sock, '--tail', 'all'], all)).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('--tail 0 -f prints only lines that arrive after it started', async () => {
    const o = io();
    const done = logs(['--control', sock, '-f', '--tail', '0'], o);
    // Sent until the follower has subscribed and prints it.
    await expect
      .poll(() => {
        engine.emit({ type: 'log', lines: [line(4, 'warn', 'fresh')] });
        return o.stdout;
      })
      .toContain('fresh');
    o.abort();
    expect(await done).toBe(0);
    expect(o.stdout).toBe('level=warn msg="fresh"\n');
  });

  it('a bad --tail or -n names the flag and says -n counts lines here, not a namespace', async () => {
    await expect(logs(['--control', sock, '-n', 'default'], io())).rejects.toThrow(
      /--tail must be a number of lines from 0 to 100000, or all \(got default\); on logs, -n is --tail as in docker logs/,
    );
    await expect(logs(['--control', sock, '--tail', '-1'], io())).rejects.toThrow(UsageError);
    await expect(logs(['--control', sock, '--tail', '1', '--lines', '1'], io())).rejects.toThrow(
      /give one of them/,
    );
  });

  it('reads --since in the one duration grammar, milliseconds to days', async () => {
    const before = Date.now();
    for (const [since, ms] of [
      ['500ms', 500],
      ['1h30m', 5_400_000],
      ['1d', 86_400_000],
    ] as const) {
      engine.calls.length = 0;
      expect(await logs(['--control', sock, '--since', since], io())).toBe(0);
      const q = JSON.parse(engine.calls[0]!.slice('readLogs '.length));
      expect(q.sinceTime).toBeLessThanOrEqual(Date.now() - ms);
      expect(q.sinceTime).toBeGreaterThanOrEqual(before - ms);
    }
  });

  it('rejects a bad --since or --level naming the accepted forms', async () => {
    await expect(logs(['--control', sock, '--since', '5'], io())).rejects.toThrow(
      /time ago with a unit/,
    );
    await expect(logs(['--control', sock, '--since', 'yesterday'], io())).rejects.toThrow(
      /ISO date .* 500ms, 30s, 2m, 1h, 1d/,
    );
    await expect(logs(['--control', sock, '--level', 'loud'], io())).rejects.toThrow(
      /--level must be one of/,
    );
  });

  it('--json prints one LogLine per line', async () => {
    const o = io();
    await logs(['--control', sock, '--json'], o);
    expect(
      o.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual([1, 2, 3]);
  });

  it('-f prints the backlog, then new matching lines once each, and stops quietly on Ctrl-C', async () => {
    const o = io();
    const done = logs(['--control', sock, '-f', '--level', 'warn'], o);
    await expect.poll(() => o.stdout).toContain('line 2');
    // seq 3 was in the backlog already; 4 is info (filtered out), 5 is new.
    engine.emit({ type: 'log', lines: [line(3, 'error'), line(4), line(5, 'error')] });
    await expect.poll(() => o.stdout).toContain('line 5');
    o.abort();
    expect(await done).toBe(0);
    expect(o.stdout.trim().split('\n')).toEqual([
      'level=warn msg="line 2"',
      'level=error msg="line 5"',
    ]);
    // Closing our end after Ctrl-C is no news: nothing about the app quitting, not even later.
    await new Promise((r) => setTimeout(r, 50));
    expect(o.stderr).toBe('');
  });

  it('-f exits 1 when the app goes away', async () => {
    const o = io();
    const done = logs(['--control', sock, '-f'], o);
    await expect.poll(() => o.stdout).toContain('line 3');
    await server.close();
    expect(await done).toBe(1);
    expect(o.stderr).toMatch(/closed/);
  });
});

describe('config', () => {
  it('prints the TOML', async () => {
    const o = io();
    expect(await config(['--control', sock], o)).toBe(0);
    expect(o.stdout).toBe('version = 2\nroot = "/tmp/r"\n');
  });
});

describe('settings', () => {
  it('get KEY prints one value; get prints every dotted key', async () => {
    const o = io();
    expect(await settingsCmd(['get', 'restart.backoffMaxMs', '--control', sock], o)).toBe(0);
    expect(o.stdout).toBe('30000\n');
    const all = io();
    expect(await settingsCmd(['get', '--control', sock], all)).toBe(0);
    expect(all.stdout).toContain('health.livenessFailures = 3');
    expect(all.stdout).toContain('rootDir = null');
  });

  it('set KEY VALUE parses JSON values and bare strings', async () => {
    expect(
      await settingsCmd(['set', 'restart.backoffMaxMs', '5000', '--control', sock], io()),
    ).toBe(0);
    expect(await settingsCmd(['set', 'logLevel', 'debug', '--control', sock], io())).toBe(0);
    expect(store.get().restart.backoffMaxMs).toBe(5000);
    expect(store.get().logLevel).toBe('debug');
    expect(engine.applied).toHaveLength(2);
  });

  it('set with an invalid value exits 1 naming the field, and changes nothing', async () => {
    const o = io();
    expect(await settingsCmd(['set', 'logLevel', 'loud', '--control', sock], o)).toBe(1);
    expect(o.stderr).toMatch(/logLevel/);
    expect(o.stderr).toMatch(/hint:/);
    expect(store.get().logLevel).toBe('info');
  });

  it('an unknown key is a usage error listing the known ones', async () => {
    await expect(settingsCmd(['get', 'nope', '--control', sock], io())).rejects.toThrow(
      /unknown setting "nope".*logLevel/,
    );
    await expect(
      settingsCmd(['set', 'restart.nope', '1', '--control', sock], io()),
    ).rejects.toThrow(UsageError);
    await expect(settingsCmd(['frob', '--control', sock], io())).rejects.toThrow(/use get or set/);
  });
});
